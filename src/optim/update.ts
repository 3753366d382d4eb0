// The one implementation of an optimizer step over raw offsets, shared by the single-thread path
// and the worker threads. A plan lists, per slot (parameter), the weight, its mask, its gradient
// in every replica and its optimizer state. `runUpdate(part, parts)` takes a contiguous share of
// the concatenated elements of all slots: it first sums the replicas' gradients into replica 0's
// (in replica order, so the result does not depend on which thread does it), then applies the
// update. Shares are cut at multiples of 16 elements, keeping SIMD accesses aligned.
import type { Kernels } from "../kernels/index.js";

/** Adam's settings besides the learning rate. */
export interface AdamConfig {
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
}

/** SGD's settings besides the learning rate. */
export interface SgdConfig {
  momentum: number;
  weightDecay: number;
  nesterov: boolean;
}

/** One parameter of an update plan, as byte offsets into the shared memory. */
export interface PlanSlot {
  w: number;
  /** 0 when the slot has no pruned entries to hold at zero. */
  mask: number;
  /** The gradient of each replica; grads[0] receives the sum. */
  grads: number[];
  /** Adam moments, or SGD momentum in m (0 when unused). */
  m: number;
  v: number;
  n: number;
}

/** An optimizer update over byte offsets: what every thread runs its share of (runUpdate). */
export interface UpdatePlan {
  optimizer: "adam" | "sgd";
  adam: AdamConfig;
  sgd: SgdConfig;
  slots: PlanSlot[];
  total: number;
}

const ALIGN = 16;

export function shareOf(total: number, part: number, parts: number): [number, number] {
  const cut = (p: number) => (p >= parts ? total : Math.min(total, Math.floor((total * p) / parts / ALIGN) * ALIGN));
  return [cut(part), cut(part + 1)];
}

/** Runs share `part` of `parts` of the update: sums the replicas' gradients into replica 0's (in replica order), then applies Adam or SGD with learning rate `lr` at 1-based step `step`. */
export function runUpdate(k: Kernels, plan: UpdatePlan, part: number, parts: number, step: number, lr: number): void {
  const e = k.exports;
  const [start, end] = shareOf(plan.total, part, parts);
  const { beta1, beta2, eps, weightDecay: adamWd } = plan.adam;
  const stepSize = lr / (1 - beta1 ** step),
    invSqrtBc2 = 1 / Math.sqrt(1 - beta2 ** step);
  let offset = 0;
  for (const s of plan.slots) {
    const a = Math.max(start, offset),
      b = Math.min(end, offset + s.n);
    offset += s.n;
    if (a >= b) continue;
    const o = (a - (offset - s.n)) * 4,
      n = b - a;
    const g0 = s.grads[0]! + o;
    for (let r = 1; r < s.grads.length; r++) e.add_to(g0, s.grads[r]! + o, n);
    const mask = s.mask ? s.mask + o : 0;
    if (plan.optimizer === "adam") {
      e.adam(s.w + o, g0, s.m + o, s.v + o, mask, n, stepSize, beta1, beta2, invSqrtBc2, eps, adamWd);
    } else {
      const c = plan.sgd;
      e.sgd(s.w + o, g0, s.m ? s.m + o : 0, mask, n, lr, c.momentum, c.weightDecay, c.nesterov);
    }
  }
}
