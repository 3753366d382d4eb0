// GraSP (Wang, Zhang & Grosse, "Picking Winning Tickets Before Training by Preserving Gradient
// Flow", ICLR 2020): score S(−θ) = −θ ⊙ Hg, where g is the loss gradient and H the Hessian, and
// remove the weights of highest score, i.e. keep those of highest θ ⊙ Hg (whose removal would
// reduce the gradient flow gᵀg the least). With the reference code's defaults: 10 examples per
// class (the first of each class in the trial's data order) and the logits divided by a
// temperature T = 200.
//
// The Hessian-gradient product is computed by CENTRAL FINITE DIFFERENCES of gradients, not by a
// double backward (the kernels have no second-order pass):
//   Hg ≈ (∇L(θ + εg) − ∇L(θ − εg)) / 2ε,   ε = GRASP_RELATIVE_STEP · ‖θ‖ / ‖g‖,
// over the kept prunable weights (biases and batch-norm parameters are not perturbed, as GraSP
// differentiates with respect to the conv and linear weights only). The error is O(ε²) for
// smooth losses, plus f32 rounding of the difference (about 1e-7 / GRASP_RELATIVE_STEP relative)
// and ReLU units that change sign within ±εg; the tests compare it with the exact product.
import type { Network } from "../../nn/network.js";
import type { Masks } from "../masks.js";
import { pruneByScores } from "../select.js";
import { balancedExamples } from "./data.js";
import { loadMasked, lossGradient, prunableGrads, withReplica } from "./gradients.js";
import type { Criterion, CriterionData } from "./types.js";

export const GRASP_SAMPLES_PER_CLASS = 10;
export const GRASP_TEMPERATURE = 200;
/** ε‖g‖ / ‖θ‖: how far along g the two gradients are taken, relative to the weights' norm. */
export const GRASP_RELATIVE_STEP = 1e-3;

/** θ ⊙ Hg per prunable weight (zero where pruned), on the examples `indices` at `weights` ⊙ masks. */
export function graspScores(
  network: Network,
  weights: ReadonlyMap<string, Float32Array>,
  masks: Masks,
  data: CriterionData,
  indices: readonly number[],
  temperature = GRASP_TEMPERATURE,
  relativeStep = GRASP_RELATIVE_STEP,
): Map<string, Float32Array> {
  loadMasked(network, weights, masks);
  const params = network.prunable;
  return withReplica(network, indices.length, (replica) => {
    data.fill(indices, replica.input, replica.labels);
    const theta = new Map(params.map((p) => [p.name, Float32Array.from(p.value.data)]));
    lossGradient(replica, temperature);
    const g = prunableGrads(network, replica);
    let tt = 0,
      gg = 0;
    for (const p of params) {
      const m = masks.get(p.name)!,
        gv = g.get(p.name)!,
        tv = theta.get(p.name)!;
      for (let i = 0; i < gv.length; i++) {
        if (m[i] === 0) gv[i] = 0; // pruned weights are not parameters of the subnetwork
        tt += tv[i]! * tv[i]!;
        gg += gv[i]! * gv[i]!;
      }
    }
    const out = new Map(params.map((p) => [p.name, new Float32Array(p.size)]));
    if (gg === 0 || tt === 0) return out; // no gradient flow to preserve: every score is 0
    const eps = (relativeStep * Math.sqrt(tt)) / Math.sqrt(gg);
    const gradientAt = (sign: number): Map<string, Float32Array> => {
      for (const p of params) {
        const v = p.value.data,
          tv = theta.get(p.name)!,
          gv = g.get(p.name)!;
        for (let i = 0; i < v.length; i++) v[i] = tv[i]! + sign * eps * gv[i]!;
      }
      lossGradient(replica, temperature);
      return prunableGrads(network, replica);
    };
    const plus = gradientAt(1),
      minus = gradientAt(-1);
    for (const p of params) {
      p.value.data.set(theta.get(p.name)!);
      const s = out.get(p.name)!,
        a = plus.get(p.name)!,
        b = minus.get(p.name)!,
        tv = theta.get(p.name)!;
      for (let i = 0; i < s.length; i++) s[i] = (tv[i]! * (a[i]! - b[i]!)) / (2 * eps);
    }
    return out;
  });
}

export const grasp = {
  name: "grasp",
  description: `GraSP: keep the largest θ·Hg at the start weights (Hg by central finite differences of gradients), ${GRASP_SAMPLES_PER_CLASS} examples per class, T = ${GRASP_TEMPERATURE}`,
  scores: "start",
  prune(ctx) {
    if (!ctx.data) throw new Error("--criterion grasp needs training data");
    const scores = graspScores(ctx.network, ctx.start, ctx.masks, ctx.data, balancedExamples(ctx.data, GRASP_SAMPLES_PER_CLASS));
    return pruneByScores(ctx.network, ctx.target, scores, ctx.masks, ctx.level, "GraSP score");
  },
} as const satisfies Criterion;
