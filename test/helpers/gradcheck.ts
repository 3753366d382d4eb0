// Finite-difference gradient checks through whole networks. For every parameter, the analytic
// gradient's component along a random direction d must equal (L(θ+εd) − L(θ−εd)) / 2ε. Whole
// tensors along random directions catch transposed or misplaced gradients that sampling a few
// entries can miss. ReLU and max-pool are not differentiable where an input crosses a kink; if any
// activation changes sign (or a pooling winner changes) between θ−εd, θ and θ+εd, the difference
// quotient is meaningless, so ε is halved until no kink lies within ±εd (or, when ε gets so small
// that f32 rounding would dominate, a new direction is drawn).
import type { Kernels } from "../../src/kernels/index.js";
import type { StepContext } from "../../src/nn/layer.js";
import type { KernelMode, Network, Replica } from "../../src/nn/network.js";
import { MaxPool2d } from "../../src/nn/pool.js";
import { Rng } from "../../src/util/rng.js";

const MAX_HALVINGS = 16;
/** Bound on the f32 rounding error of one mean-loss evaluation (the loss is O(1)). */
const LOSS_ROUNDING = 5e-7;

export interface GradResult {
  name: string;
  analytic: number;
  numeric: number;
  /** The step used, and the directions tried (a direction is dropped if even ε/32 crosses a kink). */
  eps: number;
  attempts: number;
}

function meanLoss(r: Replica, ctx: StepContext): number {
  const logits = r.forward(ctx);
  return r.net.k.loss.softmaxXent(logits, r.labels, null) / ctx.totalCols;
}

/**
 * Where the network is not differentiable: which hidden activations are positive (a ReLU kink,
 * including those inside composite layers) and which input wins each 2x2 max-pool window. The
 * logits are left out: softmax is smooth, and a logit near 0 changing sign is not a kink.
 */
function pattern(r: Replica): Uint8Array {
  const hidden = [...r.acts.slice(0, -1), ...r.runs.flatMap((run) => run.internals?.() ?? [])];
  const parts: Uint8Array[] = hidden.map((a) => Uint8Array.from(a.data, (v) => (v > 0 ? 1 : 0)));
  let shape: readonly number[] = r.net.inputShape;
  r.net.layers.forEach((layer, i) => {
    const out = layer.outputShape(shape);
    if (layer instanceof MaxPool2d) parts.push(poolWinners(i === 0 ? r.input.data : r.acts[i - 1]!.data, r.acts[i]!.data, shape, r.N));
    shape = out;
  });
  const total = parts.reduce((n, p) => n + p.length, 0);
  const joined = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    joined.set(p, o);
    o += p.length;
  }
  return joined;
}

function poolWinners(x: Float32Array, y: Float32Array, shape: readonly number[], N: number): Uint8Array {
  const [C, H, W] = shape as [number, number, number];
  const out = new Uint8Array(y.length);
  const at = (c: number, h: number, w: number, n: number) => x[((c * H + h) * W + w) * N + n]!;
  for (let c = 0; c < C; c++)
    for (let oh = 0; oh < H / 2; oh++)
      for (let ow = 0; ow < W / 2; ow++)
        for (let n = 0; n < N; n++) {
          const o = ((c * (H / 2) + oh) * (W / 2) + ow) * N + n;
          const cands = [at(c, 2 * oh, 2 * ow, n), at(c, 2 * oh, 2 * ow + 1, n), at(c, 2 * oh + 1, 2 * ow, n), at(c, 2 * oh + 1, 2 * ow + 1, n)];
          out[o] = cands.indexOf(y[o]!);
        }
  return out;
}

function samePattern(a: Uint8Array, b: Uint8Array): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * The step ε along d is chosen so the loss moves by about `lossChange` (2ε·|gᵀd|): large enough to
 * dwarf the f32 rounding of the loss (~1e-7 relative), small enough to rarely cross a kink.
 */
export function directionalGradCheck(k: Kernels, net: Network, mode: KernelMode, N: number, seed: number, training = true, lossChange = 2e-3): GradResult[] {
  // A point whose activations sit too close to a kink for every direction is not a point where
  // the loss is differentiable in a neighbourhood: take another random input (at most 5 times).
  for (let tries = 0; ; tries++) {
    try {
      return checkAt(k, net, mode, N, new Rng(seed + 1000 * tries, "gradcheck"), training, lossChange);
    } catch (err) {
      if (!(err instanceof KinkError) || tries >= 4) throw err;
    }
  }
}

class KinkError extends Error {}

function checkAt(k: Kernels, net: Network, mode: KernelMode, N: number, rng: Rng, training: boolean, lossChange: number): GradResult[] {
  const mark = k.arena.mark();
  const plan = net.prepare(mode);
  try {
    const r = net.replica(N, true, plan);
    const x = r.input.data;
    for (let i = 0; i < x.length; i++) x[i] = rng.float() * 2 - 1;
    for (let n = 0; n < N; n++) r.labels.data[n] = rng.int(net.classes);
    const ctx: StepContext = { training, step: 7, colOffset: 0, totalCols: N, seed: 3 };
    r.trainStep(ctx);
    const grads = new Map(net.params.filter((p) => p.trainable).map((p) => [p, Float32Array.from(r.grads.get(p)!.data)]));
    meanLoss(r, ctx);
    const base = pattern(r);
    const out: GradResult[] = [];
    for (const p of net.params.filter((q) => q.trainable)) {
      const w = plan.live(p).data;
      const g = grads.get(p)!;
      const saved = Float32Array.from(w);
      const d = new Float32Array(w.length);
      let halvings = 0;
      for (let attempt = 0; ; attempt++) {
        for (let i = 0; i < d.length; i++) d[i] = rng.normal();
        // Pruned entries of a dense masked layer are not trained: leave them out of the direction.
        if (!plan.csrOf(p) && p.mask) for (let i = 0; i < d.length; i++) if (p.mask.data[i] === 0) d[i] = 0;
        let analytic = 0;
        for (let i = 0; i < d.length; i++) analytic += g[i]! * d[i]!;
        // Capped so each entry moves by at most ~3e-2: beyond that the softmax curvature shows.
        let eps = Math.min(1e-2, lossChange / (2 * Math.max(Math.abs(analytic), 1e-6)));
        let found: GradResult | null = null;
        // Halve ε while a kink lies within ±εd, as long as the loss rounding stays under 10% of the
        // expected difference; past that the check would be meaningless, so draw a new direction.
        for (let h = 0; h <= MAX_HALVINGS && LOSS_ROUNDING / eps < 0.1 * Math.abs(analytic); h++, eps /= 2) {
          for (let i = 0; i < w.length; i++) w[i] = saved[i]! + eps * d[i]!;
          const plus = meanLoss(r, ctx);
          const pPlus = pattern(r);
          for (let i = 0; i < w.length; i++) w[i] = saved[i]! - eps * d[i]!;
          const minus = meanLoss(r, ctx);
          const pMinus = pattern(r);
          w.set(saved);
          if (samePattern(base, pPlus) && samePattern(base, pMinus)) {
            found = { name: p.name, analytic, numeric: (plus - minus) / (2 * eps), eps, attempts: attempt + 1 };
            break;
          }
          halvings++;
        }
        if (found) {
          out.push(found);
          break;
        }
        if (attempt >= 8) throw new KinkError(`gradcheck: ${p.name}: every direction crossed a kink (${halvings} tries)`);
      }
    }
    return out;
  } finally {
    plan.commit();
    k.arena.release(mark);
  }
}

/** |analytic − numeric| ≤ 0.5% of the larger magnitude + the loss rounding amplified by 1/ε + 1e-5. */
export function gradMismatches(results: readonly GradResult[]): string[] {
  return results
    .filter(
      ({ analytic, numeric, eps }) => !(Math.abs(analytic - numeric) <= 5e-3 * Math.max(Math.abs(analytic), Math.abs(numeric)) + LOSS_ROUNDING / eps + 1e-5),
    )
    .map((r) => `${r.name}: analytic ${r.analytic.toFixed(6)} vs numeric ${r.numeric.toFixed(6)} (ε ${r.eps.toExponential(2)}, ${r.attempts} directions)`);
}
