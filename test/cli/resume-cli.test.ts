// `lottery resume DIR`: an experiment continued from the settings kept in its directory ends with
// exactly what the `lottery run` command that made it would have written, for a registered model
// with non-default settings and for a --model-file network; a directory that is not an
// experiment, one renamed away from its settings' name, or one whose network copy was edited or
// lost is refused with the fix, before anything trains.
import test from "ava";
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "../helpers/cli.js";
import { dataDir } from "../helpers/data.js";
import { differences, experimentResults } from "../helpers/results.js";

// Settings away from the defaults, so resuming with the defaults instead of the stored ones would show.
const ARGS = [
  "--levels",
  "1",
  "--iterations",
  "60",
  "--eval-every",
  "30",
  "--eval-test",
  "improved",
  "--controls",
  "reinit",
  "--val-size",
  "200",
  "--trials",
  "2",
];
/** Flags that choose how, not what, to train (the data directory is looked up when a test runs). */
const runtime = () => ["--threads", "1", "--no-report", "--data-dir", dataDir()];

function experimentDir(output: string): string {
  return /^experiment: (.*)$/m.exec(output)![1]!;
}

/** The JSON lines of `--json` as "trial/level/branch resumed?" strings. */
function runLines(stdout: string): string[] {
  return stdout
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as { trial: number; level: number; branch: string; resumed: boolean })
    .map((l) => `${l.trial}/${l.level}/${l.branch}${l.resumed ? " stored" : ""}`);
}

test("an experiment with trial 1 left to train: resume trains it from the stored settings, as the full command does", async (t) => {
  const a = mkdtempSync(join(tmpdir(), "lottery-resume-a-")),
    b = mkdtempSync(join(tmpdir(), "lottery-resume-b-"));
  try {
    const full = await runCli(["run", ...ARGS, ...runtime(), "--out", a]);
    t.is(full.code, 0, full.stderr);
    const part = await runCli(["run", ...ARGS, "--trial", "0", ...runtime(), "--out", b]);
    t.is(part.code, 0, part.stderr);
    const dir = experimentDir(part.stdout);

    const resumed = await runCli(["resume", dir, "--json", ...runtime()]);
    t.is(resumed.code, 0, resumed.stderr);
    t.deepEqual(runLines(resumed.stdout), ["0/0/ticket stored", "0/1/ticket stored", "0/1/reinit stored", "1/0/ticket", "1/1/ticket", "1/1/reinit"]);
    t.deepEqual(differences(experimentResults(dir), experimentResults(experimentDir(full.stdout))), []);
    t.deepEqual(readdirSync(b), [readdirSync(a)[0]], "nothing was written beside the experiment");
    const status = await runCli(["status", dir]);
    t.is(status.stdout.split("\n")[0], `${dir}: 6 runs: 6 done, 0 running, 0 interrupted, 0 not started`);
  } finally {
    rmSync(a, { recursive: true, force: true });
    rmSync(b, { recursive: true, force: true });
  }
});

test("a --model-file network resumes from its copy in the experiment; an edited or lost copy is refused", async (t) => {
  const root = mkdtempSync(join(tmpdir(), "lottery-resume-file-"));
  try {
    const file = join(root, "mlp.json");
    writeFileSync(
      file,
      JSON.stringify({
        name: "mlp",
        layers: [
          { type: "linear", units: 32, relu: true },
          { type: "linear", units: "classes" },
        ],
      }),
    );
    const part = await runCli(["run", "--model-file", file, ...ARGS, "--trial", "0", ...runtime(), "--out", root]);
    t.is(part.code, 0, part.stderr);
    const dir = experimentDir(part.stdout);
    unlinkSync(file); // resume needs only the experiment's own copy

    const resumed = await runCli(["resume", dir, "--json", ...runtime()]);
    t.is(resumed.code, 0, resumed.stderr);
    t.deepEqual(
      runLines(resumed.stdout).filter((l) => !l.endsWith("stored")),
      ["1/0/ticket", "1/1/ticket", "1/1/reinit"],
    );

    const copy = join(dir, "network.json");
    const spec = JSON.parse(readFileSync(copy, "utf8"));
    spec.layers[0].units = 33;
    writeFileSync(copy, JSON.stringify(spec));
    const edited = await runCli(["resume", dir, ...runtime()]);
    t.is(edited.code, 1);
    t.regex(
      edited.stderr,
      /network\.json is not the network .* was trained with .*: restore the original file, or rerun the `lottery run --model-file \.\.\.` command/,
    );
    unlinkSync(copy);
    const lost = await runCli(["resume", dir, ...runtime()]);
    t.is(lost.code, 1);
    t.regex(lost.stderr, /trained a --model-file network \(mlp\) and its copy .*network\.json cannot be read/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("a renamed experiment, a directory that is not one, and a trial it does not have are refused before anything trains", async (t) => {
  const root = mkdtempSync(join(tmpdir(), "lottery-resume-bad-"));
  try {
    const part = await runCli(["run", ...ARGS, "--trial", "0", ...runtime(), "--out", root]);
    t.is(part.code, 0, part.stderr);
    const dir = experimentDir(part.stdout);
    const before = experimentResults(dir);
    const renamed = join(root, "my-run");
    cpSync(dir, renamed, { recursive: true });

    // The good directory first: the bad one after it must stop the command before it trains anything.
    const moved = await runCli(["resume", dir, renamed, ...runtime()]);
    t.is(moved.code, 1);
    t.regex(
      moved.stderr,
      /my-run holds the settings of experiment lenet_300_100_[0-9a-f]+, but its directory is named my-run: it was renamed.*rename it back to/,
    );
    t.deepEqual(experimentResults(dir), before, "trial 1 was not trained");
    t.deepEqual(readdirSync(root).sort(), [readdirSync(root).find((d) => d.startsWith("lenet_300_100_"))!, "my-run"].sort(), "no directory was created");

    const notOne = await runCli(["resume", root, ...runtime()]);
    t.is(notOne.code, 1);
    t.regex(notOne.stderr, /is not an experiment directory \(no hparams\.json\); give the directory `lottery run` printed/);

    const trial = await runCli(["resume", dir, "--trial", "2", ...runtime()]);
    t.is(trial.code, 1);
    t.regex(trial.stderr, /invalid --trial 2: must be an integer in \[0, 1\] \(--trials is 2\)/);

    const usage = await runCli(["resume"]);
    t.is(usage.code, 2);
    t.regex(usage.stderr, /missing required argument 'dirs'/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
