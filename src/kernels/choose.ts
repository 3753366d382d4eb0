// Dense or sparse, per layer: below the break-even density the sparse kernels (whose cost follows
// the number of kept weights) beat the dense ones (whose cost does not). Where the break-even lies
// depends on what the dense form is, so the choice is a table of measured break-evens, one per
// dense kind (and, against Winograd, per input-channel count), the same for every layer of that
// kind: a property of the kernels, not of the model.
//
// How the table was measured (2026-12-07, Intel Xeon, 48 KB L1d / 2 MB L2 per core, 1 thread,
// `LOTTERY_BENCH_CLOCK=cpu npm run -s bench -- conv --shapes <layer> --densities 1,0.7,...,0.25`):
// each entry is 0.9x the density where the sparse layer (forward, input and weight gradients
// together) crossed the dense one, taking the lowest crossing among the shapes of that kind. The
// 10% margin is for the machines the table was not measured on; a layer just under an entry runs
// about 1.1x faster sparse than dense here.
// - winograd (3x3 stride-1 layers): Winograd's lead over im2col grows with the input channels
//   (its GEMMs get thicker next to its transforms), so the crossing falls as they grow: 0.49 at
//   16 channels (ResNet-20's 32x32 stage, batch 128), 0.37 at 32, 0.355-0.39 at 64 (Conv-2 at
//   batch 60, VGG-19's 64->64, ResNet-20's 8x8 stage), 0.355-0.37 at 128 (Conv-4), 0.32 at 256
//   (Conv-6), 0.23 at 512 (VGG-19 at 4x4; 0.31 at 2x2). Forward and backward crossed within a few
//   percent of each other on every shape, so a per-pass choice would gain little over this
//   per-layer one. (Measured after Winograd's 16-plane buffers stopped sharing L1 sets, which made
//   its layers 1.1-1.4x faster at batches that are multiples of 8 and moved ResNet-20's crossings
//   down from 0.77 and 0.59, and VGG-19's 512-channel one from 0.26.)
// - im2col-strided (ResNet-20's stride-2 layers): 0.58 and 0.50 (16->32 and 32->64).
// - the 3-channel first layers (im2col when dense, under 4,096 weights: Conv-2/4/6's and VGG-19's
//   3->64, ResNet-20's 3->16): crossings between 0.65 and above 0.7 in two runs (Conv-2's 0.94x
//   at 0.7 in one, 1.11x in the other; ResNet-20's 1.12-1.30x at 0.7), so 0.6.
// - im2col (other stride-1 layers Winograd does not take: odd map sizes): VGG-19's 512->512 at 4x4
//   crossed at 0.6 (1.00x there, 0.88x at 0.7); Conv-2's 64->64 was still 1.56x faster at 0.7.
// - gemm (fully connected layers; CSR kernels against the register-tiled GEMM): 0.3, measured
//   earlier with `npm run bench -- kernels`. Re-measured 2026-12-07, after wide layers' sparse
//   products began walking their input in L2-sized column blocks, the whole layer (forward, input
//   and weight gradients) crosses near 0.55 on LeNet fc1 (300x784, batch 60) and Conv-2 fc1
//   (256x16384): sparse is 1.1-1.2x at density 0.5. The entry stays at 0.3 so that LeNet-300-100's
//   published runs keep their bits (docs/results); Conv-2's fc layers lose a few percent of a
//   step at levels 4 and 5 (fc density 0.41 and 0.33).
// The table these replaced (0.25 at 64 channels, 0.41 at 16, 0.25 for first layers, 0.35 strided)
// was measured on a Zen 3 before the sparse kernels' channel groupings were timed; on this Xeon it
// left Conv-2's second layer dense at levels 11-13, where sparse ran it up to 1.35x faster.
// A table, not a timing taken while training: a timing-based choice would make the arithmetic
// (and so the bits of every result) depend on the machine's load at the moment, and one seed
// must give the same numbers on one thread (README, "Determinism"). Fully connected layers with
// fewer than 4096 weights run dense (call overhead dominates). A small filter bank over large maps
// is no small layer: ResNet-20's 16x16x3x3 (2304 weights, 32x32 maps, batch 128) takes the
// Winograd table.
/**
 * The dense form a prunable layer runs when it is not sparse: GEMM (fully connected), im2col +
 * GEMM (stride 1, or strided: ResNet-20's downsampling layers), or Winograd F(2x2,3x3).
 */
export type DenseKind = "gemm" | "im2col" | "im2col-strided" | "winograd";

/**
 * Measured densities below which the sparse kernels beat each dense form (see the header comment);
 * Winograd's depends on the channels (winogradBreakEven). Strided layers break even later than
 * their stride-1 forward alone would (1.6x im2col at density 0.5) because their input gradient
 * scatters (read-modify-writes into the input gradient).
 */
export const SPARSE_BREAK_EVEN: Readonly<Record<Exclude<DenseKind, "winograd">, number>> = { gemm: 0.3, im2col: 0.55, "im2col-strided": 0.45 };

/** Against Winograd F(2x2,3x3): [input channels, break-even density] (0.9x each measured crossing; interpolated in log2 C). */
const WINOGRAD_BREAK_EVEN: readonly [number, number][] = [
  [16, 0.44],
  [32, 0.33],
  [64, 0.32],
  [128, 0.32],
  [256, 0.29],
  [512, 0.21],
];

/** The density below which the sparse kernels beat a Winograd layer with C input channels. */
export function winogradBreakEven(C: number): number {
  const pts = WINOGRAD_BREAK_EVEN;
  if (C <= pts[0]![0]) return pts[0]![1];
  for (let i = 1; i < pts.length; i++) {
    const [c0, d0] = pts[i - 1]!,
      [c1, d1] = pts[i]!;
    if (C <= c1) return d0 + ((d1 - d0) * Math.log2(C / c0)) / Math.log2(c1 / c0);
  }
  return pts[pts.length - 1]![1];
}

/** The fully connected layers' break-even, the one `lottery info` prints. */
export const SPARSE_CROSSOVER_DENSITY = SPARSE_BREAK_EVEN.gemm;
const MIN_SPARSE_WEIGHTS = 4096;
/** The break-even of im2col layers under MIN_SPARSE_WEIGHTS (the 3-channel first conv layers, whose 27-row im2col GEMM is thin). */
export const SMALL_CONV_BREAK_EVEN = 0.6;

/** Which kernels a pruned layer runs for a level. */
export type KernelChoice = "dense" | "sparse";

/** cols is the weight matrix's columns: inputs (fc) or input channels x 3 x 3 (Winograd). */
export function chooseKernel(rows: number, cols: number, density: number, dense: DenseKind = "gemm"): KernelChoice {
  const small = rows * cols < MIN_SPARSE_WEIGHTS;
  if (small && dense === "gemm") return "dense";
  const breakEven = dense === "winograd" ? winogradBreakEven(cols / 9) : small && dense === "im2col" ? SMALL_CONV_BREAK_EVEN : SPARSE_BREAK_EVEN[dense];
  return density < breakEven ? "sparse" : "dense";
}
