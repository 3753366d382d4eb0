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

test("usage errors exit 2", async (t) => {
  const r = await runCli(["run", "--no-such-flag"]);
  t.is(r.code, 2, r.stderr);
  t.regex(r.stderr, /unknown option/);
});

test("--trial abc quotes what was typed", async (t) => {
  const r = await runCli(["run", "--trial", "abc"]);
  t.not(r.code, 0);
  t.regex(r.stderr, /--trial "abc"/);
  t.notRegex(r.stderr, /NaN/);
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
