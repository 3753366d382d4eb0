import type { Normalization } from "./format.js";

/**
 * The per-channel input conversion of a ticket: u8 pixel v of channel c becomes v·scale_c + shift_c in f32, with
 * scale_c = 1/(255·std_c) and shift_c = −mean_c/std_c when the network was trained on normalized
 * pixels, else 1/255 and 0. This is src/train/input.ts `channelAffine` computed from the same
 * numbers (the manifest's mean and std are the dataset statistics, exact through JSON), and the
 * conversion itself runs in the same wasm kernel (gather_images) as training's batches, so a
 * ticket sees bit for bit the inputs its network was trained and evaluated on.
 */
export function inputAffine(n: Normalization, channels: number): { scale: Float32Array; shift: Float32Array } {
  const scale = new Float32Array(channels),
    shift = new Float32Array(channels);
  for (let c = 0; c < channels; c++) {
    const mean = n.normalize ? n.mean[c]! : 0,
      std = n.normalize ? n.std[c]! : 1;
    scale[c] = 1 / (255 * std);
    shift[c] = -mean / std;
  }
  return { scale, shift };
}
