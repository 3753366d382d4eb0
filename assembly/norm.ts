// Batch normalization over CHWN tensors: channel c's statistics are taken over its M = H·W·N
// contiguous values, as the whole batch's shifted first and second moments (one pass). The sums are computed per
// example (channel_col_*) so that replicas on several threads produce exactly the pieces one thread
// would, and the pieces are added in example order: the statistics are bit for bit the same on any
// number of threads.

/**
 * Per-example shifted moments: out1[c, n] = Σ_p (x[c, p, n] − K[c]) and out2[c, n] = Σ_p (x[c, p, n] − K[c])²
 * over the P positions of channel c, each column summed in position order. Vectorized across
 * examples, so a column's sums are the same sequence of f32 operations however the batch is split:
 * the caller adds the columns of the whole batch in example order, which makes the batch's mean and
 * variance identical on any number of threads. One pass over x gives both moments (batch norm's
 * statistics are memory-bound: a second pass for the variance cost as much again); the shift K
 * (the caller passes the running mean, near the batch mean once training is under way) keeps
 * Σ(x−K)²/n − (Σ(x−K)/n)² from cancelling when a channel's mean is large against its spread.
 */
export function channel_col_moments(x: usize, shift: usize, out1: usize, out2: usize, C: i32, P: i32, N: i32): void {
  const nb = <usize>N << 2;
  for (let c = 0; c < C; c++) {
    const src = x + <usize>c * <usize>P * nb, d1 = out1 + <usize>c * nb, d2 = out2 + <usize>c * nb;
    const k = load<f32>(shift + (<usize>c << 2));
    const vk = f32x4.splat(k);
    let n = 0;
    // 16 columns at a time: four independent chains per moment (one chain is bound by the add's
    // latency) and whole 64-byte lines per position row.
    for (; n + 16 <= N; n += 16) {
      const q = src + (<usize>n << 2);
      let s0 = f32x4.splat(0), s1 = s0, s2 = s0, s3 = s0;
      let q0 = s0, q1 = s0, q2 = s0, q3 = s0;
      for (let p = 0; p < P; p++) {
        const a = q + <usize>p * nb;
        const e0 = f32x4.sub(v128.load(a), vk);
        s0 = f32x4.add(s0, e0); q0 = f32x4.add(q0, f32x4.mul(e0, e0));
        const e1 = f32x4.sub(v128.load(a, 16), vk);
        s1 = f32x4.add(s1, e1); q1 = f32x4.add(q1, f32x4.mul(e1, e1));
        const e2 = f32x4.sub(v128.load(a, 32), vk);
        s2 = f32x4.add(s2, e2); q2 = f32x4.add(q2, f32x4.mul(e2, e2));
        const e3 = f32x4.sub(v128.load(a, 48), vk);
        s3 = f32x4.add(s3, e3); q3 = f32x4.add(q3, f32x4.mul(e3, e3));
      }
      const o1 = d1 + (<usize>n << 2), o2 = d2 + (<usize>n << 2);
      v128.store(o1, s0); v128.store(o1, s1, 16); v128.store(o1, s2, 32); v128.store(o1, s3, 48);
      v128.store(o2, q0); v128.store(o2, q1, 16); v128.store(o2, q2, 32); v128.store(o2, q3, 48);
    }
    for (; n + 4 <= N; n += 4) {
      const q = <usize>n << 2;
      let s = f32x4.splat(0), sq = s;
      for (let p = 0; p < P; p++) {
        const e = f32x4.sub(v128.load(src + <usize>p * nb + q), vk);
        s = f32x4.add(s, e);
        sq = f32x4.add(sq, f32x4.mul(e, e));
      }
      v128.store(d1 + q, s);
      v128.store(d2 + q, sq);
    }
    for (; n < N; n++) {
      const q = <usize>n << 2;
      let s: f32 = 0, sq: f32 = 0;
      for (let p = 0; p < P; p++) {
        const e = load<f32>(src + <usize>p * nb + q) - k;
        s += e;
        sq += e * e;
      }
      store<f32>(d1 + q, s);
      store<f32>(d2 + q, sq);
    }
  }
}

/** out[c, n] = Σ_p (x[c, p, n] − mean[c])², per example as channel_col_moments: the
 * exact second pass for a batch whose mean lies far from the moments' shift. */
export function channel_col_sqdev(x: usize, mean: usize, out: usize, C: i32, P: i32, N: i32): void {
  const nb = <usize>N << 2;
  for (let c = 0; c < C; c++) {
    const src = x + <usize>c * <usize>P * nb, dst = out + <usize>c * nb;
    const mu = load<f32>(mean + (<usize>c << 2));
    const vm = f32x4.splat(mu);
    let n = 0;
    for (; n + 16 <= N; n += 16) {
      const q = src + (<usize>n << 2);
      let s0 = f32x4.splat(0), s1 = s0, s2 = s0, s3 = s0;
      for (let p = 0; p < P; p++) {
        const a = q + <usize>p * nb;
        const d0 = f32x4.sub(v128.load(a), vm), d1 = f32x4.sub(v128.load(a, 16), vm);
        const d2 = f32x4.sub(v128.load(a, 32), vm), d3 = f32x4.sub(v128.load(a, 48), vm);
        s0 = f32x4.add(s0, f32x4.mul(d0, d0));
        s1 = f32x4.add(s1, f32x4.mul(d1, d1));
        s2 = f32x4.add(s2, f32x4.mul(d2, d2));
        s3 = f32x4.add(s3, f32x4.mul(d3, d3));
      }
      const d = dst + (<usize>n << 2);
      v128.store(d, s0);
      v128.store(d, s1, 16);
      v128.store(d, s2, 32);
      v128.store(d, s3, 48);
    }
    for (; n + 4 <= N; n += 4) {
      const q = <usize>n << 2;
      let s = f32x4.splat(0);
      for (let p = 0; p < P; p++) {
        const d = f32x4.sub(v128.load(src + <usize>p * nb + q), vm);
        s = f32x4.add(s, f32x4.mul(d, d));
      }
      v128.store(dst + q, s);
    }
    for (; n < N; n++) {
      const q = <usize>n << 2;
      let s: f32 = 0;
      for (let p = 0; p < P; p++) { const d = load<f32>(src + <usize>p * nb + q) - mu; s += d * d; }
      store<f32>(dst + q, s);
    }
  }
}

/**
 * Per-example backward sums: out1[c, n] = Σ_p dy[c, p, n] and out2[c, n] = Σ_p dy·x̂ with
 * x̂ = (x − mean[c])·invstd[c], per example as channel_col_moments.
 */
export function channel_col_grad_sums(dy: usize, x: usize, mean: usize, invstd: usize, out1: usize, out2: usize, C: i32, P: i32, N: i32): void {
  const nb = <usize>N << 2;
  for (let c = 0; c < C; c++) {
    const g = dy + <usize>c * <usize>P * nb, src = x + <usize>c * <usize>P * nb;
    const d1 = out1 + <usize>c * nb, d2 = out2 + <usize>c * nb;
    const mu = load<f32>(mean + (<usize>c << 2)), is = load<f32>(invstd + (<usize>c << 2));
    const vm = f32x4.splat(mu), vs = f32x4.splat(is);
    let n = 0;
    // 16 columns at a time: eight independent chains, whole lines per position row.
    for (; n + 16 <= N; n += 16) {
      const q = <usize>n << 2;
      let a0 = f32x4.splat(0), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
      for (let p = 0; p < P; p++) {
        const o = <usize>p * nb + q;
        const gp = g + o, xp = src + o;
        const g0 = v128.load(gp), g1 = v128.load(gp, 16), g2 = v128.load(gp, 32), g3 = v128.load(gp, 48);
        a0 = f32x4.add(a0, g0);
        a1 = f32x4.add(a1, g1);
        a2 = f32x4.add(a2, g2);
        a3 = f32x4.add(a3, g3);
        b0 = f32x4.add(b0, f32x4.mul(g0, f32x4.mul(f32x4.sub(v128.load(xp), vm), vs)));
        b1 = f32x4.add(b1, f32x4.mul(g1, f32x4.mul(f32x4.sub(v128.load(xp, 16), vm), vs)));
        b2 = f32x4.add(b2, f32x4.mul(g2, f32x4.mul(f32x4.sub(v128.load(xp, 32), vm), vs)));
        b3 = f32x4.add(b3, f32x4.mul(g3, f32x4.mul(f32x4.sub(v128.load(xp, 48), vm), vs)));
      }
      v128.store(d1 + q, a0);
      v128.store(d1 + q, a1, 16);
      v128.store(d1 + q, a2, 32);
      v128.store(d1 + q, a3, 48);
      v128.store(d2 + q, b0);
      v128.store(d2 + q, b1, 16);
      v128.store(d2 + q, b2, 32);
      v128.store(d2 + q, b3, 48);
    }
    for (; n + 4 <= N; n += 4) {
      const q = <usize>n << 2;
      let a = f32x4.splat(0), b = f32x4.splat(0);
      for (let p = 0; p < P; p++) {
        const o = <usize>p * nb + q;
        const gv = v128.load(g + o);
        a = f32x4.add(a, gv);
        b = f32x4.add(b, f32x4.mul(gv, f32x4.mul(f32x4.sub(v128.load(src + o), vm), vs)));
      }
      v128.store(d1 + q, a);
      v128.store(d2 + q, b);
    }
    for (; n < N; n++) {
      const q = <usize>n << 2;
      let a: f32 = 0, b: f32 = 0;
      for (let p = 0; p < P; p++) {
        const o = <usize>p * nb + q;
        const gv = load<f32>(g + o);
        a += gv;
        b += gv * ((load<f32>(src + o) - mu) * is);
      }
      store<f32>(d1 + q, a);
      store<f32>(d2 + q, b);
    }
  }
}

/**
 * channel_col_grad_sums behind a fused ReLU: dy counts only where the forward's output was
 * positive, y = x·sc + sh > 0 with bn_apply's sc = γ·invstd, sh = β − mean·sc, recomputed from x
 * with the same f32 operations (so exactly the positions relu_backward on y would keep) instead of
 * reading y and masking dy in place: one tensor pass fewer. 8 columns at a time (the mask's
 * constants take the registers the 16-column block would need).
 */
export function channel_col_grad_sums_relu(dy: usize, x: usize, mean: usize, invstd: usize, gamma: usize, beta: usize,
                                           out1: usize, out2: usize, C: i32, P: i32, N: i32): void {
  const nb = <usize>N << 2;
  const zero = f32x4.splat(0);
  for (let c = 0; c < C; c++) {
    const g = dy + <usize>c * <usize>P * nb, src = x + <usize>c * <usize>P * nb;
    const d1 = out1 + <usize>c * nb, d2 = out2 + <usize>c * nb;
    const co = <usize>c << 2;
    const mu = load<f32>(mean + co), is = load<f32>(invstd + co);
    const sc = load<f32>(gamma + co) * is;
    const sh = load<f32>(beta + co) - mu * sc;
    const vm = f32x4.splat(mu), vs = f32x4.splat(is), vsc = f32x4.splat(sc), vsh = f32x4.splat(sh);
    let n = 0;
    for (; n + 8 <= N; n += 8) {
      const q = <usize>n << 2;
      let a0 = f32x4.splat(0), a1 = a0, b0 = a0, b1 = a0;
      for (let p = 0; p < P; p++) {
        const o = <usize>p * nb + q;
        const x0 = v128.load(src + o), x1 = v128.load(src + o, 16);
        const g0 = v128.and(v128.load(g + o), f32x4.gt(f32x4.add(f32x4.mul(x0, vsc), vsh), zero));
        const g1 = v128.and(v128.load(g + o, 16), f32x4.gt(f32x4.add(f32x4.mul(x1, vsc), vsh), zero));
        a0 = f32x4.add(a0, g0);
        a1 = f32x4.add(a1, g1);
        b0 = f32x4.add(b0, f32x4.mul(g0, f32x4.mul(f32x4.sub(x0, vm), vs)));
        b1 = f32x4.add(b1, f32x4.mul(g1, f32x4.mul(f32x4.sub(x1, vm), vs)));
      }
      v128.store(d1 + q, a0);
      v128.store(d1 + q, a1, 16);
      v128.store(d2 + q, b0);
      v128.store(d2 + q, b1, 16);
    }
    for (; n + 4 <= N; n += 4) {
      const q = <usize>n << 2;
      let a = f32x4.splat(0), b = f32x4.splat(0);
      for (let p = 0; p < P; p++) {
        const o = <usize>p * nb + q;
        const xv = v128.load(src + o);
        const gv = v128.and(v128.load(g + o), f32x4.gt(f32x4.add(f32x4.mul(xv, vsc), vsh), zero));
        a = f32x4.add(a, gv);
        b = f32x4.add(b, f32x4.mul(gv, f32x4.mul(f32x4.sub(xv, vm), vs)));
      }
      v128.store(d1 + q, a);
      v128.store(d2 + q, b);
    }
    for (; n < N; n++) {
      const q = <usize>n << 2;
      let a: f32 = 0, b: f32 = 0;
      for (let p = 0; p < P; p++) {
        const o = <usize>p * nb + q;
        const xv = load<f32>(src + o);
        const gv: f32 = xv * sc + sh > 0 ? load<f32>(g + o) : 0;
        a += gv;
        b += gv * ((xv - mu) * is);
      }
      store<f32>(d1 + q, a);
      store<f32>(d2 + q, b);
    }
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

/** bn_backward behind a fused ReLU: dy counts only where x·sc + sh > 0 (see channel_col_grad_sums_relu). */
export function bn_backward_relu(dy: usize, x: usize, dx: usize, mean: usize, invstd: usize, gamma: usize, beta: usize, sum1: usize, sum2: usize,
                                 C: i32, M: i32, count: f32): void {
  const zero = f32x4.splat(0);
  for (let c = 0; c < C; c++) {
    const o0 = <usize>c * <usize>M << 2, co = <usize>c << 2;
    const is = load<f32>(invstd + co), mu = load<f32>(mean + co);
    const k = load<f32>(gamma + co) * is / count;
    const sc = load<f32>(gamma + co) * is;
    const sh = load<f32>(beta + co) - mu * sc;
    const s1 = load<f32>(sum1 + co), s2 = load<f32>(sum2 + co);
    const vk = f32x4.splat(k), vn = f32x4.splat(count), v1 = f32x4.splat(s1), v2 = f32x4.splat(s2), vm = f32x4.splat(mu), vi = f32x4.splat(is);
    const vsc = f32x4.splat(sc), vsh = f32x4.splat(sh);
    let i = 0;
    for (; i + 4 <= M; i += 4) {
      const o = o0 + (<usize>i << 2);
      const xv = v128.load(x + o);
      const gv = v128.and(v128.load(dy + o), f32x4.gt(f32x4.add(f32x4.mul(xv, vsc), vsh), zero));
      const xh = f32x4.mul(f32x4.sub(xv, vm), vi);
      v128.store(dx + o, f32x4.mul(vk, f32x4.sub(f32x4.sub(f32x4.mul(vn, gv), v1), f32x4.mul(xh, v2))));
    }
    for (; i < M; i++) {
      const o = o0 + (<usize>i << 2);
      const xv = load<f32>(x + o);
      const gv: f32 = xv * sc + sh > 0 ? load<f32>(dy + o) : 0;
      const xh = (xv - mu) * is;
      store<f32>(dx + o, k * ((count * gv - s1) - xh * s2));
    }
  }
}
