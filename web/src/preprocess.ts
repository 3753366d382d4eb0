// A drawing turned into an MNIST image the way MNIST's own digits were made (LeCun et al.): the
// ink's bounding box is scaled, keeping its aspect ratio, to fit a 20x20 box with anti-aliasing
// (area averaging), and placed in the 28x28 field so that its center of mass sits at the center.
// A network trained on MNIST has never seen a digit that fills the frame or sits in a corner, so
// without this a perfectly legible drawing is often misread.

export const SIDE = 28;
export const BOX = 20;

/**
 * `ink` is a width x height intensity image (0 = background, 255 = full ink), row-major. Returns
 * the 28x28 u8 image, or null when nothing brighter than `threshold` was drawn.
 */
export function toMnistImage(ink: ArrayLike<number>, width: number, height: number, threshold = 16): Uint8Array | null {
  if (ink.length !== width * height) throw new Error(`toMnistImage: ${ink.length} pixels are not ${width}x${height}`);
  let x0 = width,
    y0 = height,
    x1 = -1,
    y1 = -1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (ink[y * width + x]! <= threshold) continue;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
    }
  }
  if (x1 < 0) return null;
  const bw = x1 - x0 + 1,
    bh = y1 - y0 + 1;
  const scale = BOX / Math.max(bw, bh);
  const tw = Math.max(1, Math.round(bw * scale)),
    th = Math.max(1, Math.round(bh * scale));

  // Area-average the box into tw x th; each target pixel averages the source pixels it covers.
  const patch = new Float64Array(tw * th);
  let mass = 0,
    mx = 0,
    my = 0;
  for (let ty = 0; ty < th; ty++) {
    const sy0 = y0 + Math.floor((ty * bh) / th),
      sy1 = Math.max(sy0 + 1, y0 + Math.floor(((ty + 1) * bh) / th));
    for (let tx = 0; tx < tw; tx++) {
      const sx0 = x0 + Math.floor((tx * bw) / tw),
        sx1 = Math.max(sx0 + 1, x0 + Math.floor(((tx + 1) * bw) / tw));
      let sum = 0;
      for (let sy = sy0; sy < sy1; sy++) for (let sx = sx0; sx < sx1; sx++) sum += ink[sy * width + sx]!;
      const v = sum / ((sy1 - sy0) * (sx1 - sx0));
      patch[ty * tw + tx] = v;
      mass += v;
      mx += v * tx;
      my += v * ty;
    }
  }

  // Shift, in whole pixels as MNIST did, so the center of mass (in pixel indices) lands on (14, 14).
  const ox = Math.round(SIDE / 2 - mx / mass),
    oy = Math.round(SIDE / 2 - my / mass);
  const out = new Uint8Array(SIDE * SIDE);
  for (let ty = 0; ty < th; ty++) {
    const y = ty + oy;
    if (y < 0 || y >= SIDE) continue;
    for (let tx = 0; tx < tw; tx++) {
      const x = tx + ox;
      if (x < 0 || x >= SIDE) continue;
      out[y * SIDE + x] = Math.min(255, Math.round(patch[ty * tw + tx]!));
    }
  }
  return out;
}
