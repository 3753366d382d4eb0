// What the bindings of each op family (gemm.ts, sparse.ts, ...) need of a Kernels instance. The
// families depend on this interface and kernels.ts implements it, so the instance can hold its
// families without the two importing each other.
import type { CheckedOwner } from "./checks.js";
import type { KernelExports } from "./exports.js";
import type { DType, Tensor } from "./tensor.js";

/** A Kernels instance as its op families see it. */
export interface KernelCore extends CheckedOwner {
  /** The raw kernel functions. @internal */
  readonly exports: KernelExports;
  /** Byte offset of this instance's GEMM workspace (for kernels that run GEMMs inside wasm). */
  readonly gemmWorkspace: number;
  /** Allocates in the instance's arena. */
  alloc<D extends DType = "f32">(shape: readonly number[], dtype?: D, label?: string): Tensor<D>;
}
