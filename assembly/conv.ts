// Convolution building blocks on CHWN tensors (channel, height, width, batch; the batch is the
// contiguous axis, as for every activation in this project).
//
// Dense convolutions run as im2col + GEMM: with a zero-padded input, a column block of im2col for
// one (channel, kh, kw) and output row is a single contiguous copy of W·N floats (stride 1), so
// the copy costs little next to the GEMM. Pruned 3x3 stride-1 convolutions run directly on the
// kept weights (sconv_*): each kept weight (co, ci, kh, kw) adds w · (a shifted row of the padded
// input) to an output row, so the work is proportional to the number of kept weights, and the
// shifted rows are contiguous because the batch is innermost. Each kept weight's shift is given
// as a precomputed float offset into the padded input (offsets[p]). The input gradient needs no
// kernel of its own: it is sconv_fwd over the padded output gradient with the transposed weights.
// Dense 3x3 stride-1 layers with an even output size run as Winograd instead (winograd.ts).
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

/**
 * The layout that lets the stride-1 sparse kernels run a stride-2 convolution: the padded input
 * with each row's columns split by parity, xq [C, Hp, 2, Wq, N] with Wq = ceil(Wp / 2) and
 * xq[c, h, ph, q] = xpad[c, h, 2q + ph] (zero past the edge). Output column ow of kernel column kw
 * reads xpad column 2·ow + kw = xq phase kw mod 2, column ow + kw / 2: contiguous in ow, so an output
 * row's chunk reads one contiguous run per kept weight, and the next output row is two input rows
 * (4·Wq·N floats) further, as the kernels' row step.
 */
export function pad_phase_w(x: usize, xq: usize, C: i32, H: i32, W: i32, N: i32, p: i32): void {
  const Hp = H + 2 * p, Wp = W + 2 * p, Wq = (Wp + 1) >> 1;
  const nb = <usize>N << 2;
  const qrow = <usize>(2 * Wq) * nb;
  for (let c = 0; c < C; c++) {
    const dst = xq + <usize>c * <usize>Hp * qrow;
    const src = x + <usize>c * <usize>H * <usize>W * nb;
    for (let h = 0; h < Hp; h++) {
      const row = dst + <usize>h * qrow;
      const ih = h - p;
      if (ih < 0 || ih >= H) { memory.fill(row, 0, qrow); continue; }
      for (let ph = 0; ph < 2; ph++) {
        for (let q = 0; q < Wq; q++) {
          const d = row + (<usize>(ph * Wq + q)) * nb;
          const iw = 2 * q + ph - p;
          if (iw < 0 || iw >= W) memory.fill(d, 0, nb);
          else copyFloats(d, src + (<usize>(ih * W + iw)) * nb, N);
        }
      }
    }
  }
}

/** dx [C, H, W, N] = the interior of dxq in pad_phase_w's layout (its inverse on the interior). */
export function unpad_phase_w(dxq: usize, dx: usize, C: i32, H: i32, W: i32, N: i32, p: i32): void {
  const Hp = H + 2 * p, Wp = W + 2 * p, Wq = (Wp + 1) >> 1;
  const nb = <usize>N << 2;
  const qrow = <usize>(2 * Wq) * nb;
  for (let c = 0; c < C; c++) {
    const src = dxq + <usize>c * <usize>Hp * qrow;
    const dst = dx + <usize>c * <usize>H * <usize>W * nb;
    for (let ih = 0; ih < H; ih++) {
      const row = src + <usize>(ih + p) * qrow;
      for (let iw = 0; iw < W; iw++) {
        const w = iw + p;
        copyFloats(dst + (<usize>(ih * W + iw)) * nb, row + (<usize>((w & 1) * Wq + (w >> 1))) * nb, N);
      }
    }
  }
}

/** dst[0:n] = src[0:n], in vectors (memory.copy is a call out of V8's compiled code: slow for short runs). */
// @ts-ignore: decorator
@inline
function copyFloats(dst: usize, src: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) { const o = <usize>i << 2; v128.store(dst + o, v128.load(src + o)); }
  for (; i < n; i++) { const o = <usize>i << 2; store<f32>(dst + o, load<f32>(src + o)); }
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
 * Floats of an output row that sconv_fwd holds in registers per kept weight: six vectors. With
 * eight, V8 (x64: 15 allocatable vector registers) loads all eight inputs before the multiply-adds
 * and spills an accumulator to the stack, which puts a store-to-load round trip into every kept
 * weight's dependency chain and halved the kernel's speed.
 */
const FWD_CHUNK: i32 = 24;

/**
 * Direct sparse convolution, stride 1: y [M, OH, OW, N] (+)= Σ over kept weights p of row co:
 * values[p] · xpad[offsets[p] + oh·Wp·N + (0 .. OW·N)] for every output row oh.
 *
 * Loop order: output row; a chunk of FWD_CHUNK floats of it (6 vectors held in registers); a group of
 * input channels; every output channel. groupPtr [M][G+1] holds where each output channel's kept
 * weights of each input-channel group start in the CSR (its rows are sorted by input channel), so
 * the input one (row, chunk, group) reads, a few channels' rows near the chunk, stays in L1 while
 * all output channels pass over it (their 128-byte output chunks stay there too). Walking one
 * output channel's whole map before the next read every input from L3 again per channel.
 * Each output is the same sum in CSR order whatever the chunk, so results do not depend on the
 * batch size or position. The input gradient runs through this kernel too, on the transposed
 * weights (sconvTranspose).
 *
 * Epilogue (not with `accumulate`): + bias[co] when `bias` is not 0, then ReLU when `relu`, applied
 * as each chunk is stored for the last time, the same operations in the same order as bias_act
 * after the kernel, so the bits are the same without another pass over y (which, 15 MB for
 * Conv-2's layers at batch 60, costs more in memory traffic than the adds).
 */
export function sconv_fwd(rowPtr: usize, groupPtr: usize, G: i32, offsets: usize, values: usize, xpad: usize, y: usize, tile: usize,
                          M: i32, OH: i32, OW: i32, N: i32, Wp: i32, accumulate: bool, bias: usize, relu: bool): void {
  const L = OW * N;
  const prow = <usize>(Wp * N) << 2;
  const plane = <usize>(OH * L) << 2;
  const gstride = <usize>(G + 1) << 2;
  // With several groups, the chunk's partial sums live in `tile` [M][32] (a 128-byte slot per channel) between groups: the
  // output channels' chunks in y are a whole map apart (a multiple of 4 KB for Conv-2), so they
  // would all fall into the same two L1 sets and evict each other at every group.
  const staged = G > 1;
  const epilogue = bias != 0 || relu;
  const zero = f32x4.splat(0);
  for (let oh = 0; oh < OH; oh++) {
    const xr = xpad + <usize>oh * prow;
    const yr = y + (<usize>(oh * L) << 2);
    let j = 0;
    for (; j + FWD_CHUNK <= L; j += FWD_CHUNK) {
      const xo = xr + (<usize>j << 2);
      for (let g = 0; g < G; g++) {
        const first = g == 0;
        for (let co = 0; co < M; co++) {
          const gp = groupPtr + <usize>co * gstride + (<usize>g << 2);
          const s = load<u32>(gp), e = load<u32>(gp, 4);
          const py = yr + <usize>co * plane + (<usize>j << 2);
          const pt = staged ? tile + (<usize>co << 7) : py;
          let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0);
          let a3 = f32x4.splat(0), a4 = f32x4.splat(0), a5 = f32x4.splat(0);
          if (!first || accumulate) {
            if (s == e && !(first && staged)) continue;
            const pa = first ? py : pt;
            a0 = v128.load(pa); a1 = v128.load(pa, 16); a2 = v128.load(pa, 32);
            a3 = v128.load(pa, 48); a4 = v128.load(pa, 64); a5 = v128.load(pa, 80);
          }
          for (let p = s; p < e; p++) {
            const w = v128.load32_splat(values + (<usize>p << 2));
            const px = xo + (<usize>load<u32>(offsets + (<usize>p << 2)) << 2);
            a0 = madd(w, v128.load(px), a0); a1 = madd(w, v128.load(px, 16), a1);
            a2 = madd(w, v128.load(px, 32), a2); a3 = madd(w, v128.load(px, 48), a3);
            a4 = madd(w, v128.load(px, 64), a4); a5 = madd(w, v128.load(px, 80), a5);
          }
          if (epilogue && !staged) {
            if (bias != 0) {
              const b = v128.load32_splat(bias + (<usize>co << 2));
              a0 = f32x4.add(a0, b); a1 = f32x4.add(a1, b); a2 = f32x4.add(a2, b);
              a3 = f32x4.add(a3, b); a4 = f32x4.add(a4, b); a5 = f32x4.add(a5, b);
            }
            if (relu) {
              a0 = f32x4.max(a0, zero); a1 = f32x4.max(a1, zero); a2 = f32x4.max(a2, zero);
              a3 = f32x4.max(a3, zero); a4 = f32x4.max(a4, zero); a5 = f32x4.max(a5, zero);
            }
          }
          v128.store(pt, a0); v128.store(pt, a1, 16); v128.store(pt, a2, 32);
          v128.store(pt, a3, 48); v128.store(pt, a4, 64); v128.store(pt, a5, 80);
        }
      }
      if (staged) {
        // Vector copies: memory.copy is a call out of the compiled code in V8, too slow for 96 bytes.
        for (let co = 0; co < M; co++) {
          const d = yr + <usize>co * plane + (<usize>j << 2), t = tile + (<usize>co << 7);
          if (epilogue) {
            const b = bias != 0 ? v128.load32_splat(bias + (<usize>co << 2)) : zero;
            for (let q: usize = 0; q < 96; q += 16) {
              let v = v128.load(t + q);
              if (bias != 0) v = f32x4.add(v, b);
              if (relu) v = f32x4.max(v, zero);
              v128.store(d + q, v);
            }
            continue;
          }
          v128.store(d, v128.load(t)); v128.store(d, v128.load(t, 16), 16); v128.store(d, v128.load(t, 32), 32);
          v128.store(d, v128.load(t, 48), 48); v128.store(d, v128.load(t, 64), 64); v128.store(d, v128.load(t, 80), 80);
        }
      }
    }
    // Tails (fewer than FWD_CHUNK floats left in the row): every output channel's whole row at once.
    for (; j + 4 <= L; j += 4) {
      const xo = xr + (<usize>j << 2);
      for (let co = 0; co < M; co++) {
        const s = load<u32>(rowPtr + (<usize>co << 2)), e = load<u32>(rowPtr + (<usize>co << 2), 4);
        const py = yr + <usize>co * plane + (<usize>j << 2);
        let a0 = accumulate ? v128.load(py) : f32x4.splat(0);
        for (let p = s; p < e; p++) {
          a0 = madd(v128.load32_splat(values + (<usize>p << 2)), v128.load(xo + (<usize>load<u32>(offsets + (<usize>p << 2)) << 2)), a0);
        }
        if (bias != 0) a0 = f32x4.add(a0, v128.load32_splat(bias + (<usize>co << 2)));
        if (relu) a0 = f32x4.max(a0, zero);
        v128.store(py, a0);
      }
    }
    for (; j < L; j++) {
      const xo = xr + (<usize>j << 2);
      for (let co = 0; co < M; co++) {
        const s = load<u32>(rowPtr + (<usize>co << 2)), e = load<u32>(rowPtr + (<usize>co << 2), 4);
        const py = yr + <usize>co * plane + (<usize>j << 2);
        let a: f32 = accumulate ? load<f32>(py) : 0;
        for (let p = s; p < e; p++) a = fmadd(load<f32>(values + (<usize>p << 2)), load<f32>(xo + (<usize>load<u32>(offsets + (<usize>p << 2)) << 2)), a);
        if (bias != 0) a += load<f32>(bias + (<usize>co << 2));
        if (relu) a = max<f32>(a, 0);
        store<f32>(py, a);
      }
    }
  }
}

/** Rows and floats of one block of the weight gradient's walk (see sconv_dw). */
const DW_BAND_ROWS: i32 = 2;
const DW_CHUNK: i32 = 256;

/**
 * Weight gradient of sconv_fwd at the kept weights only: dvalues[p] (+)= Σ over output rows and
 * columns of dy[co] · the input shifted by offsets[p], a dot product over OH·OW·N.
 *
 * The map is walked in blocks of DW_BAND_ROWS output rows by DW_CHUNK floats; within a block,
 * each output channel's kept weights are taken three at a time (dotBlock3), so one load of dy serves three
 * multiply-adds (the earlier one-weight loop loaded two operands per multiply-add), and the input
 * the block reads (every channel's rows near the band, about 380 KB for Conv-2 at batch 60) stays
 * in L2 while all output channels pass over it. Partial sums are added to dvalues block by block,
 * in a fixed order.
 */
export function sconv_dw(rowPtr: usize, offsets: usize, dy: usize, xpad: usize, dvalues: usize,
                         M: i32, OH: i32, OW: i32, N: i32, Wp: i32, accumulate: bool): void {
  const L = OW * N;
  const prow = <usize>(Wp * N) << 2, lrow = <usize>L << 2;
  const plane = <usize>OH * lrow;
  if (!accumulate) memory.fill(dvalues, 0, <usize>load<u32>(rowPtr + (<usize>M << 2)) << 2);
  for (let oh0 = 0; oh0 < OH; oh0 += DW_BAND_ROWS) {
    const rows = min(DW_BAND_ROWS, OH - oh0);
    for (let j0 = 0; j0 < L; j0 += DW_CHUNK) {
      const lc = min(DW_CHUNK, L - j0);
      const xb = xpad + <usize>oh0 * prow + (<usize>j0 << 2);
      for (let co = 0; co < M; co++) {
        const s = load<u32>(rowPtr + (<usize>co << 2)), e = load<u32>(rowPtr + (<usize>co << 2), 4);
        const gb = dy + <usize>co * plane + <usize>oh0 * lrow + (<usize>j0 << 2);
        let p = s;
        for (; p + 3 <= e; p += 3) {
          const q = offsets + (<usize>p << 2);
          dotBlock3(gb, lrow, xb, prow, <usize>load<u32>(q) << 2, <usize>load<u32>(q, 4) << 2, <usize>load<u32>(q, 8) << 2, rows, lc, dvalues + (<usize>p << 2));
        }
        for (; p < e; p++) dotBlock1(gb, lrow, xb + (<usize>load<u32>(offsets + (<usize>p << 2)) << 2), prow, rows, lc, dvalues + (<usize>p << 2));
      }
    }
  }
}

/**
 * dv[0..2] += Σ over `rows` rows of lc floats: dy · (x at byte offsets o0..o2). Three weights of
 * two vectors each: six independent accumulators, enough to cover the multiply-add latency, while
 * the accumulators, the two dy vectors and the six inputs still fit V8's 15 vector registers (four
 * weights spilled an accumulator to the stack, a store-to-load round trip in its dependency chain).
 */
// @ts-ignore: decorator
@inline
function dotBlock3(gb: usize, lrow: usize, xb: usize, prow: usize, o0: usize, o1: usize, o2: usize, rows: i32, lc: i32, dv: usize): void {
  let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0);
  let t0 = f32x4.splat(0), t1 = f32x4.splat(0), t2 = f32x4.splat(0);
  let r0: f32 = 0, r1: f32 = 0, r2: f32 = 0;
  const l8 = lc & ~7, l4 = lc & ~3;
  for (let r = 0; r < rows; r++) {
    const g = gb + <usize>r * lrow, x = xb + <usize>r * prow;
    const x0 = x + o0, x1 = x + o1, x2 = x + o2;
    let j = 0;
    for (; j < l8; j += 8) {
      const o = <usize>j << 2;
      const ga = v128.load(g + o), gc = v128.load(g + o, 16);
      s0 = madd(ga, v128.load(x0 + o), s0); t0 = madd(gc, v128.load(x0 + o, 16), t0);
      s1 = madd(ga, v128.load(x1 + o), s1); t1 = madd(gc, v128.load(x1 + o, 16), t1);
      s2 = madd(ga, v128.load(x2 + o), s2); t2 = madd(gc, v128.load(x2 + o, 16), t2);
    }
    for (; j < l4; j += 4) {
      const o = <usize>j << 2;
      const ga = v128.load(g + o);
      s0 = madd(ga, v128.load(x0 + o), s0); s1 = madd(ga, v128.load(x1 + o), s1); s2 = madd(ga, v128.load(x2 + o), s2);
    }
    for (; j < lc; j++) {
      const o = <usize>j << 2, gv = load<f32>(g + o);
      r0 = fmadd(gv, load<f32>(x0 + o), r0); r1 = fmadd(gv, load<f32>(x1 + o), r1); r2 = fmadd(gv, load<f32>(x2 + o), r2);
    }
  }
  store<f32>(dv, load<f32>(dv) + (hsum(f32x4.add(s0, t0)) + r0));
  store<f32>(dv, load<f32>(dv, 4) + (hsum(f32x4.add(s1, t1)) + r1), 4);
  store<f32>(dv, load<f32>(dv, 8) + (hsum(f32x4.add(s2, t2)) + r2), 8);
}

/** dv[0] += Σ over `rows` rows of lc floats: dy · x. */
// @ts-ignore: decorator
@inline
function dotBlock1(gb: usize, lrow: usize, xb: usize, prow: usize, rows: i32, lc: i32, dv: usize): void {
  let s0 = f32x4.splat(0), t0 = f32x4.splat(0);
  let r0: f32 = 0;
  const l8 = lc & ~7, l4 = lc & ~3;
  for (let r = 0; r < rows; r++) {
    const g = gb + <usize>r * lrow, x = xb + <usize>r * prow;
    let j = 0;
    for (; j < l8; j += 8) {
      const o = <usize>j << 2;
      s0 = madd(v128.load(g + o), v128.load(x + o), s0);
      t0 = madd(v128.load(g + o, 16), v128.load(x + o, 16), t0);
    }
    for (; j < l4; j += 4) {
      const o = <usize>j << 2;
      s0 = madd(v128.load(g + o), v128.load(x + o), s0);
    }
    for (; j < lc; j++) r0 = fmadd(load<f32>(g + (<usize>j << 2)), load<f32>(x + (<usize>j << 2)), r0);
  }
  store<f32>(dv, load<f32>(dv) + (hsum(f32x4.add(s0, t0)) + r0));
}

/** out[q] = values[perm[q]] for q < n: the kept weights in the order of another index (the transposed CSR of a convolution). */
export function gather_values(values: usize, perm: usize, out: usize, n: i32): void {
  for (let q = 0; q < n; q++) {
    const o = <usize>q << 2;
    store<f32>(out + o, load<f32>(values + (<usize>load<u32>(perm + o) << 2)));
  }
}

/**
 * The input gradient of a sparse convolution as the transpose of sconv_fwd: for every kept weight
 * p of output channel co and every output row oh, dxq[offsets[p] + oh·Wp·N + (0 .. OW·N)] +=
 * values[p] · dy[co, oh, 0 .. OW·N] (dxq zeroed by the caller). For strided layers, whose input
 * gradient is no stride-1 convolution of the output gradient; the stride-1 layers use sconv_fwd on
 * the transposed weights instead (no read-modify-writes).
 *
 * Loop order: output channel; output row; a chunk of FWD_CHUNK floats of the row, its six dy
 * vectors held in registers; every kept weight of the channel, each a read-modify-write of its
 * chunk of dxq. The chunks one (channel, row, chunk) updates (a few KB) stay in L1 while its kept
 * weights pass over them, and dy is read once. The earlier order (kept weight, then every row)
 * streamed the channel's whole dy and the weight's dxq rows through L2 per kept weight, and ran
 * at a third of the forward's speed. Fixed order (co, row, kept weight), so the same bits on
 * every run.
 */
export function sconv_scatter(rowPtr: usize, offsets: usize, values: usize, dy: usize, dxq: usize,
                              M: i32, OH: i32, OW: i32, N: i32, Wp: i32): void {
  const L = OW * N;
  const prow = <usize>(Wp * N) << 2, lrow = <usize>L << 2;
  for (let co = 0; co < M; co++) {
    const s = load<u32>(rowPtr + (<usize>co << 2)), e = load<u32>(rowPtr + (<usize>co << 2), 4);
    if (s == e) continue;
    const g0 = dy + <usize>co * <usize>OH * lrow;
    for (let oh = 0; oh < OH; oh++) {
      const g = g0 + <usize>oh * lrow, xr = dxq + <usize>oh * prow;
      let j = 0;
      for (; j + FWD_CHUNK <= L; j += FWD_CHUNK) {
        const gj = g + (<usize>j << 2), xj = xr + (<usize>j << 2);
        const d0 = v128.load(gj), d1 = v128.load(gj, 16), d2 = v128.load(gj, 32);
        const d3 = v128.load(gj, 48), d4 = v128.load(gj, 64), d5 = v128.load(gj, 80);
        for (let p = s; p < e; p++) {
          const w = v128.load32_splat(values + (<usize>p << 2));
          const x = xj + (<usize>load<u32>(offsets + (<usize>p << 2)) << 2);
          v128.store(x, madd(w, d0, v128.load(x)));
          v128.store(x, madd(w, d1, v128.load(x, 16)), 16);
          v128.store(x, madd(w, d2, v128.load(x, 32)), 32);
          v128.store(x, madd(w, d3, v128.load(x, 48)), 48);
          v128.store(x, madd(w, d4, v128.load(x, 64)), 64);
          v128.store(x, madd(w, d5, v128.load(x, 80)), 80);
        }
      }
      for (; j + 4 <= L; j += 4) {
        const d0 = v128.load(g + (<usize>j << 2));
        const xj = xr + (<usize>j << 2);
        for (let p = s; p < e; p++) {
          const x = xj + (<usize>load<u32>(offsets + (<usize>p << 2)) << 2);
          v128.store(x, madd(v128.load32_splat(values + (<usize>p << 2)), d0, v128.load(x)));
        }
      }
      for (; j < L; j++) {
        const d0 = load<f32>(g + (<usize>j << 2));
        const xj = xr + (<usize>j << 2);
        for (let p = s; p < e; p++) {
          const x = xj + (<usize>load<u32>(offsets + (<usize>p << 2)) << 2);
          store<f32>(x, fmadd(load<f32>(values + (<usize>p << 2)), d0, load<f32>(x)));
        }
      }
    }
  }
}
