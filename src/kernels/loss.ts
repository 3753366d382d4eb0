// Bindings of the loss and accuracy kernels (assembly/loss.ts) over logits [classes, batch].
import { dims2, dtype, fail, own } from "./checks.js";
import type { KernelCore } from "./core.js";
import type { Tensor } from "./tensor.js";

/** Loss and accuracy bindings (`k.loss`). */
export class LossKernels {
  constructor(private readonly k: KernelCore) {}

  private checkLogits(op: string, logits: Tensor<"f32">, labels: Tensor<"i32"> | null): void {
    dtype(op, "logits", logits, "f32");
    const [C, N] = dims2(op, "logits", logits);
    if (!labels) return;
    dtype(op, "labels", labels, "i32");
    if (labels.size !== N) fail(op, `labels must have ${N} entries for logits ${logits.toString()}, got ${labels.toString()}`);
    const l = labels.data;
    for (let i = 0; i < N; i++) {
      const v = l[i]!;
      if (v < 0 || v >= C) fail(op, `label ${v} at position ${i} is outside [0, ${C})`);
    }
  }

  /**
   * Softmax cross-entropy over logits [C,N] (one column per example). Returns the summed loss;
   * if `grad` is given, writes (softmax − onehot)·gradScale into it.
   */
  softmaxXent(logits: Tensor<"f32">, labels: Tensor<"i32">, grad: Tensor<"f32"> | null, gradScale = 1): number {
    const C = logits.shape[0]!,
      N = logits.shape[1]!;
    if (this.k.checking) {
      const op = "softmaxXent";
      this.checkLogits(op, logits, labels);
      if (grad) {
        dtype(op, "grad", grad, "f32");
        if (grad.shape.length !== 2 || grad.shape[0] !== C || grad.shape[1] !== N) fail(op, `grad must be [${C},${N}], got ${grad.toString()}`);
      }
      own(this.k, op, { logits, labels, grad });
    }
    return this.k.exports.softmax_xent(logits.ptr, labels.ptr, grad ? grad.ptr : 0, C, N, gradScale);
  }

  /** out[n] = the class with the largest logit of column n. */
  argmax(logits: Tensor<"f32">, out: Tensor<"i32">): void {
    const C = logits.shape[0]!,
      N = logits.shape[1]!;
    if (this.k.checking) {
      const op = "argmax";
      this.checkLogits(op, logits, null);
      dtype(op, "out", out, "i32");
      if (out.size !== N) fail(op, `out must have ${N} entries for logits ${logits.toString()}, got ${out.toString()}`);
      own(this.k, op, { logits, out });
    }
    this.k.exports.argmax(logits.ptr, out.ptr, C, N);
  }

  /** How many columns' largest logit is their label. */
  countCorrect(logits: Tensor<"f32">, labels: Tensor<"i32">): number {
    if (this.k.checking) {
      this.checkLogits("countCorrect", logits, labels);
      own(this.k, "countCorrect", { logits, labels });
    }
    return this.k.exports.count_correct(logits.ptr, labels.ptr, logits.shape[0]!, logits.shape[1]!);
  }
}
