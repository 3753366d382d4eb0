// Magnitude pruning, layerwise and global, on hand-made tensors; rounding, ties, exclusions.
import test from "ava";
import type { Kernels } from "../../src/kernels/index.js";
import { Linear } from "../../src/nn/linear.js";
import { Network, ParamFactory } from "../../src/nn/network.js";
import { countKept, fullMasks, keptAt, levelForPm, pmAt, pruneByMagnitude, randomMasksLike, sparsity, type PruneTarget } from "../../src/prune/index.js";
import { Rng } from "../../src/util/rng.js";
import { kernelsFor } from "../helpers/kernels.js";

/** A 3-layer MLP 4 → 5 → 3 → 2 (weights 20, 15, 6), fc, fc, output. */
function tinyNet(k: Kernels): Network {
  const f = new ParamFactory(k);
  const layers = [new Linear(f, "a", 4, 5, "relu", "fc"), new Linear(f, "b", 5, 3, "relu", "fc"), new Linear(f, "c", 3, 2, "none", "output")];
  return new Network(k, "tiny", [1, 2, 2], 2, layers, f.params);
}

const layerwise: PruneTarget = { scope: "layerwise", rates: { conv: 0.1, fc: 0.2, output: 0.5 }, exclude: [] };

function weightsOf(values: Record<string, number[]>): Map<string, Float32Array> {
  return new Map(Object.entries(values).map(([k, v]) => [k, Float32Array.from(v)]));
}

test("layerwise pruning keeps exactly round(total·(1−p)^L) per layer, the largest magnitudes", async (t) => {
  const k = await kernelsFor("plain");
  const net = tinyNet(k);
  const w = weightsOf({
    "a.weight": Array.from({ length: 20 }, (_, i) => (i % 2 ? -1 : 1) * (i + 1)), // |w| = 1..20
    "b.weight": Array.from({ length: 15 }, (_, i) => 15 - i), // 15..1
    "c.weight": [0.5, -3, 2, -0.1, 1, 4],
  });
  const m1 = pruneByMagnitude(net, layerwise, w, fullMasks(net), 1);
  t.is(countKept(m1.get("a.weight")!), 16); // round(20 · 0.8)
  t.is(countKept(m1.get("b.weight")!), 12); // round(15 · 0.8)
  t.is(countKept(m1.get("c.weight")!), 3); // round(6 · 0.5)
  t.deepEqual(
    Array.from(m1.get("a.weight")!),
    Array.from({ length: 20 }, (_, i) => (i >= 4 ? 1 : 0)),
    "the 4 smallest |w| go",
  );
  t.deepEqual(Array.from(m1.get("c.weight")!), [0, 1, 1, 0, 0, 1]);
  // level 2 prunes from level 1's survivors: round(20 · 0.64) = 13
  const m2 = pruneByMagnitude(net, layerwise, w, m1, 2);
  t.is(countKept(m2.get("a.weight")!), 13);
  for (let i = 0; i < 20; i++) t.true(m2.get("a.weight")![i]! <= m1.get("a.weight")![i]!, "a pruned weight never comes back");
  t.is(keptAt(266200, 0.2, 0), 266200);
  t.is(keptAt(1000, 0.1, 200), 1, "a layer always keeps at least one weight");
});

test("global pruning uses one threshold over the pooled layers, and differs from layerwise", async (t) => {
  const k = await kernelsFor("plain");
  const net = tinyNet(k);
  const w = weightsOf({
    "a.weight": Array.from({ length: 20 }, () => 0.01), // all tiny
    "b.weight": Array.from({ length: 15 }, (_, i) => 1 + i),
    "c.weight": [5, 6, 7, 8, 9, 10],
  });
  const target: PruneTarget = { scope: "global", rates: { conv: 0.5, fc: 0.5, output: 0.5 }, exclude: ["c.weight"] };
  // pooled a+b: 35 weights, keep round(35·0.5) = 18: all 15 of b (≥ 1) and 3 of a (ties, lowest positions first)
  const m = pruneByMagnitude(net, target, w, fullMasks(net), 1);
  t.is(countKept(m.get("b.weight")!), 15);
  t.deepEqual(Array.from(m.get("a.weight")!), [1, 1, 1, ...Array.from({ length: 17 }, () => 0)], "ties at the threshold: lower positions kept first");
  t.is(countKept(m.get("c.weight")!), 6, "excluded layers are untouched");
  const lw = pruneByMagnitude(net, { ...target, scope: "layerwise" }, w, fullMasks(net), 1);
  t.is(countKept(lw.get("a.weight")!), 10, "layerwise halves every layer instead");
  // a global threshold that would empty a layer stops with a clear error
  const empty = weightsOf({
    "a.weight": Array.from({ length: 20 }, () => 0.01),
    "b.weight": Array.from({ length: 15 }, () => 100),
    "c.weight": [1, 1, 1, 1, 1, 1],
  });
  t.throws(() => pruneByMagnitude(net, { ...target, rates: { conv: 0.6, fc: 0.6, output: 0.6 } }, empty, fullMasks(net), 2), {
    message: /would remove every weight of a\.weight; exclude it \(--exclude a\.weight\)/,
  });
  t.throws(() => pruneByMagnitude(net, { ...target, exclude: ["nope.weight"] }, w, fullMasks(net), 1), { message: /tiny has no parameter "nope\.weight"/ });
});

test("Pm follows the paper's schedule, one-shot finds the level of a target Pm, random masks keep the counts", async (t) => {
  const k = await kernelsFor("plain");
  const net = tinyNet(k);
  t.is(pmAt(net, layerwise, 0), 1);
  const L = levelForPm(net, layerwise, 0.5);
  t.true(Math.abs(pmAt(net, layerwise, L) - 0.5) < 0.05);
  const rng = new Rng(1);
  const w = new Map(net.prunable.map((p) => [p.name, Float32Array.from({ length: p.size }, () => rng.normal())]));
  const m = pruneByMagnitude(net, layerwise, w, fullMasks(net), 3);
  const r = randomMasksLike(m, new Rng(2));
  for (const [name, mask] of m) t.is(countKept(r.get(name)!), countKept(mask), name);
  t.notDeepEqual(r, m);
  t.deepEqual(randomMasksLike(m, new Rng(2)), r, "seeded");
  const report = sparsity(net, m);
  t.is(report.total, 41);
  t.is(
    report.kept,
    report.layers.reduce((n, l) => n + l.kept, 0),
  );
  t.is(report.pm, report.kept / 41);
});

test("LeNet-300-100 masks keep the paper's counts: Pm 51.3% at level 3, 3.6% near level 15", async (t) => {
  const k = await kernelsFor("plain");
  const { getModel } = await import("../../src/models/registry.js");
  const { BASE_DEFAULTS } = await import("../../src/hparams/schema.js");
  const net = getModel("lenet_300_100").build(k, BASE_DEFAULTS.model);
  t.is(
    net.prunable.reduce((n, p) => n + p.size, 0),
    266200,
  );
  t.is(pmAt(net, layerwise_lenet, 3).toFixed(3), "0.513");
  t.true(pmAt(net, layerwise_lenet, 15) < 0.04 && pmAt(net, layerwise_lenet, 15) > 0.03);
});

const layerwise_lenet: PruneTarget = { scope: "layerwise", rates: { conv: 0.1, fc: 0.2, output: 0.1 }, exclude: [] };
