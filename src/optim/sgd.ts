import type { Kernels, Tensor } from "../kernels/index.js";
import { loadArrays, type Optimizer, type Slot, stateArrays } from "./optimizer.js";

export interface SgdConfig {
  momentum: number;
  weightDecay: number;
  nesterov: boolean;
}

/** SGD with momentum, L2 weight decay and optional Nesterov (PyTorch's formulation). */
export class Sgd implements Optimizer {
  private readonly buf: Tensor<"f32">[];

  constructor(private readonly k: Kernels, private readonly slots: readonly Slot[], private readonly config: SgdConfig) {
    this.buf = config.momentum > 0 ? slots.map((s) => k.zeros([s.w.size], "f32", `${s.param.name} sgd.momentum`)) : [];
  }

  update(_step: number, lr: number): void {
    const { momentum, weightDecay, nesterov } = this.config;
    this.slots.forEach((s, i) => {
      if (s.w.size === 0) return;
      this.k.sgd(s.w, s.g, this.buf[i] ?? null, s.mask, { lr, momentum, weightDecay, nesterov });
    });
  }

  state(): Map<string, Float32Array> {
    return new Map(stateArrays("sgd.momentum", this.slots, this.buf));
  }

  loadState(state: ReadonlyMap<string, Float32Array>): void {
    if (this.buf.length) loadArrays("sgd.momentum", this.slots, this.buf, state);
  }
}
