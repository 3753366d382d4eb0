import test from "ava";
import { Rng } from "../../src/util/rng.js";
import { BUILDS, kernelsFor } from "../helpers/kernels.js";
import { maskedDense, mismatch, randomArray, randomMask, refGemm } from "../helpers/reference.js";

const DENSITIES = [0, 0.01, 0.036, 0.5, 1];
// [M (rows of W), K (cols of W), N (batch)]: odd batches exercise the 8/4/2/1-vector chunks and
// the scalar tail; 60 is the paper's batch.
const SHAPES: [number, number, number][] = [
  [1, 1, 1],
  [3, 5, 1],
  [7, 9, 3],
  [17, 33, 60],
  [30, 50, 37],
  [12, 100, 64],
  [5, 7, 45],
  [40, 20, 13],
];

for (const simd of BUILDS) {
  for (const density of DENSITIES) {
    test(`sparse kernels match dense references at density ${density}, with empty rows (${simd} SIMD)`, async (t) => {
      const k = await kernelsFor(simd);
      const rng = new Rng(17, `${simd}/${density}`);
      for (const [M, K, N] of SHAPES) {
        const mark = k.arena.mark();
        const mask = randomMask(rng, M, K, density, M > 2);
        const wv = maskedDense(randomArray(rng, M * K), mask);
        const w = k.fromArray(wv, [M, K]);
        const csr = k.sparse.fromMask(mask, M, K, w);
        const xv = randomArray(rng, K * N),
          dyv = randomArray(rng, M * N);
        const x = k.fromArray(xv, [K, N]),
          dy = k.fromArray(dyv, [M, N]);

        // forward: y = W·x, and accumulate
        const y0 = randomArray(rng, M * N);
        const y = k.fromArray(y0, [M, N]);
        k.sparse.spmm(csr, x, y);
        const fwd = refGemm(wv, xv, M, K, N);
        t.is(mismatch(y.data, fwd), null, `spmm ${M}x${K}x${N}`);
        y.data.set(y0);
        k.sparse.spmm(csr, x, y, { accumulate: true });
        t.is(
          mismatch(y.data, { value: fwd.value.map((v, i) => v + y0[i]!), magnitude: fwd.magnitude.map((m, i) => m + Math.abs(y0[i]!)) }),
          null,
          `spmm acc ${M}x${K}x${N}`,
        );

        // input gradient: dx = Wᵀ·dy
        const dx = k.fromArray(randomArray(rng, K * N), [K, N]);
        k.sparse.spmmT(csr, dy, dx);
        t.is(mismatch(dx.data, refGemm(wv, dyv, K, M, N, true)), null, `spmmT ${M}x${K}x${N}`);

        // the same input gradient as Linear runs it: spmm over the transposed CSR (index built once,
        // values gathered), bit for bit spmmT's result
        const tr = k.sparse.transpose(csr, "test");
        t.deepEqual([tr.csr.rows, tr.csr.cols, tr.csr.nnz], [K, M, csr.nnz]);
        k.sparse.gatherValues(csr, tr.perm, tr.csr);
        const wt = k.alloc([K, M]);
        k.sparse.scatter(tr.csr, wt);
        t.deepEqual(
          Array.from(wt.data),
          Array.from({ length: K * M }, (_, i) => wv[(i % M) * K + Math.floor(i / M)]!),
          `transpose ${M}x${K}`,
        );
        const dxT = k.fromArray(randomArray(rng, K * N), [K, N]);
        k.sparse.spmm(tr.csr, dy, dxT);
        t.deepEqual(Array.from(dxT.data), Array.from(dx.data), `spmm over the transpose = spmmT ${M}x${K}x${N}`);

        // weight gradient at kept positions only: compare with the dense dW = dy·xᵀ there
        const dv = k.alloc([csr.nnz]);
        k.sparse.maskedGrad(csr, dy, x, dv);
        const dense = k.alloc([M, K]);
        k.sparse.scatter(csr, dense, dv);
        const full = refGemm(dyv, xv, M, N, K, false, true);
        const want = { value: full.value.map((v, i) => (mask[i] !== 0 ? v : 0)), magnitude: full.magnitude.map((m, i) => (mask[i] !== 0 ? m : 0)) };
        t.is(mismatch(dense.data, want), null, `maskedGrad ${M}x${K}x${N}`);
        let outside = 0;
        dense.data.forEach((v, i) => {
          if (mask[i] === 0 && !Object.is(v, 0)) outside++;
        });
        t.is(outside, 0, "masked gradient is exactly zero outside the mask");

        // gather/scatter round trip restores W exactly
        const back = k.alloc([M, K]);
        k.sparse.scatter(csr, back);
        t.deepEqual(Array.from(back.data), Array.from(wv));
        k.arena.release(mark);
      }
    });
  }
}

test("csrFromMask builds rows in order with columns ascending", async (t) => {
  const k = await kernelsFor("plain");
  const mask = [0, 1, 1, 0, 0, 0, 1, 0, 1];
  const csr = k.sparse.fromMask(mask, 3, 3);
  t.deepEqual(Array.from(csr.rowPtr.data), [0, 2, 2, 4]);
  t.deepEqual(Array.from(csr.colIdx.data), [1, 2, 0, 2]);
  t.is(csr.nnz, 4);
  t.is(csr.density, 4 / 9);
});

for (const simd of BUILDS) {
  test(`column-blocked spmm and maskedGrad give the unblocked bits, at every block width (${simd} SIMD)`, async (t) => {
    const k = await kernelsFor(simd);
    const rng = new Rng(29, simd);
    for (const [M, K, N] of SHAPES) {
      for (const density of [0, 0.036, 0.5, 1]) {
        const mark = k.arena.mark();
        const mask = randomMask(rng, M, K, density, M > 2);
        const w = k.fromArray(maskedDense(randomArray(rng, M * K), mask), [M, K]);
        const csr = k.sparse.fromMask(mask, M, K, w);
        const x = k.fromArray(randomArray(rng, K * N), [K, N]),
          dy = k.fromArray(randomArray(rng, M * N), [M, N]);
        const y0 = randomArray(rng, M * N);
        const plain = k.alloc([M, N]),
          dplain = k.alloc([Math.max(1, csr.nnz)]);
        k.sparse.spmm(csr, x, plain);
        const dvals = dplain.rows(0, csr.nnz);
        k.sparse.maskedGrad(csr, dy, x, dvals);
        t.is(k.sparse.columnBlocks(csr, K, "w"), null, "one block covering every column is no blocking");
        for (const width of [1, 2, 3, 7, K - 1].filter((b) => b >= 1 && b < K)) {
          const tag = `${M}x${K}x${N} density ${density}, blocks of ${width}`;
          const blocks = k.sparse.columnBlocks(csr, width, "w")!;
          t.is(blocks.blocks, Math.ceil(K / width), tag);
          const y = k.fromArray(y0, [M, N]);
          k.sparse.spmm(csr, x, y, { blocks });
          t.deepEqual([...y.data], [...plain.data], `spmm ${tag}`);
          y.data.set(y0);
          k.sparse.spmm(csr, x, y, { blocks, accumulate: true });
          const acc = k.fromArray(y0, [M, N]);
          k.sparse.spmm(csr, x, acc, { accumulate: true });
          t.deepEqual([...y.data], [...acc.data], `spmm accumulate ${tag}`);
          const dv = k.alloc([Math.max(1, csr.nnz)]).rows(0, csr.nnz);
          dv.data.fill(Number.NaN);
          k.sparse.maskedGrad(csr, dy, x, dv, { blocks });
          t.deepEqual([...dv.data], [...dvals.data], `maskedGrad ${tag}: every kept weight written once, the same bits`);
        }
        k.arena.release(mark);
      }
    }
  });
}

test("column blocks built for another matrix are refused", async (t) => {
  const k = await kernelsFor("relaxed");
  const mark = k.arena.mark();
  const a = k.sparse.fromMask([1, 0, 1, 1, 0, 1], 2, 3),
    b = k.sparse.fromMask([1, 1, 1, 1, 1, 1, 1, 1, 1], 3, 3);
  const blocks = k.sparse.columnBlocks(a, 2, "a")!;
  const x = k.alloc([3, 4]),
    y = k.alloc([3, 4]);
  t.throws(() => k.sparse.spmm(b, x, y, { blocks }), {
    message: /^spmm: column blocks were built for csr\[2,3\] nnz 4, not for w csr\[3,3\] nnz 9: build them with columnBlocks\(w\)/,
  });
  k.arena.release(mark);
});
