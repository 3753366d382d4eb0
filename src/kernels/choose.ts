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
// - winograd (3x3 stride-1 layers, 2.25x fewer multiply-adds than im2col): break even at 0.16-0.3,
//   so sparse is taken below 0.18.
// A table, not a timing taken while training: a timing-based choice would make the arithmetic
// (and so the bits of every result) depend on the machine's load at the moment, and one seed
// must give the same numbers on one thread (README, "Determinism"). Layers this small run dense
// anyway (call overhead dominates).
export type DenseKind = "gemm" | "im2col" | "winograd";

export const SPARSE_BREAK_EVEN: Readonly<Record<DenseKind, number>> = { gemm: 0.3, im2col: 0.4, winograd: 0.18 };

/** The fully connected layers' break-even, the one `lottery info` prints. */
export const SPARSE_CROSSOVER_DENSITY = SPARSE_BREAK_EVEN.gemm;
const MIN_SPARSE_WEIGHTS = 4096;

export type KernelChoice = "dense" | "sparse";

export function chooseKernel(rows: number, cols: number, density: number, dense: DenseKind = "gemm"): KernelChoice {
  if (rows * cols < MIN_SPARSE_WEIGHTS) return "dense";
  return density < SPARSE_BREAK_EVEN[dense] ? "sparse" : "dense";
}
