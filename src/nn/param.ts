import { countNonzero, type DenseKind, type Tensor } from "../kernels/index.js";

/** What a weight is, for per-kind pruning rates (DESIGN.md §3): fc, output, conv, shortcut. */
export type WeightKind = "fc" | "output" | "conv" | "shortcut";
/** bias and norm (batch-norm scale and shift) are trained; buffer (running statistics) is not. */
export type ParamKind = WeightKind | "bias" | "norm" | "buffer";

/**
 * A named parameter of a network. Its dense value lives in wasm memory for the network's lifetime.
 * Prunable parameters carry a mask (f32, 1 = kept). How a level runs it (dense, with masked
 * updates, or sparse, from a CSR form whose compact values are the live weights until the plan's
 * `commit` writes them back into `value`) is the level's ExecutionPlan (plan.ts), not the param's.
 */
export class Param {
  /** Whether its layer has sparse kernels (convolutions with a stride above 2 do not); else it always runs dense. */
  sparseCapable = true;
  /** How the layer runs this weight when it stays dense: the sparse kernels' break-even density depends on it. */
  denseKind: DenseKind = "gemm";

  constructor(
    readonly name: string,
    readonly shape: readonly number[],
    readonly kind: ParamKind,
    readonly prunable: boolean,
    readonly value: Tensor<"f32">,
    readonly mask: Tensor<"f32"> | null,
    /** Inputs and outputs per unit, for initialization. */
    readonly fanIn: number,
    readonly fanOut: number,
    /** How many times each weight is applied per example (1 for fc; output positions for conv). */
    readonly uses = 1,
  ) {}

  /** Updated by the optimizer (everything but buffers such as batch norm's running statistics). */
  get trainable(): boolean {
    return this.kind !== "buffer";
  }

  /** Number of elements of the dense value. */
  get size(): number {
    return this.value.size;
  }

  /** Rows x cols of the weight as a matrix (out, in·kh·kw). */
  get matrix(): [number, number] {
    const rows = this.shape[0]!;
    return [rows, this.size / rows];
  }

  /** Number of kept weights under the mask. */
  kept(): number {
    return this.mask ? countNonzero(this.mask.data) : this.size;
  }
}
