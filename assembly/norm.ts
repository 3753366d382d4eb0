// Batch normalization over CHWN tensors: channel c's statistics are taken over its M = H·W·N
// contiguous values: each example's mean and squared deviations in one pass, combined over the
// batch in example order. The sums are computed per
// example (channel_col_*) so that replicas on several threads produce exactly the pieces one thread
// would, and the pieces are added in example order: the statistics are bit for bit the same on any
// number of threads.

/**
 * Per-example moments: mean[c, n] = Σ_p x[c, p, n] / P and m2[c, n] = Σ_p (x[c, p, n] − mean[c, n])²,
 * the example's own mean and sum of squared deviations over the P positions of channel c, in one
 * pass over x (batch norm's statistics are memory-bound: a second pass for the variance cost as
 * much again). Each column is shifted by its own first value K = x[c, 0, n], so
 * m2 = Σ(x−K)² − (Σ(x−K))²/P does not cancel however far the mean lies from zero; the sums run in
 * position order, vectorized across examples, and every column gets the same f32 operations
 * whichever of the 16-, 4- or 1-column paths takes it. So a column's results do not depend on how
 * the batch is split: the caller combines the examples in example order (the batch's mean from
 * the means, its variance from m2 and the means' spread), the same on any number of threads.
 */
export function channel_col_moments(x: usize, mean: usize, m2: usize, C: i32, P: i32, N: i32): void {
  const nb = <usize>N << 2;
  const pf = <f32>P;
  const vp = f32x4.splat(pf);
  const PB = rowBlock(N, 1);
  for (let c = 0; c < C; c++) {
    const src = x + <usize>c * <usize>P * nb, d1 = mean + <usize>c * nb, d2 = m2 + <usize>c * nb;
    // The raw sums Σ(x−K) and Σ(x−K)² go to mean and m2 block by block of PB rows, then become
    // the moments at the end.
    for (let pb = 0; pb < P; pb += PB) {
      const pe = min(P, pb + PB);
      const resume = pb > 0;
      let n = 0;
      // 16 columns at a time: four independent chains per moment (one chain is bound by the add's
      // latency) and whole 64-byte lines per position row.
      for (; n + 16 <= N; n += 16) {
        const q = src + (<usize>n << 2);
        const o1 = d1 + (<usize>n << 2), o2 = d2 + (<usize>n << 2);
        const k0 = v128.load(q), k1 = v128.load(q, 16), k2 = v128.load(q, 32), k3 = v128.load(q, 48);
        let s0 = f32x4.splat(0), s1 = s0, s2 = s0, s3 = s0;
        let q0 = s0, q1 = s0, q2 = s0, q3 = s0;
        if (resume) {
          s0 = v128.load(o1); s1 = v128.load(o1, 16); s2 = v128.load(o1, 32); s3 = v128.load(o1, 48);
          q0 = v128.load(o2); q1 = v128.load(o2, 16); q2 = v128.load(o2, 32); q3 = v128.load(o2, 48);
        }
        for (let p = pb; p < pe; p++) {
          const a = q + <usize>p * nb;
          const e0 = f32x4.sub(v128.load(a), k0);
          s0 = f32x4.add(s0, e0); q0 = f32x4.add(q0, f32x4.mul(e0, e0));
          const e1 = f32x4.sub(v128.load(a, 16), k1);
          s1 = f32x4.add(s1, e1); q1 = f32x4.add(q1, f32x4.mul(e1, e1));
          const e2 = f32x4.sub(v128.load(a, 32), k2);
          s2 = f32x4.add(s2, e2); q2 = f32x4.add(q2, f32x4.mul(e2, e2));
          const e3 = f32x4.sub(v128.load(a, 48), k3);
          s3 = f32x4.add(s3, e3); q3 = f32x4.add(q3, f32x4.mul(e3, e3));
        }
        v128.store(o1, s0); v128.store(o1, s1, 16); v128.store(o1, s2, 32); v128.store(o1, s3, 48);
        v128.store(o2, q0); v128.store(o2, q1, 16); v128.store(o2, q2, 32); v128.store(o2, q3, 48);
      }
      for (; n + 4 <= N; n += 4) {
        const q = <usize>n << 2;
        const k = v128.load(src + q);
        let sv = resume ? v128.load(d1 + q) : f32x4.splat(0), sq = resume ? v128.load(d2 + q) : f32x4.splat(0);
        for (let p = pb; p < pe; p++) {
          const e = f32x4.sub(v128.load(src + <usize>p * nb + q), k);
          sv = f32x4.add(sv, e);
          sq = f32x4.add(sq, f32x4.mul(e, e));
        }
        v128.store(d1 + q, sv);
        v128.store(d2 + q, sq);
      }
      for (; n < N; n++) {
        const q = <usize>n << 2;
        const k = load<f32>(src + q);
        let sv: f32 = resume ? load<f32>(d1 + q) : 0, sq: f32 = resume ? load<f32>(d2 + q) : 0;
        for (let p = pb; p < pe; p++) {
          const e = load<f32>(src + <usize>p * nb + q) - k;
          sv += e;
          sq += e * e;
        }
        store<f32>(d1 + q, sv);
        store<f32>(d2 + q, sq);
      }
    }
    // mean = K + s/P and m2 = max(sq − s·(s/P), 0), the same f32 operations on every path.
    let n = 0;
    for (; n + 4 <= N; n += 4) {
      const q = <usize>n << 2;
      const k = v128.load(src + q), sv = v128.load(d1 + q), sq = v128.load(d2 + q);
      const sp = f32x4.div(sv, vp);
      v128.store(d1 + q, f32x4.add(k, sp));
      v128.store(d2 + q, f32x4.max(f32x4.sub(sq, f32x4.mul(sv, sp)), f32x4.splat(0)));
    }
    for (; n < N; n++) {
      const q = <usize>n << 2;
      const k = load<f32>(src + q), sv = load<f32>(d1 + q), sq = load<f32>(d2 + q);
      const sp = sv / pf;
      store<f32>(d1 + q, k + sp);
      store<f32>(d2 + q, max<f32>(sq - sv * sp, 0));
    }
  }
}

/**
 * Position rows per block of the column reductions: about 32 KB of one channel (all N columns of
 * PB consecutive rows of each of the `tensors` inputs), so the 16-column passes over a block find its lines in L1 and the block
 * streams in from memory in order. Walking all P rows per 16 columns read each 64-byte piece of a
 * row in its own strided stream, which ran at half the speed of a copy when x was not cached.
 */
// @ts-ignore: decorator
@inline
function rowBlock(N: i32, tensors: i32): i32 {
  return max(4, 8192 / (max(N, 1) * tensors));
}

/**
 * Per-example backward sums: out1[c, n] = Σ_p dy[c, p, n] and out2[c, n] = Σ_p dy·x̂ with
 * x̂ = (x − mean[c])·invstd[c], per example as channel_col_moments.
 */
export function channel_col_grad_sums(dy: usize, x: usize, mean: usize, invstd: usize, out1: usize, out2: usize, C: i32, P: i32, N: i32): void {
  gradSums(dy, x, mean, invstd, 0, 0, out1, out2, C, P, N, false);
}

/**
 * channel_col_grad_sums behind a fused ReLU: dy counts only where the forward's output was
 * positive, y = x·sc + sh > 0 with bn_apply's sc = γ·invstd, sh = β − mean·sc, recomputed from x
 * with the same f32 operations (so exactly the positions relu_backward on y would keep) instead of
 * reading y and masking dy in place: one tensor pass fewer.
 */
export function channel_col_grad_sums_relu(dy: usize, x: usize, mean: usize, invstd: usize, gamma: usize, beta: usize,
                                           out1: usize, out2: usize, C: i32, P: i32, N: i32): void {
  gradSums(dy, x, mean, invstd, gamma, beta, out1, out2, C, P, N, true);
}

/**
 * The body of both backward reductions; `relu` is a constant at each call, so the inlined copies
 * keep only their own branch. In blocks of PB rows (see rowBlock) whose sums carry over through
 * out1/out2; each column's sums are in position order on every path (16, 8, 4 or 1 columns).
 */
// @ts-ignore: decorator
@inline
function gradSums(dy: usize, x: usize, mean: usize, invstd: usize, gamma: usize, beta: usize,
                  out1: usize, out2: usize, C: i32, P: i32, N: i32, relu: bool): void {
  const nb = <usize>N << 2;
  const PB = rowBlock(N, 2);
  const zero = f32x4.splat(0);
  for (let c = 0; c < C; c++) {
    const g = dy + <usize>c * <usize>P * nb, src = x + <usize>c * <usize>P * nb;
    const d1 = out1 + <usize>c * nb, d2 = out2 + <usize>c * nb;
    const co = <usize>c << 2;
    const mu = load<f32>(mean + co), is = load<f32>(invstd + co);
    // The fused ReLU's output is x·sc + sh with bn_apply's sc = γ·invstd, sh = β − mean·sc.
    const sc = relu ? load<f32>(gamma + co) * is : 0;
    const sh = relu ? load<f32>(beta + co) - mu * sc : 0;
    const vm = f32x4.splat(mu), vs = f32x4.splat(is), vsc = f32x4.splat(sc), vsh = f32x4.splat(sh);
    for (let pb = 0; pb < P; pb += PB) {
      const pe = min(P, pb + PB);
      const resume = pb > 0;
      let n = 0;
      // Without the mask, 16 columns at a time: eight independent chains, whole lines per row.
      if (!relu) {
        for (; n + 16 <= N; n += 16) {
          const q = <usize>n << 2;
          let a0 = zero, a1 = zero, a2 = zero, a3 = zero, b0 = zero, b1 = zero, b2 = zero, b3 = zero;
          if (resume) {
            a0 = v128.load(d1 + q); a1 = v128.load(d1 + q, 16); a2 = v128.load(d1 + q, 32); a3 = v128.load(d1 + q, 48);
            b0 = v128.load(d2 + q); b1 = v128.load(d2 + q, 16); b2 = v128.load(d2 + q, 32); b3 = v128.load(d2 + q, 48);
          }
          for (let p = pb; p < pe; p++) {
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
          v128.store(d1 + q, a0); v128.store(d1 + q, a1, 16); v128.store(d1 + q, a2, 32); v128.store(d1 + q, a3, 48);
          v128.store(d2 + q, b0); v128.store(d2 + q, b1, 16); v128.store(d2 + q, b2, 32); v128.store(d2 + q, b3, 48);
        }
      }
      // With it, 8 (the mask's constants take the registers a 16-column block would need).
      for (; n + 8 <= N; n += 8) {
        const q = <usize>n << 2;
        let a0 = zero, a1 = zero, b0 = zero, b1 = zero;
        if (resume) {
          a0 = v128.load(d1 + q); a1 = v128.load(d1 + q, 16); b0 = v128.load(d2 + q); b1 = v128.load(d2 + q, 16);
        }
        for (let p = pb; p < pe; p++) {
          const o = <usize>p * nb + q;
          const x0 = v128.load(src + o), x1 = v128.load(src + o, 16);
          let g0 = v128.load(g + o), g1 = v128.load(g + o, 16);
          if (relu) {
            g0 = v128.and(g0, f32x4.gt(f32x4.add(f32x4.mul(x0, vsc), vsh), zero));
            g1 = v128.and(g1, f32x4.gt(f32x4.add(f32x4.mul(x1, vsc), vsh), zero));
          }
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
        let a = resume ? v128.load(d1 + q) : zero, b = resume ? v128.load(d2 + q) : zero;
        for (let p = pb; p < pe; p++) {
          const o = <usize>p * nb + q;
          const xv = v128.load(src + o);
          let gv = v128.load(g + o);
          if (relu) gv = v128.and(gv, f32x4.gt(f32x4.add(f32x4.mul(xv, vsc), vsh), zero));
          a = f32x4.add(a, gv);
          b = f32x4.add(b, f32x4.mul(gv, f32x4.mul(f32x4.sub(xv, vm), vs)));
        }
        v128.store(d1 + q, a);
        v128.store(d2 + q, b);
      }
      for (; n < N; n++) {
        const q = <usize>n << 2;
        let a: f32 = resume ? load<f32>(d1 + q) : 0, b: f32 = resume ? load<f32>(d2 + q) : 0;
        for (let p = pb; p < pe; p++) {
          const o = <usize>p * nb + q;
          const xv = load<f32>(src + o);
          let gv = load<f32>(g + o);
          if (relu && !(xv * sc + sh > 0)) gv = 0;
          a += gv;
          b += gv * ((xv - mu) * is);
        }
        store<f32>(d1 + q, a);
        store<f32>(d2 + q, b);
      }
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
  bnBackward(dy, x, dx, mean, invstd, gamma, 0, sum1, sum2, C, M, count, false);
}

/** bn_backward behind a fused ReLU: dy counts only where x·sc + sh > 0 (see channel_col_grad_sums_relu). */
export function bn_backward_relu(dy: usize, x: usize, dx: usize, mean: usize, invstd: usize, gamma: usize, beta: usize, sum1: usize, sum2: usize,
                                 C: i32, M: i32, count: f32): void {
  bnBackward(dy, x, dx, mean, invstd, gamma, beta, sum1, sum2, C, M, count, true);
}

/** The body of both input gradients; `relu` is a constant at each call (see gradSums). */
// @ts-ignore: decorator
@inline
function bnBackward(dy: usize, x: usize, dx: usize, mean: usize, invstd: usize, gamma: usize, beta: usize, sum1: usize, sum2: usize,
                    C: i32, M: i32, count: f32, relu: bool): void {
  const zero = f32x4.splat(0);
  for (let c = 0; c < C; c++) {
    const o0 = <usize>c * <usize>M << 2, co = <usize>c << 2;
    const is = load<f32>(invstd + co), mu = load<f32>(mean + co);
    const k = load<f32>(gamma + co) * is / count;
    const sc = relu ? load<f32>(gamma + co) * is : 0;
    const sh = relu ? load<f32>(beta + co) - mu * sc : 0;
    const s1 = load<f32>(sum1 + co), s2 = load<f32>(sum2 + co);
    const vk = f32x4.splat(k), vn = f32x4.splat(count), v1 = f32x4.splat(s1), v2 = f32x4.splat(s2), vm = f32x4.splat(mu), vi = f32x4.splat(is);
    const vsc = f32x4.splat(sc), vsh = f32x4.splat(sh);
    let i = 0;
    for (; i + 4 <= M; i += 4) {
      const o = o0 + (<usize>i << 2);
      const xv = v128.load(x + o);
      let gv = v128.load(dy + o);
      if (relu) gv = v128.and(gv, f32x4.gt(f32x4.add(f32x4.mul(xv, vsc), vsh), zero));
      const xh = f32x4.mul(f32x4.sub(xv, vm), vi);
      v128.store(dx + o, f32x4.mul(vk, f32x4.sub(f32x4.sub(f32x4.mul(vn, gv), v1), f32x4.mul(xh, v2))));
    }
    for (; i < M; i++) {
      const o = o0 + (<usize>i << 2);
      const xv = load<f32>(x + o);
      let gv = load<f32>(dy + o);
      if (relu && !(xv * sc + sh > 0)) gv = 0;
      const xh = (xv - mu) * is;
      store<f32>(dx + o, k * ((count * gv - s1) - xh * s2));
    }
  }
}
