// `npm run bench -- peers [--model LIST] [--level L | --pm P] [--threads 1,2] [--json]`: our training
// step beside native PyTorch's for the same network (the same layer list, built by
// bench/pytorch_step.py with our parameter names and shapes, checked tensor by tensor), batch size,
// optimizer (Adam for LeNet and Conv-2/4/6; SGD with momentum and weight decay, batch norm in
// training mode, for VGG-19 and ResNet-20), input shape, classes and synthetic u8 data with the
// same normalization. Ours is timed first (--kernels auto by default, at each level and thread
// count); then PyTorch runs as a child process of this one, after ours has finished and its worker
// threads are closed, never at the same time. PyTorch has no sparse convolution (a pruned network
// there multiplies by its masks and costs what the dense one does), so it times its dense step
// once per thread count (torch.set_num_threads) and every level is compared with that. When no
// Python can import torch it prints one line saying so and exits 0.
import { spawn, spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { KernelMode } from "../src/nn/network.js";
import { printTable } from "./timing.js";
import {
  type BenchArgs,
  convDensityCell,
  rowSink,
  describeMasks,
  describeTraining,
  flag,
  fmtMs,
  type OursResult,
  pointLabel,
  type StepRow,
  stepOptions,
  timeOurs,
} from "./step.js";

const SCRIPT = fileURLToPath(new URL("./pytorch_step.py", import.meta.url));
const INSTALL = "apt-get install -y python3-torch libopenblas0-openmp";

interface TorchTensor {
  name: string;
  shape: number[];
}

interface TorchModel {
  type: "model";
  torch: string;
  mkldnn: boolean;
  params: TorchTensor[];
  buffers: TorchTensor[];
}

interface TorchStep {
  type: "step";
  threads: number;
  threads_used: number;
  ms: number;
  times: number[];
}

/** The first Python that imports torch: --python, else $PYTHON, python3, /usr/bin/python3. */
export function findTorch(explicit: string | undefined): { python: string; version: string } | { tried: string[] } {
  const candidates = explicit ? [explicit] : [...new Set([process.env.PYTHON, "python3", "/usr/bin/python3"].filter((c): c is string => !!c))];
  for (const python of candidates) {
    const r = spawnSync(python, ["-c", "import torch; print(torch.__version__)"], { encoding: "utf8", timeout: 120_000 });
    if (r.status === 0) return { python, version: r.stdout.trim() };
  }
  return { tried: candidates };
}

/** Runs bench/pytorch_step.py with one request; resolves with its model line and one step line per thread count. */
function runTorch(python: string, request: unknown, onStep: (s: TorchStep) => void): Promise<{ model: TorchModel; steps: TorchStep[] }> {
  return new Promise((resolve, reject) => {
    const child = spawn(python, [SCRIPT], { stdio: ["pipe", "pipe", "inherit"] });
    let buffered = "";
    let model: TorchModel | undefined;
    const steps: TorchStep[] = [];
    const line = (text: string) => {
      if (!text.trim()) return;
      const msg = JSON.parse(text) as TorchModel | TorchStep;
      if (msg.type === "model") model = msg;
      else {
        steps.push(msg);
        onStep(msg);
      }
    };
    child.stdout.setEncoding("utf8");
    child.stdout.on("data", (chunk: string) => {
      buffered += chunk;
      let nl: number;
      while ((nl = buffered.indexOf("\n")) >= 0) {
        line(buffered.slice(0, nl));
        buffered = buffered.slice(nl + 1);
      }
    });
    child.on("error", reject);
    child.on("close", (code, signal) => {
      try {
        line(buffered);
      } catch (e) {
        reject(e as Error);
        return;
      }
      if (code !== 0 || !model) reject(new Error(`${python} ${SCRIPT} ${code !== 0 ? `exited with ${code ?? signal}` : "printed no model line"}`));
      else resolve({ model, steps });
    });
    child.stdin.end(JSON.stringify(request));
  });
}

const n = (x: number) => x.toLocaleString("en-US");

/** Compares PyTorch's tensors with ours by name and shape; returns the counts and any differences. */
export function compareParams(r: OursResult, torch: TorchModel): { line: string; differences: string[] } {
  const size = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);
  const ours = new Map(r.params.map((p) => [p.name, p]));
  const theirs = new Map([...torch.params, ...torch.buffers].map((t) => [t.name, t]));
  const differences: string[] = [];
  for (const p of r.params) {
    const t = theirs.get(p.name);
    if (!t) differences.push(`${p.name} [${p.shape.join(",")}]: missing in PyTorch`);
    else if (t.shape.join(",") !== p.shape.join(",")) differences.push(`${p.name}: ours [${p.shape.join(",")}], PyTorch [${t.shape.join(",")}]`);
  }
  for (const t of theirs.values()) if (!ours.has(t.name)) differences.push(`${t.name} [${t.shape.join(",")}]: only in PyTorch`);
  const isBufferOurs = new Set(r.params.filter((p) => p.kind === "buffer").map((p) => p.name));
  for (const t of torch.buffers) if (ours.has(t.name) && !isBufferOurs.has(t.name)) differences.push(`${t.name}: a buffer in PyTorch, trained by us`);
  const prunable = new Set(r.params.filter((p) => p.prunable).map((p) => p.name));
  const ourCounts = [
    r.params.filter((p) => p.prunable).reduce((a, p) => a + size(p.shape), 0),
    r.params.filter((p) => p.kind !== "buffer").reduce((a, p) => a + size(p.shape), 0),
    r.params.filter((p) => p.kind === "buffer").reduce((a, p) => a + size(p.shape), 0),
  ];
  const torchCounts = [
    torch.params.filter((t) => prunable.has(t.name)).reduce((a, t) => a + size(t.shape), 0),
    torch.params.reduce((a, t) => a + size(t.shape), 0),
    torch.buffers.reduce((a, t) => a + size(t.shape), 0),
  ];
  const fmt = (c: number[]) => `${n(c[0]!)} weights, ${n(c[1]!)} trained in all, ${n(c[2]!)} in batch-norm buffers`;
  const same = differences.length === 0 && ourCounts.join() === torchCounts.join();
  const line = `parameters: PyTorch ${fmt(torchCounts)}; ours ${same ? `the same (${r.params.length} tensors, every name and shape equal)` : fmt(ourCounts)}`;
  return { line, differences };
}

export async function benchPeers(args: BenchArgs): Promise<StepRow[]> {
  const o = stepOptions(args, ["conv2"]);
  const found = findTorch(flag(args.argv, "--python"));
  if ("tried" in found) {
    const msg = `peers: PyTorch is not installed (no torch in ${found.tried.join(", ")}); install it with \`${INSTALL}\` (Debian) or pass --python PATH; nothing was timed`;
    if (args.json) console.error(msg);
    else console.log(msg);
    return [];
  }
  const { all, emit, log } = rowSink(args);
  const modes: KernelMode[] = o.kernels ?? ["auto"];
  for (const name of o.models) {
    // Ours first, to the end (its worker threads closed); only then PyTorch.
    const r = await timeOurs(name, o, () => modes, emit, log);
    const t = r.hp.training;
    const request = {
      spec: r.spec,
      batch: t.batchSize,
      count: r.count,
      scale: r.scale,
      shift: r.shift,
      threads: o.threads,
      warmup: r.warmup,
      steps: r.steps,
      optimizer: {
        optimizer: t.optimizer,
        lr: t.lr,
        beta1: t.beta1,
        beta2: t.beta2,
        eps: t.eps,
        momentum: t.momentum,
        nesterov: t.nesterov,
        weightDecay: t.weightDecay,
      },
    };
    const torch = await runTorch(found.python, request, (s) =>
      log(`${r.model} PyTorch ${found.version}, ${s.threads} thread${s.threads > 1 ? "s" : ""}, dense: ${s.ms.toFixed(2)} ms`),
    );
    const check = compareParams(r, torch.model);
    if (check.differences.length) {
      throw new Error(`peers: PyTorch's ${r.model} differs from ours, so the times are not comparable:\n  ${check.differences.join("\n  ")}`);
    }
    const torchRows = torch.steps.map(
      (s): StepRow => ({ bench: "step", model: r.model, impl: "pytorch", kernels: "dense", pm: 1, threads: s.threads, ms: +s.ms.toFixed(4) }),
    );
    for (const row of torchRows) emit(row);
    if (!args.json) printPeers(r, torchRows, torch.model, found.python, check.line);
  }
  return all;
}

function printPeers(r: OursResult, torchRows: StepRow[], model: TorchModel, python: string, paramsLine: string): void {
  const modes = [...new Set(r.rows.map((x) => x.kernels))];
  const headers = [
    ...(r.byLevel ? ["level", "Pm"] : ["Pm"]),
    ...(r.conv ? ["conv density"] : []),
    "threads",
    ...modes.map((m) => `ours ${m} ms`),
    "PyTorch dense ms",
    ...modes.map((m) => `${modes.length > 1 ? `${m} ` : ""}vs PyTorch`),
  ];
  const rows: string[][] = [];
  for (const p of r.points) {
    for (const threads of r.threads) {
      const theirs = torchRows.find((x) => x.threads === threads);
      const ours = modes.map((m) => r.rows.find((x) => x.pm === p.pm && x.level === p.level && x.kernels === m && x.threads === threads));
      rows.push([
        ...pointLabel(p),
        ...(r.conv ? [convDensityCell(p)] : []),
        String(threads),
        ...ours.map((x) => (x ? `${fmtMs(x.ms)}${(p.used.get(`${x.kernels}/${threads}`) ?? threads) < threads ? "*" : ""}` : "-")),
        theirs ? fmtMs(theirs.ms) : "-",
        ...ours.map((x) => (x && theirs ? `${(theirs.ms / x.ms).toFixed(2)}x` : "-")),
      ]);
    }
  }
  console.log(
    `\npeers: ${r.model}, ${describeTraining(r.hp)}, synthetic ${r.spec.input.join("x")} u8 images normalized per batch, ${r.spec.classes} classes; median of ${r.steps} steps after ${r.warmup} warm-up steps each`,
  );
  console.log(`ours: lottery-wasm (simd ${r.simd}); masks: ${describeMasks(r)}`);
  console.log(
    `PyTorch ${model.torch} (${python}${model.mkldnn ? ", oneDNN" : ""}, torch.set_num_threads per row, run after ours): its dense step at every level. PyTorch masks pruned`,
  );
  console.log("weights but has no sparse convolution, so its masked step costs what its dense step does.");
  console.log(`${paramsLine}`);
  console.log("vs PyTorch: PyTorch ms / ours ms (above 1x: ours is faster)\n");
  printTable(headers, rows);
  if (r.points.some((p) => [...p.used].some(([k, used]) => used < Number(k.split("/")[1]))))
    console.log("* stepped on fewer threads: the step is too small to pay for splitting it");
}
