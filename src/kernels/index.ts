export { Kernels, type KernelsOptions, type CheckMode, type JoinOptions } from "./kernels.js";
export { DenseKernels, type GemmOptions, type MatrixView } from "./gemm.js";
export { SparseKernels, sparseInputBlockCols, type ColumnBlocks } from "./sparse.js";
export { ElementwiseKernels } from "./elementwise.js";
export { InputKernels } from "./input.js";
export { LossKernels } from "./loss.js";
export { Tensor, type DType, type ArrayOf, type MemoryOwner, formatShape, shapeSize } from "./tensor.js";
export { Arena } from "./arena.js";
export { Csr, countNonzero } from "./csr.js";
export {
  chooseKernel,
  type DenseKind,
  SPARSE_BREAK_EVEN,
  SMALL_CONV_BREAK_EVEN,
  SPARSE_CROSSOVER_DENSITY,
  type KernelChoice,
  winogradBreakEven,
} from "./choose.js";
export { compileKernels, enableNodeRelaxedSimd, type ModuleOptions, type SimdLevel, type CompiledKernels } from "./wasm-module.js";
export {
  ConvKernels,
  convOutput,
  type ConvShape,
  type SparseConvPlan,
  type SconvGrouping,
  sconvTileFloats,
  sparseInputLayout,
  type SparseInputLayout,
} from "./conv.js";
export type { KernelCore } from "./core.js";
export type { CheckedOwner } from "./checks.js";
