// Per-channel mean and standard deviation of u8 pixels scaled to [0, 1], for input normalization.
// A 256-bin histogram per channel makes this exact (no float accumulation error over 10^8 pixels)
// and is one cheap increment per pixel.

export interface ChannelStats {
  readonly mean: readonly number[];
  /** Population standard deviation (divides by the pixel count), as the published values are. */
  readonly std: readonly number[];
}

/**
 * `images` holds `count` examples of `channels` planes of `planeSize` pixels each (channel-major
 * within an example, as in Split.images).
 */
export function channelStats(images: Uint8Array, count: number, channels: number, planeSize: number): ChannelStats {
  const features = channels * planeSize;
  if (images.length !== count * features) {
    throw new Error(`channelStats: ${images.length} pixels is not ${count} examples × ${channels} × ${planeSize}`);
  }
  const hists = Array.from({ length: channels }, () => new Float64Array(256));
  for (let c = 0; c < channels; c++) {
    const h = hists[c]!;
    for (let e = 0; e < count; e++) {
      const start = e * features + c * planeSize;
      const end = start + planeSize;
      for (let i = start; i < end; i++) h[images[i]!]!++;
    }
  }
  const mean: number[] = [];
  const std: number[] = [];
  for (const h of hists) {
    let n = 0,
      sum = 0,
      sumSq = 0;
    for (let v = 0; v < 256; v++) {
      const k = h[v]!;
      n += k;
      sum += k * v;
      sumSq += k * v * v;
    }
    const m = n > 0 ? sum / n : 0;
    const variance = n > 0 ? Math.max(0, sumSq / n - m * m) : 0;
    mean.push(m / 255);
    std.push(Math.sqrt(variance) / 255);
  }
  return { mean, std };
}
