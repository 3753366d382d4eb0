// Gradients for the pruning criteria, computed by the network's own forward and backward passes
// (the wasm kernels), on dense weights: each pass prepares the network dense in a scratch arena
// region, so pruned weights are exactly zero and every position gets its gradient.
import type { StepContext } from "../../nn/layer.js";
import type { Network, Replica } from "../../nn/network.js";
import { applyMasks, type Masks } from "../masks.js";

/** Loads `weights` with the masks' pruned weights set to zero, and the masks themselves. */
export function loadMasked(network: Network, weights: ReadonlyMap<string, Float32Array>, masks: Masks): void {
  applyMasks(network, masks);
  const masked = new Map<string, Float32Array>();
  for (const [name, w] of weights) {
    const m = masks.get(name);
    if (!m) {
      masked.set(name, w);
      continue;
    }
    const v = Float32Array.from(w);
    for (let i = 0; i < v.length; i++) if (m[i] === 0) v[i] = 0;
    masked.set(name, v);
  }
  network.load(masked);
}

/** Runs `body` with a training replica of N columns on the network as it is now (dense kernels), then frees it. */
export function withReplica<T>(network: Network, N: number, body: (replica: Replica) => T): T {
  const k = network.k;
  const mark = k.arena.mark();
  const plan = network.prepare("dense");
  try {
    return body(network.replica(N, true, plan));
  } finally {
    plan.commit();
    k.arena.release(mark);
  }
}

/** Backward through every layer from the replica's logits gradient (dlogits must be set). */
export function backward(replica: Replica, ctx: StepContext): void {
  for (let i = replica.runs.length - 1; i >= 0; i--) {
    const x = i === 0 ? replica.input : replica.acts[i - 1]!;
    replica.runs[i]!.backward(x, replica.acts[i]!, replica.douts[i]!, i === 0 ? null : replica.douts[i - 1]!, replica.grads, ctx);
  }
}

/** Copies of the prunable weights' gradients (same layout as their values). */
export function prunableGrads(network: Network, replica: Replica): Map<string, Float32Array> {
  return new Map(network.prunable.map((p) => [p.name, Float32Array.from(replica.grads.get(p)!.data)]));
}

/**
 * The gradient of the mean cross-entropy of the replica's batch (already in its input and labels)
 * with the logits divided by `temperature`, for the network's current weights; returns the loss.
 * In training mode (batch statistics for batch norm), as SNIP's and GraSP's reference code score.
 */
export function lossGradient(replica: Replica, temperature = 1): number {
  const k = replica.net.k;
  const N = replica.N;
  const ctx: StepContext = { training: true, step: 0, colOffset: 0, totalCols: N, seed: 0 };
  const logits = replica.forward(ctx);
  if (temperature !== 1) {
    const d = logits.data;
    for (let i = 0; i < d.length; i++) d[i] = d[i]! / temperature;
  }
  // d(mean loss)/d(logits) = (softmax(z/T) − y) / (N·T)
  const loss = k.loss.softmaxXent(logits, replica.labels, replica.dlogits, 1 / (N * temperature)) / N;
  backward(replica, ctx);
  return loss;
}
