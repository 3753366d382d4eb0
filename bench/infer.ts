// `npm run bench -- infer [--model M --pm LIST | --model-file X.ltk | --experiment DIR] [--json] [--quick]`: inference
// throughput (images/s, forward passes only, u8 input conversion included) of tickets at batch 1
// and batch 256, run three ways by the same loader: every pruned layer on the sparse kernels
// (ticket-sparse, loadTicket's default), per-layer choice by the measured crossover (ticket-auto),
// and all weights dense f32 (dense: the same network as a dense model); beside them the same ticket
// exported to ONNX (src/export/onnx.ts) in onnxruntime-web, wasm backend, one thread (its wasm is
// always the SIMD build): the runtime an edge user would otherwise pick.
// Without options the tickets are built in memory (paper initialization, random masks with the
// paper's per-layer counts): LeNet-300-100 at Pm 1, 0.21, 0.036 and Conv-2 at Pm 1, 0.1.
// --model NAME and --pm LIST pick other in-memory tickets; --model-file benches one ticket file;
// --experiment DIR exports and benches every finished level of trial 0 (the dataset is loaded for
// its normalization statistics: --data-dir or LOTTERY_DATA_DIR).
import { readFileSync } from "node:fs";
import * as ort from "onnxruntime-web";
import { exportTicket } from "../src/export/ticket.js";
import { exportOnnx } from "../src/export/onnx.js";
import { defaultsFor, resolveHparams } from "../src/hparams/resolve.js";
import { Kernels } from "../src/kernels/index.js";
import { pruneTarget } from "../src/lottery/experiment.js";
import { getModel } from "../src/models/registry.js";
import { maskWeights, randomMasksAtPm } from "../src/prune/index.js";
import { ExperimentStore } from "../src/store/experiment.js";
import { readContainer } from "../src/ticket/container.js";
import { encodeTicket, ticketParams } from "../src/ticket/encode.js";
import type { KernelPreference } from "../src/ticket/format.js";
import { loadTicket } from "../src/ticket/load.js";
import type { Ticket } from "../src/ticket/ticket.js";
import { Rng } from "../src/util/rng.js";
import { median, medianMs, printTable } from "./timing.js";

type Impl = "ticket-sparse" | "ticket-auto" | "dense" | "onnxruntime-web";

export interface InferRow {
  bench: "infer";
  model: string;
  impl: Impl;
  pm: number;
  batch: number;
  images_per_s: number;
  /** Images per forward pass (the loader's default for this network and kernel mode). */
  pass_size: number;
  ticket_bytes: number;
}

interface Case {
  model: string;
  pm: number;
  bytes: Uint8Array;
}

const IMPLS: [Impl, KernelPreference][] = [
  ["ticket-sparse", "sparse"],
  ["ticket-auto", "auto"],
  ["dense", "dense"],
];
const BATCHES = [1, 256];

function flag(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
}

/** A ticket of `modelName` at `pm`: the paper's initialization and a random mask with the paper's per-layer counts. */
async function inMemoryTicket(k: Kernels, modelName: string, pm: number): Promise<Case> {
  const model = getModel(modelName);
  const hp = resolveHparams(defaultsFor(model), {});
  const mark = k.arena.mark();
  const network = model.build(k, hp.model);
  const rng = new Rng(11, `bench-infer/${modelName}/${pm}`);
  network.init(hp.model.init, rng.derive("init"));
  const weights = network.snapshot();
  const masks = randomMasksAtPm(network, pruneTarget(hp), pm, rng.derive("mask"));
  maskWeights(weights, masks);
  const C = network.inputShape[0]!;
  const bytes = await encodeTicket({
    model: model.name,
    modelHparams: hp.model,
    dataset: model.dataset,
    inputShape: network.inputShape as [number, number, number],
    classes: network.classes,
    classNames: Array.from({ length: network.classes }, (_, i) => String(i)),
    normalization: { normalize: false, mean: Array(C).fill(0), std: Array(C).fill(1) },
    valueType: "f32",
    params: ticketParams(network, weights, masks),
  });
  k.arena.release(mark);
  return { model: model.name, pm, bytes };
}

/**
 * One timing sample of fn in ms: the median over a few short repetitions for fast calls, a single
 * call for slow ones (Conv-2 at batch 256 takes about half a second).
 */
function sample(fn: () => void, slow: boolean): number {
  if (!slow) return medianMs(fn, { warmupMs: 10, reps: 5, repMs: 5 });
  const t0 = performance.now();
  fn();
  return performance.now() - t0;
}

/** Like sample, for onnxruntime-web's asynchronous run (awaiting costs microseconds, so ours stay synchronous). */
async function sampleAsync(fn: () => Promise<unknown>, slow: boolean): Promise<number> {
  const reps: number[] = [];
  for (let r = 0; r < (slow ? 1 : 5); r++) {
    const t0 = performance.now();
    let n = 0,
      t1: number;
    do {
      await fn();
      n++;
      t1 = performance.now();
    } while (!slow && t1 - t0 < 5);
    reps.push((t1 - t0) / n);
  }
  return median(reps);
}

interface Runner {
  impl: Impl;
  passSize: number;
  pm: number;
  /** One timing sample in ms. */
  sample(): number | Promise<number>;
}

/** The ticket as an ONNX model in onnxruntime-web, for `batch` images per run. */
async function ortRunner(c: Case, images: Uint8Array, shape: readonly number[], batch: number): Promise<Runner> {
  ort.env.wasm.numThreads = 1;
  const session = await ort.InferenceSession.create((await exportOnnx(c.bytes)).bytes, { executionProviders: ["wasm"], graphOptimizationLevel: "all" });
  const feeds = { image: new ort.Tensor("uint8", images, [batch, ...shape]) };
  const run = () => session.run(feeds);
  await run();
  const t0 = performance.now();
  await run();
  const slow = performance.now() - t0 > 20;
  return { impl: "onnxruntime-web", passSize: batch, pm: c.pm, sample: () => sampleAsync(run, slow) };
}

/**
 * Images/s of each implementation at each batch. The implementations are sampled in turn, round
 * after round, and each one's median is taken, so load from other processes (this machine has two
 * cores) falls on all of them alike rather than on whichever ran during a busy moment.
 */
async function benchCase(k: Kernels, c: Case, quick: boolean, emit: (row: InferRow) => void): Promise<void> {
  const rng = new Rng(5, "bench-infer-images");
  const mark = k.arena.mark();
  // The loader's own pass size: a batch of 256 images may run as several forward passes.
  const tickets: [Impl, Ticket][] = [];
  for (const [impl, kernelMode] of IMPLS) tickets.push([impl, await loadTicket(c.bytes, { kernels: k, kernelMode })]);
  const features = tickets[0]![1].features;
  const images = Uint8Array.from({ length: Math.max(...BATCHES) * features }, () => rng.int(256));
  for (const batch of BATCHES) {
    const x = images.subarray(0, batch * features);
    const runs: Runner[] = tickets.map(([impl, t]) => {
      // warm-up (V8 tiers the wasm up after the first calls), and whether one call is slow
      t.predict(x);
      const t0 = performance.now();
      t.predict(x);
      const slow = performance.now() - t0 > 20;
      return { impl, passSize: Math.min(batch, t.batchSize), pm: t.manifest.pm, sample: () => sample(() => t.predict(x), slow) };
    });
    runs.push(await ortRunner(c, x, tickets[0]![1].inputShape, batch));
    const times = runs.map(() => [] as number[]);
    for (let round = 0; round < (quick ? 5 : 11); round++) for (let i = 0; i < runs.length; i++) times[i]!.push(await runs[i]!.sample());
    runs.forEach((r, i) => {
      const ms = median(times[i]!);
      emit({
        bench: "infer",
        model: c.model,
        impl: r.impl,
        pm: +r.pm.toFixed(4),
        batch,
        images_per_s: Math.round((1000 * batch) / ms),
        pass_size: r.passSize,
        ticket_bytes: c.bytes.length,
      });
    });
  }
  k.arena.release(mark);
}

async function experimentCases(dir: string, dataDir: string | undefined): Promise<Case[]> {
  const store = ExperimentStore.read(dir);
  const levels = store
    .finishedRuns(0)
    .filter((r) => r.kind === "iterative")
    .map((r) => r.level);
  if (levels.length === 0) throw new Error(`${dir} has no finished level in trial 0`);
  const out: Case[] = [];
  for (const level of levels) {
    const r = await exportTicket({ dir, level, dataDir, evaluate: false });
    out.push({ model: r.manifest.model.name, pm: r.manifest.pm, bytes: r.bytes });
  }
  return out;
}

export async function benchInfer(args: { json: boolean; quick: boolean; argv: string[] }): Promise<InferRow[]> {
  const k = await Kernels.create({ shared: false });
  const file = flag(args.argv, "--model-file"),
    experiment = flag(args.argv, "--experiment");
  let cases: Case[];
  if (file) {
    const bytes = new Uint8Array(readFileSync(file));
    const { manifest } = await readContainer(bytes, file);
    cases = [{ model: manifest.model.name, pm: manifest.pm, bytes }];
  } else if (experiment) {
    cases = await experimentCases(experiment, flag(args.argv, "--data-dir"));
  } else {
    const only = flag(args.argv, "--model"),
      pmList = flag(args.argv, "--pm")?.split(",").map(Number);
    const defaultPlan: [string, number[]][] = [
      ["lenet_300_100", [1, 0.21, 0.036]],
      ["conv2", [1, 0.1]],
    ];
    const plan = only ? [[only, defaultPlan.find(([m]) => m === only)?.[1] ?? [1, 0.1]] as [string, number[]]] : defaultPlan;
    cases = [];
    for (const [model, pms] of plan) for (const pm of pmList ?? pms) cases.push(await inMemoryTicket(k, model, pm));
  }
  const rows: InferRow[] = [];
  const table: (string | number)[][] = [];
  for (const c of cases) {
    const mine: InferRow[] = [];
    await benchCase(k, c, args.quick, (row) => {
      mine.push(row);
      if (args.json) console.log(JSON.stringify(row));
      else process.stderr.write(`${row.model} Pm ${row.pm} ${row.impl} batch ${row.batch}: ${row.images_per_s} images/s\n`);
    });
    rows.push(...mine);
    for (const batch of BATCHES) {
      const get = (impl: Impl) => mine.find((r) => r.impl === impl && r.batch === batch)!;
      const sparse = get("ticket-sparse"),
        auto = get("ticket-auto"),
        dense = get("dense"),
        onnx = get("onnxruntime-web");
      const passes = [sparse, auto, dense].map((r) => r.pass_size).join("/");
      const best = Math.max(sparse.images_per_s, auto.images_per_s);
      table.push([
        c.model,
        sparse.pm,
        `${(c.bytes.length / 1024).toFixed(0)} KiB`,
        batch,
        passes,
        sparse.images_per_s,
        auto.images_per_s,
        dense.images_per_s,
        onnx.images_per_s,
        `${(sparse.images_per_s / dense.images_per_s).toFixed(2)}x`,
        `${(best / onnx.images_per_s).toFixed(2)}x`,
      ]);
    }
  }
  if (!args.json) {
    console.log(`\ninference, images/s (${k.simd} SIMD, 1 thread; medians of warmed-up runs)`);
    printTable(
      ["model", "Pm", "ticket", "batch", "passes of", "ticket-sparse", "ticket-auto", "dense", "onnxruntime-web", "sparse vs dense", "best ticket vs ort"],
      table,
    );
  }
  return rows;
}
