// Counter-based randomness for dropout: the keep/drop decision of element (feature f, example n)
// at a given step is a hash of (seed, step, f, n). No generator state is carried, so a batch split
// across threads by columns draws exactly the same mask as one thread.

// @ts-ignore: decorator
@inline
function mix(x: u32): u32 {
  // "lowbias32" integer hash (C. Wellons): good avalanche for sequential inputs.
  x ^= x >>> 16; x *= 0x7feb352d;
  x ^= x >>> 15; x *= 0x846ca68b;
  x ^= x >>> 16;
  return x;
}

/**
 * Inverted dropout over x [F, N] (feature-major; column n is example colOffset + n of a batch of
 * totalCols): mask[f, n] = keepScale if hash < threshold else 0, and y = x * mask. threshold is
 * round(keep probability * 2^32) clamped to u32, keepScale = 1 / keep probability.
 */
export function dropout_forward(x: usize, y: usize, mask: usize, F: i32, N: i32, threshold: u32, keepScale: f32,
                                seed: u32, step: u32, colOffset: i32, totalCols: i32): void {
  const key = mix(seed ^ mix(step + 0x9e3779b9));
  for (let f = 0; f < F; f++) {
    const row = <usize>f * <usize>N;
    const base = <u32>f * <u32>totalCols + <u32>colOffset;
    for (let n = 0; n < N; n++) {
      const o = (row + <usize>n) << 2;
      const m: f32 = mix((base + <u32>n) ^ key) < threshold ? keepScale : 0;
      store<f32>(mask + o, m);
      store<f32>(y + o, load<f32>(x + o) * m);
    }
  }
}

/** out = a * b elementwise (the dropout backward: dx = dy * mask). */
export function mul(a: usize, b: usize, out: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(out + o, f32x4.mul(v128.load(a + o), v128.load(b + o)));
  }
  for (; i < n; i++) { const o = <usize>i << 2; store<f32>(out + o, load<f32>(a + o) * load<f32>(b + o)); }
}
