// Atomic file writes: write a temp file in the same directory, flush it, rename it over the target,
// then flush the directory so the rename itself survives a power loss. A crash or SIGKILL leaves
// either the old file or the new one, never a torn one; the temp files such a crash leaves behind
// are removed by `removeStaleTempFiles` when the experiment is next opened.
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeSync } from "node:fs";
import { dirname, basename, join } from "node:path";

let counter = 0;

/**
 * The one place bytes reach the disk. Tests replace `write` to simulate a full disk (ENOSPC) or
 * other write errors without needing a small filesystem.
 */
export const storageIo = {
  write: (fd: number, bytes: Uint8Array, offset: number, length: number): number => writeSync(fd, bytes, offset, length),
};

/**
 * Test-only fault injection, for the kill-and-resume harness (test/helpers/kill-resume.ts): with
 * LOTTERY_TEST_KILL_AT_WRITE="<file name>:<n>:<phase>" this process SIGKILLs itself during its n-th
 * write of a file of that name: "partial" with half of the temp file written, "unrenamed" with the
 * temp file complete but not renamed, "renamed" right after the rename. Killing at random moments
 * from outside rarely lands in these few milliseconds, and they are where a store loses files.
 */
const killAt = parseKillAt(process.env.LOTTERY_TEST_KILL_AT_WRITE);
const writesByName = new Map<string, number>();

type KillPhase = "partial" | "unrenamed" | "renamed";

function parseKillAt(spec: string | undefined): { name: string; n: number; phase: KillPhase } | null {
  if (!spec) return null;
  const m = /^(.+):(\d+):(partial|unrenamed|renamed)$/.exec(spec);
  if (!m) throw new Error(`invalid LOTTERY_TEST_KILL_AT_WRITE ${JSON.stringify(spec)}: use <file name>:<n>:<partial|unrenamed|renamed> (a test hook)`);
  return { name: m[1]!, n: Number(m[2]), phase: m[3] as KillPhase };
}

/** The phase at which this write is to be killed, if it is the one LOTTERY_TEST_KILL_AT_WRITE names. */
function killPhaseOf(name: string): KillPhase | null {
  if (!killAt || killAt.name !== name) return null;
  const n = (writesByName.get(name) ?? 0) + 1;
  writesByName.set(name, n);
  return n === killAt.n ? killAt.phase : null;
}

function dieIf(phase: KillPhase | null, now: KillPhase): void {
  if (phase !== now) return;
  process.kill(process.pid, "SIGKILL");
  // SIGKILL cannot be caught; wait for it rather than run one more statement.
  for (;;) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1000);
}

/** Temp files are `.<name>.<pid>.<n>.tmp`, so the writer's pid can be told from the name. */
const TEMP = /^\..+\.(\d+)\.\d+\.tmp$/;

function describe(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  if (e?.code === "ENOSPC") return "no space left on the device (free some space and rerun the same command: finished runs are kept)";
  if (e?.code === "EDQUOT") return "disk quota exceeded (free some space and rerun the same command: finished runs are kept)";
  return e?.message ?? String(err);
}

/**
 * Writes a file so that a crash leaves either the old file or the new one, never a part: a temporary
 * file in the same directory, fsync, rename, fsync of the directory.
 *
 * @throws Error naming the file, with the fix for a full disk or quota.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const dir = dirname(path);
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${counter++}.tmp`);
  const kill = killAt && killPhaseOf(basename(path));
  try {
    mkdirSync(dir, { recursive: true });
    const fd = openSync(tmp, "w");
    try {
      const bytes = typeof data === "string" ? Buffer.from(data, "utf8") : data;
      let off = 0;
      const half = kill === "partial" ? bytes.length >> 1 : 0;
      while (off < half) off += storageIo.write(fd, bytes, off, half - off);
      dieIf(kill, "partial");
      while (off < bytes.length) off += storageIo.write(fd, bytes, off, bytes.length - off);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    dieIf(kill, "unrenamed");
    renameSync(tmp, path);
    dieIf(kill, "renamed");
  } catch (err) {
    rmSync(tmp, { force: true });
    const wrapped = new Error(`cannot write ${path}: ${describe(err)}`, { cause: err });
    (wrapped as NodeJS.ErrnoException).code = (err as NodeJS.ErrnoException)?.code;
    throw wrapped;
  }
  syncDirectory(dir);
}

/** Flushes a directory entry (the rename); a no-op where directories cannot be opened (Windows). */
function syncDirectory(dir: string): void {
  let fd: number;
  try {
    fd = openSync(dir, "r");
  } catch {
    return;
  }
  try {
    fsyncSync(fd);
  } catch {
    // Some filesystems refuse fsync on directories (EINVAL); the rename is still atomic there.
  } finally {
    closeSync(fd);
  }
}

/** Is `pid` a live process on this host? */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Is `pid` a live process that was already running at `sinceMs` (epoch ms)? Pids are reused (pid_max
 * is 32768 in many containers, and wraps within minutes on a busy machine), so a lock or temp file of
 * a killed process can name a live stranger; a process that started after the file was written is
 * not its writer. Where start times cannot be read (not Linux), a live pid counts as the writer.
 */
export function aliveSince(pid: number, sinceMs: number): boolean {
  if (!alive(pid)) return false;
  const started = processStartMs(pid);
  // Start times are known to ~1 s (boot time) and 10 ms (clock ticks).
  return started === null || !Number.isFinite(sinceMs) || started <= sinceMs + 2000;
}

function processStartMs(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name (which may hold spaces and parentheses); starttime is field 22.
    const ticks = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19]);
    const boot = Number(/^btime (\d+)$/m.exec(readFileSync("/proc/stat", "utf8"))?.[1]);
    const ms = boot * 1000 + (ticks / 100) * 1000; // USER_HZ is 100 on Linux
    return Number.isFinite(ms) ? ms : null;
  } catch {
    return null;
  }
}

/**
 * Removes the temp files that writers killed between open and rename left under `dir` (checkpoints
 * of conv nets are hundreds of MB). Files of live processes are kept: they may be writing them now.
 * Returns the paths removed.
 */
export function removeStaleTempFiles(dir: string): string[] {
  const removed: string[] = [];
  if (!existsSync(dir)) return removed;
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else {
        const m = TEMP.exec(e.name);
        if (m && Number(m[1]) !== process.pid && !aliveSince(Number(m[1]), statSync(p).mtimeMs)) {
          rmSync(p, { force: true });
          removed.push(p);
        }
      }
    }
  };
  walk(dir);
  return removed;
}

/** Writes a value as indented JSON, atomically (see {@link writeFileAtomic}). */
export function writeJsonAtomic(path: string, value: unknown): void {
  writeFileAtomic(path, `${JSON.stringify(value, null, 2)}\n`);
}

/** Rewrites a JSON-lines file atomically with all its records. */
export function writeJsonLinesAtomic(path: string, records: readonly unknown[]): void {
  writeFileAtomic(path, records.map((r) => JSON.stringify(r)).join("\n") + (records.length ? "\n" : ""));
}
