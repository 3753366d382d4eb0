// An optimizer updates every parameter's live tensor (dense value, or CSR values of a sparse
// layer) from the summed gradient. Pruned entries of dense layers are held at exactly zero by the
// masked kernels; sparse layers have no pruned entries in their compact arrays.
import type { Tensor } from "../kernels/index.js";
import type { Grads } from "../nn/layer.js";
import type { Param } from "../nn/param.js";

export interface Slot {
  param: Param;
  /** The tensor updated in place. */
  w: Tensor<"f32">;
  /** Its gradient. */
  g: Tensor<"f32">;
  /** The mask, when the tensor is dense and some entries are pruned. */
  mask: Tensor<"f32"> | null;
}

export function slotsOf(params: readonly Param[], grads: Grads): Slot[] {
  return params.map((param) => {
    const g = grads.get(param);
    if (!g) throw new Error(`optimizer: no gradient buffer for ${param.name}`);
    const dense = param.csr === null;
    const mask = dense && param.mask && param.kept() < param.size ? param.mask : null;
    return { param, w: param.live, g, mask };
  });
}

export interface Optimizer {
  /** One update with learning rate lr; `step` is 1-based. */
  update(step: number, lr: number): void;
  /** Optimizer state, for checkpoints: named arrays (copies). */
  state(): Map<string, Float32Array>;
  loadState(state: ReadonlyMap<string, Float32Array>): void;
}

export function stateArrays(prefix: string, slots: readonly Slot[], buffers: readonly Tensor<"f32">[]): [string, Float32Array][] {
  return slots.map((s, i) => [`${s.param.name}.${prefix}`, Float32Array.from(buffers[i]!.data)]);
}

export function loadArrays(prefix: string, slots: readonly Slot[], buffers: readonly Tensor<"f32">[], state: ReadonlyMap<string, Float32Array>): void {
  slots.forEach((s, i) => {
    const key = `${s.param.name}.${prefix}`;
    const v = state.get(key);
    if (!v || v.length !== buffers[i]!.size) throw new Error(`optimizer state: ${key} is missing or has the wrong size`);
    buffers[i]!.data.set(v);
  });
}

