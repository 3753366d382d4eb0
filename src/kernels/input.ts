// Bindings of the input kernel (assembly/input.ts): u8 images to normalized f32 columns.
import { dims2, fail, own } from "./checks.js";
import type { KernelCore } from "./core.js";
import type { Tensor } from "./tensor.js";

/** Input conversion bindings (`k.input`). */
export class InputKernels {
  constructor(private readonly k: KernelCore) {}

  /**
   * Converts images[indices[n]] (u8, [count, F] example-major) into columns 0..k−1 of dst [F, N]
   * (k = indices.size ≤ N): dst[f, n] = v · scale[c] + shift[c], c = f / plane.
   */
  gatherImages(images: Tensor<"u8">, indices: Tensor<"u32">, plane: number, scale: Tensor<"f32">, shift: Tensor<"f32">, dst: Tensor<"f32">): void {
    const F = images.shape[1]!;
    const count = indices.size;
    if (this.k.checking) {
      const op = "gatherImages";
      const [_rows] = dims2(op, "images", images);
      const [dF, N] = dims2(op, "dst", dst);
      if (dF !== F) fail(op, `dst must have ${F} rows for images ${images.toString()}, got ${dst.toString()}`);
      if (count > N) fail(op, `${count} indices do not fit in dst ${dst.toString()}`);
      if (!Number.isInteger(plane) || plane <= 0 || F % plane !== 0) fail(op, `plane ${plane} must divide the ${F} features`);
      const C = F / plane;
      if (scale.size !== C || shift.size !== C) fail(op, `scale and shift need ${C} entries (one per channel), got ${scale.toString()}, ${shift.toString()}`);
      own(this.k, op, { images, indices, scale, shift, dst });
    }
    // Indices are always checked: an out-of-range one would read another tensor's bytes as pixels.
    const rows = images.shape[0]!,
      idx = indices.data;
    for (let i = 0; i < count; i++) if (idx[i]! >= rows) fail("gatherImages", `index ${idx[i]} at position ${i} is outside the ${rows} images`);
    this.k.exports.gather_images(images.ptr, indices.ptr, count, F, plane, scale.ptr, shift.ptr, dst.ptr, dst.shape[1]!);
  }
}
