// An optimizer updates every parameter's live tensor (dense value, or CSR values of a sparse
// layer) from the summed gradient. Pruned entries of dense layers are held at exactly zero by the
// masked kernels; sparse layers have no pruned entries in their compact arrays.
import type { Kernels, Tensor } from "../kernels/index.js";
import type { Grads } from "../nn/layer.js";
import type { Param } from "../nn/param.js";
import type { ExecutionPlan } from "../nn/plan.js";
import { type AdamConfig, type PlanSlot, runUpdate, type SgdConfig, type UpdatePlan } from "./update.js";

/** One trainable parameter as the optimizer sees it. */
export interface Slot {
  param: Param;
  /** The tensor updated in place. */
  w: Tensor<"f32">;
  /** Its gradient. */
  g: Tensor<"f32">;
  /** The mask, when the tensor is dense and some entries are pruned. */
  mask: Tensor<"f32"> | null;
}

/** The optimizer's slots: every trainable parameter with its live tensor and gradient. */
export function slotsOf(params: readonly Param[], grads: Grads, plan: ExecutionPlan): Slot[] {
  return params
    .filter((p) => p.trainable)
    .map((param) => {
      const g = grads.get(param);
      if (!g) throw new Error(`optimizer: no gradient buffer for ${param.name}`);
      const dense = plan.csrOf(param) === null;
      const mask = dense && param.mask && param.kept() < param.size ? param.mask : null;
      return { param, w: plan.live(param), g, mask };
    });
}

/** The optimizer's settings (validated by the constructor). */
export interface OptimizerConfig {
  optimizer: "adam" | "sgd";
  momentum: number;
  nesterov: boolean;
  weightDecay: number;
  beta1: number;
  beta2: number;
  eps: number;
}

/**
 * Adam (PyTorch's formulation) or SGD with momentum / weight decay / Nesterov. State buffers
 * (Adam's moments, SGD's momentum) are allocated per slot, zeroed, in the caller's arena region.
 */
export class Optimizer {
  private readonly m: (Tensor<"f32"> | null)[];
  private readonly v: (Tensor<"f32"> | null)[];
  private readonly local: UpdatePlan;

  constructor(
    private readonly k: Kernels,
    readonly slots: readonly Slot[],
    readonly config: OptimizerConfig,
  ) {
    checkConfig(config);
    const adam = config.optimizer === "adam";
    const first = adam ? "adam.m" : "sgd.momentum";
    this.m = slots.map((s) => (adam || config.momentum > 0 ? k.zeros([s.w.size], "f32", `${s.param.name} ${first}`) : null));
    this.v = slots.map((s) => (adam ? k.zeros([s.w.size], "f32", `${s.param.name} adam.v`) : null));
    this.local = this.plan([]);
  }

  /** The update as a plan over offsets; `others` are the gradients of further replicas, per slot. */
  plan(others: readonly (readonly Tensor<"f32">[])[]): UpdatePlan {
    const slots: PlanSlot[] = this.slots.map((s, i) => ({
      w: s.w.ptr,
      mask: s.mask ? s.mask.ptr : 0,
      grads: [s.g.ptr, ...others.map((r) => r[i]!.ptr)],
      m: this.m[i]?.ptr ?? 0,
      v: this.v[i]?.ptr ?? 0,
      n: s.w.size,
    }));
    const c = this.config;
    return {
      optimizer: c.optimizer,
      adam: { beta1: c.beta1, beta2: c.beta2, eps: c.eps, weightDecay: c.weightDecay } satisfies AdamConfig,
      sgd: { momentum: c.momentum, weightDecay: c.weightDecay, nesterov: c.nesterov } satisfies SgdConfig,
      slots,
      total: slots.reduce((n, s) => n + s.n, 0),
    };
  }

  /** One update with learning rate lr; `step` is 1-based (Adam's bias correction). */
  update(step: number, lr: number): void {
    if (!(Number.isFinite(lr) && lr >= 0)) throw new Error(`optimizer: learning rate ${lr} must be a finite number ≥ 0`);
    if (!(Number.isInteger(step) && step >= 1)) throw new Error(`optimizer: step ${step} must be a positive integer (1-based, for Adam's bias correction)`);
    runUpdate(this.k, this.local, 0, 1, step, lr);
  }

  /** Optimizer state, for checkpoints: named arrays (copies). */
  state(): Map<string, Float32Array> {
    const out = new Map<string, Float32Array>();
    this.slots.forEach((s, i) => {
      if (this.m[i]) out.set(`${s.param.name}.${this.config.optimizer === "adam" ? "adam.m" : "sgd.momentum"}`, Float32Array.from(this.m[i]!.data));
      if (this.v[i]) out.set(`${s.param.name}.adam.v`, Float32Array.from(this.v[i]!.data));
    });
    return out;
  }

  /** Restores state saved by `state()` (a checkpoint). @throws Error naming a missing or wrongly sized buffer. */
  loadState(state: ReadonlyMap<string, Float32Array>): void {
    this.slots.forEach((s, i) => {
      for (const [buf, name] of [
        [this.m[i], this.config.optimizer === "adam" ? "adam.m" : "sgd.momentum"],
        [this.v[i], "adam.v"],
      ] as const) {
        if (!buf) continue;
        const key = `${s.param.name}.${name}`;
        const v = state.get(key);
        if (!v || v.length !== buf.size) throw new Error(`optimizer state: ${key} is missing or has the wrong size`);
        buf.data.set(v);
      }
    });
  }
}

/** Refuses settings the update kernels would turn into NaNs or silent nonsense, naming the field. */
function checkConfig(c: OptimizerConfig): void {
  const bad = (name: string, v: number, range: string) => new Error(`optimizer: ${name} = ${v} is outside ${range}`);
  if (c.optimizer !== "adam" && c.optimizer !== "sgd") throw new Error(`optimizer: unknown optimizer ${String(c.optimizer)} (adam or sgd)`);
  if (!(c.weightDecay >= 0 && Number.isFinite(c.weightDecay))) throw bad("weightDecay", c.weightDecay, "[0, ∞)");
  if (c.optimizer === "sgd" && !(c.momentum >= 0 && c.momentum < 1)) throw bad("momentum", c.momentum, "[0, 1)");
  if (c.optimizer === "adam") {
    if (!(c.beta1 >= 0 && c.beta1 < 1)) throw bad("beta1", c.beta1, "[0, 1)");
    if (!(c.beta2 >= 0 && c.beta2 < 1)) throw bad("beta2", c.beta2, "[0, 1)");
    if (!(c.eps > 0 && Number.isFinite(c.eps))) throw bad("eps", c.eps, "(0, ∞)");
  }
}
