// Convolution building blocks on CHWN tensors (channel, height, width, batch; the batch is the
// contiguous axis, as for every activation in this project).
//
// Dense convolutions run as im2col + GEMM: with a zero-padded input, a column block of im2col for
// one (channel, kh, kw) and output row is a single contiguous copy of W·N floats (stride 1), so
// the copy costs little next to the GEMM. Pruned 3x3 stride-1 convolutions run directly on the
// kept weights (sconv_*): each kept weight (co, ci, kh, kw) adds w · (a shifted row of the padded
// input) to an output row, so the work is proportional to the number of kept weights, and the
// shifted rows are contiguous because the batch is innermost. Each kept weight's shift is given
// as a precomputed float offset into the padded input (offsets[p]).
import { madd, hsum, fmadd } from "./simd";

/**
 * xpad [C, H+2p, W+2p, N] = x [C, H, W, N] with a zero border of p. The border is rewritten each
 * time (the interior is overwritten anyway), so the buffer needs no initialization.
 */
export function pad_chwn(x: usize, xpad: usize, C: i32, H: i32, W: i32, N: i32, p: i32): void {
  const Hp = H + 2 * p, Wp = W + 2 * p;
  const rowBytes = <usize>(W * N) << 2, padBytes = <usize>(p * N) << 2, prow = <usize>(Wp * N) << 2;
  for (let c = 0; c < C; c++) {
    const dst = xpad + <usize>c * <usize>Hp * prow;
    const src = x + <usize>c * <usize>H * rowBytes;
    if (p > 0) {
      memory.fill(dst, 0, <usize>p * prow);
      memory.fill(dst + <usize>(Hp - p) * prow, 0, <usize>p * prow);
    }
    for (let h = 0; h < H; h++) {
      const row = dst + <usize>(h + p) * prow;
      if (p > 0) {
        memory.fill(row, 0, padBytes);
        memory.fill(row + padBytes + rowBytes, 0, padBytes);
      }
      memory.copy(row + padBytes, src + <usize>h * rowBytes, rowBytes);
    }
  }
}

/** x [C, H, W, N] = interior of xpad [C, H+2p, W+2p, N] (or x += interior when accumulate). */
export function unpad_chwn(xpad: usize, x: usize, C: i32, H: i32, W: i32, N: i32, p: i32, accumulate: bool): void {
  const Hp = H + 2 * p, Wp = W + 2 * p;
  const rowFloats = W * N, rowBytes = <usize>rowFloats << 2, padBytes = <usize>(p * N) << 2, prow = <usize>(Wp * N) << 2;
  for (let c = 0; c < C; c++) {
    const src = xpad + <usize>c * <usize>Hp * prow;
    const dst = x + <usize>c * <usize>H * rowBytes;
    for (let h = 0; h < H; h++) {
      const s = src + <usize>(h + p) * prow + padBytes, d = dst + <usize>h * rowBytes;
      if (!accumulate) {
        memory.copy(d, s, rowBytes);
        continue;
      }
      let j = 0;
      for (; j + 4 <= rowFloats; j += 4) {
        const o = <usize>j << 2;
        v128.store(d + o, f32x4.add(v128.load(d + o), v128.load(s + o)));
      }
      for (; j < rowFloats; j++) { const o = <usize>j << 2; store<f32>(d + o, load<f32>(d + o) + load<f32>(s + o)); }
    }
  }
}

/**
 * cols [C·K·K, R, OW, N] for output rows oh0 .. oh0+R−1, from the padded input xpad [C, Hp, Wp, N]:
 * cols[(c·K + kh)·K + kw, oh − oh0, ow, n] = xpad[c, oh·s + kh, ow·s + kw, n]. Taking a few output
 * rows at a time bounds the memory im2col needs.
 */
export function im2col(xpad: usize, cols: usize, C: i32, Hp: i32, Wp: i32, K: i32, s: i32, oh0: i32, R: i32, OW: i32, N: i32): void {
  const nb = <usize>N << 2;
  const prow = <usize>Wp * nb, plane = <usize>Hp * prow;
  const orow = <usize>OW * nb;
  let dst = cols;
  for (let c = 0; c < C; c++) {
    for (let kh = 0; kh < K; kh++) {
      for (let kw = 0; kw < K; kw++) {
        const base = xpad + <usize>c * plane + <usize>kh * prow + <usize>kw * nb;
        for (let oh = oh0; oh < oh0 + R; oh++) {
          const src = base + <usize>(oh * s) * prow;
          if (s == 1) memory.copy(dst, src, orow);
          else for (let ow = 0; ow < OW; ow++) memory.copy(dst + <usize>ow * nb, src + <usize>(ow * s) * nb, nb);
          dst += orow;
        }
      }
    }
  }
}

/** The adjoint of im2col (same row range): dxpad [C, Hp, Wp, N] += scatter of cols. */
export function col2im(cols: usize, dxpad: usize, C: i32, Hp: i32, Wp: i32, K: i32, s: i32, oh0: i32, R: i32, OW: i32, N: i32): void {
  const nb = <usize>N << 2;
  const prow = <usize>Wp * nb, plane = <usize>Hp * prow;
  const orowFloats = OW * N;
  let src = cols;
  for (let c = 0; c < C; c++) {
    for (let kh = 0; kh < K; kh++) {
      for (let kw = 0; kw < K; kw++) {
        const base = dxpad + <usize>c * plane + <usize>kh * prow + <usize>kw * nb;
        for (let oh = oh0; oh < oh0 + R; oh++) {
          const dstRow = base + <usize>(oh * s) * prow;
          if (s == 1) {
            let j = 0;
            for (; j + 4 <= orowFloats; j += 4) {
              const o = <usize>j << 2;
              v128.store(dstRow + o, f32x4.add(v128.load(dstRow + o), v128.load(src + o)));
            }
            for (; j < orowFloats; j++) { const o = <usize>j << 2; store<f32>(dstRow + o, load<f32>(dstRow + o) + load<f32>(src + o)); }
          } else {
            for (let ow = 0; ow < OW; ow++) {
              const d = dstRow + <usize>(ow * s) * nb, sp = src + <usize>ow * nb;
              let j = 0;
              for (; j + 4 <= N; j += 4) { const o = <usize>j << 2; v128.store(d + o, f32x4.add(v128.load(d + o), v128.load(sp + o))); }
              for (; j < N; j++) { const o = <usize>j << 2; store<f32>(d + o, load<f32>(d + o) + load<f32>(sp + o)); }
            }
          }
          src += <usize>orowFloats << 2;
        }
      }
    }
  }
}

/**
 * Direct sparse convolution, stride 1: y [M, OH, OW, N] (+)= Σ over kept weights p of row co:
 * values[p] · xpad[offsets[p] + oh·Wp·N + (0 .. OW·N)] for every output row oh. The output row
 * (OW·N floats) is processed in chunks of 8 vectors held in registers across the row's weights.
 */
export function sconv_fwd(rowPtr: usize, offsets: usize, values: usize, xpad: usize, y: usize,
                          M: i32, OH: i32, OW: i32, N: i32, Wp: i32, accumulate: bool): void {
  const L = OW * N;
  const prow = <usize>(Wp * N) << 2;
  for (let co = 0; co < M; co++) {
    const s = load<u32>(rowPtr + (<usize>co << 2)), e = load<u32>(rowPtr + (<usize>co << 2), 4);
    for (let oh = 0; oh < OH; oh++) {
      const yr = y + (<usize>(co * OH + oh) * <usize>L << 2);
      const xr = xpad + <usize>oh * prow;
      let j = 0;
      for (; j + 32 <= L; j += 32) {
        const py = yr + (<usize>j << 2), xo = xr + (<usize>j << 2);
        let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
        let a4 = f32x4.splat(0), a5 = f32x4.splat(0), a6 = f32x4.splat(0), a7 = f32x4.splat(0);
        if (accumulate) {
          a0 = v128.load(py); a1 = v128.load(py, 16); a2 = v128.load(py, 32); a3 = v128.load(py, 48);
          a4 = v128.load(py, 64); a5 = v128.load(py, 80); a6 = v128.load(py, 96); a7 = v128.load(py, 112);
        }
        for (let p = s; p < e; p++) {
          const w = v128.load32_splat(values + (<usize>p << 2));
          const px = xo + (<usize>load<u32>(offsets + (<usize>p << 2)) << 2);
          a0 = madd(w, v128.load(px), a0); a1 = madd(w, v128.load(px, 16), a1);
          a2 = madd(w, v128.load(px, 32), a2); a3 = madd(w, v128.load(px, 48), a3);
          a4 = madd(w, v128.load(px, 64), a4); a5 = madd(w, v128.load(px, 80), a5);
          a6 = madd(w, v128.load(px, 96), a6); a7 = madd(w, v128.load(px, 112), a7);
        }
        v128.store(py, a0); v128.store(py, a1, 16); v128.store(py, a2, 32); v128.store(py, a3, 48);
        v128.store(py, a4, 64); v128.store(py, a5, 80); v128.store(py, a6, 96); v128.store(py, a7, 112);
      }
      for (; j + 4 <= L; j += 4) {
        const py = yr + (<usize>j << 2), xo = xr + (<usize>j << 2);
        let a0 = accumulate ? v128.load(py) : f32x4.splat(0);
        for (let p = s; p < e; p++) {
          a0 = madd(v128.load32_splat(values + (<usize>p << 2)), v128.load(xo + (<usize>load<u32>(offsets + (<usize>p << 2)) << 2)), a0);
        }
        v128.store(py, a0);
      }
      for (; j < L; j++) {
        const py = yr + (<usize>j << 2), xo = xr + (<usize>j << 2);
        let a: f32 = accumulate ? load<f32>(py) : 0;
        for (let p = s; p < e; p++) a = fmadd(load<f32>(values + (<usize>p << 2)), load<f32>(xo + (<usize>load<u32>(offsets + (<usize>p << 2)) << 2)), a);
        store<f32>(py, a);
      }
    }
  }
}

/**
 * Input gradient of sconv_fwd: dxpad (+)= Σ_p values[p] · shifted rows of dy (dxpad zeroed by the
 * caller; its border is discarded by unpad). Each output-gradient chunk stays in registers while
 * it is added at every kept weight's shift.
 */
export function sconv_dx(rowPtr: usize, offsets: usize, values: usize, dy: usize, dxpad: usize,
                         M: i32, OH: i32, OW: i32, N: i32, Wp: i32): void {
  const L = OW * N;
  const prow = <usize>(Wp * N) << 2;
  for (let co = 0; co < M; co++) {
    const s = load<u32>(rowPtr + (<usize>co << 2)), e = load<u32>(rowPtr + (<usize>co << 2), 4);
    if (s == e) continue;
    for (let oh = 0; oh < OH; oh++) {
      const gr = dy + (<usize>(co * OH + oh) * <usize>L << 2);
      const xr = dxpad + <usize>oh * prow;
      let j = 0;
      for (; j + 16 <= L; j += 16) {
        const pg = gr + (<usize>j << 2), xo = xr + (<usize>j << 2);
        const g0 = v128.load(pg), g1 = v128.load(pg, 16), g2 = v128.load(pg, 32), g3 = v128.load(pg, 48);
        for (let p = s; p < e; p++) {
          const w = v128.load32_splat(values + (<usize>p << 2));
          const px = xo + (<usize>load<u32>(offsets + (<usize>p << 2)) << 2);
          v128.store(px, madd(w, g0, v128.load(px)));
          v128.store(px, madd(w, g1, v128.load(px, 16)), 16);
          v128.store(px, madd(w, g2, v128.load(px, 32)), 32);
          v128.store(px, madd(w, g3, v128.load(px, 48)), 48);
        }
      }
      for (; j + 4 <= L; j += 4) {
        const g0 = v128.load(gr + (<usize>j << 2)), xo = xr + (<usize>j << 2);
        for (let p = s; p < e; p++) {
          const px = xo + (<usize>load<u32>(offsets + (<usize>p << 2)) << 2);
          v128.store(px, madd(v128.load32_splat(values + (<usize>p << 2)), g0, v128.load(px)));
        }
      }
      for (; j < L; j++) {
        const g = load<f32>(gr + (<usize>j << 2)), xo = xr + (<usize>j << 2);
        for (let p = s; p < e; p++) {
          const px = xo + (<usize>load<u32>(offsets + (<usize>p << 2)) << 2);
          store<f32>(px, fmadd(load<f32>(values + (<usize>p << 2)), g, load<f32>(px)));
        }
      }
    }
  }
}

/**
 * Weight gradient of sconv_fwd at the kept weights only: dvalues[p] (+)= Σ_oh dy_row(co, oh) ·
 * shifted xpad row, a dot product over OH·OW·N.
 */
export function sconv_dw(rowPtr: usize, offsets: usize, dy: usize, xpad: usize, dvalues: usize,
                         M: i32, OH: i32, OW: i32, N: i32, Wp: i32, accumulate: bool): void {
  const L = OW * N;
  const prow = <usize>(Wp * N) << 2;
  const L8 = L & ~7;
  for (let co = 0; co < M; co++) {
    const s = load<u32>(rowPtr + (<usize>co << 2)), e = load<u32>(rowPtr + (<usize>co << 2), 4);
    for (let p = s; p < e; p++) {
      const off = <usize>load<u32>(offsets + (<usize>p << 2)) << 2;
      let s0 = f32x4.splat(0), s1 = f32x4.splat(0);
      let tail: f32 = 0;
      for (let oh = 0; oh < OH; oh++) {
        const gr = dy + (<usize>(co * OH + oh) * <usize>L << 2);
        const xr = xpad + <usize>oh * prow + off;
        let j = 0;
        for (; j < L8; j += 8) {
          const o = <usize>j << 2;
          s0 = madd(v128.load(gr + o), v128.load(xr + o), s0);
          s1 = madd(v128.load(gr + o, 16), v128.load(xr + o, 16), s1);
        }
        for (; j < L; j++) tail += load<f32>(gr + (<usize>j << 2)) * load<f32>(xr + (<usize>j << 2));
      }
      const g = hsum(f32x4.add(s0, s1)) + tail;
      const pv = dvalues + (<usize>p << 2);
      store<f32>(pv, accumulate ? load<f32>(pv) + g : g);
    }
  }
}
