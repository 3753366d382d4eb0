// Dense or sparse, per layer: below the crossover density the CSR kernels (whose cost follows the
// number of kept weights) beat the register-tiled dense GEMM (whose cost does not). The crossover
// was measured with `npm run bench -- kernels` on LeNet fc1 (300x784, batch 60) and Conv-2 fc1
// (256x16384, batch 60): the forward product wins from ~0.35, the weight gradient from ~0.3, and
// at 0.2 all three passes win 1.5-2.2x (see README). It is a property of the kernels, not of the model, so one
// constant serves every layer; layers this small run dense anyway (call overhead dominates).
export const SPARSE_CROSSOVER_DENSITY = 0.3;
const MIN_SPARSE_WEIGHTS = 4096;

export type KernelChoice = "dense" | "sparse";

export function chooseKernel(rows: number, cols: number, density: number): KernelChoice {
  if (rows * cols < MIN_SPARSE_WEIGHTS) return "dense";
  return density < SPARSE_CROSSOVER_DENSITY ? "sparse" : "dense";
}
