// `npm run bench -- step --model M [--json] [--threads 1,2] [--pm 1,0.1] [--steps N]`: the median time of a
// whole training step (batch load, forward, backward, optimizer update; batch 60) at the paper's
// Pm values, with our kernels chosen automatically and forced dense or sparse, beside
// tfjs-backend-wasm's dense step for the same network (hand-written backward, transposes
// prepared, Adam in tf ops).
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-wasm";
import { Kernels } from "../src/kernels/index.js";
import type { Dataset } from "../src/data/types.js";
import { defaultsFor, resolveHparams } from "../src/hparams/resolve.js";
import { getModel } from "../src/models/registry.js";
import type { KernelMode } from "../src/nn/network.js";
import { applyMasks, randomMasksAtPm } from "../src/prune/index.js";
import { pruneTarget } from "../src/lottery/experiment.js";
import { deviceImages, InputPipeline } from "../src/train/input.js";
import { localStepper } from "../src/train/step.js";
import { ThreadTeam } from "../src/parallel/team.js";
import { Rng } from "../src/util/rng.js";
import { median, printTable } from "./timing.js";

export interface StepRow {
  bench: "step";
  model: string;
  impl: "lottery-wasm" | "tfjs-wasm";
  kernels: KernelMode | "dense-tfjs";
  pm: number;
  threads: number;
  ms: number;
}

const PMS = [1, 0.512, 0.21, 0.086, 0.036, 0.018];

function flag(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
}

function syntheticDataset(shape: [number, number, number], classes: number, count: number): Dataset {
  const rng = new Rng(1, "bench-data");
  const F = shape[0] * shape[1] * shape[2];
  const images = new Uint8Array(count * F);
  for (let i = 0; i < images.length; i++) images[i] = rng.int(256);
  const labels = Uint8Array.from({ length: count }, () => rng.int(classes));
  const split = { images, labels, count };
  return { name: shape[0] === 1 ? "mnist" : "cifar10", shape, classes, classNames: [], train: split, val: split, test: split, stats: { mean: Array(shape[0]).fill(0.5), std: Array(shape[0]).fill(0.25) } };
}

/** Median ms of `steps` steps after `warmup` steps, timing each step. */
async function timeSteps(step: (i: number) => number | Promise<number>, warmup: number, steps: number): Promise<number> {
  for (let i = 0; i < warmup; i++) await step(i);
  const times: number[] = [];
  for (let i = 0; i < steps; i++) {
    const t0 = performance.now();
    await step(warmup + i);
    times.push(performance.now() - t0);
  }
  return median(times);
}

/** tfjs-backend-wasm dense LeNet-style MLP step: forward, hand-written backward, Adam. */
function tfjsMlpStep(layers: number[], batch: number): () => number {
  const rng = new Rng(3, "tfjs");
  const W = layers.slice(1).map((out, i) => tf.variable(tf.tensor2d(Float32Array.from({ length: layers[i]! * out }, () => rng.normal() * 0.05), [layers[i]!, out])));
  const B = layers.slice(1).map((out) => tf.variable(tf.zeros([out])));
  const params = [...W, ...B];
  const m = params.map((p) => tf.variable(tf.zerosLike(p)));
  const v = params.map((p) => tf.variable(tf.zerosLike(p)));
  const x = tf.tensor2d(Float32Array.from({ length: batch * layers[0]! }, () => rng.float()), [batch, layers[0]!]);
  const labels = tf.cast(tf.oneHot(tf.tensor1d(Int32Array.from({ length: batch }, () => rng.int(10)), "int32"), 10), "float32");
  let t = 0;
  return () => {
    t++;
    const loss = tf.tidy(() => {
      const acts: tf.Tensor2D[] = [x];
      for (let i = 0; i < W.length; i++) {
        const z = tf.add(tf.matMul(acts[i]!, W[i]!), B[i]!) as tf.Tensor2D;
        acts.push(i < W.length - 1 ? tf.relu(z) : z);
      }
      const logits = acts[acts.length - 1]!;
      const probs = tf.softmax(logits);
      const lossValue = tf.mean(tf.neg(tf.sum(tf.mul(labels, tf.logSoftmax(logits)), 1)));
      let dz = tf.div(tf.sub(probs, labels), batch) as tf.Tensor2D;
      const grads: tf.Tensor[] = new Array(params.length);
      for (let i = W.length - 1; i >= 0; i--) {
        const aT = tf.transpose(acts[i]!) as tf.Tensor2D;
        grads[i] = tf.matMul(aT, dz);
        grads[W.length + i] = tf.sum(dz, 0);
        if (i > 0) {
          const wT = tf.transpose(W[i]!) as tf.Tensor2D;
          dz = tf.mul(tf.matMul(dz, wT), tf.step(acts[i]!)) as tf.Tensor2D;
        }
      }
      const b1 = 0.9, b2 = 0.999, lr = 1.2e-3, eps = 1e-8;
      const step = lr / (1 - b1 ** t), bc2 = 1 / Math.sqrt(1 - b2 ** t);
      params.forEach((p, i) => {
        const g = grads[i]!;
        const mi = tf.add(tf.mul(m[i]!, b1), tf.mul(g, 1 - b1));
        const vi = tf.add(tf.mul(v[i]!, b2), tf.mul(tf.square(g), 1 - b2));
        m[i]!.assign(mi);
        v[i]!.assign(vi);
        p.assign(tf.sub(p, tf.div(tf.mul(mi, step), tf.add(tf.mul(tf.sqrt(vi), bc2), eps))));
      });
      return lossValue;
    });
    const value = loss.dataSync()[0]!;
    loss.dispose();
    return value;
  };
}

export async function benchStep(args: { json: boolean; quick: boolean; argv: string[] }): Promise<StepRow[]> {
  const model = getModel(flag(args.argv, "--model") ?? "lenet_300_100");
  // LeNet steps take ~1 ms: time 200; conv nets take 0.1-4 s a step: fewer (override with --steps).
  const small = model.name === "lenet_300_100";
  const steps = Number(flag(args.argv, "--steps") ?? (args.quick ? (small ? 60 : 5) : small ? 200 : 20));
  const warmup = small ? (args.quick ? 20 : 50) : 3;
  const pms = (flag(args.argv, "--pm") ?? PMS.join(",")).split(",").map(Number);
  const rows: StepRow[] = [];
  const emit = (row: StepRow) => {
    rows.push(row);
    if (args.json) console.log(JSON.stringify(row));
  };
  const hp = resolveHparams(defaultsFor(model), { training: { iterations: warmup + steps } });
  const k = await Kernels.create({ memoryLimitBytes: 1536 * 2 ** 20 });
  const networkBase = k.arena.mark();
  const network = model.build(k, hp.model);
  const shape = network.inputShape as [number, number, number];
  const data = syntheticDataset(shape, network.classes, 2048);
  const device = deviceImages(k, data, hp.dataset.normalize);
  const target = pruneTarget(hp);
  const rng = new Rng(7, "bench-step");
  const threadCounts = (args.argv.includes("--threads") ? args.argv[args.argv.indexOf("--threads") + 1]! : "1,2").split(",").map(Number);
  const teams = new Map<number, ThreadTeam>();
  for (const threads of threadCounts) {
    if (threads > 1) teams.set(threads, await ThreadTeam.create(k, { threads, network, networkBase, spec: model.resolve(hp.model) }));
  }

  for (const pm of pms) {
    network.init(hp.model.init, rng.derive(`init-${pm}`));
    const masks = randomMasksAtPm(network, target, pm, rng.derive(`mask-${pm}`));
    applyMasks(network, masks);
    for (const threads of threadCounts) {
      for (const mode of ["auto", "dense", "sparse"] as KernelMode[]) {
        if (pm === 1 && mode === "sparse") continue;
        if ((threads > 1 || !small) && mode !== "auto" && !(mode === "dense" && threads === 1)) continue;
        const mark = k.arena.mark();
        const execution = network.prepare(mode);
        const input = new InputPipeline(data, { normalize: hp.dataset.normalize, augment: false, dataSeed: 1, batchSize: hp.training.batchSize }, device);
        const team = teams.get(threads);
        const stepper = team ? await team.stepper(network, input, hp.training, []) : localStepper(network, input, hp.training);
        const ms = await timeSteps((i) => stepper.step(i), warmup, steps);
        await stepper.close();
        network.commit();
        k.arena.release(mark);
        emit({ bench: "step", model: model.name, impl: "lottery-wasm", kernels: mode, pm, threads, ms: +ms.toFixed(4) });
        if (!args.json && mode === "auto" && threads === threadCounts[0]) process.stderr.write(`pm ${pm}: ${execution.map((e) => `${e.param} ${e.kernel}`).join(", ")}\n`);
      }
    }
  }

  for (const team of teams.values()) await team.close();

  if (model.name === "lenet_300_100") {
    await tf.setBackend("wasm");
    await tf.ready();
    const step = tfjsMlpStep([784, 300, 100, 10], hp.training.batchSize);
    const ms = await timeSteps(() => step(), warmup, steps);
    emit({ bench: "step", model: model.name, impl: "tfjs-wasm", kernels: "dense-tfjs", pm: 1, threads: 1, ms: +ms.toFixed(4) });
  }

  if (!args.json) {
    const ours = (pm: number, mode: string, threads = 1) => rows.find((r) => r.impl === "lottery-wasm" && r.pm === pm && r.kernels === mode && r.threads === threads);
    const dense1 = (ours(1, "auto") ?? ours(pms[0]!, "auto")!).ms;
    const multi = threadCounts.filter((t) => t > 1);
    console.log(`\nstep: ${model.name}, batch ${hp.training.batchSize}, median of ${steps} warmed-up steps (simd ${k.simd}); speedup vs Pm 1 at the same threads\n`);
    printTable(["Pm", "auto ms", "speedup", "dense ms", "sparse ms", "auto vs dense", ...multi.flatMap((t) => [`${t} threads ms`, "speedup", `vs 1 thread`])], pms.map((pm) => {
      const a = ours(pm, "auto")!, d = ours(pm, "dense") ?? a, s = ours(pm, "sparse");
      return [String(pm), a.ms.toFixed(4), `${(dense1 / a.ms).toFixed(1)}x`, d.ms.toFixed(4), s ? s.ms.toFixed(4) : "-", `${(d.ms / a.ms).toFixed(2)}x`,
        ...multi.flatMap((t) => {
          const m = ours(pm, "auto", t)!, base = ours(1, "auto", t) ?? m;
          return [m.ms.toFixed(4), `${(base.ms / m.ms).toFixed(1)}x`, `${(a.ms / m.ms).toFixed(2)}x`];
        })];
    }));
    const tfRow = rows.find((r) => r.impl === "tfjs-wasm");
    const ours1 = ours(1, "dense");
    if (tfRow) console.log(`\ntfjs-backend-wasm dense step: ${tfRow.ms.toFixed(4)} ms${ours1 ? ` (our dense step ${ours1.ms.toFixed(4)} ms: ${(tfRow.ms / ours1.ms).toFixed(2)}x faster)` : ""}`);
  }
  return rows;
}
