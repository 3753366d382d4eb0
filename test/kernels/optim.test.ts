import test from "ava";
import { Rng } from "../../src/util/rng.js";
import type { Kernels, Tensor } from "../../src/kernels/index.js";
import { runUpdate, type UpdatePlan } from "../../src/optim/update.js";
import { Optimizer, type OptimizerConfig } from "../../src/optim/optimizer.js";
import { BUILDS, kernelsFor } from "../helpers/kernels.js";
import { randomArray } from "../helpers/reference.js";

const f = Math.fround;

// The optimizer path production uses (runUpdate over an UpdatePlan, the same on every thread)
// against references that repeat the kernels' f32 operations one by one (Math.fround after
// each): they must match bit for bit over many steps.

interface SlotTensors {
  w: Tensor<"f32">;
  grads: Tensor<"f32">[];
  m: Tensor<"f32"> | null;
  v: Tensor<"f32"> | null;
  mask: Tensor<"f32"> | null;
}

function planOf(
  optimizer: "adam" | "sgd",
  slots: SlotTensors[],
  c: { beta1?: number; beta2?: number; eps?: number; momentum?: number; nesterov?: boolean; weightDecay: number },
): UpdatePlan {
  const planned = slots.map((s) => ({ w: s.w.ptr, mask: s.mask?.ptr ?? 0, grads: s.grads.map((g) => g.ptr), m: s.m?.ptr ?? 0, v: s.v?.ptr ?? 0, n: s.w.size }));
  return {
    optimizer,
    adam: { beta1: c.beta1 ?? 0.9, beta2: c.beta2 ?? 0.999, eps: c.eps ?? 1e-8, weightDecay: c.weightDecay },
    sgd: { momentum: c.momentum ?? 0, weightDecay: c.weightDecay, nesterov: c.nesterov ?? false },
    slots: planned,
    total: planned.reduce((n, s) => n + s.n, 0),
  };
}

/** One update of the whole plan, as `parts` threads would do it (each its share, in any order). */
function update(k: Kernels, plan: UpdatePlan, step: number, lr: number, parts = 1): void {
  for (let part = parts - 1; part >= 0; part--) runUpdate(k, plan, part, parts, step, lr);
}
function refSgd(w: Float32Array, g: Float32Array, buf: Float32Array, mask: Float32Array | null, lr: number, mom: number, wd: number, nesterov: boolean): void {
  const [lr32, m32, wd32] = [f(lr), f(mom), f(wd)];
  for (let i = 0; i < w.length; i++) {
    const keep = mask?.[i] !== 0;
    let gv = keep ? f(g[i]! + f(wd32 * w[i]!)) : 0;
    if (mom !== 0) {
      const b = f(f(m32 * buf[i]!) + gv);
      buf[i] = b;
      gv = nesterov ? f(gv + f(m32 * b)) : b;
    }
    w[i] = keep ? f(w[i]! - f(lr32 * gv)) : 0;
  }
}

function refAdam(
  w: Float32Array,
  g: Float32Array,
  m: Float32Array,
  v: Float32Array,
  mask: Float32Array | null,
  lr: number,
  b1: number,
  b2: number,
  eps: number,
  wd: number,
  step: number,
): void {
  const stepSize = f(lr / (1 - b1 ** step)),
    ibc2 = f(1 / Math.sqrt(1 - b2 ** step));
  const [b132, b232, eps32, wd32] = [f(b1), f(b2), f(eps), f(wd)];
  const [c1, c2] = [f(1 - b132), f(1 - b232)];
  for (let i = 0; i < w.length; i++) {
    const keep = mask?.[i] !== 0;
    const gv = keep ? f(g[i]! + f(wd32 * w[i]!)) : 0;
    const mv = f(f(b132 * m[i]!) + f(c1 * gv));
    const vv = f(f(b232 * v[i]!) + f(c2 * f(gv * gv)));
    m[i] = mv;
    v[i] = vv;
    const denom = f(f(f(Math.sqrt(vv)) * ibc2) + eps32);
    w[i] = keep ? f(w[i]! - f(f(stepSize * mv) / denom)) : 0;
  }
}

function prunedStayZero(t: { true: (v: boolean, m?: string) => void }, mask: Float32Array, ...arrays: Float32Array[]): void {
  for (const a of arrays) {
    let bad = 0;
    for (let i = 0; i < mask.length; i++) if (mask[i] === 0 && !Object.is(a[i], 0)) bad++;
    t.true(bad === 0, `${bad} pruned entries are not exactly 0`);
  }
}

for (const simd of BUILDS) {
  for (const [momentum, nesterov, wd] of [
    [0, false, 0],
    [0.9, false, 1e-4],
    [0.9, true, 5e-4],
  ] as const) {
    test(`SGD (momentum ${momentum}, nesterov ${nesterov}, wd ${wd}) matches the formula bit for bit over 60 masked steps (${simd} SIMD)`, async (t) => {
      const k = await kernelsFor(simd);
      const rng = new Rng(8, `${simd}/sgd/${momentum}/${nesterov}`);
      const n = 103;
      const mark = k.arena.mark();
      const maskv = Float32Array.from({ length: n }, () => (rng.float() < 0.6 ? 1 : 0));
      const w0 = randomArray(rng, n); // pruned positions start nonzero: the first step must zero them
      const w = k.fromArray(w0, [n]),
        g = k.alloc([n]),
        buf = k.zeros([n]),
        mask = k.fromArray(maskv, [n]);
      const plan = planOf("sgd", [{ w, grads: [g], m: momentum ? buf : null, v: null, mask }], { momentum, nesterov, weightDecay: wd });
      const rw = Float32Array.from(w0),
        rbuf = new Float32Array(n);
      for (let step = 0; step < 60; step++) {
        const gv = randomArray(rng, n);
        g.data.set(gv);
        const lr = 0.1 / (1 + step);
        update(k, plan, step + 1, lr);
        refSgd(rw, gv, rbuf, maskv, lr, momentum, wd, nesterov);
      }
      t.deepEqual(Array.from(w.data), Array.from(rw));
      t.deepEqual(Array.from(buf.data), Array.from(rbuf));
      prunedStayZero(t, maskv, w.data, buf.data);
      k.arena.release(mark);
    });
  }

  test(`Adam matches the formula bit for bit over 100 masked steps, and unmasked (${simd} SIMD)`, async (t) => {
    const k = await kernelsFor(simd);
    const rng = new Rng(9, `${simd}/adam`);
    for (const [n, masked, wd] of [
      [1, false, 0],
      [7, true, 0],
      [130, true, 1e-4],
      [64, false, 0],
    ] as const) {
      const mark = k.arena.mark();
      const maskv = Float32Array.from({ length: n }, (_, i) => (masked && (i % 3 === 0 || rng.float() < 0.3) ? 0 : 1));
      const w0 = randomArray(rng, n);
      const w = k.fromArray(w0, [n]),
        g = k.alloc([n]),
        m = k.zeros([n]),
        v = k.zeros([n]),
        mask = masked ? k.fromArray(maskv, [n]) : null;
      const plan = planOf("adam", [{ w, grads: [g], m, v, mask }], { weightDecay: wd });
      const rw = Float32Array.from(w0),
        rm = new Float32Array(n),
        rv = new Float32Array(n);
      for (let step = 1; step <= 100; step++) {
        const gv = randomArray(rng, n);
        g.data.set(gv);
        update(k, plan, step, 1.2e-3);
        refAdam(rw, gv, rm, rv, masked ? maskv : null, 1.2e-3, 0.9, 0.999, 1e-8, wd, step);
      }
      t.deepEqual(Array.from(w.data), Array.from(rw), `n=${n}`);
      t.deepEqual(Array.from(m.data), Array.from(rm));
      t.deepEqual(Array.from(v.data), Array.from(rv));
      if (masked) prunedStayZero(t, maskv, w.data, m.data, v.data);
      k.arena.release(mark);
    }
  });
}

test("thread sharding: 3 threads each updating their share give the same bits as one, with the replicas' gradients summed in replica order", async (t) => {
  const k = await kernelsFor("relaxed");
  const rng = new Rng(10, "sharding");
  // Slot sizes that do not divide the 16-element share alignment, and a share boundary inside a slot.
  const sizes = [7, 130, 1, 61];
  const replicas = 3;
  const mark = k.arena.mark();
  const init = sizes.map((n) => ({ w: randomArray(rng, n), mask: Float32Array.from({ length: n }, (_, i) => (i % 4 === 1 ? 0 : 1)) }));
  const build = () =>
    init.map(({ w, mask }) => ({
      w: k.fromArray(w, [w.length]),
      grads: Array.from({ length: replicas }, () => k.alloc([w.length])),
      m: k.zeros([w.length]),
      v: k.zeros([w.length]),
      mask: k.fromArray(mask, [mask.length]),
    }));
  const one = build(),
    three = build();
  const planOne = planOf("adam", one, { weightDecay: 1e-4 }),
    planThree = planOf("adam", three, { weightDecay: 1e-4 });
  const ref = init.map(({ w }) => ({ w: Float32Array.from(w), m: new Float32Array(w.length), v: new Float32Array(w.length) }));
  for (let step = 1; step <= 20; step++) {
    init.forEach(({ w }, i) => {
      const gs = Array.from({ length: replicas }, () => randomArray(rng, w.length));
      gs.forEach((g, r) => {
        one[i]!.grads[r]!.data.set(g);
        three[i]!.grads[r]!.data.set(g);
      });
      // the sum the kernels take: replica 0, then += replica 1, then += replica 2, in f32
      const sum = Float32Array.from(gs[0]!);
      for (let r = 1; r < replicas; r++) for (let j = 0; j < sum.length; j++) sum[j] = f(sum[j]! + gs[r]![j]!);
      refAdam(ref[i]!.w, sum, ref[i]!.m, ref[i]!.v, init[i]!.mask, 1e-3, 0.9, 0.999, 1e-8, 1e-4, step);
    });
    update(k, planOne, step, 1e-3, 1);
    update(k, planThree, step, 1e-3, 3);
  }
  one.forEach((s, i) => {
    t.deepEqual(Array.from(three[i]!.w.data), Array.from(s.w.data), `slot ${i}: 3 shares vs 1`);
    t.deepEqual(Array.from(s.w.data), Array.from(ref[i]!.w), `slot ${i}: vs the reference`);
    t.deepEqual(Array.from(three[i]!.v.data), Array.from(ref[i]!.v), `slot ${i}: Adam v`);
  });
  k.arena.release(mark);
});

test("the optimizer refuses settings the update kernels would turn into nonsense, naming the field", async (t) => {
  const k = await kernelsFor("relaxed");
  const ok: OptimizerConfig = { optimizer: "adam", momentum: 0, nesterov: false, weightDecay: 0, beta1: 0.9, beta2: 0.999, eps: 1e-8 };
  t.throws(() => new Optimizer(k, [], { ...ok, beta1: 1 }), { message: /beta1 = 1 is outside \[0, 1\)/ });
  t.throws(() => new Optimizer(k, [], { ...ok, eps: 0 }), { message: /eps = 0 is outside/ });
  t.throws(() => new Optimizer(k, [], { ...ok, optimizer: "sgd", momentum: 1 }), { message: /momentum = 1 is outside \[0, 1\)/ });
  t.throws(() => new Optimizer(k, [], { ...ok, weightDecay: -1 }), { message: /weightDecay = -1/ });
  const opt = new Optimizer(k, [], ok);
  t.throws(() => opt.update(1, -1), { message: /learning rate -1/ });
  t.throws(() => opt.update(0, 0.1), { message: /step 0 must be a positive integer/ });
});
