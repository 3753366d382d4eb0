// The dense-or-sparse table (src/kernels/choose.ts): which form each kind of layer takes around
// its measured break-even density.
import test from "ava";
import { chooseKernel, SPARSE_BREAK_EVEN, winogradBreakEven } from "../../src/kernels/index.js";

test("fully connected layers go sparse below the GEMM break-even, small ones never", (t) => {
  const b = SPARSE_BREAK_EVEN.gemm;
  t.is(chooseKernel(300, 784, b - 0.01), "sparse");
  t.is(chooseKernel(300, 784, b + 0.01), "dense");
  t.is(chooseKernel(10, 100, 0.01), "dense", "a 1,000-weight output layer stays dense at any density");
});

test("im2col convolutions: 0.45 when large, 0.25 for the 3-channel first layers", (t) => {
  t.is(chooseKernel(64, 64 * 9, 0.44, "im2col"), "sparse");
  t.is(chooseKernel(64, 64 * 9, 0.46, "im2col"), "dense");
  // Conv-2's 3->64 (1,728 weights) and ResNet-20's 3->16 (432).
  for (const [rows, cols] of [
    [64, 27],
    [16, 27],
  ] as const) {
    t.is(chooseKernel(rows, cols, 0.3, "im2col"), "dense", `${rows}x${cols} at 0.3`);
    t.is(chooseKernel(rows, cols, 0.2, "im2col"), "sparse", `${rows}x${cols} at 0.2`);
  }
});

test("Winograd layers: the break-even falls as the channels grow", (t) => {
  const at16 = winogradBreakEven(16),
    at64 = winogradBreakEven(64),
    at512 = winogradBreakEven(512);
  t.true(at16 > at64 && at64 >= at512);
  t.is(chooseKernel(16, 16 * 9, at16 - 0.01, "winograd"), "sparse", "ResNet-20's 2,304-weight layers may go sparse");
  t.is(chooseKernel(64, 64 * 9, at64 + 0.01, "winograd"), "dense");
});

test("strided convolutions (ResNet-20's downsampling layers) go sparse below 0.35", (t) => {
  t.is(chooseKernel(32, 16 * 9, 0.3, "im2col-strided"), "sparse");
  t.is(chooseKernel(32, 16 * 9, 0.4, "im2col-strided"), "dense", "above 0.35 the scattered input gradient costs more than im2col saves");
});
