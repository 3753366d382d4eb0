// Benchmarks (not tests): `npm run bench -- <name> [options]`; `npm run bench -- --help` lists them all.
import { enableNodeRelaxedSimd } from "../src/kernels/index.js";
import { benchConv } from "./conv.js";
import { benchInfer } from "./infer.js";
import { benchKernels } from "./kernels.js";
import { benchPeers } from "./peers.js";
import { benchStep, type BenchArgs, UsageError } from "./step.js";

// Measured as the CLI runs: with relaxed SIMD (FMA) where the runtime can have it.
await enableNodeRelaxedSimd();

const BENCHES: Record<string, (args: BenchArgs) => Promise<unknown>> = {
  kernels: benchKernels,
  conv: benchConv,
  step: benchStep,
  peers: benchPeers,
  infer: benchInfer,
};

/** Every flag: whether it takes a value, the benchmarks that read it, and its help line. */
const FLAGS: { name: string; value?: string; benches: string[]; help: string }[] = [
  { name: "--json", benches: ["kernels", "conv", "step", "peers", "infer"], help: "one JSON object per line instead of tables" },
  { name: "--quick", benches: ["kernels", "conv", "step", "peers", "infer"], help: "fewer, shorter repetitions (noisier)" },
  {
    name: "--model",
    value: "LIST",
    benches: ["step", "peers", "infer"],
    help: "step, peers: the networks, comma-separated (step: default lenet_300_100; peers: default conv2); infer: one in-memory model",
  },
  {
    name: "--level",
    value: "LIST",
    benches: ["step", "peers"],
    help: "the paper's masks of these pruning levels (0 = dense): per-layer counts of the model's default target, e.g. conv 10%/fc 20%/output 10% per level (Conv-2/4), global 20% (VGG-19, ResNet-20); default for conv nets 0,5,10,15",
  },
  {
    name: "--pm",
    value: "LIST",
    benches: ["step", "peers", "infer"],
    help: "instead of --level: the fractions of prunable weights kept (the masks of the fractional level reaching each); default for LeNet 1,0.512,0.21,0.086,0.036,0.018",
  },
  {
    name: "--masks",
    value: "magnitude|random",
    benches: ["step", "peers"],
    help: "which weights the level's counts keep: the largest of the network's initialization (default) or random positions",
  },
  { name: "--threads", value: "LIST", benches: ["step", "peers"], help: "thread counts (default 1,2)" },
  {
    name: "--kernels",
    value: "LIST",
    benches: ["step", "peers"],
    help: "our kernel modes timed at every thread count, from auto,dense,sparse (step default: auto,dense for conv nets; auto,dense,sparse on 1 thread and auto on more for LeNet; peers default: auto); sparse is skipped at Pm 1",
  },
  {
    name: "--steps",
    value: "N",
    benches: ["step", "peers"],
    help: "timed steps per configuration, median reported (default 200 for LeNet, 20 otherwise; --quick 60 / 5)",
  },
  { name: "--warmup", value: "N", benches: ["step", "peers"], help: "untimed steps first (default 50 for LeNet, 3 otherwise)" },
  {
    name: "--profile",
    benches: ["step"],
    help: "after each one-thread timing, time as many steps again with every layer instrumented and print ms per layer (forward, backward, kernel and density; a residual block's convolutions and norms indented) and per layer type (--json: one step-profile object per layer)",
  },
  {
    name: "--shapes",
    value: "LIST",
    benches: ["conv"],
    help: "conv layers to time: conv2, conv2-half (batch 32, one thread's share), conv1, vgg-first, resnet-first (the 3-channel first layers), conv4, conv6, vgg-512x4, vgg-512x2, vgg-64x32, resnet16, resnet32, resnet64, resnet16s2, resnet32s2 (ResNet-20's stride-2 layers) (default conv2,conv2-half,resnet16)",
  },
  {
    name: "--densities",
    value: "LIST",
    benches: ["conv"],
    help: "kept fractions of the conv weights; 1 times the dense algorithms (im2col, Winograd), others the sparse kernels (default 1,0.5,0.3,0.2,0.1,0.05)",
  },
  {
    name: "--python",
    value: "PATH",
    benches: ["peers"],
    help: "the Python with torch (default: $PYTHON, else the first of python3, /usr/bin/python3 that imports torch)",
  },
  { name: "--model-file", value: "FILE.ltk", benches: ["infer"], help: "one ticket file" },
  { name: "--experiment", value: "DIR", benches: ["infer"], help: "every finished level of trial 0 of an experiment" },
  { name: "--data-dir", value: "DIR", benches: ["infer"], help: "the dataset, for --experiment (default $LOTTERY_DATA_DIR)" },
];

const DESCRIPTIONS: Record<string, string> = {
  kernels: "dense GEMM vs tfjs-backend-wasm, sparse vs dense kernels at the paper's densities",
  conv: "one 3x3 conv layer, forward and backward: im2col + GEMM, Winograd F(2x2,3x3), and the direct sparse kernels at several densities (LOTTERY_BENCH_CLOCK=cpu times CPU, not wall)",
  step: "median ms of a whole training step (batch load, forward, backward, optimizer) at Pm 1 and pruned masks, auto/dense/sparse kernels, 1 and 2 threads",
  peers:
    "the same steps in native PyTorch (python3 with torch, run as a child process after our timings), printed beside ours as ratios; PyTorch masks but has no sparse conv, so it times its dense step",
  infer: "inference throughput of tickets, sparse vs auto vs dense, batch 1 and 256",
};

const WIDTH = 100,
  INDENT = 30;

/** Wraps a help line at WIDTH columns, continuation lines indented to INDENT. */
function wrap(line: string): string[] {
  const out: string[] = [];
  let rest = line;
  while (rest.length > WIDTH) {
    const cut = rest.lastIndexOf(" ", WIDTH);
    if (cut <= INDENT) break;
    out.push(rest.slice(0, cut));
    rest = " ".repeat(INDENT) + rest.slice(cut + 1);
  }
  out.push(rest);
  return out;
}

function usage(): string {
  const lines = [`usage: npm run bench -- <${Object.keys(BENCHES).join("|")}> [options]`, ""];
  for (const [name, d] of Object.entries(DESCRIPTIONS)) lines.push(...wrap(`  ${name.padEnd(INDENT - 2)}${d}`));
  lines.push("", "options (LIST: comma-separated):");
  for (const f of FLAGS) {
    const head = `  ${f.name}${f.value ? ` ${f.value}` : ""}`;
    lines.push(...wrap(`${head.padEnd(INDENT)}[${f.benches.join(", ")}] ${f.help}`));
  }
  lines.push(
    "",
    "examples:",
    "  npm run bench -- step --model conv2                 # levels 0,5,10,15; auto and dense; 1 and 2 threads",
    "  npm run bench -- step --model resnet20 --level 10 --threads 2 --json",
    "  npm run bench -- step --model resnet20 --level 10 --threads 1 --kernels auto --profile   # where a step's ms go, per layer",
    "  npm run bench -- peers --model conv2,resnet20      # needs python3-torch (Debian: apt-get install -y python3-torch libopenblas0-openmp)",
  );
  return lines.join("\n");
}

const argv = process.argv.slice(2);
if (argv.includes("--help") || argv.includes("-h")) {
  console.log(usage());
  process.exit(0);
}
const nameAt = argv.findIndex((a, i) => !a.startsWith("-") && !(i > 0 && FLAGS.find((f) => f.name === argv[i - 1])?.value));
const name = nameAt >= 0 ? argv[nameAt] : undefined;
if (!name) {
  console.error(usage());
  process.exit(2);
}
const bench = BENCHES[name];
if (!bench) {
  console.error(`unknown benchmark "${name}"\n\n${usage()}`);
  process.exit(2);
}
for (let i = 0; i < argv.length; i++) {
  const a = argv[i]!;
  if (i === nameAt) continue;
  const f = FLAGS.find((x) => x.name === a);
  if (!f?.benches.includes(name)) {
    console.error(`${name}: unknown option "${a}"${f ? ` (it is for ${f.benches.join(", ")})` : ""}; see npm run bench -- --help`);
    process.exit(2);
  }
  if (f.value) i++;
}
try {
  await bench({ json: argv.includes("--json"), quick: argv.includes("--quick"), argv });
} catch (e) {
  if (!(e instanceof UsageError)) throw e;
  console.error(`${name}: ${e.message}; see npm run bench -- --help`);
  process.exit(2);
}
