// Dense or sparse, per layer: below the break-even density the sparse kernels (whose cost follows
// the number of kept weights) beat the dense ones (whose cost does not). Where the break-even lies
// depends on what the dense form is, so the choice is a table of measured break-evens, one per
// dense kind, the same for every layer of that kind (a property of the kernels, not the model):
// - gemm (fully connected layers; CSR kernels against the register-tiled GEMM), measured with
//   `npm run bench -- kernels` on LeNet fc1 (300x784, batch 60) and Conv-2 fc1 (256x16384): the
//   forward product wins from ~0.35, the weight gradient from ~0.3;
// - im2col (convolutions Winograd does not take: stride 2, odd output sizes, 3 input channels):
//   `npm run bench -- conv`, the direct sparse kernels on Conv-2's 64->64 layer at batch 60 and 32
//   break even with im2col + GEMM at 0.45-0.55 (forward and backward together);
// - winograd (3x3 stride-1 layers): Winograd's lead over im2col grows with the input channels
//   (its GEMMs get thicker next to its transforms): 1.10x at 16 channels, 1.41x at 32, 1.78-1.82x
//   at 64, 1.95x at 128 (`bench conv`, ResNet-20's, Conv-2's and Conv-4's layers), while the
//   sparse kernels against im2col follow about 0.42 / density at every shape. So the break-even
//   is about 0.42 / lead: 0.38 at 16 channels, 0.30 at 32, 0.2 at 64 (measured 0.4, 0.3, 0.2);
//   auto uses 0.36 / lead, a little below, so that it never picks the slower form.
// A table, not a timing taken while training: a timing-based choice would make the arithmetic
// (and so the bits of every result) depend on the machine's load at the moment, and one seed
// must give the same numbers on one thread (README, "Determinism"). Layers this small run dense
// anyway (call overhead dominates).
/** The dense form a prunable layer runs when it is not sparse: GEMM (fully connected), im2col + GEMM, or Winograd F(2x2,3x3). */
export type DenseKind = "gemm" | "im2col" | "winograd";

/** Measured densities below which the sparse kernels beat each dense form (see the header comment); Winograd's depends on the channels (winogradBreakEven). */
export const SPARSE_BREAK_EVEN: Readonly<Record<Exclude<DenseKind, "winograd">, number>> = { gemm: 0.3, im2col: 0.4 };

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
  return 0.36 / lead;
}

/** The fully connected layers' break-even, the one `lottery info` prints. */
export const SPARSE_CROSSOVER_DENSITY = SPARSE_BREAK_EVEN.gemm;
const MIN_SPARSE_WEIGHTS = 4096;

/** Which kernels a pruned layer runs for a level. */
export type KernelChoice = "dense" | "sparse";

/** cols is the weight matrix's columns: inputs (fc) or input channels x 3 x 3 (Winograd). */
export function chooseKernel(rows: number, cols: number, density: number, dense: DenseKind = "gemm"): KernelChoice {
  if (rows * cols < MIN_SPARSE_WEIGHTS) return "dense";
  const breakEven = dense === "winograd" ? winogradBreakEven(cols / 9) : SPARSE_BREAK_EVEN[dense];
  return density < breakEven ? "sparse" : "dense";
}
