// Benchmarks (not tests): `npm run bench -- <name> [--json] [--quick]`.
import { benchKernels } from "./kernels.js";
import { benchStep } from "./step.js";

const BENCHES: Record<string, (args: { json: boolean; quick: boolean; argv: string[] }) => Promise<unknown>> = {
  kernels: benchKernels,
  step: benchStep,
};

const argv = process.argv.slice(2);
const name = argv.find((a) => !a.startsWith("--"));
const usage = `usage: npm run bench -- <${Object.keys(BENCHES).join("|")}> [--model NAME] [--json] [--quick]\n` +
  "  --json   one JSON object per line instead of tables\n  --quick  fewer, shorter repetitions (noisier)";
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
