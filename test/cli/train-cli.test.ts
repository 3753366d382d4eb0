// The `lottery train` command end to end, and its errors for bad input.
import test from "ava";
import { copyFileSync, mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { lastJson, runCli } from "../helpers/cli.js";
import { dataDir } from "../helpers/data.js";

test("lottery train --json trains LeNet on real MNIST and prints only the summary object on stdout", async (t) => {
  const out = mkdtempSync(join(tmpdir(), "lottery-train-"));
  try {
    const r = await runCli([
      "train",
      "--model",
      "lenet_300_100",
      "--iterations",
      "200",
      "--eval-every",
      "100",
      "--data-dir",
      dataDir(),
      "--out",
      out,
      "--json",
    ]);
    t.is(r.code, 0, r.stderr);
    // stdout is JSON and nothing else (`lottery train --json | jq` parses every line); the text goes to stderr.
    const stdoutLines = r.stdout.trimEnd().split("\n");
    t.is(stdoutLines.length, 1, r.stdout);
    t.notThrows(() => JSON.parse(stdoutLines[0]!), r.stdout);
    t.regex(r.stderr, /^lenet_300_100: 200 iterations in [\d.]+ s/m);
    t.regex(r.stderr, /^ {2}early stop: iteration \d+/m);
    const s = lastJson(r.stdout);
    for (const key of ["test_accuracy", "val_accuracy", "early_stop_iteration", "early_stop_test_accuracy", "iterations", "seconds"]) t.true(key in s, key);
    t.is(s.iterations, 200);
    t.true((s.val_accuracy as number) > 0.8);
    const metrics = readFileSync(join(out, "metrics.jsonl"), "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    t.deepEqual(
      metrics.filter((m) => m.split === "val").map((m) => m.iteration),
      [0, 100, 200],
    );
    t.is(JSON.parse(readFileSync(join(out, "hparams.json"), "utf8")).training.iterations, 200);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test("--help explains every flag", async (t) => {
  const r = await runCli(["train", "--help"]);
  t.is(r.code, 0);
  for (const flag of [
    "--model",
    "--iterations",
    "--batch-size",
    "--lr",
    "--optimizer",
    "--seed",
    "--data-seed",
    "--data-dir",
    "--out",
    "--json",
    "--eval-every",
    "--kernels",
  ]) {
    t.regex(r.stdout, new RegExp(`${flag} `), flag);
  }
  t.regex(r.stdout, /--lr <n>\s+learning rate/);
});

test("an unknown model, an out-of-range hyperparameter or a wrong data dir gives a clear error and a non-zero exit", async (t) => {
  const unknown = await runCli(["train", "--model", "lenet_5", "--data-dir", dataDir()]);
  t.not(unknown.code, 0);
  t.regex(unknown.stderr, /unknown model "lenet_5": choose one of lenet_300_100/);

  const lr = await runCli(["train", "--lr", "50", "--data-dir", dataDir()]);
  t.not(lr.code, 0);
  t.regex(lr.stderr, /invalid --lr 50: must be a number in \(0, 10\]/);

  const batch = await runCli(["train", "--batch-size", "0", "--data-dir", dataDir()]);
  t.not(batch.code, 0);
  t.regex(batch.stderr, /invalid --batch-size 0: must be an integer in \[1, 4096\]/);

  const opt = await runCli(["train", "--optimizer", "rmsprop", "--data-dir", dataDir()]);
  t.regex(opt.stderr, /invalid --optimizer "rmsprop": must be one of adam, sgd/);

  const missing = await runCli(["train", "--data-dir", "/nonexistent/lottery-data"]);
  t.not(missing.code, 0);
  t.regex(missing.stderr, /\/nonexistent\/lottery-data/);
  t.regex(missing.stderr, /lottery data fetch mnist|LOTTERY_DATA_DIR/);
});

test("a corrupt MNIST file gives an error naming the file, and a non-zero exit", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "lottery-corrupt-"));
  try {
    mkdirSync(join(dir, "mnist"));
    for (const f of ["train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"])
      copyFileSync(join(dataDir(), "mnist", f), join(dir, "mnist", f));
    const real = readFileSync(join(dataDir(), "mnist", "train-images-idx3-ubyte.gz"));
    writeFileSync(join(dir, "mnist", "train-images-idx3-ubyte.gz"), real.subarray(0, real.length >> 1)); // truncated
    const r = await runCli(["train", "--iterations", "10", "--data-dir", dir]);
    t.not(r.code, 0);
    t.regex(r.stderr, /train-images-idx3-ubyte\.gz/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
