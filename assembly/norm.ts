// Batch normalization over CHWN tensors: channel c's statistics are taken over its M = H·W·N
// contiguous values. The statistics are computed in pieces (sums per channel) so that replicas on
// several threads can add their pieces before normalizing: a two-pass mean and variance over the
// whole batch, exactly as one thread would compute them up to f32 summation order.

// @ts-ignore: decorator
@inline
function lanes(v: v128): f32 {
  return (f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 2)) + (f32x4.extract_lane(v, 1) + f32x4.extract_lane(v, 3));
}

/** out[c] = Σ x[c, :] (+ out[c] when accumulate), over the M values of each channel. */
export function channel_sum(x: usize, out: usize, C: i32, M: i32): void {
  for (let c = 0; c < C; c++) {
    const src = x + (<usize>c * <usize>M << 2);
    let s0 = f32x4.splat(0), s1 = f32x4.splat(0);
    let i = 0;
    for (; i + 8 <= M; i += 8) { const o = <usize>i << 2; s0 = f32x4.add(s0, v128.load(src + o)); s1 = f32x4.add(s1, v128.load(src + o, 16)); }
    let s = lanes(f32x4.add(s0, s1));
    for (; i < M; i++) s += load<f32>(src + (<usize>i << 2));
    store<f32>(out + (<usize>c << 2), s);
  }
}

/** out[c] = Σ (x[c, :] − mean[c])². */
export function channel_sqdev(x: usize, mean: usize, out: usize, C: i32, M: i32): void {
  for (let c = 0; c < C; c++) {
    const src = x + (<usize>c * <usize>M << 2);
    const mu = load<f32>(mean + (<usize>c << 2));
    const vm = f32x4.splat(mu);
    let s0 = f32x4.splat(0), s1 = f32x4.splat(0);
    let i = 0;
    for (; i + 8 <= M; i += 8) {
      const o = <usize>i << 2;
      const a = f32x4.sub(v128.load(src + o), vm), b = f32x4.sub(v128.load(src + o, 16), vm);
      s0 = f32x4.add(s0, f32x4.mul(a, a));
      s1 = f32x4.add(s1, f32x4.mul(b, b));
    }
    let s = lanes(f32x4.add(s0, s1));
    for (; i < M; i++) { const d = load<f32>(src + (<usize>i << 2)) - mu; s += d * d; }
    store<f32>(out + (<usize>c << 2), s);
  }
}

/** out1[c] = Σ dy[c, :], out2[c] = Σ dy[c, :]·(x[c, :] − mean[c])·invstd[c] (the backward sums). */
export function channel_grad_sums(dy: usize, x: usize, mean: usize, invstd: usize, out1: usize, out2: usize, C: i32, M: i32): void {
  for (let c = 0; c < C; c++) {
    const g = dy + (<usize>c * <usize>M << 2), src = x + (<usize>c * <usize>M << 2);
    const mu = load<f32>(mean + (<usize>c << 2)), is = load<f32>(invstd + (<usize>c << 2));
    const vm = f32x4.splat(mu), vs = f32x4.splat(is);
    let a0 = f32x4.splat(0), a1 = f32x4.splat(0);
    let i = 0;
    for (; i + 4 <= M; i += 4) {
      const o = <usize>i << 2;
      const gv = v128.load(g + o);
      a0 = f32x4.add(a0, gv);
      a1 = f32x4.add(a1, f32x4.mul(gv, f32x4.mul(f32x4.sub(v128.load(src + o), vm), vs)));
    }
    let s1 = lanes(a0), s2 = lanes(a1);
    for (; i < M; i++) {
      const o = <usize>i << 2;
      const gv = load<f32>(g + o);
      s1 += gv;
      s2 += gv * ((load<f32>(src + o) - mu) * is);
    }
    store<f32>(out1 + (<usize>c << 2), s1);
    store<f32>(out2 + (<usize>c << 2), s2);
  }
}

/** y = (x − mean)·invstd·γ + β per channel, then ReLU if `relu`. */
export function bn_apply(x: usize, y: usize, mean: usize, invstd: usize, gamma: usize, beta: usize, C: i32, M: i32, relu: bool): void {
  const zero = f32x4.splat(0);
  for (let c = 0; c < C; c++) {
    const o0 = <usize>c * <usize>M << 2;
    const co = <usize>c << 2;
    // y = x·scale + shift with scale = γ·invstd, shift = β − mean·scale
    const sc = load<f32>(gamma + co) * load<f32>(invstd + co);
    const sh = load<f32>(beta + co) - load<f32>(mean + co) * sc;
    const vs = f32x4.splat(sc), vh = f32x4.splat(sh);
    let i = 0;
    if (relu) {
      for (; i + 4 <= M; i += 4) { const o = o0 + (<usize>i << 2); v128.store(y + o, f32x4.max(f32x4.add(f32x4.mul(v128.load(x + o), vs), vh), zero)); }
      for (; i < M; i++) { const o = o0 + (<usize>i << 2); store<f32>(y + o, max<f32>(load<f32>(x + o) * sc + sh, 0)); }
    } else {
      for (; i + 4 <= M; i += 4) { const o = o0 + (<usize>i << 2); v128.store(y + o, f32x4.add(f32x4.mul(v128.load(x + o), vs), vh)); }
      for (; i < M; i++) { const o = o0 + (<usize>i << 2); store<f32>(y + o, load<f32>(x + o) * sc + sh); }
    }
  }
}

/**
 * dx = γ·invstd/count · (count·dy − Σdy − x̂·Σ(dy·x̂)) with x̂ = (x − mean)·invstd, from the
 * whole batch's sums (sum1 = Σdy, sum2 = Σdy·x̂ per channel) and `count` examples·positions in
 * total (this replica holds M of them).
 */
export function bn_backward(dy: usize, x: usize, dx: usize, mean: usize, invstd: usize, gamma: usize, sum1: usize, sum2: usize,
                            C: i32, M: i32, count: f32): void {
  for (let c = 0; c < C; c++) {
    const o0 = <usize>c * <usize>M << 2, co = <usize>c << 2;
    const is = load<f32>(invstd + co), mu = load<f32>(mean + co);
    const k = load<f32>(gamma + co) * is / count;
    const s1 = load<f32>(sum1 + co), s2 = load<f32>(sum2 + co);
    const vk = f32x4.splat(k), vn = f32x4.splat(count), v1 = f32x4.splat(s1), v2 = f32x4.splat(s2), vm = f32x4.splat(mu), vi = f32x4.splat(is);
    let i = 0;
    for (; i + 4 <= M; i += 4) {
      const o = o0 + (<usize>i << 2);
      const xh = f32x4.mul(f32x4.sub(v128.load(x + o), vm), vi);
      v128.store(dx + o, f32x4.mul(vk, f32x4.sub(f32x4.sub(f32x4.mul(vn, v128.load(dy + o)), v1), f32x4.mul(xh, v2))));
    }
    for (; i < M; i++) {
      const o = o0 + (<usize>i << 2);
      const xh = (load<f32>(x + o) - mu) * is;
      store<f32>(dx + o, k * ((count * load<f32>(dy + o) - s1) - xh * s2));
    }
  }
}
