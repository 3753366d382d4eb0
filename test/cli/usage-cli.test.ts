// Usage of the `lottery` command as a careful user meets it: --version, exit codes, and errors
// that quote what was typed. None of these trains anything.
import test from "ava";
import { readFileSync } from "node:fs";
import { runCli } from "../helpers/cli.js";

const VERSION = (JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }).version;

test("--version and -V print the package version", async (t) => {
  for (const flag of ["--version", "-V"]) {
    const r = await runCli([flag]);
    t.is(r.code, 0, r.stderr);
    t.is(r.stdout.trim(), VERSION);
  }
});

test("output to a closed pipe ends the command quietly with 141 (as SIGPIPE would), not with an EPIPE stack trace", async (t) => {
  const { spawn } = await import("node:child_process");
  const main = new URL("../../src/cli/main.ts", import.meta.url).pathname;
  const child = spawn(process.execPath, ["--import=tsx", main, "models"], { stdio: ["ignore", "pipe", "pipe"] });
  // The reader goes before the command writes anything (its start takes far longer than this).
  child.stdout.destroy();
  let stderr = "";
  child.stderr.on("data", (d) => (stderr += d));
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  t.is(code, 141, stderr);
  t.notRegex(stderr, /EPIPE|node:events/);
});

test("usage errors exit 2", async (t) => {
  const r = await runCli(["run", "--no-such-flag"]);
  t.is(r.code, 2, r.stderr);
  t.regex(r.stderr, /unknown option/);
});

test("--trial abc quotes what was typed and is a usage error", async (t) => {
  const r = await runCli(["run", "--trial", "abc"]);
  t.is(r.code, 2, r.stderr);
  t.regex(r.stderr, /option '--trial <t>' argument 'abc' is invalid\. Use a non-negative integer \(a trial index below --trials\)\./);
  t.notRegex(r.stderr, /NaN/);
});

test("a value a flag's own validator rejects exits 2, naming the flag, the value and what to use", async (t) => {
  const cases: [string[], RegExp][] = [
    [["train", "--threads", "abc"], /option '--threads <n>' argument 'abc' is invalid\. Use an integer in \[1, 256\] \(the number of training threads\)\./],
    [["run", "--threads", "0"], /option '--threads <n>' argument '0' is invalid\./],
    [["train", "--kernels", "x"], /option '--kernels <mode>' argument 'x' is invalid\. Use one of auto, dense, sparse\./],
    [["export", "/nonexistent", "--out", "t.ltk", "--level", "-1"], /option '--level <L>' argument '-1' is invalid\. Use a non-negative integer\./],
    [["export", "/nonexistent", "--out", "t.ltk", "--one-shot", "2"], /option '--one-shot <pm>' argument '2' is invalid\. Use a Pm in \(0, 1\)/],
    [["predict", "t.ltk", "/nonexistent", "--limit", "0"], /option '--limit <n>' argument '0' is invalid\. Use an integer >= 1\./],
  ];
  const results = await Promise.all(cases.map(([args]) => runCli(args)));
  results.forEach((r, i) => {
    t.is(r.code, 2, `${cases[i]![0].join(" ")}: ${r.stderr}`);
    t.regex(r.stderr, cases[i]![1]);
  });
});

test("--rate fc=1e quotes what was typed", async (t) => {
  const r = await runCli(["run", "--rate", "fc=1e", "--data-dir", "/nonexistent"]);
  t.is(r.code, 1);
  t.regex(r.stderr, /--rate "fc=1e"/);
  t.notRegex(r.stderr, /null/);
});

test("LOTTERY_CHECKPOINT_SECONDS=abc is refused before anything runs", async (t) => {
  const r = await runCli(["run", "--data-dir", "/nonexistent"], { LOTTERY_CHECKPOINT_SECONDS: "abc" });
  t.is(r.code, 1);
  t.regex(r.stderr, /LOTTERY_CHECKPOINT_SECONDS "abc"/);
});

test("--val-size 0 is refused (early stopping needs a validation set)", async (t) => {
  const r = await runCli(["train", "--val-size", "0", "--data-dir", "/nonexistent"]);
  t.is(r.code, 1);
  t.regex(r.stderr, /val-size/);
});
