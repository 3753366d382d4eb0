// The dense-or-sparse table (src/kernels/choose.ts): which form each kind of layer takes around
// its measured break-even density.
import test from "ava";
import { chooseKernel, SMALL_CONV_BREAK_EVEN, SPARSE_BREAK_EVEN, winogradBreakEven } from "../../src/kernels/index.js";

test("fully connected layers go sparse below the GEMM break-even, small ones never", (t) => {
  const b = SPARSE_BREAK_EVEN.gemm;
  t.is(chooseKernel(300, 784, b - 0.01), "sparse");
  t.is(chooseKernel(300, 784, b + 0.01), "dense");
  t.is(chooseKernel(10, 100, 0.01), "dense", "a 1,000-weight output layer stays dense at any density");
});

test("im2col convolutions: 0.55 when large, 0.6 for the 3-channel first layers", (t) => {
  t.is(chooseKernel(64, 64 * 9, 0.54, "im2col"), "sparse");
  t.is(chooseKernel(64, 64 * 9, 0.56, "im2col"), "dense");
  // Conv-2's 3->64 (1,728 weights) and ResNet-20's 3->16 (432): their thin im2col GEMM loses to
  // the sparse kernels up to about 0.65-0.75 (Xeon, 2026-12-07).
  t.is(SMALL_CONV_BREAK_EVEN, 0.6);
  for (const [rows, cols] of [
    [64, 27],
    [16, 27],
  ] as const) {
    t.is(chooseKernel(rows, cols, 0.62, "im2col"), "dense", `${rows}x${cols} at 0.62`);
    t.is(chooseKernel(rows, cols, 0.58, "im2col"), "sparse", `${rows}x${cols} at 0.58`);
  }
});

test("Winograd layers: the measured table, interpolated in log2 of the input channels", (t) => {
  t.is(winogradBreakEven(16), 0.44);
  t.is(winogradBreakEven(8), 0.44, "below the table: its first entry");
  t.is(winogradBreakEven(1024), 0.21, "above the table: its last entry");
  t.is(winogradBreakEven(64), 0.32);
  const at24 = winogradBreakEven(24);
  t.true(at24 > 0.33 && at24 < 0.44, `between 16's and 32's entries: ${at24}`);
  t.true(Math.abs(winogradBreakEven(Math.SQRT2 * 16) - (0.44 + 0.33) / 2) < 1e-12, "halfway in log2 C, halfway in density");
  t.true(winogradBreakEven(16) > winogradBreakEven(64) && winogradBreakEven(64) > winogradBreakEven(512));
  t.is(chooseKernel(16, 16 * 9, 0.43, "winograd"), "sparse", "ResNet-20's 2,304-weight layers go sparse below 0.44");
  t.is(chooseKernel(16, 16 * 9, 0.45, "winograd"), "dense");
  // Conv-2's 64->64 layer: dense at level 10 (density 0.9^10 = 0.349), sparse from level 11 (0.314).
  t.is(chooseKernel(64, 64 * 9, 0.9 ** 10, "winograd"), "dense");
  t.is(chooseKernel(64, 64 * 9, 0.9 ** 11, "winograd"), "sparse");
});

test("strided convolutions (ResNet-20's downsampling layers) go sparse below 0.45", (t) => {
  t.is(chooseKernel(32, 16 * 9, 0.44, "im2col-strided"), "sparse");
  t.is(chooseKernel(32, 16 * 9, 0.46, "im2col-strided"), "dense", "above it the scattered input gradient costs more than im2col saves");
});
