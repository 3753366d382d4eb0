// Property tests: for any shape and density fast-check draws, the kernels agree with the naive
// references (failures shrink to the smallest failing shape).
import test from "ava";
import fc from "fast-check";
import { Rng } from "../../src/util/rng.js";
import { kernelsFor } from "../helpers/kernels.js";
import { maskedDense, mismatch, randomArray, randomMask, refGemm } from "../helpers/reference.js";

const dim = (max: number) => fc.integer({ min: 1, max });

test("gemm in every form equals the reference for arbitrary shapes", async (t) => {
  const k = await kernelsFor("relaxed");
  fc.assert(
    fc.property(dim(40), dim(300), dim(40), fc.integer({ min: 0, max: 2 }), fc.boolean(), fc.integer(), (M, K, N, form, accumulate, seed) => {
      const rng = new Rng(seed);
      const transA = form === 1,
        transB = form === 2;
      const mark = k.arena.mark();
      try {
        const av = randomArray(rng, M * K),
          bv = randomArray(rng, K * N),
          c0 = randomArray(rng, M * N);
        const a = k.fromArray(av, transA ? [K, M] : [M, K]),
          b = k.fromArray(bv, transB ? [N, K] : [K, N]),
          c = k.fromArray(c0, [M, N]);
        k.dense.gemm(a, b, c, { transA, transB, accumulate });
        const ref = refGemm(av, bv, M, K, N, transA, transB);
        if (accumulate)
          ref.value.forEach((v, i) => {
            ref.value[i] = v + c0[i]!;
            ref.magnitude[i]! += Math.abs(c0[i]!);
          });
        return mismatch(c.data, ref) === null;
      } finally {
        k.arena.release(mark);
      }
    }),
    { numRuns: 150, seed: 42 },
  );
  t.pass();
});

test("sparse forward, input gradient and masked weight gradient equal the dense references for arbitrary shapes and densities", async (t) => {
  const k = await kernelsFor("plain");
  fc.assert(
    fc.property(dim(30), dim(60), dim(70), fc.double({ min: 0, max: 1, noNaN: true }), fc.integer(), (M, K, N, density, seed) => {
      const rng = new Rng(seed);
      const mark = k.arena.mark();
      try {
        const mask = randomMask(rng, M, K, density, true);
        const wv = maskedDense(randomArray(rng, M * K), mask);
        const csr = k.sparse.fromMask(mask, M, K, k.fromArray(wv, [M, K]));
        const xv = randomArray(rng, K * N),
          dyv = randomArray(rng, M * N);
        const x = k.fromArray(xv, [K, N]),
          dy = k.fromArray(dyv, [M, N]);
        const y = k.alloc([M, N]),
          dx = k.alloc([K, N]),
          dv = k.alloc([csr.nnz]),
          dw = k.alloc([M, K]);
        k.sparse.spmm(csr, x, y);
        k.sparse.spmmT(csr, dy, dx);
        k.sparse.maskedGrad(csr, dy, x, dv);
        k.sparse.scatter(csr, dw, dv);
        const full = refGemm(dyv, xv, M, N, K, false, true);
        const wantDw = { value: full.value.map((v, i) => (mask[i] ? v : 0)), magnitude: full.magnitude.map((m, i) => (mask[i] ? m : 0)) };
        return (
          mismatch(y.data, refGemm(wv, xv, M, K, N)) === null &&
          mismatch(dx.data, refGemm(wv, dyv, K, M, N, true)) === null &&
          mismatch(dw.data, wantDw) === null
        );
      } finally {
        k.arena.release(mark);
      }
    }),
    { numRuns: 150, seed: 43 },
  );
  t.pass();
});
