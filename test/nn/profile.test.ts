// The per-layer profiler (bench step --profile): it times every layer of a step, composites'
// children included, without changing what the step computes, and detaching restores the layers.
import test from "ava";
import type { StepContext } from "../../src/nn/layer.js";
import type { Network } from "../../src/nn/network.js";
import { LayerProfiler } from "../../src/nn/profile.js";
import { Rng } from "../../src/util/rng.js";
import { kernelsFor } from "../helpers/kernels.js";
import { residualNet } from "../helpers/nets.js";

test("the layer profiler times every layer and sub-layer of a step and leaves its results unchanged", async (t) => {
  const k = await kernelsFor("plain");
  const net = residualNet(k);
  net.init("glorot_normal", new Rng(5));
  const plan = net.prepare("dense");
  const N = 6;
  const ctx: StepContext = { training: true, step: 0, colOffset: 0, totalCols: N, seed: 1 };
  const fill = (r: ReturnType<Network["replica"]>) => {
    const rng = new Rng(6);
    for (let i = 0; i < r.input.data.length; i++) r.input.data[i] = rng.float();
    for (let i = 0; i < N; i++) r.labels.data[i] = i % 10;
  };
  const plain = net.replica(N, true, plan);
  fill(plain);
  const lossPlain = plain.trainStep(ctx);
  const gradsPlain = net.params.map((p) => Array.from(plain.grads.get(p)?.data ?? []));

  const profiler = LayerProfiler.attach(net);
  const timed = net.replica(N, true, plan);
  profiler.detach();
  t.false(Object.hasOwn(net.layers[0]!, "bind"), "detach restores the class's bind");
  fill(timed);
  t.is(timed.trainStep(ctx), lossPlain, "an inactive profiler counts nothing and changes nothing");
  t.true(profiler.timings().every((r) => r.calls === 0));
  profiler.active = true;
  const steps = 3;
  for (let s = 0; s < steps; s++) t.is(timed.trainStep(ctx), lossPlain);
  t.deepEqual(
    net.params.map((p) => Array.from(timed.grads.get(p)?.data ?? [])),
    gradsPlain,
    "the timed replica's gradients are the untimed one's",
  );

  const rows = profiler.timings();
  const names = rows.map((r) => r.name);
  for (const name of ["conv", "bn", "block1", "block1.conv1", "block1.bn2", "block1.shortcut", "block1.shortcut_bn", "block2.conv2", "avgpool", "fc"])
    t.true(names.includes(name), `${name} is profiled`);
  t.true(
    rows.every((r) => r.calls === steps),
    "every layer ran once per step",
  );
  t.true(rows.every((r) => r.forwardMs >= 0 && r.backwardMs >= 0));
  const block1 = rows.find((r) => r.name === "block1")!;
  t.true(block1.composite);
  t.is(block1.depth, 0);
  t.is(rows.find((r) => r.name === "block1.conv1")!.depth, 1);
  const children = rows.filter((r) => r.name.startsWith("block1."));
  t.true(block1.forwardMs >= children.reduce((n, r) => n + r.forwardMs, 0), "a composite's time includes its children's");

  // By type: composites count only their own time, so the types add up to the top-level layers' time.
  const byType = profiler.byType(steps);
  t.deepEqual(byType.map((r) => r.type).sort(), ["BatchNorm2d", "Conv2d", "GlobalAvgPool", "Linear", "ResidualBlock (own)"]);
  const top = rows.filter((r) => r.depth === 0).reduce((n, r) => n + r.forwardMs + r.backwardMs, 0) / steps;
  const typed = byType.reduce((n, r) => n + r.forwardMs + r.backwardMs, 0);
  t.true(Math.abs(top - typed) < 1e-9 * Math.max(1, top));
});
