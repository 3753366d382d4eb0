// Runs exported ONNX models in onnxruntime-web (its wasm backend, one thread, as in a browser tab
// without cross-origin isolation) and compares them with a ticket's own predictions.
import * as ort from "onnxruntime-web";
import type { Classification } from "../../src/ticket/ticket.js";

ort.env.wasm.numThreads = 1;

export async function onnxSession(bytes: Uint8Array): Promise<ort.InferenceSession> {
  return ort.InferenceSession.create(bytes, { executionProviders: ["wasm"], graphOptimizationLevel: "all" });
}

/** Logits [N, classes] (example-major) of u8 images [N, C·H·W], run in batches. */
export async function onnxLogits(
  session: ort.InferenceSession,
  images: Uint8Array,
  shape: readonly [number, number, number],
  batch = 250,
): Promise<Float32Array> {
  const F = shape[0] * shape[1] * shape[2],
    N = images.length / F;
  const parts: Float32Array[] = [];
  for (let s = 0; s < N; s += batch) {
    const n = Math.min(batch, N - s);
    const out = await session.run({ image: new ort.Tensor("uint8", images.subarray(s * F, (s + n) * F), [n, ...shape]) });
    parts.push(Float32Array.from(out.logits!.data as Float32Array));
  }
  const all = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
  let at = 0;
  for (const p of parts) {
    all.set(p, at);
    at += p.length;
  }
  return all;
}

export interface Agreement {
  count: number;
  /** Images whose ONNX argmax is the ticket's predicted class. */
  agree: number;
  /** Largest |ONNX logit − ticket logit| over an image's logits, divided by its largest |ticket logit|; the maximum over images. */
  maxRelative: number;
}

/**
 * How far the ONNX model's outputs are from the ticket's. `offset` (per class) is added to the
 * ticket's logits for the scale only: a network whose logits were centered (memoryTicket's
 * centerOn) is measured against the scale of its logits before centering, since dividing by the
 * small centered logits would measure the cancellation, not the export.
 */
export function agreement(ours: Classification, theirs: Float32Array, classes: number, offset?: Float32Array): Agreement {
  const N = ours.classes.length;
  let agree = 0,
    maxRelative = 0;
  for (let j = 0; j < N; j++) {
    let best = 0,
      scale = 0,
      diff = 0;
    for (let c = 0; c < classes; c++) {
      const a = ours.logits[j * classes + c]!,
        b = theirs[j * classes + c]!;
      if (b > theirs[j * classes + best]!) best = c;
      scale = Math.max(scale, Math.abs(a + (offset?.[c] ?? 0)));
      diff = Math.max(diff, Math.abs(a - b));
    }
    if (best === ours.classes[j]) agree++;
    // NaN (a missing or garbage output) must fail, so compare with !(x <= y).
    const rel = diff / scale;
    if (!(rel <= maxRelative)) maxRelative = Number.isNaN(rel) ? Infinity : rel;
  }
  return { count: N, agree, maxRelative };
}

export function describe(a: Agreement): string {
  return `${a.agree}/${a.count} images agree (${((100 * a.agree) / a.count).toFixed(2)}%), max logit difference ${a.maxRelative.toExponential(2)} of the largest logit`;
}
