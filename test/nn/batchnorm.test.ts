// Batch norm's training statistics: one pass over the activations for each example's mean and
// squared deviations (shifted by the example's first value), combined over the batch. The
// normalized output and the running statistics must be what a float64 two-pass computation gives,
// also for channels whose mean lies far from zero (where a plain Σx² − (Σx)²/n would cancel), and
// they depend on the batch and the parameters only.
import test from "ava";
import { BatchNorm2d } from "../../src/nn/batchnorm.js";
import type { StepContext } from "../../src/nn/layer.js";
import { ParamFactory } from "../../src/nn/network.js";
import { Rng } from "../../src/util/rng.js";
import { kernelsFor } from "../helpers/kernels.js";

const C = 3,
  H = 5,
  W = 7,
  N = 9;
const P = H * W;

/** Channel c's values of x [C·P, N]: mean `offsets[c]`, spread `spreads[c]`. */
function batch(rng: Rng, offsets: readonly number[], spreads: readonly number[]): Float32Array {
  const x = new Float32Array(C * P * N);
  for (let c = 0; c < C; c++) for (let i = c * P * N; i < (c + 1) * P * N; i++) x[i] = offsets[c]! + spreads[c]! * (2 * rng.float() - 1);
  return x;
}

/** Float64 two-pass mean and biased variance of each channel. */
function reference(x: Float32Array): { mean: number[]; variance: number[] } {
  const mean: number[] = [],
    variance: number[] = [];
  for (let c = 0; c < C; c++) {
    let s = 0;
    for (let i = c * P * N; i < (c + 1) * P * N; i++) s += x[i]!;
    const m = s / (P * N);
    let q = 0;
    for (let i = c * P * N; i < (c + 1) * P * N; i++) q += (x[i]! - m) ** 2;
    mean.push(m);
    variance.push(q / (P * N));
  }
  return { mean, variance };
}

for (const [label, offsets, spreads, runningMean] of [
  // Means many spreads away from zero: a one-pass variance about zero would cancel catastrophically.
  ["means far from zero", [1000, -250, 3], [1, 0.5, 0.01], [0, 0, 0]],
  ["means far from zero, running statistics warmed up", [1000, -250, 3], [1, 0.5, 0.01], [1000.2, -250.1, 3.001]],
  ["zero-mean channels", [0, 0, 0], [1, 2, 3], [0, 0, 0]],
] as const) {
  test(`batch norm training statistics equal a float64 two-pass computation: ${label}`, async (t) => {
    const k = await kernelsFor("relaxed");
    const factory = new ParamFactory(k);
    const bn = new BatchNorm2d(factory, "bn", C);
    bn.gamma.value.data.fill(1);
    bn.runningMean.value.data.set(runningMean);
    bn.runningVar.value.data.fill(1);
    const run = bn.bind(k, [C, H, W], N);
    const xv = batch(new Rng(11), offsets, spreads);
    const x = k.fromArray(Array.from(xv), [C * P, N]),
      y = k.alloc([C * P, N]);
    const ctx: StepContext = { training: true, step: 0, colOffset: 0, totalCols: N, seed: 1 };
    run.forward(x, y, ctx);
    const first = Array.from(y.data);

    const want = reference(xv);
    for (let c = 0; c < C; c++) {
      // The normalized channel has mean 0 and variance 1 up to f32 rounding of x − mean.
      let s = 0,
        q = 0;
      for (let i = c * P * N; i < (c + 1) * P * N; i++) {
        s += y.data[i]!;
        q += y.data[i]! ** 2;
      }
      const ym = s / (P * N),
        yv = q / (P * N) - ym * ym;
      const tol = (4e-7 * Math.abs(want.mean[c]!)) / spreads[c]! + 1e-4;
      t.true(Math.abs(ym) < tol, `channel ${c}: normalized mean ${ym} (tolerance ${tol})`);
      t.true(Math.abs(yv - want.variance[c]! / (want.variance[c]! + 1e-5)) < 10 * tol, `channel ${c}: normalized variance ${yv}`);
      // Running statistics: momentum 0.1 toward the batch mean and the unbiased variance.
      const rm = 0.9 * runningMean[c]! + 0.1 * want.mean[c]!;
      t.true(
        Math.abs(bn.runningMean.value.data[c]! - rm) <= 1e-6 * Math.max(1, Math.abs(rm)),
        `channel ${c}: running mean ${bn.runningMean.value.data[c]} vs ${rm}`,
      );
      const rv = 0.9 + 0.1 * want.variance[c]! * ((P * N) / (P * N - 1));
      t.true(Math.abs(bn.runningVar.value.data[c]! - rv) <= 1e-5 * rv, `channel ${c}: running variance ${bn.runningVar.value.data[c]} vs ${rv}`);
    }
    // The running statistics moved; the same batch normalizes to the same bits.
    run.forward(x, y, ctx);
    t.deepEqual(Array.from(y.data), first, "the training forward depends on the batch and the parameters only");
  });
}
