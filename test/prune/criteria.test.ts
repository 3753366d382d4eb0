// The pruning criteria against naive f64 references on a tiny network: scores and the masks they
// choose (layerwise and global), SynFlow's conservation law, GraSP's finite-difference Hessian
// product against the exact one, determinism of random, and the default criterion's identity
// with magnitude pruning.
import test from "ava";
import type { Kernels, Tensor } from "../../src/kernels/index.js";
import { Linear } from "../../src/nn/linear.js";
import { Network, ParamFactory } from "../../src/nn/network.js";
import { countKept, fullMasks, keptAt, type Masks, pruneByMagnitude, pruneByScores, type PruneTarget } from "../../src/prune/index.js";
import { getCriterion, graspScores, randomScores, snipScores, synflowPrune, synflowScores, type CriterionData } from "../../src/prune/criteria/index.js";
import { balancedExamples, firstExamples } from "../../src/prune/criteria/data.js";
import { Rng } from "../../src/util/rng.js";
import { kernelsFor } from "../helpers/kernels.js";
import { type RefLayer, refHessianGradient, refKeepTop, refLossGradient, refSynflowScores } from "../helpers/mlp-reference.js";

const SHAPES = [
  ["a", 6, 8, "fc"],
  ["b", 5, 6, "fc"],
  ["c", 3, 5, "output"],
] as const; // name, out, in, kind

/** An MLP 8 → 6 → 5 → 3 (weights 48, 30, 15), ReLU between (none with `linear`). */
function tinyNet(k: Kernels, linear = false): Network {
  const f = new ParamFactory(k);
  const layers = SHAPES.map(([name, out, inp, kind], i) => new Linear(f, name, inp, out, !linear && i < SHAPES.length - 1 ? "relu" : "none", kind));
  return new Network(k, "tiny", [2, 2, 2], 3, layers, f.params);
}

function randomWeights(net: Network, seed: number): Map<string, Float32Array> {
  const rng = new Rng(seed, "weights");
  return new Map(net.params.map((p) => [p.name, Float32Array.from({ length: p.size }, () => (p.kind === "bias" ? 0.1 : 0.5) * rng.normal())]));
}

function refLayers(_net: Network, w: ReadonlyMap<string, Float32Array>, masks: Masks, linear = false, noBias = false): RefLayer[] {
  return SHAPES.map(([name, rows, cols], i) => {
    const m = masks.get(`${name}.weight`)!;
    return {
      name,
      rows,
      cols,
      relu: !linear && i < SHAPES.length - 1,
      w: Float64Array.from(w.get(`${name}.weight`)!, (v, j) => (m[j] ? v : 0)),
      b: noBias ? new Float64Array(rows) : Float64Array.from(w.get(`${name}.bias`)!),
    };
  });
}

/** 30 examples of 8 u8 features, labels 0..2 (10 of each), and their conversion (v / 255) as training does. */
function tinyData(): CriterionData & { x(indices: readonly number[]): Float64Array[] } {
  const rng = new Rng(7, "data");
  const count = 30;
  const images = Uint8Array.from({ length: count * 8 }, () => rng.int(256));
  const labels = Uint8Array.from({ length: count }, (_, i) => (i * 7) % 3);
  const order = new Rng(3, "order").permutation(count);
  return {
    split: { images, labels, count },
    classes: 3,
    indexAt: (pos) => order[pos % count]!,
    fill(indices: ArrayLike<number>, x: Tensor<"f32">, l: Tensor<"i32">) {
      const N = x.shape[1]!;
      for (let n = 0; n < indices.length; n++) {
        l.data[n] = labels[indices[n]!]!;
        for (let f = 0; f < 8; f++) x.data[f * N + n] = Math.fround(images[indices[n]! * 8 + f]! / 255);
      }
    },
    x: (indices) => indices.map((i) => Float64Array.from(images.subarray(i * 8, i * 8 + 8), (v) => Math.fround(v / 255))),
  };
}

const layerwise: PruneTarget = { scope: "layerwise", rates: { conv: 0.1, fc: 0.5, output: 0.4 }, exclude: [] };
const global: PruneTarget = { scope: "global", rates: { conv: 0.1, fc: 0.5, output: 0.4 }, exclude: [] };

/** The naive reference's masks from f64 scores: per layer (layerwise) or pooled (global) at `level`. */
function refMasks(_net: Network, target: PruneTarget, scores: readonly ArrayLike<number>[], masks: Masks, level: number): Map<string, Uint8Array> {
  const pool = SHAPES.map(([name], i) => ({ name: `${name}.weight`, scores: scores[i]!, mask: masks.get(`${name}.weight`)! }));
  if (target.scope === "global") return refKeepTop(pool, keptAt(93, target.rates.fc, level));
  const out = new Map<string, Uint8Array>();
  for (const [i, p] of pool.entries()) {
    const size = SHAPES[i]![1] * SHAPES[i]![2];
    for (const [n, m] of refKeepTop([p], keptAt(size, SHAPES[i]![3] === "output" ? target.rates.output : target.rates.fc, level))) out.set(n, m);
  }
  return out;
}

function maxRelError(got: ReadonlyMap<string, Float32Array>, want: readonly ArrayLike<number>[]): number {
  let scale = 0,
    err = 0;
  SHAPES.forEach(([name], i) => {
    const g = got.get(`${name}.weight`)!,
      w = want[i]!;
    for (let j = 0; j < g.length; j++) {
      scale = Math.max(scale, Math.abs(w[j]!));
      err = Math.max(err, Math.abs(g[j]! - w[j]!));
    }
  });
  return err / scale;
}

function sameMasks(t: import("ava").ExecutionContext, got: Masks, want: Map<string, Uint8Array>, what: string): void {
  for (const [name, m] of want) t.deepEqual(Array.from(got.get(name)!), Array.from(m), `${what}: ${name}`);
}

test("snip: |g·w| on the batch matches the naive reference, and so do the masks it chooses", async (t) => {
  const k = await kernelsFor("plain");
  const net = tinyNet(k),
    data = tinyData();
  const w = randomWeights(net, 1);
  const indices = firstExamples(data, 20);
  t.deepEqual(
    indices,
    Array.from({ length: 20 }, (_, i) => data.indexAt(i)),
    "the first examples of the trial's order",
  );
  for (const [masks, level] of [
    [fullMasks(net), 1],
    [pruneByMagnitude(net, layerwise, w, fullMasks(net), 1), 2],
  ] as const) {
    const scores = snipScores(net, w, masks, data, indices);
    const ref = refLossGradient(
      refLayers(net, w, masks),
      data.x(indices),
      indices.map((i) => data.split.labels[i]!),
    );
    const want = ref.grads.map((g, li) => g.map((v, j) => Math.abs(v * refLayers(net, w, masks)[li]!.w[j]!)));
    t.true(maxRelError(scores, want) < 1e-5, `scores within 1e-5 of the largest (${maxRelError(scores, want)})`);
    for (const target of [layerwise, global]) {
      sameMasks(t, pruneByScores(net, target, scores, masks, level), refMasks(net, target, want, masks, level), `${target.scope} level ${level}`);
    }
  }
  // Through the criterion interface (the whole first batch of 100 does not exist here: 30 examples).
  const c = getCriterion("snip");
  t.throws(() => c.prune({ network: net, target: layerwise, masks: fullMasks(net), level: 1, trained: w, start: w, data, trialSeed: 0, tag: "x" }), {
    message: /needs 100 training examples, the training split has 30/,
  });
});

test("grasp: θ·Hg by finite differences of gradients matches the exact product, and the masks match", async (t) => {
  const k = await kernelsFor("plain");
  const net = tinyNet(k),
    data = tinyData();
  const w = randomWeights(net, 2);
  const indices = balancedExamples(data, 10);
  t.is(indices.length, 30);
  t.deepEqual(
    indices.map((i) => data.split.labels[i]),
    [...Array(10).fill(0), ...Array(10).fill(1), ...Array(10).fill(2)],
    "10 per class, class by class",
  );
  for (const temperature of [1, 200]) {
    const masks = fullMasks(net);
    const scores = graspScores(net, w, masks, data, indices, temperature);
    const layers = refLayers(net, w, masks);
    const { hg } = refHessianGradient(
      layers,
      data.x(indices),
      indices.map((i) => data.split.labels[i]!),
      temperature,
      SHAPES.map(([n]) => masks.get(`${n}.weight`)!),
    );
    const want = hg.map((h, li) => h.map((v, j) => v * layers[li]!.w[j]!));
    const err = maxRelError(scores, want);
    t.log(`T = ${temperature}: largest error ${err.toExponential(2)} of the largest score`);
    t.true(err < 2e-4, `T = ${temperature}: within 2e-4 of the largest score (${err})`);
    for (const target of [layerwise, global])
      sameMasks(t, pruneByScores(net, target, scores, masks, 1), refMasks(net, target, want, masks, 1), `T = ${temperature}, ${target.scope}`);
  }
  // Pruned weights score 0 and are not perturbed.
  const m1 = pruneByMagnitude(net, layerwise, w, fullMasks(net), 1);
  const s1 = graspScores(net, w, m1, data, indices);
  for (const [name, m] of m1) for (let i = 0; i < m.length; i++) if (!m[i]) t.true(s1.get(name)![i] === 0, `${name}[${i}]`);
});

test("synflow: scores match the closed form, each layer's scores sum to R (conservation), and 100 rounds match the naive loop", async (t) => {
  const k = await kernelsFor("plain");
  for (const linear of [true, false]) {
    const net = tinyNet(k, linear);
    const w = randomWeights(net, 3);
    const masks = fullMasks(net);
    const want = refSynflowScores(
      refLayers(net, w, masks, true, true),
      SHAPES.map(([n]) => masks.get(`${n}.weight`)!),
    );
    const raw = synflowScores(net, w, masks, false);
    t.true(maxRelError(raw, want) < 1e-5, `raw scores (${maxRelError(raw, want)})`);
    // Conservation: Σ scores of every layer = R, the same for all layers.
    const sums = SHAPES.map(([n]) => raw.get(`${n}.weight`)!.reduce((a, b) => a + b, 0));
    const r = want[0]!.reduce((a, b) => a + b, 0);
    for (const s of sums) t.true(Math.abs(s - r) <= 1e-5 * r, `layer sum ${s} vs R ${r}`);
    // The rescaled pass multiplies every score by one constant.
    const scaled = synflowScores(net, w, masks, true);
    const ratio = scaled.get("a.weight")![0]! / raw.get("a.weight")![0]!;
    for (const [name, s] of scaled)
      for (let i = 0; i < s.length; i++) t.true(Math.abs(s[i]! - ratio * raw.get(name)![i]!) <= 1e-5 * ratio * Math.max(...raw.get(name)!), name);
  }
  // 100 rounds of the exponential schedule, against the same loop on the closed form.
  const net = tinyNet(k);
  const w = randomWeights(net, 4);
  for (const target of [global, layerwise]) {
    const level = 3;
    const got = synflowPrune(net, target, w, fullMasks(net), level);
    let masks: Masks = fullMasks(net);
    const total = (m: Masks) => [...m.values()].reduce((n, x) => n + countKept(x), 0);
    const start = total(masks);
    for (let r = 1; r <= 100; r++) {
      const scores = refSynflowScores(
        refLayers(net, w, masks, true, true),
        SHAPES.map(([n]) => masks.get(`${n}.weight`)!),
      );
      if (target.scope === "global") {
        const final = keptAt(93, 0.5, level);
        const count = r === 100 ? final : Math.round(start * (final / start) ** (r / 100));
        masks = refKeepTop(
          SHAPES.map(([n], i) => ({ name: `${n}.weight`, scores: scores[i]!, mask: masks.get(`${n}.weight`)! })),
          count,
        );
      } else {
        const next: Masks = new Map();
        SHAPES.forEach(([n, rows, cols, kind], i) => {
          const size = rows * cols,
            final = keptAt(size, kind === "output" ? 0.4 : 0.5, level);
          const count = r === 100 ? final : Math.round(size * (final / size) ** (r / 100));
          for (const [name, m] of refKeepTop([{ name: `${n}.weight`, scores: scores[i]!, mask: masks.get(`${n}.weight`)! }], count)) next.set(name, m);
        });
        masks = next;
      }
    }
    sameMasks(t, got, masks, `synflow ${target.scope}`);
    t.is(total(got), target.scope === "global" ? keptAt(93, 0.5, level) : keptAt(48, 0.5, level) + keptAt(30, 0.5, level) + keptAt(15, 0.4, level));
  }
});

test("magnitude is the default criterion and prunes exactly as pruneByMagnitude; random is seeded and keeps the counts", async (t) => {
  const k = await kernelsFor("plain");
  const net = tinyNet(k);
  const trained = randomWeights(net, 5),
    start = randomWeights(net, 6);
  const base = { network: net, masks: fullMasks(net), level: 2, trained, start, data: null, trialSeed: 11, tag: "level-2" };
  for (const target of [layerwise, global]) {
    const m = getCriterion("magnitude").prune({ ...base, target });
    const want = refMasks(
      net,
      target,
      SHAPES.map(([n]) => Float64Array.from(trained.get(`${n}.weight`)!, Math.abs)),
      fullMasks(net),
      2,
    );
    sameMasks(t, m, want, `magnitude ${target.scope}`);
    const r1 = getCriterion("random").prune({ ...base, target }),
      r2 = getCriterion("random").prune({ ...base, target });
    sameMasks(t, r1, r2 as Map<string, Uint8Array>, "the same seed gives the same random masks");
    const scores = randomScores({ network: net, trialSeed: 11, tag: "level-2" });
    sameMasks(
      t,
      r1,
      refMasks(
        net,
        target,
        SHAPES.map(([n]) => scores.get(`${n}.weight`)!),
        fullMasks(net),
        2,
      ),
      `random ${target.scope}`,
    );
    const other = getCriterion("random").prune({ ...base, target, tag: "level-3" });
    t.notDeepEqual(
      [...other.values()].map((x) => Array.from(x)),
      [...r1.values()].map((x) => Array.from(x)),
      "another tag draws another mask",
    );
  }
  t.throws(() => getCriterion("obd"), { message: /unknown criterion "obd": use magnitude, random, snip, grasp, synflow/ });
});

test("synflow on a network with batch norm (evaluation mode) and residual blocks: each score is R's drop when its weight is removed", async (t) => {
  const { Conv2d } = await import("../../src/nn/conv.js");
  const { BatchNorm2d } = await import("../../src/nn/batchnorm.js");
  const { ResidualBlock } = await import("../../src/nn/residual.js");
  const { GlobalAvgPool } = await import("../../src/nn/pool.js");
  const k = await kernelsFor("plain");
  const f = new ParamFactory(k);
  const layers = [
    new Conv2d(f, "conv", [3, 6, 6], 4, 3, { bias: false }),
    new BatchNorm2d(f, "bn", 4, true),
    new ResidualBlock(f, "block1", [4, 6, 6], 5, 2),
    new GlobalAvgPool("avgpool"),
    new Linear(f, "fc", 5, 3, "none", "output"),
  ];
  const net = new Network(k, "tiny-resnet", [3, 6, 6], 3, layers, f.params);
  net.init("kaiming_normal", new Rng(5, "init"));
  const w = net.snapshot();
  // Batch-norm statistics and scales away from their initial 0 / 1, so evaluation mode is exercised.
  for (const [name, v] of w) if (name.endsWith(".running_var") || (name.endsWith(".weight") && v.length <= 6)) v.forEach((_, i) => (v[i] = 0.5 + 0.1 * i));
  const masks = fullMasks(net);
  const scores = synflowScores(net, w, masks, false);
  // R of the linearized network (|θ|, biases, shifts and running means zero), with one weight optionally removed.
  const R = (drop?: { name: string; i: number }): number => {
    const lin = new Map(
      [...w].map(([name, v]) => {
        const p = net.param(name);
        const zero = p.kind === "bias" || (p.kind === "norm" && name.endsWith(".bias")) || name.endsWith(".running_mean");
        const a = Float32Array.from(v, (x) => (zero ? 0 : Math.abs(x)));
        if (drop?.name === name) a[drop.i] = 0;
        return [name, a];
      }),
    );
    net.load(lin);
    const mark = k.arena.mark();
    const plan = net.prepare("dense");
    try {
      const r = net.replica(1, false, plan);
      r.input.data.fill(1);
      return r.forward({ training: false, step: 0, colOffset: 0, totalCols: 1, seed: 0 }).data.reduce((a, b) => a + b, 0);
    } finally {
      plan.commit();
      k.arena.release(mark);
    }
  };
  const full = R();
  for (const p of net.prunable) {
    const s = scores.get(p.name)!;
    const i = s.indexOf(Math.max(...s));
    const drop = full - R({ name: p.name, i });
    t.true(Math.abs(drop - s[i]!) <= 1e-3 * Math.abs(drop), `${p.name}[${i}]: score ${s[i]} vs R's drop ${drop}`);
  }
});
