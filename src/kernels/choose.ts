// Dense or sparse, per layer: below the break-even density the sparse kernels (whose cost follows
// the number of kept weights) beat the dense ones (whose cost does not). Where the break-even lies
// depends on what the dense form is, so the choice is a table of measured break-evens, one per
// dense kind, the same for every layer of that kind (a property of the kernels, not the model):
// - gemm (fully connected layers; CSR kernels against the register-tiled GEMM), measured with
//   `npm run bench -- kernels` on LeNet fc1 (300x784, batch 60) and Conv-2 fc1 (256x16384): the
//   forward product wins from ~0.35, the weight gradient from ~0.3;
// - im2col (convolutions Winograd does not take: stride 2, odd output sizes, 3 input channels):
//   `npm run bench -- conv`, the direct sparse kernels against im2col + GEMM (forward and backward
//   together) at density 0.5: 1.24x on Conv-2's 64->64 layer at batch 60, 1.33x at batch 32,
//   1.09-1.15x on Conv-4's and Conv-6's, 0.86x on VGG-19's 512->512 at 4x4; at 0.35 1.3-1.8x
//   everywhere, so the break-even is taken at 0.45;
// - winograd (3x3 stride-1 layers): Winograd's lead over im2col grows with the input channels
//   (its GEMMs get thicker next to its transforms): 1.10x at 16 channels, 1.41x at 32, 1.70-2.08x
//   at 64 to 512 (`bench conv`, ResNet-20's, Conv-2/4/6's and VGG-19's layers), while the sparse
//   kernels against im2col follow about 0.45-0.6 / density from 0.5 down to 0.25 (less below, where
//   their fixed costs show). So the break-even is about 0.45-0.55 / lead: measured 0.27 on Conv-2,
//   0.23 on Conv-4, 0.22 on Conv-6, 0.23 on VGG-19's 512 channels, 0.27 on ResNet-20's 64, 0.45 on
//   its 32 and above 0.5 on its 16; auto uses 0.45 / lead, at or below each, so that it never picks
//   the slower form.
//   (Measured 2026-12-03 after the sparse kernels stopped spilling accumulators; before, the
//   constant was 0.36 and the im2col break-even 0.4.)
// A table, not a timing taken while training: a timing-based choice would make the arithmetic
// (and so the bits of every result) depend on the machine's load at the moment, and one seed
// must give the same numbers on one thread (README, "Determinism"). Fully connected layers with
// fewer than 4096 weights run dense (call overhead dominates). A small filter bank over large maps
// is no small layer: ResNet-20's 16x16x3x3 (2304 weights, 32x32 maps, batch 128) runs 1.28x
// Winograd at density 0.35 on the sparse kernels. The first conv layers (3 input channels,
// im2col when dense: Conv-2/4/6's and VGG-19's 3->64, ResNet-20's 3->16) have their own
// break-even, 0.25: on a Zen 3 Conv-2's ran sparse at 0.87-0.91x im2col at density 0.3-0.45 and
// 1.13x at 0.2; on a Xeon (2026-12-06, after the channel groupings became timed) 1.5-2.1x at 0.4
// and 1.9-2.9x at 0.2 (`bench conv --shapes conv1,vgg-first,resnet-first`).
/**
 * The dense form a prunable layer runs when it is not sparse: GEMM (fully connected), im2col +
 * GEMM (stride 1, or strided: ResNet-20's downsampling layers), or Winograd F(2x2,3x3).
 */
export type DenseKind = "gemm" | "im2col" | "im2col-strided" | "winograd";

/**
 * Measured densities below which the sparse kernels beat each dense form (see the header comment);
 * Winograd's depends on the channels (winogradBreakEven). Strided layers: their sparse forward is
 * fast (1.6x im2col at density 0.5) but their input gradient scatters (read-modify-writes), so the
 * whole layer only breaks even near 0.45-0.5 (ResNet-20's 16->32 and 32->64 stride-2 layers on the
 * Xeon, 2026-12-06: 0.99x and 0.90x at 0.5, 1.50x and 1.31x at 0.3, 1.98x and 1.82x at 0.2;
 * `bench conv --shapes resnet16s2,resnet32s2`): 0.35.
 */
export const SPARSE_BREAK_EVEN: Readonly<Record<Exclude<DenseKind, "winograd">, number>> = { gemm: 0.3, im2col: 0.45, "im2col-strided": 0.35 };

/** Winograd F(2x2,3x3)'s measured speed over im2col at C input channels (interpolated in log2 C). */
const WINOGRAD_LEAD: readonly [number, number][] = [
  [16, 1.1],
  [32, 1.41],
  [64, 1.8],
  [128, 1.95],
];

/** The density below which the sparse kernels beat a Winograd layer with C input channels. */
export function winogradBreakEven(C: number): number {
  const pts = WINOGRAD_LEAD;
  let lead = pts[pts.length - 1]![1];
  if (C <= pts[0]![0]) lead = pts[0]![1];
  else {
    for (let i = 1; i < pts.length; i++) {
      const [c0, l0] = pts[i - 1]!,
        [c1, l1] = pts[i]!;
      if (C <= c1) {
        lead = l0 + ((l1 - l0) * Math.log2(C / c0)) / Math.log2(c1 / c0);
        break;
      }
    }
  }
  return 0.45 / lead;
}

/** The fully connected layers' break-even, the one `lottery info` prints. */
export const SPARSE_CROSSOVER_DENSITY = SPARSE_BREAK_EVEN.gemm;
const MIN_SPARSE_WEIGHTS = 4096;
/** The break-even of im2col layers under MIN_SPARSE_WEIGHTS (the 3-channel first conv layers). */
export const SMALL_CONV_BREAK_EVEN = 0.25;

/** Which kernels a pruned layer runs for a level. */
export type KernelChoice = "dense" | "sparse";

/** cols is the weight matrix's columns: inputs (fc) or input channels x 3 x 3 (Winograd). */
export function chooseKernel(rows: number, cols: number, density: number, dense: DenseKind = "gemm"): KernelChoice {
  const small = rows * cols < MIN_SPARSE_WEIGHTS;
  if (small && dense === "gemm") return "dense";
  const breakEven =
    dense === "winograd" ? winogradBreakEven(cols / 9) : small ? Math.min(SMALL_CONV_BREAK_EVEN, SPARSE_BREAK_EVEN[dense]) : SPARSE_BREAK_EVEN[dense];
  return density < breakEven ? "sparse" : "dense";
}
