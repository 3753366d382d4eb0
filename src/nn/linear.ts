// Fully connected layer y = act(W·x + b), W [out, in], x [in, N] feature-major. When the current
// level runs the weight sparse (a CSR form in its execution plan), the forward product, the input gradient and the
// weight gradient all walk only the kept weights; otherwise they are dense GEMMs and the pruned
// entries are held at zero by the masked optimizer update.
import { type Kernels, sparseInputBlockCols, type Tensor } from "../kernels/index.js";
import { type Grads, type Layer, type LayerRun, features } from "./layer.js";
import type { Param, WeightKind } from "./param.js";
import type { ParamFactory } from "./network.js";
import type { ExecutionPlan } from "./plan.js";
import type { Scratch } from "./scratch.js";

/** What follows a linear layer: a fused ReLU, or nothing. */
export type Activation = "relu" | "none";

/**
 * Input widths from which a dense layer's weight gradient dW = dy·xᵀ transposes x first and runs
 * the register-tiled GEMM, instead of the dot-product form (gemm_nt) on x as it is. The inner
 * dimension is the batch (60, or a thread's 30): each of gemm_nt's dot products is 15 vector steps
 * long and then needs a horizontal sum and a scalar store, while the tiled GEMM keeps a 4x8 block
 * of dW in registers across the batch and stores whole vectors. Measured on the Xeon
 * (2026-12-07, one thread, transpose included): 1.68x at 16,384 inputs (Conv-2's fc1, 19.9 →
 * 11.9 ms at batch 60, 10.5 → 6.0 at 30), 1.41x at 8,192 (Conv-4's), 1.14x at 784 (LeNet-300-100's
 * fc1). Below this width the layer keeps gemm_nt, so LeNet-300-100's published runs keep their
 * bits (docs/results); the two forms sum the batch in different orders.
 */
export const TRANSPOSED_WEIGHT_GRAD_MIN_INPUTS = 4096;

/**
 * Fully connected layer y = act(W·x + b), W [out, in], x [in, N] feature-major. When the current level
 * runs the weight sparse, forward and both gradients walk only the kept weights; otherwise they are
 * dense GEMMs and the masked optimizer update holds the pruned entries at zero.
 */
export class Linear implements Layer {
  readonly weight: Param;
  readonly bias: Param;
  readonly params: readonly Param[];

  constructor(
    factory: ParamFactory,
    readonly name: string,
    readonly inFeatures: number,
    readonly outFeatures: number,
    readonly activation: Activation,
    kind: Extract<WeightKind, "fc" | "output"> = "fc",
  ) {
    this.weight = factory.param(`${name}.weight`, [outFeatures, inFeatures], kind, true, inFeatures, outFeatures);
    this.bias = factory.param(`${name}.bias`, [outFeatures], "bias", false, inFeatures, outFeatures);
    this.params = [this.weight, this.bias];
  }

  outputShape(input: readonly number[]): number[] {
    if (features(input) !== this.inFeatures) {
      throw new Error(`${this.name}: expects ${this.inFeatures} input features, got shape [${input.join(",")}]`);
    }
    return [this.outFeatures];
  }

  bind(k: Kernels, _input: readonly number[], N: number, scratch: Scratch, plan: ExecutionPlan, training = true): LayerRun {
    const { weight: w, bias: b, inFeatures } = this;
    const relu = this.activation === "relu";
    const csr = plan.csrOf(w); // fixed for the level this run belongs to
    // Wide layers gather their input rows one cache-sized block at a time (same bits); the options
    // object is built once here, not per step.
    const blocked = { blocks: csr ? k.sparse.columnBlocks(csr, sparseInputBlockCols(N), w.name) : null };
    // The input gradient runs as the forward kernel over the transposed weights (gathers, not
    // scattered read-modify-writes); its index is built once per level (for training runs only),
    // its values every step.
    const transposed = csr && training ? k.sparse.transpose(csr, w.name) : null;
    const transposeInput = !csr && training && inFeatures >= TRANSPOSED_WEIGHT_GRAD_MIN_INPUTS;
    if (transposeInput) scratch.reserve("transposedInput", N * inFeatures);
    return {
      forward(x: Tensor<"f32">, y: Tensor<"f32">): void {
        if (csr) k.sparse.spmm(csr, x, y, blocked);
        else k.dense.gemm(w.value, x, y);
        k.elementwise.biasAct(y, b.value, relu);
      },
      backward(x: Tensor<"f32">, y: Tensor<"f32">, dy: Tensor<"f32">, dx: Tensor<"f32"> | null, grads: Grads): void {
        if (relu) k.elementwise.reluBiasGrad(y, dy, grads.get(b)!);
        else k.elementwise.biasGrad(dy, grads.get(b)!);
        if (csr) {
          k.sparse.maskedGrad(csr, dy, x, grads.get(w)!, blocked);
          if (dx) {
            k.sparse.gatherValues(csr, transposed!.perm, transposed!.csr);
            k.sparse.spmm(transposed!.csr, dy, dx);
          }
        } else {
          if (transposeInput) {
            const xt = scratch.view("transposedInput", x.shape[1]!, inFeatures);
            k.dense.transpose(x, xt);
            k.dense.gemm(dy, xt, grads.get(w)!);
          } else k.dense.gemm(dy, x, grads.get(w)!, { transB: true });
          if (dx) k.dense.gemm(w.value, dy, dx, { transA: true });
        }
      },
    };
  }
}
