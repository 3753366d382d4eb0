// Bindings of the elementwise kernels (assembly/elementwise.ts, and dropout from
// assembly/random.ts): fills, sums, bias + activation and their gradients, masks and dropout.
import { dims2, disjoint, dtype, fail, inRange, nonEmpty, own, sameSize } from "./checks.js";
import type { KernelCore } from "./core.js";
import type { Tensor } from "./tensor.js";

/** Elementwise bindings (`k.elementwise`). */
export class ElementwiseKernels {
  constructor(private readonly k: KernelCore) {}

  /** t = value everywhere. */
  fill(t: Tensor<"f32">, value: number): void {
    if (this.k.checking) {
      dtype("fill", "t", t, "f32");
      nonEmpty("fill", "t", t);
      own(this.k, "fill", { t });
    }
    this.k.exports.fill(t.ptr, t.size, value);
  }

  /** dst += src. */
  addTo(dst: Tensor<"f32">, src: Tensor<"f32">): void {
    if (this.k.checking) {
      sameSize("addTo", { dst, src });
      own(this.k, "addTo", { dst, src });
    }
    this.k.exports.add_to(dst.ptr, src.ptr, dst.size);
  }

  /** t *= s. */
  scale(t: Tensor<"f32">, s: number): void {
    if (this.k.checking) {
      nonEmpty("scale", "t", t);
      own(this.k, "scale", { t });
    }
    this.k.exports.scale(t.ptr, t.size, s);
  }

  /** w = 0 wherever mask == 0. */
  maskApply(w: Tensor<"f32">, mask: Tensor<"f32">): void {
    if (this.k.checking) {
      sameSize("maskApply", { w, mask });
      own(this.k, "maskApply", { w, mask });
    }
    this.k.exports.mask_apply(w.ptr, mask.ptr, w.size);
  }

  /** y [M,N] += b [M] per row, then ReLU if `relu`. */
  biasAct(y: Tensor<"f32">, b: Tensor<"f32">, relu: boolean): void {
    if (this.k.checking) {
      const op = "biasAct";
      const [M] = dims2(op, "y", y);
      if (b.size !== M) fail(op, `b must have ${M} entries for y ${y.toString()}, got ${b.toString()}`);
      own(this.k, op, { y, b });
    }
    this.k.exports.bias_act(y.ptr, b.ptr, y.shape[0]!, y.shape[1]!, relu);
  }

  /** db [M] (+)= row sums of dy [M,N]. */
  biasGrad(dy: Tensor<"f32">, db: Tensor<"f32">, options: { accumulate?: boolean } = {}): void {
    if (this.k.checking) {
      const op = "biasGrad";
      const [M] = dims2(op, "dy", dy);
      if (db.size !== M) fail(op, `db must have ${M} entries for dy ${dy.toString()}, got ${db.toString()}`);
      own(this.k, op, { dy, db });
      disjoint(op, ["db", db], { dy });
    }
    this.k.exports.bias_grad(dy.ptr, db.ptr, dy.shape[0]!, dy.shape[1]!, options.accumulate ?? false);
  }

  /** y = max(x, 0); x and y may be the same tensor. */
  relu(x: Tensor<"f32">, y: Tensor<"f32">): void {
    if (this.k.checking) {
      sameSize("relu", { x, y });
      own(this.k, "relu", { x, y });
    }
    this.k.exports.relu(x.ptr, y.ptr, x.size);
  }

  /** y = max(a + b, 0) in one pass (a residual join); y may be a or b. */
  addRelu(a: Tensor<"f32">, b: Tensor<"f32">, y: Tensor<"f32">): void {
    if (this.k.checking) {
      sameSize("addRelu", { a, b, y });
      own(this.k, "addRelu", { a, b, y });
    }
    this.k.exports.add_relu(a.ptr, b.ptr, y.ptr, y.size);
  }

  /** dx = y > 0 ? dy : 0 (y is the ReLU's output). */
  reluBackward(y: Tensor<"f32">, dy: Tensor<"f32">, dx: Tensor<"f32">): void {
    if (this.k.checking) {
      sameSize("reluBackward", { y, dy, dx });
      own(this.k, "reluBackward", { y, dy, dx });
    }
    this.k.exports.relu_backward(y.ptr, dy.ptr, dx.ptr, y.size);
  }

  /**
   * reluBackward(y, dy, dy) then biasGrad(dy, db) in one pass over dy (the same bits): dy [M, N]
   * is masked in place where y <= 0, and db (+)= its rows' sums.
   */
  reluBiasGrad(y: Tensor<"f32">, dy: Tensor<"f32">, db: Tensor<"f32">, options: { accumulate?: boolean } = {}): void {
    if (this.k.checking) {
      const op = "reluBiasGrad";
      const [M] = dims2(op, "dy", dy);
      sameSize(op, { y, dy });
      if (db.size !== M) fail(op, `db must have ${M} entries for dy ${dy.toString()}, got ${db.toString()}`);
      own(this.k, op, { y, dy, db });
      disjoint(op, ["db", db], { y, dy });
      disjoint(op, ["dy", dy], { y });
    }
    this.k.exports.relu_bias_grad(y.ptr, dy.ptr, db.ptr, dy.shape[0]!, dy.shape[1]!, options.accumulate ?? false);
  }

  /** out = a * b elementwise. */
  mul(a: Tensor<"f32">, b: Tensor<"f32">, out: Tensor<"f32">): void {
    if (this.k.checking) {
      sameSize("mul", { a, b, out });
      own(this.k, "mul", { a, b, out });
    }
    this.k.exports.mul(a.ptr, b.ptr, out.ptr, a.size);
  }

  /**
   * Inverted dropout on x [F,N] with drop probability p: writes the mask (0 or 1/(1−p)) and
   * y = x·mask. The mask of element (f, n) depends only on (seed, step, f, colOffset + n), so a
   * batch of `totalCols` columns split across threads draws the same mask as one thread.
   */
  dropout(x: Tensor<"f32">, y: Tensor<"f32">, mask: Tensor<"f32">, p: number, seed: number, step: number, colOffset = 0, totalCols?: number): void {
    const F = x.shape[0]!,
      N = x.shape[1]!;
    const total = totalCols ?? N;
    if (this.k.checking) {
      const op = "dropout";
      dims2(op, "x", x);
      sameSize(op, { x, y, mask });
      inRange(op, "p", p, 0, 1, false, true);
      if (!Number.isInteger(colOffset) || colOffset < 0 || colOffset + N > total)
        fail(op, `columns [${colOffset}, ${colOffset + N}) are outside a batch of ${total}`);
      if (!Number.isInteger(seed) || !Number.isInteger(step) || step < 0) fail(op, `seed and step must be integers, got ${seed}, ${step}`);
      own(this.k, op, { x, y, mask });
    }
    const keep = 1 - p;
    const threshold = Math.min(4294967295, Math.round(keep * 4294967296));
    this.k.exports.dropout_forward(x.ptr, y.ptr, mask.ptr, F, N, threshold >>> 0, 1 / keep, seed >>> 0, step >>> 0, colOffset, total);
  }
}
