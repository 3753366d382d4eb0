// Benchmarks (not tests): `npm run bench -- <name> [--json] [--quick]`.
import { enableNodeRelaxedSimd } from "../src/kernels/index.js";
import { benchInfer } from "./infer.js";
import { benchKernels } from "./kernels.js";
import { benchStep } from "./step.js";

// Measured as the CLI runs: with relaxed SIMD (FMA) where the runtime can have it.
await enableNodeRelaxedSimd();

const BENCHES: Record<string, (args: { json: boolean; quick: boolean; argv: string[] }) => Promise<unknown>> = {
  kernels: benchKernels,
  step: benchStep,
  infer: benchInfer,
};

const argv = process.argv.slice(2);
const name = argv.find((a) => !a.startsWith("--"));
const usage = `usage: npm run bench -- <${Object.keys(BENCHES).join("|")}> [options]\n` +
  "  --json          one JSON object per line instead of tables\n  --quick         fewer, shorter repetitions (noisier)\n" +
  "  --model NAME    step: the network (default lenet_300_100)\n  --pm LIST       step: the Pm values (default 1,0.512,0.21,0.086,0.036,0.018)\n" +
  "  --threads LIST  step: thread counts (default 1,2)\n  --steps N       step: timed steps per configuration (default 200 for LeNet, 20 otherwise)";
if (argv.includes("--help") || !name) {
  console.log(usage);
  process.exit(name || argv.includes("--help") ? 0 : 1);
}
const bench = BENCHES[name];
if (!bench) {
  console.error(`unknown benchmark "${name}"\n${usage}`);
  process.exit(1);
}
await bench({ json: argv.includes("--json"), quick: argv.includes("--quick"), argv });
