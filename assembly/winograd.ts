// Winograd F(2x2, 3x3) convolution (Lavin & Gray, "Fast Algorithms for Convolutional Neural
// Networks", 2016) for dense 3x3 stride-1 "same" convolutions on CHWN tensors, in all three
// passes of training.
//
// Each 2x2 output tile is computed from a 4x4 input tile as Y = Aᵀ [(G g Gᵀ) ⊙ (Bᵀ d B)] A. Summed
// over input channels, the element-wise products become 16 independent GEMMs, one per position ξ
// of the 4x4 transformed tile: M_ξ [M, tiles·N] = U_ξ [M, C] · V_ξ [C, tiles·N]. That is 16
// multiply-adds per 4 outputs instead of 36: 2.25x fewer than im2col + GEMM, and the GEMMs are
// the same register-tiled kernel (gemm.ts). The transforms are additions (Bᵀ, Aᵀ have entries 0
// and ±1) vectorized along the batch, which is contiguous in CHWN; they cost a few percent.
//
// Backward reuses the transformed domain: dM = A dY Aᵀ, then the weight gradient
// dU_ξ += dM_ξ · V_ξᵀ (G'ᵀ dU G at the end) and the input gradient dV_ξ = U_ξᵀ · dM_ξ, scattered
// back as B dV Bᵀ over the overlapping input tiles.
//
// Tiles are processed in blocks of `Tb` consecutive tiles of one tile row, so a block's
// transformed input and output ([16, C, Tb·N] and [16, M, Tb·N]) stay in cache between the
// transforms and the GEMMs. Output height and width must be even (the caller checks).
// The input and the input gradient are not padded: the tiles along the map's edges, which reach
// one row or column into the zero padding, read zeros there and drop their gradient there
// (padded copies of a layer's input and of its input gradient cost two passes over each).
// Transformed buffers: V and dV [16][C][cols], M and dM [16][M][cols], U and dU [16][M][C], with
// cols = Tb·N and column index t·N + n for the t-th tile of the block and example n.
import { gemm_nn, gemm_tn, gemm_nt } from "./gemm";

/** U [16][M][C] = G g Gᵀ for every (m, c) of w [M][C][3][3] (planes wino_plane_floats(M, C) apart, as every 16-plane buffer here). */
export function wino_weights(w: usize, u: usize, M: i32, C: i32): void {
  const plane = <usize>wino_plane_floats(M, C) << 2;
  for (let m = 0; m < M; m++) {
    for (let c = 0; c < C; c++) {
      const g = w + (<usize>(m * C + c) * 9 << 2);
      const dst = u + (<usize>(m * C + c) << 2);
      // Rows: h = G g (4x3).
      let h00 = load<f32>(g), h01 = load<f32>(g, 4), h02 = load<f32>(g, 8);
      const g10 = load<f32>(g, 12), g11 = load<f32>(g, 16), g12 = load<f32>(g, 20);
      const h30 = load<f32>(g, 24), h31 = load<f32>(g, 28), h32 = load<f32>(g, 32);
      const h10 = <f32>0.5 * (h00 + g10 + h30), h11 = <f32>0.5 * (h01 + g11 + h31), h12 = <f32>0.5 * (h02 + g12 + h32);
      const h20 = <f32>0.5 * (h00 - g10 + h30), h21 = <f32>0.5 * (h01 - g11 + h31), h22 = <f32>0.5 * (h02 - g12 + h32);
      // Columns: U = h Gᵀ (4x4).
      weightRow(h00, h01, h02, dst, plane, 0);
      weightRow(h10, h11, h12, dst, plane, 4);
      weightRow(h20, h21, h22, dst, plane, 8);
      weightRow(h30, h31, h32, dst, plane, 12);
    }
  }
}

// @ts-ignore: decorator
@inline
function weightRow(a: f32, b: f32, c: f32, dst: usize, plane: usize, xi: i32): void {
  store<f32>(dst + <usize>xi * plane, a);
  store<f32>(dst + <usize>(xi + 1) * plane, <f32>0.5 * (a + b + c));
  store<f32>(dst + <usize>(xi + 2) * plane, <f32>0.5 * (a - b + c));
  store<f32>(dst + <usize>(xi + 3) * plane, c);
}

/** dw [M][C][3][3] (+)= Gᵀ dU G, the weight gradient from its transformed form dU [16][M][C]. */
export function wino_weight_grad(du: usize, dw: usize, M: i32, C: i32, accumulate: bool): void {
  const plane = <usize>wino_plane_floats(M, C) << 2;
  for (let m = 0; m < M; m++) {
    for (let c = 0; c < C; c++) {
      const s = du + (<usize>(m * C + c) << 2);
      const g = dw + (<usize>(m * C + c) * 9 << 2);
      // Gᵀ dU (3x4), row by row of dU's columns: h0 = d0 + ½(d1 + d2), h1 = ½(d1 − d2), h2 = ½(d1 + d2) + d3.
      const d00 = load<f32>(s), d01 = load<f32>(s + plane), d02 = load<f32>(s + 2 * plane), d03 = load<f32>(s + 3 * plane);
      const d10 = load<f32>(s + 4 * plane), d11 = load<f32>(s + 5 * plane), d12 = load<f32>(s + 6 * plane), d13 = load<f32>(s + 7 * plane);
      const d20 = load<f32>(s + 8 * plane), d21 = load<f32>(s + 9 * plane), d22 = load<f32>(s + 10 * plane), d23 = load<f32>(s + 11 * plane);
      const d30 = load<f32>(s + 12 * plane), d31 = load<f32>(s + 13 * plane), d32 = load<f32>(s + 14 * plane), d33 = load<f32>(s + 15 * plane);
      gradRow(d00 + <f32>0.5 * (d10 + d20), d01 + <f32>0.5 * (d11 + d21), d02 + <f32>0.5 * (d12 + d22), d03 + <f32>0.5 * (d13 + d23), g, accumulate);
      gradRow(<f32>0.5 * (d10 - d20), <f32>0.5 * (d11 - d21), <f32>0.5 * (d12 - d22), <f32>0.5 * (d13 - d23), g + 12, accumulate);
      gradRow(<f32>0.5 * (d10 + d20) + d30, <f32>0.5 * (d11 + d21) + d31, <f32>0.5 * (d12 + d22) + d32, <f32>0.5 * (d13 + d23) + d33, g + 24, accumulate);
    }
  }
}

/** One row of dg = h G: (e0 + ½(e1 + e2), ½(e1 − e2), ½(e1 + e2) + e3) into 3 floats at o. */
// @ts-ignore: decorator
@inline
function gradRow(e0: f32, e1: f32, e2: f32, e3: f32, o: usize, accumulate: bool): void {
  const r0 = e0 + <f32>0.5 * (e1 + e2), r1 = <f32>0.5 * (e1 - e2), r2 = <f32>0.5 * (e1 + e2) + e3;
  if (accumulate) {
    store<f32>(o, load<f32>(o) + r0); store<f32>(o, load<f32>(o, 4) + r1, 4); store<f32>(o, load<f32>(o, 8) + r2, 8);
  } else {
    store<f32>(o, r0); store<f32>(o, r1, 4); store<f32>(o, r2, 8);
  }
}

/**
 * Floats from one plane of a 16-plane buffer (the block buffers v, mb, dm, dv: [16][rows][cols];
 * the transformed weights u, du: [16][M][C]) to the next: rows·cols
 * rounded up to an odd number of 64-byte lines. The transforms read or write all 16 planes at the
 * same offset for every tile; with planes a multiple of 4 KB apart (64 channels x 128 columns: a
 * batch of 64, or any batch a multiple of 8 at 2 tiles per block), those 16 streams fall into one
 * L1 set (12 ways) and evict each other, and the layer ran 15-20% slower per example than at batch
 * 60. An odd line count puts the 16 planes in 16 different sets.
 */
export function wino_plane_floats(rows: i32, cols: i32): i32 {
  let lines = (rows * cols + 15) >> 4;
  if ((lines & 1) == 0) lines++;
  return lines << 4;
}

/**
 * Which of a tile's four rows (or columns) lie inside the map: bit i when 0 <= first + i < size.
 * The tiles start one row and one column before their outputs (the "same" convolution's zero
 * padding), so the first and last tiles of a row or column reach outside the map.
 */
// @ts-ignore: decorator
@inline
function inside4(first: i32, size: i32): i32 {
  let bits = 0;
  for (let i = 0; i < 4; i++) if (first + i >= 0 && first + i < size) bits |= 1 << i;
  return bits;
}

/**
 * V [16][C][cols] of the block of Tb tiles starting at tile (th, tw0), from the input
 * x [C][H][W][N] (not padded: a tile's rows and columns outside the map count as zeros, which is
 * what a padded copy would hold, so the result has the same bits without one): V = Bᵀ d B with
 * Bᵀ = [1 0 −1 0; 0 1 1 0; 0 −1 1 0; 0 1 0 −1].
 */
export function wino_input(x: usize, v: usize, C: i32, H: i32, W: i32, N: i32, th: i32, tw0: i32, Tb: i32): void {
  const nb = <usize>N << 2, prow = <usize>W * nb, plane = <usize>H * prow;
  const colsB = <usize>(Tb * N) << 2, xs = <usize>wino_plane_floats(C, Tb * N) << 2;
  const N4 = N & ~3;
  const rm = inside4(2 * th - 1, H);
  for (let c = 0; c < C; c++) {
    // Address arithmetic may step before the map (row or column −1); nothing outside it is read.
    const src = x + <usize>c * plane + <usize>(2 * th - 1) * prow - nb;
    const dst = v + <usize>c * colsB;
    for (let t = 0; t < Tb; t++) {
      const s = src + <usize>(2 * (tw0 + t)) * nb, d = dst + <usize>t * nb;
      const cm = inside4(2 * (tw0 + t) - 1, W);
      let n = 0;
      // Inside the map the masks are constants, so the inlined tile has no edge tests.
      if (rm == 15 && cm == 15) {
        for (; n < N4; n += 4) inputTile4(s + (<usize>n << 2), prow, nb, d + (<usize>n << 2), xs, 15, 15);
        for (; n < N; n++) inputTile1(s + (<usize>n << 2), prow, nb, d + (<usize>n << 2), xs, 15, 15);
      } else {
        for (; n < N4; n += 4) inputTile4(s + (<usize>n << 2), prow, nb, d + (<usize>n << 2), xs, rm, cm);
        for (; n < N; n++) inputTile1(s + (<usize>n << 2), prow, nb, d + (<usize>n << 2), xs, rm, cm);
      }
    }
  }
}

// @ts-ignore: decorator
@inline
function inputCols4(t0: v128, t1: v128, t2: v128, t3: v128, d: usize, xs: usize): void {
  v128.store(d, f32x4.sub(t0, t2));
  v128.store(d + xs, f32x4.add(t1, t2));
  v128.store(d + 2 * xs, f32x4.sub(t2, t1));
  v128.store(d + 3 * xs, f32x4.sub(t1, t3));
}

// @ts-ignore: decorator
@inline
function inputCols1(t0: f32, t1: f32, t2: f32, t3: f32, d: usize, xs: usize): void {
  store<f32>(d, t0 - t2);
  store<f32>(d + xs, t1 + t2);
  store<f32>(d + 2 * xs, t2 - t1);
  store<f32>(d + 3 * xs, t1 - t3);
}

/** x at p when row bit r of rm and column bit q of cm are set, else zero (p is not read then). */
// @ts-ignore: decorator
@inline
function ld4(p: usize, rm: i32, cm: i32, r: i32, q: i32): v128 {
  return ((rm >> r) & (cm >> q) & 1) != 0 ? v128.load(p) : f32x4.splat(0);
}

// @ts-ignore: decorator
@inline
function ld1(p: usize, rm: i32, cm: i32, r: i32, q: i32): f32 {
  return ((rm >> r) & (cm >> q) & 1) != 0 ? load<f32>(p) : 0;
}

/**
 * Bᵀ d B of one tile for four examples, its rows and columns outside the map (bits clear in rm, cm)
 * read as zeros. Inside the map the caller passes the constants 15, 15, so the inlined loads have
 * no tests.
 */
// @ts-ignore: decorator
@inline
function inputTile4(s: usize, prow: usize, nb: usize, d: usize, xs: usize, rm: i32, cm: i32): void {
  const r1 = s + prow, r2 = r1 + prow, r3 = r2 + prow, nb2 = nb << 1, nb3 = nb * 3, x4 = xs << 2;
  const a0 = ld4(r1, rm, cm, 1, 0), a1 = ld4(r1 + nb, rm, cm, 1, 1), a2 = ld4(r1 + nb2, rm, cm, 1, 2), a3 = ld4(r1 + nb3, rm, cm, 1, 3);
  const b0 = ld4(r2, rm, cm, 2, 0), b1 = ld4(r2 + nb, rm, cm, 2, 1), b2 = ld4(r2 + nb2, rm, cm, 2, 2), b3 = ld4(r2 + nb3, rm, cm, 2, 3);
  inputCols4(f32x4.add(a0, b0), f32x4.add(a1, b1), f32x4.add(a2, b2), f32x4.add(a3, b3), d + x4, xs);
  inputCols4(f32x4.sub(b0, a0), f32x4.sub(b1, a1), f32x4.sub(b2, a2), f32x4.sub(b3, a3), d + 2 * x4, xs);
  const c0 = ld4(s, rm, cm, 0, 0), c1 = ld4(s + nb, rm, cm, 0, 1), c2 = ld4(s + nb2, rm, cm, 0, 2), c3 = ld4(s + nb3, rm, cm, 0, 3);
  inputCols4(f32x4.sub(c0, b0), f32x4.sub(c1, b1), f32x4.sub(c2, b2), f32x4.sub(c3, b3), d, xs);
  const e0 = ld4(r3, rm, cm, 3, 0), e1 = ld4(r3 + nb, rm, cm, 3, 1), e2 = ld4(r3 + nb2, rm, cm, 3, 2), e3 = ld4(r3 + nb3, rm, cm, 3, 3);
  inputCols4(f32x4.sub(a0, e0), f32x4.sub(a1, e1), f32x4.sub(a2, e2), f32x4.sub(a3, e3), d + 3 * x4, xs);
}

/** One example of inputTile4 (the batch's last N mod 4 columns): the same operations, so the same bits. */
// @ts-ignore: decorator
@inline
function inputTile1(s: usize, prow: usize, nb: usize, d: usize, xs: usize, rm: i32, cm: i32): void {
  const r1 = s + prow, r2 = r1 + prow, r3 = r2 + prow, nb2 = nb << 1, nb3 = nb * 3, x4 = xs << 2;
  const a0 = ld1(r1, rm, cm, 1, 0), a1 = ld1(r1 + nb, rm, cm, 1, 1), a2 = ld1(r1 + nb2, rm, cm, 1, 2), a3 = ld1(r1 + nb3, rm, cm, 1, 3);
  const b0 = ld1(r2, rm, cm, 2, 0), b1 = ld1(r2 + nb, rm, cm, 2, 1), b2 = ld1(r2 + nb2, rm, cm, 2, 2), b3 = ld1(r2 + nb3, rm, cm, 2, 3);
  const c0 = ld1(s, rm, cm, 0, 0), c1 = ld1(s + nb, rm, cm, 0, 1), c2 = ld1(s + nb2, rm, cm, 0, 2), c3 = ld1(s + nb3, rm, cm, 0, 3);
  const e0 = ld1(r3, rm, cm, 3, 0), e1 = ld1(r3 + nb, rm, cm, 3, 1), e2 = ld1(r3 + nb2, rm, cm, 3, 2), e3 = ld1(r3 + nb3, rm, cm, 3, 3);
  inputCols1(c0 - b0, c1 - b1, c2 - b2, c3 - b3, d, xs);
  inputCols1(a0 + b0, a1 + b1, a2 + b2, a3 + b3, d + x4, xs);
  inputCols1(b0 - a0, b1 - a1, b2 - a2, b3 - a3, d + 2 * x4, xs);
  inputCols1(a0 - e0, a1 - e1, a2 - e2, a3 - e3, d + 3 * x4, xs);
}

/**
 * y [M][OH][OW][N] tiles of the block = Aᵀ M A (+ bias, then ReLU when asked), from the block's
 * GEMM results m [16][M][cols]; Aᵀ = [1 1 1 0; 0 1 −1 −1]. bias is a pointer to M floats or 0.
 */
export function wino_output(mb: usize, y: usize, bias: usize, M: i32, OH: i32, OW: i32, N: i32, th: i32, tw0: i32, Tb: i32, relu: bool): void {
  const nb = <usize>N << 2, orow = <usize>OW * nb, oplane = <usize>OH * orow;
  const colsB = <usize>(Tb * N) << 2, xs = <usize>wino_plane_floats(M, Tb * N) << 2;
  const N4 = N & ~3;
  for (let m = 0; m < M; m++) {
    const src = mb + <usize>m * colsB;
    const dst = y + <usize>m * oplane + <usize>(2 * th) * orow;
    const b: f32 = bias != 0 ? load<f32>(bias + (<usize>m << 2)) : 0;
    const bv = f32x4.splat(b);
    for (let t = 0; t < Tb; t++) {
      const s = src + <usize>t * nb, d = dst + <usize>(2 * (tw0 + t)) * nb;
      let n = 0;
      for (; n < N4; n += 4) {
        const o = <usize>n << 2;
        outputTile4(s + o, xs, d + o, orow, nb, bv, relu);
      }
      for (; n < N; n++) {
        const o = <usize>n << 2;
        outputTile1(s + o, xs, d + o, orow, nb, b, relu);
      }
    }
  }
}

// @ts-ignore: decorator
@inline
function finish4(v: v128, bv: v128, relu: bool): v128 {
  const r = f32x4.add(v, bv);
  return relu ? f32x4.max(r, f32x4.splat(0)) : r;
}

/** Row r of Aᵀ M at transformed column k: (m0 + m1 + m2) for r = 0, (m1 − m2 − m3) for r = 1. */
// @ts-ignore: decorator
@inline
function outCol4(p: usize, x4: usize, upper: bool): v128 {
  const m1 = v128.load(p + x4), m2 = v128.load(p + 2 * x4);
  return upper ? f32x4.add(f32x4.add(v128.load(p), m1), m2) : f32x4.sub(f32x4.sub(m1, m2), v128.load(p + 3 * x4));
}

// @ts-ignore: decorator
@inline
function outputTile4(s: usize, xs: usize, d: usize, orow: usize, nb: usize, bv: v128, relu: bool): void {
  const x4 = xs << 2;
  const u00 = outCol4(s, x4, true), u01 = outCol4(s + xs, x4, true), u02 = outCol4(s + 2 * xs, x4, true), u03 = outCol4(s + 3 * xs, x4, true);
  v128.store(d, finish4(f32x4.add(f32x4.add(u00, u01), u02), bv, relu));
  v128.store(d + nb, finish4(f32x4.sub(f32x4.sub(u01, u02), u03), bv, relu));
  const u10 = outCol4(s, x4, false), u11 = outCol4(s + xs, x4, false), u12 = outCol4(s + 2 * xs, x4, false), u13 = outCol4(s + 3 * xs, x4, false);
  v128.store(d + orow, finish4(f32x4.add(f32x4.add(u10, u11), u12), bv, relu));
  v128.store(d + orow + nb, finish4(f32x4.sub(f32x4.sub(u11, u12), u13), bv, relu));
}

// @ts-ignore: decorator
@inline
function finish1(v: f32, b: f32, relu: bool): f32 {
  const r = v + b;
  return relu ? max(r, <f32>0) : r;
}

// @ts-ignore: decorator
@inline
function outCol1(p: usize, x4: usize, upper: bool): f32 {
  const m1 = load<f32>(p + x4), m2 = load<f32>(p + 2 * x4);
  return upper ? load<f32>(p) + m1 + m2 : m1 - m2 - load<f32>(p + 3 * x4);
}

// @ts-ignore: decorator
@inline
function outputTile1(s: usize, xs: usize, d: usize, orow: usize, nb: usize, b: f32, relu: bool): void {
  const x4 = xs << 2;
  const u00 = outCol1(s, x4, true), u01 = outCol1(s + xs, x4, true), u02 = outCol1(s + 2 * xs, x4, true), u03 = outCol1(s + 3 * xs, x4, true);
  store<f32>(d, finish1(u00 + u01 + u02, b, relu));
  store<f32>(d + nb, finish1(u01 - u02 - u03, b, relu));
  const u10 = outCol1(s, x4, false), u11 = outCol1(s + xs, x4, false), u12 = outCol1(s + 2 * xs, x4, false), u13 = outCol1(s + 3 * xs, x4, false);
  store<f32>(d + orow, finish1(u10 + u11 + u12, b, relu));
  store<f32>(d + orow + nb, finish1(u11 - u12 - u13, b, relu));
}

/** dm [16][M][cols] = A dY Aᵀ of the block's output-gradient tiles, dy [M][OH][OW][N]. */
export function wino_grad_output(dy: usize, dm: usize, M: i32, OH: i32, OW: i32, N: i32, th: i32, tw0: i32, Tb: i32): void {
  const nb = <usize>N << 2, orow = <usize>OW * nb, oplane = <usize>OH * orow;
  const colsB = <usize>(Tb * N) << 2, xs = <usize>wino_plane_floats(M, Tb * N) << 2;
  const N4 = N & ~3;
  for (let m = 0; m < M; m++) {
    const src = dy + <usize>m * oplane + <usize>(2 * th) * orow;
    const dst = dm + <usize>m * colsB;
    for (let t = 0; t < Tb; t++) {
      const s = src + <usize>(2 * (tw0 + t)) * nb, d = dst + <usize>t * nb;
      let n = 0;
      for (; n < N4; n += 4) {
        const o = <usize>n << 2;
        const g00 = v128.load(s + o), g01 = v128.load(s + o + nb), g10 = v128.load(s + o + orow), g11 = v128.load(s + o + orow + nb);
        // Rows of A dY: a0 = g0, a1 = g0 + g1, a2 = g0 − g1, a3 = −g1 (per column q).
        gradCols4(g00, g01, d + o, xs, 0);
        gradCols4(f32x4.add(g00, g10), f32x4.add(g01, g11), d + o, xs, 4);
        gradCols4(f32x4.sub(g00, g10), f32x4.sub(g01, g11), d + o, xs, 8);
        gradCols4(f32x4.neg(g10), f32x4.neg(g11), d + o, xs, 12);
      }
      for (; n < N; n++) {
        const o = <usize>n << 2;
        const g00 = load<f32>(s + o), g01 = load<f32>(s + o + nb), g10 = load<f32>(s + o + orow), g11 = load<f32>(s + o + orow + nb);
        gradCols1(g00, g01, d + o, xs, 0);
        gradCols1(g00 + g10, g01 + g11, d + o, xs, 4);
        gradCols1(g00 - g10, g01 - g11, d + o, xs, 8);
        gradCols1(-g10, -g11, d + o, xs, 12);
      }
    }
  }
}

// @ts-ignore: decorator
@inline
function gradCols4(a0: v128, a1: v128, d: usize, xs: usize, xi: i32): void {
  v128.store(d + <usize>xi * xs, a0);
  v128.store(d + <usize>(xi + 1) * xs, f32x4.add(a0, a1));
  v128.store(d + <usize>(xi + 2) * xs, f32x4.sub(a0, a1));
  v128.store(d + <usize>(xi + 3) * xs, f32x4.neg(a1));
}

// @ts-ignore: decorator
@inline
function gradCols1(a0: f32, a1: f32, d: usize, xs: usize, xi: i32): void {
  store<f32>(d + <usize>xi * xs, a0);
  store<f32>(d + <usize>(xi + 1) * xs, a0 + a1);
  store<f32>(d + <usize>(xi + 2) * xs, a0 - a1);
  store<f32>(d + <usize>(xi + 3) * xs, -a1);
}

/**
 * dx [C][H][W][N] += B dV Bᵀ for each tile of the block (tiles overlap by two rows and columns,
 * so their contributions add up), from dv [16][C][cols]. dx is not padded: the parts of the edge
 * tiles that fall outside the map (on its zero padding) are dropped, and every pixel inside gets
 * the same sums in the same order as in a padded buffer.
 */
export function wino_input_grad(dv: usize, dx: usize, C: i32, H: i32, W: i32, N: i32, th: i32, tw0: i32, Tb: i32): void {
  const nb = <usize>N << 2, prow = <usize>W * nb, plane = <usize>H * prow;
  const colsB = <usize>(Tb * N) << 2, xs = <usize>wino_plane_floats(C, Tb * N) << 2;
  const N4 = N & ~3;
  const rm = inside4(2 * th - 1, H);
  for (let c = 0; c < C; c++) {
    // As in wino_input, addresses may step before the map; nothing outside it is touched.
    const dst = dx + <usize>c * plane + <usize>(2 * th - 1) * prow - nb;
    const src = dv + <usize>c * colsB;
    for (let t = 0; t < Tb; t++) {
      const s = src + <usize>t * nb, d = dst + <usize>(2 * (tw0 + t)) * nb;
      const cm = inside4(2 * (tw0 + t) - 1, W);
      let n = 0;
      // Inside the map the masks are constants, so the inlined tile has no edge tests.
      if (rm == 15 && cm == 15) {
        for (; n < N4; n += 4) gradTile4(s + (<usize>n << 2), xs, d + (<usize>n << 2), prow, nb, 15, 15);
        for (; n < N; n++) gradTile1(s + (<usize>n << 2), xs, d + (<usize>n << 2), prow, nb, 15, 15);
      } else {
        for (; n < N4; n += 4) gradTile4(s + (<usize>n << 2), xs, d + (<usize>n << 2), prow, nb, rm, cm);
        for (; n < N; n++) gradTile1(s + (<usize>n << 2), xs, d + (<usize>n << 2), prow, nb, rm, cm);
      }
    }
  }
}

/** Adds B dV Bᵀ of one tile (four examples; dV's 16 planes xs apart from q0) to the pixels at p inside the map (rm, cm). */
// @ts-ignore: decorator
@inline
function gradTile4(q0: usize, xs: usize, p: usize, prow: usize, nb: usize, rm: i32, cm: i32): void {
  // Per row i of dV: its column transform f_i = (e0, e1 − e2 + e3, −e0 + e1 + e2, −e3) ...
  const x4 = xs << 2;
  const q1 = q0 + x4, q2 = q1 + x4, q3 = q2 + x4;
  // ... combined over rows: row r of the tile = (row 0, row1 − row2 + row3, −row0 + row1 + row2, −row3).
  const r00 = v128.load(q0), r01 = v128.load(q0 + xs), r02 = v128.load(q0 + 2 * xs), r03 = v128.load(q0 + 3 * xs);
  const r10 = v128.load(q1), r11 = v128.load(q1 + xs), r12 = v128.load(q1 + 2 * xs), r13 = v128.load(q1 + 3 * xs);
  const r20 = v128.load(q2), r21 = v128.load(q2 + xs), r22 = v128.load(q2 + 2 * xs), r23 = v128.load(q2 + 3 * xs);
  const r30 = v128.load(q3), r31 = v128.load(q3 + xs), r32 = v128.load(q3 + 2 * xs), r33 = v128.load(q3 + 3 * xs);
  if (rm & 1) adjRow4(r00, r01, r02, r03, p, nb, cm);
  if (rm & 2) adjRow4(f32x4.add(f32x4.sub(r10, r20), r30), f32x4.add(f32x4.sub(r11, r21), r31), f32x4.add(f32x4.sub(r12, r22), r32), f32x4.add(f32x4.sub(r13, r23), r33), p + prow, nb, cm);
  if (rm & 4) adjRow4(f32x4.add(f32x4.sub(r10, r00), r20), f32x4.add(f32x4.sub(r11, r01), r21), f32x4.add(f32x4.sub(r12, r02), r22), f32x4.add(f32x4.sub(r13, r03), r23), p + 2 * prow, nb, cm);
  if (rm & 8) adjRow4(f32x4.neg(r30), f32x4.neg(r31), f32x4.neg(r32), f32x4.neg(r33), p + 3 * prow, nb, cm);
}

/** gradTile4 for one example (the batch's last N mod 4): the same operations, so the same bits. */
// @ts-ignore: decorator
@inline
function gradTile1(q0: usize, xs: usize, p: usize, prow: usize, nb: usize, rm: i32, cm: i32): void {
  const x4 = xs << 2;
  const q1 = q0 + x4, q2 = q1 + x4, q3 = q2 + x4;
  const r00 = load<f32>(q0), r01 = load<f32>(q0 + xs), r02 = load<f32>(q0 + 2 * xs), r03 = load<f32>(q0 + 3 * xs);
  const r10 = load<f32>(q1), r11 = load<f32>(q1 + xs), r12 = load<f32>(q1 + 2 * xs), r13 = load<f32>(q1 + 3 * xs);
  const r20 = load<f32>(q2), r21 = load<f32>(q2 + xs), r22 = load<f32>(q2 + 2 * xs), r23 = load<f32>(q2 + 3 * xs);
  const r30 = load<f32>(q3), r31 = load<f32>(q3 + xs), r32 = load<f32>(q3 + 2 * xs), r33 = load<f32>(q3 + 3 * xs);
  if (rm & 1) adjRow1(r00, r01, r02, r03, p, nb, cm);
  if (rm & 2) adjRow1(r10 - r20 + r30, r11 - r21 + r31, r12 - r22 + r32, r13 - r23 + r33, p + prow, nb, cm);
  if (rm & 4) adjRow1(r10 - r00 + r20, r11 - r01 + r21, r12 - r02 + r22, r13 - r03 + r23, p + 2 * prow, nb, cm);
  if (rm & 8) adjRow1(-r30, -r31, -r32, -r33, p + 3 * prow, nb, cm);
}

/**
 * Adds the column transform (e0, e1 − e2 + e3, −e0 + e1 + e2, −e3) of one tile row to the 4
 * pixels at p whose bits are set in cm (the tile's columns inside the map).
 */
// @ts-ignore: decorator
@inline
function adjRow4(e0: v128, e1: v128, e2: v128, e3: v128, p: usize, nb: usize, cm: i32): void {
  if (cm & 1) v128.store(p, f32x4.add(v128.load(p), e0));
  if (cm & 2) v128.store(p + nb, f32x4.add(v128.load(p + nb), f32x4.add(f32x4.sub(e1, e2), e3)));
  if (cm & 4) v128.store(p + 2 * nb, f32x4.add(v128.load(p + 2 * nb), f32x4.add(f32x4.sub(e1, e0), e2)));
  if (cm & 8) v128.store(p + 3 * nb, f32x4.sub(v128.load(p + 3 * nb), e3));
}

// @ts-ignore: decorator
@inline
function adjRow1(e0: f32, e1: f32, e2: f32, e3: f32, p: usize, nb: usize, cm: i32): void {
  if (cm & 1) store<f32>(p, load<f32>(p) + e0);
  if (cm & 2) store<f32>(p + nb, load<f32>(p + nb) + (e1 - e2 + e3));
  if (cm & 4) store<f32>(p + 2 * nb, load<f32>(p + 2 * nb) + (e1 - e0 + e2));
  if (cm & 8) store<f32>(p + 3 * nb, load<f32>(p + 3 * nb) - e3);
}

/**
 * Forward of a whole layer: y [M][OH][OW][N] = conv(x, w) (+ bias, ReLU), 3x3 "same" (pad 1,
 * read from the unpadded x [C][OH][OW][N]), with U = the transformed weights (wino_weights), and
 * the block buffers v [16][C][Tb·N], mb [16][M][Tb·N].
 */
export function wino_forward(x: usize, u: usize, v: usize, mb: usize, y: usize, bias: usize,
                             C: i32, M: i32, OH: i32, OW: i32, N: i32, Tb: i32, relu: bool, work: usize): void {
  const TH = OH >> 1, TW = OW >> 1;
  for (let th = 0; th < TH; th++) {
    for (let tw0 = 0; tw0 < TW; tw0 += Tb) {
      const tb = min(Tb, TW - tw0), cols = tb * N;
      wino_input(x, v, C, OH, OW, N, th, tw0, tb);
      const vs = <usize>wino_plane_floats(C, cols) << 2, ms = <usize>wino_plane_floats(M, cols) << 2, us = <usize>wino_plane_floats(M, C) << 2;
      for (let xi = 0; xi < 16; xi++) {
        gemm_nn(u + <usize>xi * us, v + <usize>xi * vs, mb + <usize>xi * ms, M, C, cols, C, cols, cols, false, work);
      }
      wino_output(mb, y, bias, M, OH, OW, N, th, tw0, tb, relu);
    }
  }
}

/**
 * Backward of a whole layer: du [16][M][C] = Σ over tiles of dM_ξ · V_ξᵀ (turn it into dW with
 * wino_weight_grad), and, when dx != 0, dx += the input gradient (dx [C][OH][OW][N], unpadded,
 * zeroed by the caller). v, dm, dv are block buffers ([16][C][Tb·N], [16][M][Tb·N], [16][C][Tb·N]).
 */
export function wino_backward(x: usize, dy: usize, u: usize, v: usize, dm: usize, dv: usize, du: usize, dx: usize,
                              C: i32, M: i32, OH: i32, OW: i32, N: i32, Tb: i32, work: usize): void {
  const TH = OH >> 1, TW = OW >> 1;
  const us = <usize>wino_plane_floats(M, C) << 2;
  let first = true;
  for (let th = 0; th < TH; th++) {
    for (let tw0 = 0; tw0 < TW; tw0 += Tb) {
      const tb = min(Tb, TW - tw0), cols = tb * N;
      const vs = <usize>wino_plane_floats(C, cols) << 2, ms = <usize>wino_plane_floats(M, cols) << 2;
      wino_input(x, v, C, OH, OW, N, th, tw0, tb);
      wino_grad_output(dy, dm, M, OH, OW, N, th, tw0, tb);
      for (let xi = 0; xi < 16; xi++) {
        gemm_nt(dm + <usize>xi * ms, v + <usize>xi * vs, du + <usize>xi * us, M, cols, C, cols, cols, C, !first);
        if (dx != 0) gemm_tn(u + <usize>xi * us, dm + <usize>xi * ms, dv + <usize>xi * vs, C, M, cols, C, cols, cols, false, work);
      }
      if (dx != 0) wino_input_grad(dv, dx, C, OH, OW, N, th, tw0, tb);
      first = false;
    }
  }
}
