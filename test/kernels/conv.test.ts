// Convolution layers (dense im2col + GEMM, Winograd F(2x2,3x3), and direct sparse) against naive references and
// tfjs-backend-wasm's conv2d, forward and backward, on odd sizes; pooling and batch norm.
import test from "ava";
import { ExecutionPlan } from "../../src/nn/plan.js";
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-wasm";
import { type ConvAlgorithm, Conv2d } from "../../src/nn/conv.js";
import { ParamFactory } from "../../src/nn/network.js";
import { Scratch } from "../../src/nn/scratch.js";
import type { Kernels } from "../../src/kernels/index.js";
import { Rng } from "../../src/util/rng.js";
import { kernelsFor } from "../helpers/kernels.js";
import { GEMM_REL_TOL, mismatch, randomArray, randomMask } from "../helpers/reference.js";
import { outSize, type RefConv, refConvBackward, refConvForward } from "../helpers/conv-reference.js";

const CASES: RefConv[] = [
  { C: 3, H: 5, W: 7, M: 4, K: 3, stride: 1, pad: 1, N: 3 },
  { C: 2, H: 6, W: 6, M: 5, K: 3, stride: 2, pad: 1, N: 5 },
  { C: 4, H: 8, W: 8, M: 3, K: 1, stride: 2, pad: 0, N: 4 },
  { C: 1, H: 1, W: 1, M: 1, K: 3, stride: 1, pad: 1, N: 1 },
  { C: 5, H: 9, W: 4, M: 6, K: 3, stride: 1, pad: 1, N: 9 },
  { C: 3, H: 32, W: 32, M: 8, K: 3, stride: 1, pad: 1, N: 2 },
  // Rows longer than the sparse weight gradient's 256-float chunks (with a tail), several bands.
  { C: 6, H: 7, W: 50, M: 5, K: 3, stride: 1, pad: 1, N: 7 },
  // A 1x1 stride-1 convolution (sparse with no padding; its transposed form has none either).
  { C: 7, H: 3, W: 5, M: 6, K: 1, stride: 1, pad: 0, N: 5 },
  // Stride 2 on odd sizes (sparse: the column-parity layout with an odd padded width, the
  // scattered input gradient), and rows long enough for full 24-float chunks.
  { C: 5, H: 7, W: 9, M: 6, K: 3, stride: 2, pad: 1, N: 5 },
  { C: 3, H: 8, W: 16, M: 4, K: 3, stride: 2, pad: 1, N: 9 },
  { C: 6, H: 5, W: 7, M: 5, K: 1, stride: 2, pad: 0, N: 3 },
];

/**
 * Shapes Winograd takes (3x3 stride 1, even output): channels that are not multiples of 4, 2x2
 * maps (one tile), batches with tail columns (N mod 4 ≠ 0), a map wider than one block of tiles.
 */
const WINOGRAD_CASES: RefConv[] = [
  { C: 3, H: 4, W: 6, M: 5, K: 3, stride: 1, pad: 1, N: 3 },
  { C: 1, H: 2, W: 2, M: 1, K: 3, stride: 1, pad: 1, N: 1 },
  { C: 7, H: 2, W: 2, M: 9, K: 3, stride: 1, pad: 1, N: 6 },
  { C: 9, H: 8, W: 10, M: 6, K: 3, stride: 1, pad: 1, N: 4 },
  { C: 5, H: 6, W: 64, M: 3, K: 3, stride: 1, pad: 1, N: 5 },
  { C: 16, H: 16, W: 16, M: 12, K: 3, stride: 1, pad: 1, N: 8 },
];

/** Runs a Conv2d layer (dense or sparse) forward and backward on given data. */
function runConv(
  k: Kernels,
  c: RefConv,
  wv: Float32Array,
  mask: Float32Array | null,
  xv: Float32Array,
  dyv: Float32Array,
  sparse: boolean,
  algorithm: ConvAlgorithm = "im2col",
) {
  const mark = k.arena.mark();
  try {
    const f = new ParamFactory(k);
    const layer = new Conv2d(f, "conv", [c.C, c.H, c.W], c.M, c.K, { stride: c.stride, bias: false, algorithm });
    const w = layer.weight;
    w.value.data.set(wv);
    if (mask) w.mask!.data.set(mask);
    const csr = sparse ? k.sparse.fromMask(w.mask!.data, c.M, c.C * c.K * c.K, w.value) : null;
    const [OH, OW] = outSize(c);
    const scratch = new Scratch();
    const run = layer.bind(k, [c.C, c.H, c.W], c.N, scratch, ExecutionPlan.of(k, [[w, csr]]));
    scratch.allocate(k);
    const x = k.fromArray(xv, [c.C * c.H * c.W, c.N]),
      y = k.alloc([c.M * OH * OW, c.N]);
    const dy = k.fromArray(dyv, [c.M * OH * OW, c.N]),
      dx = k.alloc([c.C * c.H * c.W, c.N]);
    const dw = k.alloc(csr ? [csr.nnz] : [c.M, c.C * c.K * c.K]);
    const ctx = { training: true, step: 0, colOffset: 0, totalCols: c.N, seed: 0 };
    run.forward(x, y, ctx);
    run.backward(x, y, dy, dx, new Map([[w, dw]]), ctx);
    let dwDense = Float32Array.from(dw.data);
    if (sparse) {
      const full = k.alloc([c.M, c.C * c.K * c.K]);
      k.sparse.scatter(csr!, full, dw);
      dwDense = Float32Array.from(full.data);
    }
    return { y: Float32Array.from(y.data), dx: Float32Array.from(dx.data), dw: dwDense };
  } finally {
    k.arena.release(mark);
  }
}

// Wide enough (40 channels, batch 37) that the sparse plan offers several channel groupings
// (4, 2 and 1 groups): each gives the reference's result and exactly the same bits, which is what
// lets the layer pick one by timing (sconvTune) without costing determinism.
for (const simd of ["plain", "relaxed"] as const) {
  test(`direct sparse convolution: every channel grouping gives the same bits, and the reference's result (${simd} SIMD)`, async (t) => {
    const k = await kernelsFor(simd);
    const rng = new Rng(23, simd);
    // Rows of OW·N = 222, 228 and 234 floats: 24-float chunks, then every tail path (16, 8, 4
    // floats and single ones).
    for (const [N, density] of [
      [37, 0.5],
      [37, 0.1],
      [38, 0.5],
      [39, 0.1],
    ] as const) {
      const c: RefConv = { C: 40, H: 5, W: 6, M: 7, K: 3, stride: 1, pad: 1, N };
      const [OH, OW] = outSize(c);
      const KK = c.K * c.K;
      const mark = k.arena.mark();
      const mask = randomMask(rng, c.M, c.C * KK, density);
      const wv = randomArray(rng, c.M * c.C * KK).map((v, i) => (mask[i] ? v : 0));
      const xv = randomArray(rng, c.C * c.H * c.W * c.N);
      const w = k.fromArray(wv, [c.M, c.C * KK]);
      const csr = k.sparse.fromMask(mask, c.M, c.C * KK, w);
      const s = { C: c.C, H: c.H, W: c.W, K: c.K, stride: 1, pad: 1 };
      const x = k.fromArray(xv, [c.C * c.H * c.W, c.N]),
        xpad = k.alloc([c.C * (c.H + 2) * (c.W + 2), c.N]),
        y = k.alloc([c.M * OH * OW, c.N]),
        tile = k.alloc([c.M * 32]);
      k.conv.pad(x, xpad, c.C, c.H, c.W, 1);
      const plan = k.conv.sconvPlan(csr, s, c.N, "test");
      t.deepEqual(
        plan.groupings.map((g) => g.groups),
        [4, 2, 1],
        "candidate groupings",
      );
      const outputs = plan.groupings.map((g) => {
        plan.groupPtr = g.groupPtr;
        plan.groups = g.groups;
        y.data.fill(Number.NaN);
        k.conv.sconvForward(csr, plan, xpad, y, tile, s);
        return Array.from(y.data);
      });
      t.is(mismatch(outputs[0]!, refConvForward(c, xv, wv)), null, `forward at density ${density}, N ${N}`);
      for (let i = 1; i < outputs.length; i++) t.deepEqual(outputs[i], outputs[0], `${plan.groupings[i]!.groups} groups vs ${plan.groupings[0]!.groups}`);
      // The fused epilogue (bias, ReLU in the stores; staged and direct stores, vector and scalar
      // tails) gives exactly what biasAct after the plain kernel gives.
      const bias = k.fromArray(randomArray(rng, c.M), [c.M]);
      for (const relu of [false, true]) {
        const want = k.fromArray(Float32Array.from(outputs[0]!), [c.M, OH * OW * c.N]);
        k.elementwise.biasAct(want, bias, relu);
        for (const g of plan.groupings) {
          plan.groupPtr = g.groupPtr;
          plan.groups = g.groups;
          y.data.fill(Number.NaN);
          k.conv.sconvForward(csr, plan, xpad, y, tile, s, { bias, relu });
          t.deepEqual(Array.from(y.data), Array.from(want.data), `bias${relu ? " + ReLU" : ""} fused, ${g.groups} groups`);
        }
      }
      const reluOnly = k.fromArray(Float32Array.from(outputs[0]!), [outputs[0]!.length]);
      k.elementwise.relu(reluOnly, reluOnly);
      y.data.fill(Number.NaN);
      k.conv.sconvForward(csr, plan, xpad, y, tile, s, { relu: true });
      t.deepEqual(Array.from(y.data), Array.from(reluOnly.data), "ReLU without bias, fused");
      t.throws(() => k.conv.sconvForward(csr, plan, xpad, y, tile, s, { accumulate: true, relu: true }), { message: /not with accumulate/ });
      const ms = k.conv.sconvTune(csr, plan, xpad, y, tile, s);
      t.is(ms.length, 3);
      t.deepEqual(plan.tunedMs, ms);
      t.is(plan.groups, plan.groupings[ms.indexOf(Math.min(...ms))]!.groups, "the fastest grouping is kept");
      t.deepEqual(Array.from(y.data), outputs[0], "the tuned forward leaves the same result in y");
      k.arena.release(mark);
    }
  });
}

for (const simd of ["plain", "relaxed"] as const) {
  test(`Conv2d forward, input and weight gradients match the naive reference (dense and sparse, ${simd} SIMD)`, async (t) => {
    const k = await kernelsFor(simd);
    const rng = new Rng(21, simd);
    for (const c of CASES) {
      const [OH, OW] = outSize(c);
      const xv = randomArray(rng, c.C * c.H * c.W * c.N),
        dyv = randomArray(rng, c.M * OH * OW * c.N);
      for (const density of [1, 0.3, 0.05, 0]) {
        const mask = density < 1 ? randomMask(rng, c.M, c.C * c.K * c.K, density) : null;
        const wv = randomArray(rng, c.M * c.C * c.K * c.K).map((v, i) => (mask && !mask[i] ? 0 : v));
        const fwd = refConvForward(c, xv, wv),
          bwd = refConvBackward(c, xv, wv, dyv);
        for (const sparse of density < 1 ? [false, true] : [false]) {
          const got = runConv(k, c, wv, mask, xv, dyv, sparse);
          const tag = `${JSON.stringify(c)} density ${density} ${sparse ? "sparse" : "dense"}`;
          t.is(mismatch(got.y, fwd), null, `forward ${tag}`);
          t.is(mismatch(got.dx, bwd.dx), null, `dx ${tag}`);
          const dwRef = mask ? { value: bwd.dw.value.map((v, i) => (mask[i] ? v : 0)), magnitude: bwd.dw.magnitude } : bwd.dw;
          if (sparse) t.is(mismatch(got.dw, dwRef), null, `dw ${tag}`);
          else t.is(mismatch(got.dw, bwd.dw), null, `dw ${tag}`);
        }
      }
    }
  });
}

for (const simd of ["plain", "relaxed"] as const) {
  test(`Winograd F(2x2,3x3) forward, input and weight gradients match the naive reference (${simd} SIMD)`, async (t) => {
    const k = await kernelsFor(simd);
    const rng = new Rng(23, simd);
    for (const c of WINOGRAD_CASES) {
      const [OH, OW] = outSize(c);
      const xv = randomArray(rng, c.C * c.H * c.W * c.N),
        dyv = randomArray(rng, c.M * OH * OW * c.N);
      // Pruned weights run dense through Winograd when the layer stays dense; density 0 is an empty layer.
      for (const density of [1, 0.3, 0]) {
        const mask = density < 1 ? randomMask(rng, c.M, c.C * 9, density) : null;
        const wv = randomArray(rng, c.M * c.C * 9).map((v, i) => (mask && !mask[i] ? 0 : v));
        const fwd = refConvForward(c, xv, wv),
          bwd = refConvBackward(c, xv, wv, dyv);
        const got = runConv(k, c, wv, mask, xv, dyv, false, "winograd");
        const tag = `${JSON.stringify(c)} density ${density}`;
        // The transforms add up to 4 inputs per term (and G halves): a few more roundings than a plain dot product.
        t.is(mismatch(got.y, fwd, 4 * GEMM_REL_TOL), null, `forward ${tag}`);
        t.is(mismatch(got.dx, bwd.dx, 4 * GEMM_REL_TOL), null, `dx ${tag}`);
        t.is(mismatch(got.dw, bwd.dw, 4 * GEMM_REL_TOL), null, `dw ${tag}`);
      }
    }
  });
}

test("Winograd's 16-plane buffers (blocks, transformed weights): each plane padded to an odd number of 64-byte lines", async (t) => {
  const k = await kernelsFor("relaxed");
  // [rows, tiles, N]: Conv-2's 64 channels at batch 60 (480 lines, padded to 481), VGG-19's at 64
  // (512 lines: 16 planes 32 KB apart, one L1 set, before the padding), odd sizes, one float.
  for (const [rows, tiles, N] of [
    [64, 2, 60],
    [64, 2, 64],
    [16, 1, 128],
    [7, 3, 5],
    [1, 1, 1],
  ] as const) {
    const floats = k.conv.winogradBlockFloats(rows, tiles, N);
    const plane = floats / 16;
    t.true(Number.isInteger(plane) && plane >= rows * tiles * N, `${rows}x${tiles}x${N}: plane ${plane}`);
    t.true(plane % 16 === 0 && (plane / 16) % 2 === 1, `${rows}x${tiles}x${N}: ${plane / 16} lines`);
    t.true(plane - rows * tiles * N < 32, `${rows}x${tiles}x${N}: at most a line and a half of padding`);
  }
  // The transformed weights [16][M][C] the same way: VGG-19's 512x512 planes were 1 MB apart.
  for (const [M, C] of [
    [512, 512],
    [64, 64],
    [16, 3],
  ] as const) {
    const plane = k.conv.winogradWeightFloats(M, C) / 16;
    t.true(plane >= M * C && plane - M * C < 32 && plane % 16 === 0 && (plane / 16) % 2 === 1, `u ${M}x${C}: plane ${plane}`);
  }
});

test("Winograd is refused where it does not apply (odd output, stride 2, 1x1)", async (t) => {
  const k = await kernelsFor("relaxed");
  const rng = new Rng(24);
  for (const c of [CASES[0]!, CASES[1]!, CASES[2]!]) {
    const [OH, OW] = outSize(c);
    const err = t.throws(() =>
      runConv(
        k,
        c,
        randomArray(rng, c.M * c.C * c.K * c.K),
        null,
        randomArray(rng, c.C * c.H * c.W * c.N),
        randomArray(rng, c.M * OH * OW * c.N),
        false,
        "winograd",
      ),
    );
    t.regex(err!.message, /Winograd needs a 3x3 stride-1 convolution with an even output size/);
  }
});

test("Conv2d agrees with tfjs-backend-wasm conv2d (NHWC), stride 1 and 2", async (t) => {
  await tf.setBackend("wasm");
  await tf.ready();
  const k = await kernelsFor("relaxed");
  const rng = new Rng(22);
  for (const [c, algorithm] of [
    [CASES[0]!, "im2col"],
    [CASES[1]!, "im2col"],
    [CASES[5]!, "im2col"],
    [WINOGRAD_CASES[0]!, "winograd"],
    [WINOGRAD_CASES[5]!, "winograd"],
  ] as const) {
    const [OH, OW] = outSize(c);
    const xv = randomArray(rng, c.C * c.H * c.W * c.N),
      wv = randomArray(rng, c.M * c.C * c.K * c.K);
    const got = runConv(k, c, wv, null, xv, new Float32Array(c.M * OH * OW * c.N), false, algorithm);
    // CHWN → NHWC, and [M, C, K, K] → [K, K, C, M]
    const xNhwc = new Float32Array(xv.length);
    for (let ch = 0; ch < c.C; ch++)
      for (let h = 0; h < c.H; h++)
        for (let w = 0; w < c.W; w++) for (let n = 0; n < c.N; n++) xNhwc[((n * c.H + h) * c.W + w) * c.C + ch] = xv[((ch * c.H + h) * c.W + w) * c.N + n]!;
    const wHwio = new Float32Array(wv.length);
    for (let m = 0; m < c.M; m++)
      for (let ch = 0; ch < c.C; ch++)
        for (let kh = 0; kh < c.K; kh++)
          for (let kw = 0; kw < c.K; kw++) wHwio[((kh * c.K + kw) * c.C + ch) * c.M + m] = wv[((m * c.C + ch) * c.K + kh) * c.K + kw]!;
    const tx = tf.tensor4d(xNhwc, [c.N, c.H, c.W, c.C]),
      tw = tf.tensor4d(wHwio, [c.K, c.K, c.C, c.M]);
    // Explicit symmetric padding: TF's "same" pads stride-2 convolutions asymmetrically (PyTorch and we do not).
    const ty = tf.conv2d(tx, tw, c.stride, [
      [0, 0],
      [c.pad, c.pad],
      [c.pad, c.pad],
      [0, 0],
    ]);
    const theirs = ty.dataSync();
    const ref = refConvForward(c, xv, wv);
    const back = new Float64Array(theirs.length);
    for (let n = 0; n < c.N; n++)
      for (let h = 0; h < OH; h++)
        for (let w = 0; w < OW; w++) for (let m = 0; m < c.M; m++) back[((m * OH + h) * OW + w) * c.N + n] = theirs[((n * OH + h) * OW + w) * c.M + m]!;
    t.is(
      mismatch(got.y, { value: back, magnitude: ref.magnitude.map((v) => (algorithm === "winograd" ? 5 : 2) * v) }),
      null,
      `${JSON.stringify(c)} ${algorithm}`,
    );
    tf.dispose([tx, tw, ty]);
  }
});
