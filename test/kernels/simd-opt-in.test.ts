// The library must not flip V8's process-wide --experimental-wasm-relaxed-simd by itself (issue 20
// item 12): creating kernels falls back to plain SIMD where relaxed SIMD does not validate, and
// relaxed SIMD on Node 20 is an explicit opt-in (enableNodeRelaxedSimd), which the CLI makes.
// Checked in fresh processes, since the flag, once set, stays set for the whole process.
import test from "ava";
import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { runCli } from "../helpers/cli.js";

const run = promisify(execFile);
const INDEX = fileURLToPath(new URL("../../src/index.ts", import.meta.url));
const RELAXED_WASM = fileURLToPath(new URL("../../build/kernels-relaxed-shared.wasm", import.meta.url));

/** Runs `body` (module code with `lib` imported and `relaxedValid()` defined) in a fresh Node; returns its JSON. */
async function inFreshNode(body: string): Promise<Record<string, unknown>> {
  const code = `
    import { readFileSync } from "node:fs";
    const lib = await import(${JSON.stringify(INDEX)});
    const bytes = readFileSync(${JSON.stringify(RELAXED_WASM)});
    const relaxedValid = () => WebAssembly.validate(bytes);
    ${body}`;
  const env = { ...process.env };
  delete env.LOTTERY_SIMD;
  const { stdout } = await run(process.execPath, ["--import=tsx", "--input-type=module", "-e", code], { env });
  return JSON.parse(stdout.trim().split("\n").at(-1)!) as Record<string, unknown>;
}

test("creating kernels leaves V8's flags alone: relaxed SIMD validates afterwards exactly as before", async (t) => {
  const r = await inFreshNode(`
    const before = relaxedValid();
    const k = await lib.Kernels.create();
    console.log(JSON.stringify({ before, after: relaxedValid(), simd: k.simd }));`);
  t.is(r.after, r.before, "Kernels.create changed whether this process validates relaxed SIMD");
  // Without the flag (Node 20) the kernels fall back to plain SIMD; where it is shipped, relaxed.
  t.is(r.simd, r.before ? "relaxed" : "plain");
});

test("asking for relaxed SIMD without it names the opt-in; enableNodeRelaxedSimd() gives it", async (t) => {
  const r = await inFreshNode(`
    const before = relaxedValid();
    let refused = null;
    try { await lib.Kernels.create({ simd: "relaxed" }); } catch (err) { refused = err.message; }
    await lib.enableNodeRelaxedSimd();
    const k = await lib.Kernels.create();
    console.log(JSON.stringify({ before, refused, simd: k.simd }));`);
  if (!r.before) t.regex(String(r.refused), /relaxed SIMD was requested but this runtime cannot compile it; on Node 20 call enableNodeRelaxedSimd\(\) first/);
  t.is(r.simd, "relaxed");
});

test("the lottery command opts in: `lottery info` reports relaxed SIMD", async (t) => {
  const r = await runCli(["info"], { LOTTERY_SIMD: undefined });
  t.is(r.code, 0, r.stderr);
  t.regex(r.stdout, /^simd: relaxed \(fused multiply-add\)$/m);
});
