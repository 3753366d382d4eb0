import test from "ava";
import { Rng } from "../../src/util/rng.js";
import { BUILDS, kernelsFor } from "../helpers/kernels.js";
import { randomArray } from "../helpers/reference.js";

const f = Math.fround;

// The references repeat the kernels' f32 operations one by one (Math.fround after each), so the
// kernels must match them bit for bit over many steps.
function refSgd(w: Float32Array, g: Float32Array, buf: Float32Array, mask: Float32Array | null, lr: number, mom: number, wd: number, nesterov: boolean): void {
  const [lr32, m32, wd32] = [f(lr), f(mom), f(wd)];
  for (let i = 0; i < w.length; i++) {
    const keep = !mask || mask[i] !== 0;
    let gv = keep ? f(g[i]! + f(wd32 * w[i]!)) : 0;
    if (mom !== 0) {
      const b = f(f(m32 * buf[i]!) + gv);
      buf[i] = b;
      gv = nesterov ? f(gv + f(m32 * b)) : b;
    }
    w[i] = keep ? f(w[i]! - f(lr32 * gv)) : 0;
  }
}

function refAdam(w: Float32Array, g: Float32Array, m: Float32Array, v: Float32Array, mask: Float32Array | null,
                 lr: number, b1: number, b2: number, eps: number, wd: number, step: number): void {
  const stepSize = f(lr / (1 - b1 ** step)), ibc2 = f(1 / Math.sqrt(1 - b2 ** step));
  const [b132, b232, eps32, wd32] = [f(b1), f(b2), f(eps), f(wd)];
  const [c1, c2] = [f(1 - b132), f(1 - b232)];
  for (let i = 0; i < w.length; i++) {
    const keep = !mask || mask[i] !== 0;
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
  for (const [momentum, nesterov, wd] of [[0, false, 0], [0.9, false, 1e-4], [0.9, true, 5e-4]] as const) {
    test(`SGD (momentum ${momentum}, nesterov ${nesterov}, wd ${wd}) matches the formula bit for bit over 60 masked steps (${simd} SIMD)`, async (t) => {
      const k = await kernelsFor(simd);
      const rng = new Rng(8, `${simd}/sgd/${momentum}/${nesterov}`);
      const n = 103;
      const mark = k.arena.mark();
      const maskv = Float32Array.from({ length: n }, () => (rng.float() < 0.6 ? 1 : 0));
      const w0 = randomArray(rng, n); // pruned positions start nonzero: the first step must zero them
      const w = k.fromArray(w0, [n]), g = k.alloc([n]), buf = k.zeros([n]), mask = k.fromArray(maskv, [n]);
      const rw = Float32Array.from(w0), rbuf = new Float32Array(n);
      for (let step = 0; step < 60; step++) {
        const gv = randomArray(rng, n);
        g.data.set(gv);
        const lr = 0.1 / (1 + step);
        k.sgd(w, g, momentum ? buf : null, mask, { lr, momentum, weightDecay: wd, nesterov });
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
    for (const [n, masked, wd] of [[1, false, 0], [7, true, 0], [130, true, 1e-4], [64, false, 0]] as const) {
      const mark = k.arena.mark();
      const maskv = Float32Array.from({ length: n }, (_, i) => (masked && (i % 3 === 0 || rng.float() < 0.3) ? 0 : 1));
      const w0 = randomArray(rng, n);
      const w = k.fromArray(w0, [n]), g = k.alloc([n]), m = k.zeros([n]), v = k.zeros([n]), mask = masked ? k.fromArray(maskv, [n]) : null;
      const rw = Float32Array.from(w0), rm = new Float32Array(n), rv = new Float32Array(n);
      for (let step = 1; step <= 100; step++) {
        const gv = randomArray(rng, n);
        g.data.set(gv);
        k.adam(w, g, m, v, mask, { lr: 1.2e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: wd, step });
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
