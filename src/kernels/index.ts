export { Kernels, type KernelsOptions, type GemmOptions, type MatrixView, type SgdParams, type AdamParams } from "./kernels.js";
export { Tensor, type DType, type ArrayOf, formatShape, shapeSize } from "./tensor.js";
export { Arena } from "./arena.js";
export { Csr, countNonzero } from "./csr.js";
export { chooseKernel, type DenseKind, SPARSE_BREAK_EVEN, SPARSE_CROSSOVER_DENSITY, type KernelChoice, winogradBreakEven } from "./choose.js";
export { compileKernels, enableNodeRelaxedSimd, type ModuleOptions, type SimdLevel } from "./wasm-module.js";
export { ConvKernels, convOutput, type ConvShape, sconvTileFloats } from "./conv.js";
