// Pooling on CHWN tensors (batch innermost, so every op vectorizes along the batch).

/** 2x2 max-pool, stride 2: y [C, H/2, W/2, N] from x [C, H, W, N] (H and W even). */
export function maxpool2_fwd(x: usize, y: usize, C: i32, H: i32, W: i32, N: i32): void {
  const OH = H >> 1, OW = W >> 1;
  const nb = <usize>N << 2, row = <usize>W * nb;
  for (let c = 0; c < C; c++) {
    for (let oh = 0; oh < OH; oh++) {
      const r0 = x + (<usize>(c * H + 2 * oh) * row), r1 = r0 + row;
      const out = y + (<usize>(c * OH + oh) * <usize>OW * nb);
      for (let ow = 0; ow < OW; ow++) {
        const a = r0 + <usize>(2 * ow) * nb, b = a + nb, d = r1 + <usize>(2 * ow) * nb, e = d + nb;
        const o = out + <usize>ow * nb;
        let n = 0;
        for (; n + 4 <= N; n += 4) {
          const q = <usize>n << 2;
          v128.store(o + q, f32x4.max(f32x4.max(v128.load(a + q), v128.load(b + q)), f32x4.max(v128.load(d + q), v128.load(e + q))));
        }
        for (; n < N; n++) {
          const q = <usize>n << 2;
          store<f32>(o + q, max<f32>(max<f32>(load<f32>(a + q), load<f32>(b + q)), max<f32>(load<f32>(d + q), load<f32>(e + q))));
        }
      }
    }
  }
}

/**
 * Gradient of maxpool2_fwd: each output's gradient goes to the first of its four inputs that
 * equals the maximum (order: top-left, top-right, bottom-left, bottom-right); dx is overwritten.
 */
export function maxpool2_bwd(x: usize, y: usize, dy: usize, dx: usize, C: i32, H: i32, W: i32, N: i32): void {
  const OH = H >> 1, OW = W >> 1;
  const nb = <usize>N << 2, row = <usize>W * nb;
  const zero = f32x4.splat(0);
  for (let c = 0; c < C; c++) {
    for (let oh = 0; oh < OH; oh++) {
      const base = <usize>(c * H + 2 * oh) * row;
      const r0 = x + base, r1 = r0 + row, d0 = dx + base, d1 = d0 + row;
      const oo = <usize>(c * OH + oh) * <usize>OW * nb;
      for (let ow = 0; ow < OW; ow++) {
        const co = <usize>(2 * ow) * nb;
        const a = r0 + co, b = a + nb, d = r1 + co, e = d + nb;
        const da = d0 + co, db = da + nb, dd = d1 + co, de = dd + nb;
        const py = y + oo + <usize>ow * nb, pg = dy + oo + <usize>ow * nb;
        let n = 0;
        for (; n + 4 <= N; n += 4) {
          const q = <usize>n << 2;
          const m = v128.load(py + q), g = v128.load(pg + q);
          const ma = f32x4.eq(v128.load(a + q), m);
          const mb = v128.andnot(f32x4.eq(v128.load(b + q), m), ma);
          const taken = v128.or(ma, mb);
          const mc = v128.andnot(f32x4.eq(v128.load(d + q), m), taken);
          const md = v128.not(v128.or(taken, mc));
          v128.store(da + q, v128.and(g, ma));
          v128.store(db + q, v128.and(g, mb));
          v128.store(dd + q, v128.and(g, mc));
          v128.store(de + q, v128.bitselect(g, zero, md));
        }
        for (; n < N; n++) {
          const q = <usize>n << 2;
          const m = load<f32>(py + q), g = load<f32>(pg + q);
          let which = 3;
          if (load<f32>(a + q) == m) which = 0;
          else if (load<f32>(b + q) == m) which = 1;
          else if (load<f32>(d + q) == m) which = 2;
          store<f32>(da + q, which == 0 ? g : 0);
          store<f32>(db + q, which == 1 ? g : 0);
          store<f32>(dd + q, which == 2 ? g : 0);
          store<f32>(de + q, which == 3 ? g : 0);
        }
      }
    }
  }
}

/** Global average pool: y [C, N] = mean over the P positions of x [C, P, N]. */
export function avgpool_fwd(x: usize, y: usize, C: i32, P: i32, N: i32): void {
  const nb = <usize>N << 2;
  const inv: f32 = 1 / <f32>P;
  const vinv = f32x4.splat(inv);
  for (let c = 0; c < C; c++) {
    const src = x + <usize>c * <usize>P * nb, dst = y + <usize>c * nb;
    let n = 0;
    for (; n + 4 <= N; n += 4) {
      const q = <usize>n << 2;
      let s = f32x4.splat(0);
      for (let p = 0; p < P; p++) s = f32x4.add(s, v128.load(src + <usize>p * nb + q));
      v128.store(dst + q, f32x4.mul(s, vinv));
    }
    for (; n < N; n++) {
      const q = <usize>n << 2;
      let s: f32 = 0;
      for (let p = 0; p < P; p++) s += load<f32>(src + <usize>p * nb + q);
      store<f32>(dst + q, s * inv);
    }
  }
}

/** Gradient of avgpool_fwd: dx [C, P, N] = dy [C, N] / P at every position. */
export function avgpool_bwd(dy: usize, dx: usize, C: i32, P: i32, N: i32): void {
  const nb = <usize>N << 2;
  const inv: f32 = 1 / <f32>P;
  const vinv = f32x4.splat(inv);
  for (let c = 0; c < C; c++) {
    const src = dy + <usize>c * nb, dst = dx + <usize>c * <usize>P * nb;
    let n = 0;
    for (; n + 4 <= N; n += 4) {
      const q = <usize>n << 2;
      const g = f32x4.mul(v128.load(src + q), vinv);
      for (let p = 0; p < P; p++) v128.store(dst + <usize>p * nb + q, g);
    }
    for (; n < N; n++) {
      const q = <usize>n << 2;
      const g = load<f32>(src + q) * inv;
      for (let p = 0; p < P; p++) store<f32>(dst + <usize>p * nb + q, g);
    }
  }
}
