import test from "ava";
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-wasm";
import { Rng } from "../../src/util/rng.js";
import { BUILDS, kernelsFor } from "../helpers/kernels.js";
import { mismatch, randomArray, refGemm } from "../helpers/reference.js";

// Shapes [M, K, N]: 1-element edges, sizes that are not multiples of 4 or 8, shapes that cross the
// K (256) and N (512) panel boundaries, and strides that are multiples of 512 bytes (which switch
// on panel packing of B, and of A in the transposed form).
const FIXED: [number, number, number][] = [
  [1, 1, 1],
  [1, 7, 1],
  [3, 1, 5],
  [4, 4, 4],
  [4, 8, 8],
  [5, 9, 13],
  [7, 3, 9],
  [8, 16, 8],
  [13, 31, 17],
  [17, 1, 33],
  [2, 300, 3],
  [33, 257, 31],
  [9, 300, 128],
  [12, 20, 520],
  [130, 257, 131],
  [128, 40, 20],
  [60, 784, 30],
];

function randomShapes(seed: number, count: number): [number, number, number][] {
  const rng = new Rng(seed, "gemm-shapes");
  return Array.from({ length: count }, () => [1 + rng.int(70), 1 + rng.int(90), 1 + rng.int(70)] as [number, number, number]);
}

const FORMS = [
  { transA: false, transB: false, name: "A·B" },
  { transA: true, transB: false, name: "Aᵀ·B" },
  { transA: false, transB: true, name: "A·Bᵀ" },
];

for (const simd of BUILDS) {
  for (const form of FORMS) {
    test(`gemm ${form.name} matches the naive reference on fixed and random shapes (${simd} SIMD)`, async (t) => {
      const k = await kernelsFor(simd);
      const rng = new Rng(7, `${simd}/${form.name}`);
      for (const [M, K, N] of [...FIXED, ...randomShapes(11, 25)]) {
        const mark = k.arena.mark();
        const av = randomArray(rng, M * K),
          bv = randomArray(rng, K * N),
          c0 = randomArray(rng, M * N);
        const a = k.fromArray(av, form.transA ? [K, M] : [M, K]);
        const b = k.fromArray(bv, form.transB ? [N, K] : [K, N]);
        const c = k.fromArray(c0, [M, N]);
        const ref = refGemm(av, bv, M, K, N, form.transA, form.transB);
        k.dense.gemm(a, b, c, form);
        const bad = mismatch(c.data, ref);
        t.is(bad, null, `${M}x${K}x${N}: ${bad}`);
        // accumulate: c += op(a)·op(b)
        c.data.set(c0);
        k.dense.gemm(a, b, c, { ...form, accumulate: true });
        const acc = { value: ref.value.map((v, i) => v + c0[i]!), magnitude: ref.magnitude.map((m, i) => m + Math.abs(c0[i]!)) };
        const badAcc = mismatch(c.data, acc);
        t.is(badAcc, null, `${M}x${K}x${N} accumulate: ${badAcc}`);
        k.arena.release(mark);
      }
    });
  }

  test(`transpose is exact on odd shapes (${simd} SIMD)`, async (t) => {
    const k = await kernelsFor(simd);
    const rng = new Rng(3, "transpose");
    for (const [R, C] of [
      [1, 1],
      [1, 9],
      [9, 1],
      [4, 4],
      [5, 7],
      [8, 12],
      [13, 6],
      [64, 33],
    ] as const) {
      const mark = k.arena.mark();
      const v = randomArray(rng, R * C);
      const src = k.fromArray(v, [R, C]),
        dst = k.alloc([C, R]);
      k.dense.transpose(src, dst);
      const d = dst.data;
      let ok = true;
      for (let i = 0; i < R; i++) for (let j = 0; j < C; j++) if (d[j * R + i] !== v[i * C + j]) ok = false;
      t.true(ok, `${R}x${C}`);
      k.arena.release(mark);
    }
  });
}

test("the two SIMD builds both load, and relaxed SIMD is available on this Node", async (t) => {
  const plain = await kernelsFor("plain");
  const relaxed = await kernelsFor("relaxed");
  t.is(plain.simd, "plain");
  t.is(relaxed.simd, "relaxed");
});

test("gemm agrees with tfjs-backend-wasm matMul", async (t) => {
  await tf.setBackend("wasm");
  await tf.ready();
  const rng = new Rng(5, "tfjs");
  for (const simd of BUILDS) {
    const k = await kernelsFor(simd);
    for (const [M, K, N] of [
      [60, 784, 300],
      [60, 300, 100],
      [60, 100, 10],
      [7, 13, 5],
      [33, 65, 129],
    ] as const) {
      const mark = k.arena.mark();
      const av = randomArray(rng, M * K),
        bv = randomArray(rng, K * N);
      const a = k.fromArray(av, [M, K]),
        b = k.fromArray(bv, [K, N]),
        c = k.alloc([M, N]);
      k.dense.gemm(a, b, c);
      const ta = tf.tensor2d(av, [M, K]),
        tb = tf.tensor2d(bv, [K, N]);
      const tc = tf.matMul(ta, tb);
      const theirs = tc.dataSync();
      const ref = refGemm(av, bv, M, K, N);
      // Both against each other, with the tolerance taken from the exact product's magnitude.
      const bad = mismatch(c.data, { value: Float64Array.from(theirs), magnitude: ref.magnitude.map((m) => 2 * m) });
      t.is(bad, null, `${simd} ${M}x${K}x${N}: ${bad}`);
      tf.dispose([ta, tb, tc]);
      k.arena.release(mark);
    }
  }
});

test("an example's result does not depend on its column in the batch (full vectors vs scalar tail), dense and sparse", async (t) => {
  const k = await kernelsFor("relaxed");
  const rng = new Rng(6, "positions");
  const M = 7,
    K = 50,
    N = 13;
  const mark = k.arena.mark();
  const w = k.fromArray(randomArray(rng, M * K), [M, K]),
    x = k.fromArray(randomArray(rng, K * N), [K, N]),
    y = k.alloc([M, N]);
  const mask = Float32Array.from({ length: M * K }, () => (rng.float() < 0.3 ? 1 : 0));
  const csr = k.sparse.fromMask(mask, M, K, w);
  const ys = k.alloc([M, N]);
  k.dense.gemm(w, x, y);
  k.sparse.spmm(csr, x, ys);
  for (const j of [0, 5, 8, 12]) {
    // the same example alone (a batch of one: only the scalar tail runs)
    const xj = k.fromArray(
      Float32Array.from({ length: K }, (_, r) => x.data[r * N + j]!),
      [K, 1],
    );
    const yj = k.alloc([M, 1]),
      ysj = k.alloc([M, 1]);
    k.dense.gemm(w, xj, yj);
    k.sparse.spmm(csr, xj, ysj);
    t.deepEqual(
      Array.from(yj.data),
      Array.from({ length: M }, (_, r) => y.data[r * N + j]!),
      `dense column ${j}`,
    );
    t.deepEqual(
      Array.from(ysj.data),
      Array.from({ length: M }, (_, r) => ys.data[r * N + j]!),
      `sparse column ${j}`,
    );
  }
  k.arena.release(mark);
});
