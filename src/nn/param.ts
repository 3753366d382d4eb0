import { countNonzero, type Csr, type DenseKind, type Tensor } from "../kernels/index.js";

/** What a weight is, for per-kind pruning rates (DESIGN.md §3): fc, output, conv, shortcut. */
export type WeightKind = "fc" | "output" | "conv" | "shortcut";
/** bias and norm (batch-norm scale and shift) are trained; buffer (running statistics) is not. */
export type ParamKind = WeightKind | "bias" | "norm" | "buffer";

/**
 * A named parameter of a network. Its dense value lives in wasm memory for the network's lifetime.
 * Prunable parameters carry a mask (f32, 1 = kept). For a level, `prepare` decides whether the
 * parameter trains dense (value, masked updates) or sparse (CSR built once for the level; its
 * compact `values` are the live weights until `commit` writes them back into `value`).
 */
export class Param {
  /** The CSR form of this parameter while the current level runs it sparse, else null. */
  csr: Csr | null = null;
  /** Whether its layer has sparse kernels (strided convolutions do not); else it always runs dense. */
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

  /** The tensor the optimizer updates this level: the CSR values when sparse, else the dense value. */
  get live(): Tensor<"f32"> {
    return this.csr ? this.csr.values : this.value;
  }

  /** Number of kept weights under the mask. */
  kept(): number {
    return this.mask ? countNonzero(this.mask.data) : this.size;
  }
}
