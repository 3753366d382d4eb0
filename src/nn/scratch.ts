import type { Kernels, Tensor } from "../kernels/index.js";

/** The named scratch buffers; each is one allocation, shared by every layer that reserves it. */
export type ScratchSlot =
  | "padded"
  | "columns"
  | "paddedGrad"
  | "small"
  // Winograd convolutions: transformed weights and their gradient, and one block of transformed
  // inputs, outputs and input gradients (src/nn/conv.ts).
  | "winoU"
  | "winoDU"
  | "winoV"
  | "winoM"
  | "winoDV"
  // Direct sparse convolutions: the output chunk staged between input-channel groups.
  | "sparseTile"
  // Wide dense fully connected layers: the input transposed ([N, in]) for the weight gradient.
  | "transposedInput";

/**
 * Scratch memory shared by the layers of one replica. Layers run one after another, so the
 * buffers a layer needs only while it runs (a padded input, an im2col block, a padded input
 * gradient) can share one allocation per slot, sized for the largest request. Layers reserve at
 * bind time and take views when they run, after the replica has allocated the slots.
 */
export class Scratch {
  private readonly sizes = new Map<ScratchSlot, number>();
  private readonly buffers = new Map<ScratchSlot, Tensor<"f32">>();
  private readonly views = new Map<string, Tensor<"f32">>();

  /** Reserves `floats` of a slot (the slot's size is the largest reservation). */
  reserve(slot: ScratchSlot, floats: number): void {
    this.sizes.set(slot, Math.max(this.sizes.get(slot) ?? 0, floats));
  }

  /** Allocates every slot at its reserved size in `k`'s memory; done once per replica, after all binds. */
  allocate(k: Kernels): void {
    for (const [slot, floats] of this.sizes) this.buffers.set(slot, k.alloc([Math.max(1, floats)], "f32", `scratch ${slot}`));
  }

  /** A view of the start of a slot with the given 2-D shape (cached per shape). */
  view(slot: ScratchSlot, rows: number, cols: number): Tensor<"f32"> {
    const key = `${slot}:${rows}x${cols}`;
    let v = this.views.get(key);
    if (!v) {
      const buf = this.buffers.get(slot);
      if (!buf) throw new Error(`scratch: slot ${slot} was not reserved or not allocated`);
      if (rows * cols > buf.size) throw new Error(`scratch: ${rows}x${cols} exceeds the ${buf.size} floats reserved in slot ${slot}`);
      v = buf.rows(0, rows * cols).reshape([rows, cols]);
      this.views.set(key, v);
    }
    return v;
  }
}
