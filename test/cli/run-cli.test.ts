// `lottery run` end to end on real MNIST: a tiny experiment with the reinit control and its
// report, JSON lines, and exact resumption after SIGKILL in the middle of a level.
import test from "ava";
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import { runCli } from "../helpers/cli.js";
import { dataDir } from "../helpers/data.js";

const ARGS = ["--levels", "3", "--iterations", "300", "--eval-every", "50", "--controls", "reinit", "--val-size", "1000"];

function experimentDir(root: string): string {
  const dirs = readdirSync(root).filter((d) => d.startsWith("lenet_300_100_"));
  if (dirs.length !== 1) throw new Error(`expected one experiment in ${root}, found ${dirs.join(", ")}`);
  return join(root, dirs[0]!);
}

/** Everything that must be identical between two runs: summaries without timings, metrics, weights. */
function results(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name === "summary.json") {
        const s = JSON.parse(readFileSync(p, "utf8"));
        delete s.seconds;
        delete s.step_ms;
        delete s.checksum; // of the fields above too
        out[p.slice(dir.length)] = JSON.stringify(s);
      } else if (e.name.endsWith(".jsonl") || e.name.endsWith(".lt")) out[p.slice(dir.length)] = readFileSync(p).toString("base64");
    }
  };
  walk(dir);
  return out;
}

test("a tiny lottery run on real MNIST prints a table and JSON lines and writes its report", async (t) => {
  const root = mkdtempSync(join(tmpdir(), "lottery-run-"));
  try {
    const r = await runCli(["run", ...ARGS, "--data-dir", dataDir(), "--out", root, "--json"]);
    t.is(r.code, 0, r.stderr);
    // --json: stdout is JSON and nothing else (`lottery run --json | jq` parses every line).
    const lines = r.stdout
      .trimEnd()
      .split("\n")
      .map((l) => {
        try {
          return JSON.parse(l);
        } catch {
          t.fail(`stdout has a line that is not JSON: ${JSON.stringify(l)}`);
          return null;
        }
      });
    t.deepEqual(
      lines.map((l) => `${l.level}/${l.branch}`),
      ["0/ticket", "1/ticket", "1/reinit", "2/ticket", "2/reinit", "3/ticket", "3/reinit"],
    );
    for (const l of lines)
      for (const k of ["trial", "level", "branch", "pm", "early_stop_iteration", "early_stop_test_accuracy", "final_test_accuracy", "seconds"])
        t.true(k in l, k);
    t.is(lines[5].pm.toFixed(3), "0.513");
    // The table and the paths, for people, go to stderr.
    t.regex(r.stderr, /trial\s+run\s+Pm\s+branch\s+es iter\s+es val\s+es test\s+end val\s+end test\s+time/);
    const dir = experimentDir(root);
    t.regex(r.stderr, new RegExp(`^experiment: ${dir}$`, "m"));
    t.regex(r.stderr, new RegExp(`^report: ${join(dir, "report.html")}$`, "m"));
    // LeNet-300-100 with the paper's method: the paper's numbers beside these, on the terminal too.
    t.regex(r.stderr, /\nAgainst the paper:\n\n\| claim \(LeNet-300-100\) \| the paper \| this experiment \|\n/);
    t.regex(
      r.stderr,
      /\| tickets reach minimum validation loss sooner than the dense network \(at best\) \| 38% sooner \(1\.61x\) at Pm 21% \| \d\.\d\dx at Pm /,
    );
    for (const f of ["report.html", "runs.csv", "accuracy-vs-pm.svg", "early-stop-vs-pm.svg", "accuracy-over-training.svg", "magnitudes.svg"])
      t.true(existsSync(join(dir, f)), f);
    const csv = readFileSync(join(dir, "runs.csv"), "utf8")
      .trim()
      .split("\n")
      .map((l) => l.split(","));
    t.is(csv.length, 8, "a header and one row per trained network");
    const column = (name: string) => csv.slice(1).map((row) => row[csv[0]!.indexOf(name)]!);
    t.true(
      column("step_ms").every((v) => Number(v) > 0),
      `every run's median step time: ${column("step_ms")}`,
    );
    t.true(
      column("threads").every((v) => Number(v) >= 1),
      `and its threads: ${column("threads")}`,
    );
    t.deepEqual(
      column("sparse_layers").map((v) => v.split(";").every((p) => p === "" || /\.weight$/.test(p))),
      column("sparse_layers").map(() => true),
    );
    const html = readFileSync(join(dir, "report.html"), "utf8");
    t.regex(html, /51\.3%/);
    t.regex(html, /fc1\.weight/);
    // `lottery report DIR` regenerates it
    const rep = await runCli(["report", dir]);
    t.is(rep.code, 0, rep.stderr);
    t.regex(rep.stdout, /report\.html/);
    t.regex(rep.stdout, /^Against the paper:\n\n\| claim \(LeNet-300-100\)/);
    t.regex(html, /<section id="paper">/);

    // --masks-from: level 3's ticket and the dense network, on twice the iterations, in an experiment of its own.
    const source = dir.slice(root.length + 1);
    const longer = ["--iterations", "600", "--eval-every", "100", "--controls", "reinit", "--val-size", "1000"];
    const imp = await runCli(["run", "--masks-from", source, "--mask-levels", "3,0", ...longer, "--data-dir", dataDir(), "--out", root, "--json"]);
    t.is(imp.code, 0, imp.stderr);
    const runs = imp.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    t.deepEqual(
      runs.map((l) => `${l.level}/${l.branch}`),
      ["0/ticket", "3/ticket", "3/reinit"],
    );
    t.is(runs[1].pm, lines[5].pm, "level 3's mask");
    const importDir = /^experiment: (.*)$/m.exec(imp.stderr)![1]!;
    t.not(importDir, dir);
    t.regex(readFileSync(join(importDir, "report.html"), "utf8"), new RegExp(`masks <strong>trained from ${source}</strong> \\(its levels 0, 3, on its θ0\\)`));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("killed with SIGKILL in the middle of a level, a rerun ends with exactly the results of an uninterrupted run", async (t) => {
  const a = mkdtempSync(join(tmpdir(), "lottery-kill-a-")),
    b = mkdtempSync(join(tmpdir(), "lottery-kill-b-"));
  try {
    const env = { LOTTERY_CHECKPOINT_SECONDS: "0" };
    const clean = await runCli(["run", ...ARGS, "--data-dir", dataDir(), "--out", a, "--no-report"], env);
    t.is(clean.code, 0, clean.stderr);

    // Start the same run and kill it as soon as level 2 has a mid-level checkpoint.
    const main = fileURLToPath(new URL("../../src/cli/main.ts", import.meta.url));
    const child = spawn(process.execPath, ["--import=tsx", main, "run", ...ARGS, "--data-dir", dataDir(), "--out", b, "--no-report"], {
      env: { ...process.env, ...env },
      stdio: "ignore",
    });
    const killedMidLevel = await new Promise<boolean>((resolve) => {
      const timer = setInterval(() => {
        const dirs = existsSync(b) ? readdirSync(b) : [];
        const ckpt = dirs.length ? join(b, dirs[0]!, "trial_0", "level_2", "checkpoint.lt") : "";
        if (ckpt && existsSync(ckpt)) {
          clearInterval(timer);
          child.kill("SIGKILL");
          resolve(true);
        }
      }, 5);
      child.on("exit", () => {
        clearInterval(timer);
        resolve(false);
      });
    });
    t.true(killedMidLevel, "the run was killed while level 2 was training");
    await new Promise((r) => child.on("exit", r));
    const dir = experimentDir(b);
    t.false(existsSync(join(dir, "trial_0", "level_2", "summary.json")), "level 2 did not finish before the kill");

    const resumed = await runCli(["run", ...ARGS, "--data-dir", dataDir(), "--out", b, "--no-report"], env);
    t.is(resumed.code, 0, resumed.stderr);
    t.regex(resumed.stderr, /resuming at iteration \d+/);
    t.deepEqual(results(dir), results(experimentDir(a)));
  } finally {
    rmSync(a, { recursive: true, force: true });
    rmSync(b, { recursive: true, force: true });
  }
});

test("--estimate times the dense and the sparsest network and the evaluations here, counts every run, and trains and writes nothing", async (t) => {
  const root = mkdtempSync(join(tmpdir(), "lottery-estimate-"));
  try {
    const args = ["run", "--levels", "2", "--iterations", "110", "--eval-every", "50", "--controls", "reinit", "--val-size", "500", "--threads", "1"];
    const r = await runCli([...args, "--estimate", "--json", "--data-dir", dataDir(), "--out", root]);
    t.is(r.code, 0, r.stderr);
    const e = JSON.parse(r.stdout.trim());
    t.like(e, { runs: 5, iterations: 110, evaluations: 4, threads: 1 }, "level 0, levels 1-2 and their controls; evaluations at 0, 50, 100 and 110");
    t.is(e.sparsestPm.toFixed(4), "0.6406", "level 2 of LeNet's schedule");
    for (const k of ["denseStepMs", "sparsestStepMs", "valSeconds", "testSeconds"]) t.true(e[k] > 0, k);
    t.true(e.testSeconds > e.valSeconds, "10,000 test images take longer than 500 validation ones");
    t.true(e.seconds.low > 0 && e.seconds.low <= e.seconds.high);
    t.deepEqual(readdirSync(root), [], "nothing written");
    const text = await runCli([...args, "--estimate", "--data-dir", dataDir(), "--out", root]);
    t.is(text.code, 0, text.stderr);
    t.regex(
      text.stdout,
      /^5 runs of 110 iterations, 4 evaluations each \(validation every 50; test at each\)\nstep \(median, 1 thread, --kernels auto\): [\d.]+ ms dense, [\d.]+ ms at Pm 64\.06% \(the sparsest run\)\nevaluation: [\d.]+ s validation \(500 images\), [\d.]+ s test \(10,000\)\nabout \d+ (s|min) to \d+ (s|min) in all on this machine/,
    );
    // Global pruning: the probe's masks follow the layer-wise counts (ranking equal scores globally would empty the output layer).
    const net = join(root, "..", `${basename(root)}-mlp.json`);
    writeFileSync(
      net,
      JSON.stringify({
        name: "mlp",
        layers: [
          { type: "linear", units: 32, relu: true },
          { type: "linear", units: "classes" },
        ],
      }),
    );
    try {
      const global = await runCli([
        "run",
        "--model-file",
        net,
        "--scope",
        "global",
        "--levels",
        "15",
        "--iterations",
        "20",
        "--val-size",
        "200",
        "--threads",
        "1",
        "--estimate",
        "--json",
        "--data-dir",
        dataDir(),
        "--out",
        root,
      ]);
      t.is(global.code, 0, global.stderr);
      t.like(JSON.parse(global.stdout.trim()), { runs: 16 });
    } finally {
      rmSync(net, { force: true });
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
