// Fault injection, repeated (issue 17): runs a short experiment through the built CLI in a child
// process, SIGKILLs it, resumes it with the same command, and again, until it finishes; then checks
// that the experiment directory holds exactly what an uninterrupted run wrote. Kills come from
// outside at random moments (mostly mid-training) or from the store's own test hook in the middle
// of a write (LOTTERY_TEST_KILL_AT_WRITE, src/store/atomic.ts), which outside timing rarely hits.
// Used by test/store/kill-resume.test.ts (a handful of kills) and scripts/stress.ts (many).
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Rng } from "../../src/util/rng.js";
import { differences, experimentResults, onlyExperiment } from "./results.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
const BIN = join(ROOT, "bin", "lottery.js");

/**
 * How one process is to be killed: `afterMs` after it starts training its first run (the line
 * "kernels: ..." on stderr), so that a loaded machine's slow start-up does not eat the delay; or
 * in a write (with a timed fallback, from the process's start, in case that write never comes).
 */
export type Kill =
  | { how: "timed"; afterMs: number }
  | { how: "write"; file: string; n: number; phase: "partial" | "unrenamed" | "renamed"; fallbackMs: number };

/** What happened to one process. */
export interface KillRecord {
  planned: Kill;
  /**
   * "startup", "training", "write <file> #n <phase>", "write <file> #n never came" (killed by the
   * fallback timer: a process that hangs shows up here), or "finished" when the process ended first.
   */
  landed: string;
}

export interface RoundResult {
  kills: KillRecord[];
  /** The processes it took, the final uninterrupted resume included. */
  processes: number;
  differences: string[];
}

export interface HarnessOptions {
  /** `lottery run` arguments (without --out and --data-dir). */
  args: string[];
  dataDir: string;
  /** The kill of process `index` (0-based) of round `round`; null runs that process to the end. */
  plan(round: number, index: number, rng: Rng): Kill | null;
  /** Rounds at most; `enough` may stop earlier (checked after each round). */
  rounds: number;
  enough?: (done: readonly RoundResult[]) => boolean;
  seed: number;
  log?: (message: string) => void;
}

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  killedByUs: boolean;
  /** For a write kill whose write never came: what the process was doing when the fallback fired. */
  doing?: string;
}

/** What a process is doing, from /proc (Linux): state, kernel wait channel, system call, CPU seconds. */
function procState(pid: number): string {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const cpu = (Number(fields[11]) + Number(fields[12])) / 100;
    const wchan = readFileSync(`/proc/${pid}/wchan`, "utf8");
    const syscall = readFileSync(`/proc/${pid}/syscall`, "utf8").split(" ")[0];
    const threads = readdirSync(`/proc/${pid}/task`)
      .map((t) => readFileSync(`/proc/${pid}/task/${t}/syscall`, "utf8").split(" ")[0])
      .join(",");
    return `state ${fields[0]}, wchan ${wchan || "-"}, syscall ${syscall} (threads: ${threads}), ${cpu.toFixed(1)} s of CPU`;
  } catch (err) {
    return `(no /proc: ${(err as Error).message})`;
  }
}

/** The CLI from dist/: a tenth of tsx's start-up time, which every resume pays. */
export function assertBuilt(): void {
  const main = join(ROOT, "dist", "cli", "main.js");
  if (!existsSync(main)) throw new Error("dist/ is missing: run `npm run build` (npm test does) before the kill-and-resume harness");
  const built = statSync(main).mtimeMs;
  const newer = (dir: string): string | null => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      const found = e.isDirectory() ? newer(p) : e.name.endsWith(".ts") && statSync(p).mtimeMs > built ? p : null;
      if (found) return found;
    }
    return null;
  };
  const stale = newer(join(ROOT, "src"));
  if (stale) throw new Error(`dist/ is older than ${stale}: run \`npm run build\` first (the harness runs the built CLI)`);
}

/** Runs the CLI; kills it `kill.ms` after its start, or after its first "kernels:" line. */
function runOnce(args: string[], env: Record<string, string>, kill: { ms: number; from: "start" | "training" } | null): Promise<Exit> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "",
      stderr = "",
      killedByUs = false,
      doing: string | undefined;
    let timer: NodeJS.Timeout | null = null;
    const arm = () => {
      timer ??= setTimeout(() => {
        killedByUs = true;
        if (kill!.from === "start" && child.pid !== undefined) doing = procState(child.pid);
        child.kill("SIGKILL");
      }, kill!.ms);
    };
    if (kill?.from === "start") arm();
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => {
      stderr += d;
      if (kill?.from === "training" && /kernels:/.test(stderr)) arm();
    });
    child.on("error", reject);
    child.on("close", (code, signal) => {
      if (timer) clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, killedByUs, doing });
    });
  });
}

function describeKill(k: Kill): string {
  return k.how === "timed" ? `${(k.afterMs / 1000).toFixed(2)} s into training` : `in write ${k.n} of ${k.file} (${k.phase})`;
}

/** Runs the uninterrupted reference, then the rounds; throws on a resume that fails. */
export async function killAndResume(o: HarnessOptions): Promise<{ rounds: RoundResult[]; referenceSeconds: number }> {
  assertBuilt();
  const scratch = mkdtempSync(join(tmpdir(), "lottery-kill-"));
  const log = o.log ?? (() => {});
  try {
    const args = (out: string) => ["run", ...o.args, "--no-report", "--data-dir", o.dataDir, "--out", out];
    const env = { LOTTERY_CHECKPOINT_SECONDS: "0" };
    const started = performance.now();
    const reference = await runOnce(args(join(scratch, "reference")), env, null);
    if (reference.code !== 0) throw new Error(`the uninterrupted run failed (${reference.code}):\n${reference.stderr}`);
    const referenceSeconds = (performance.now() - started) / 1000;
    const expected = experimentResults(onlyExperiment(join(scratch, "reference")));
    log(`reference run: ${referenceSeconds.toFixed(1)} s, ${Object.keys(expected).length} files`);

    const rng = new Rng(o.seed, "kill-resume");
    const rounds: RoundResult[] = [];
    for (let round = 0; round < o.rounds; round++) {
      const out = join(scratch, `round-${round}`);
      const kills: KillRecord[] = [];
      let processes = 0;
      for (let index = 0; ; index++) {
        const kill = o.plan(round, index, rng);
        const hook: Record<string, string> = kill?.how === "write" ? { LOTTERY_TEST_KILL_AT_WRITE: `${kill.file}:${kill.n}:${kill.phase}` } : {};
        const exit = await runOnce(
          args(out),
          { ...env, ...hook },
          kill === null ? null : kill.how === "timed" ? { ms: kill.afterMs, from: "training" } : { ms: kill.fallbackMs, from: "start" },
        );
        processes++;
        if (exit.signal === "SIGKILL") {
          const landed =
            kill?.how === "write"
              ? exit.killedByUs
                ? `write ${kill.file} #${kill.n} never came`
                : `write ${kill.file} #${kill.n} ${kill.phase}`
              : /kernels:/.test(exit.stderr)
                ? "training"
                : "startup";
          kills.push({ planned: kill!, landed });
          log(`round ${round} process ${index}: killed ${kill ? describeKill(kill) : ""} -> ${landed}`);
          if (kill?.how === "write" && exit.killedByUs)
            log(`  it was alive after ${kill.fallbackMs / 1000} s (${exit.doing}); its last words: ${exit.stderr.trim().split("\n").slice(-3).join(" | ")}`);
          continue;
        }
        if (exit.code !== 0) throw new Error(`round ${round}: resume ${index} failed with exit code ${exit.code} (signal ${exit.signal}):\n${exit.stderr}`);
        if (kill) kills.push({ planned: kill, landed: "finished" });
        break;
      }
      const diff = differences(experimentResults(onlyExperiment(out)), expected);
      log(
        `round ${round}: ${kills.filter((k) => k.landed !== "finished").length} kills, ${processes} processes, ${diff.length ? `DIFFERENT: ${diff.join(", ")}` : "identical to the uninterrupted run"}`,
      );
      rounds.push({ kills, processes, differences: diff });
      rmSync(out, { recursive: true, force: true });
      if (o.enough?.(rounds)) break;
    }
    return { rounds, referenceSeconds };
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** Kills survived (processes that were killed and then resumed), by where they landed. */
export function tally(rounds: readonly RoundResult[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const r of rounds) {
    for (const k of r.kills) {
      if (k.landed === "finished") continue;
      const key = k.landed.startsWith("write ") ? k.landed.replace(/ #\d+/, "") : k.landed;
      out.set(key, (out.get(key) ?? 0) + 1);
    }
  }
  return out;
}
