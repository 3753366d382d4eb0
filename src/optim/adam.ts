import type { Kernels, Tensor } from "../kernels/index.js";
import { loadArrays, type Optimizer, type Slot, stateArrays } from "./optimizer.js";

export interface AdamConfig {
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
}

/** Adam (PyTorch's formulation) with moment buffers allocated per slot. */
export class Adam implements Optimizer {
  private readonly m: Tensor<"f32">[];
  private readonly v: Tensor<"f32">[];

  constructor(private readonly k: Kernels, private readonly slots: readonly Slot[], private readonly config: AdamConfig) {
    this.m = slots.map((s) => k.zeros([s.w.size], "f32", `${s.param.name} adam.m`));
    this.v = slots.map((s) => k.zeros([s.w.size], "f32", `${s.param.name} adam.v`));
  }

  update(step: number, lr: number): void {
    const { beta1, beta2, eps, weightDecay } = this.config;
    this.slots.forEach((s, i) => {
      if (s.w.size === 0) return;
      this.k.adam(s.w, s.g, this.m[i]!, this.v[i]!, s.mask, { lr, beta1, beta2, eps, weightDecay, step });
    });
  }

  state(): Map<string, Float32Array> {
    return new Map([...stateArrays("adam.m", this.slots, this.m), ...stateArrays("adam.v", this.slots, this.v)]);
  }

  loadState(state: ReadonlyMap<string, Float32Array>): void {
    loadArrays("adam.m", this.slots, this.m, state);
    loadArrays("adam.v", this.slots, this.v, state);
  }
}
