// Dense f32 GEMM, row-major, in the three forms training needs:
//   gemm_nn: C[M,N] (+)= A[M,K]  · B[K,N]
//   gemm_tn: C[M,N] (+)= A[K,M]ᵀ · B[K,N]
//   gemm_nt: C[M,N] (+)= A[M,K]  · B[N,K]ᵀ
// Every operand has a row stride (lda, ldb, ldc in floats), so a GEMM can work on a block of
// columns of a larger matrix (the convolution layers process their output in row chunks).
// nn and tn share one register-tiled micro-kernel (4 rows x 8 columns of C held in 8 v128
// accumulators; per k: 2 loads of B, 4 splat loads of A, 8 multiply-adds). They differ only in
// the strides used to walk A. B is blocked into KC x NC panels so a panel stays in L2 while all
// row tiles of C pass over it. nt is a dot-product kernel (both operands contiguous along K).
// Every size is handled: tails of 4 columns, single columns and single rows.
import { madd, hsum, fmadd } from "./simd";

const KC: i32 = 256;
const NC: i32 = 512;

// @ts-ignore: decorator
@inline
function tile4x8(pa: usize, sAi: usize, sAk: usize, pb: usize, ldb: usize, pc: usize, ldc: usize, kc: i32, acc: bool): void {
  let c00 = f32x4.splat(0), c01 = f32x4.splat(0), c10 = f32x4.splat(0), c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0), c21 = f32x4.splat(0), c30 = f32x4.splat(0), c31 = f32x4.splat(0);
  const pc1 = pc + ldc, pc2 = pc + 2 * ldc, pc3 = pc + 3 * ldc;
  if (acc) {
    c00 = v128.load(pc); c01 = v128.load(pc, 16);
    c10 = v128.load(pc1); c11 = v128.load(pc1, 16);
    c20 = v128.load(pc2); c21 = v128.load(pc2, 16);
    c30 = v128.load(pc3); c31 = v128.load(pc3, 16);
  }
  const sAi2 = sAi << 1, sAi3 = sAi * <usize>3;
  let a = pa, b = pb;
  for (let k = 0; k < kc; k++) {
    const b0 = v128.load(b), b1 = v128.load(b, 16);
    const a0 = v128.load32_splat(a);
    c00 = madd(a0, b0, c00); c01 = madd(a0, b1, c01);
    const a1 = v128.load32_splat(a + sAi);
    c10 = madd(a1, b0, c10); c11 = madd(a1, b1, c11);
    const a2 = v128.load32_splat(a + sAi2);
    c20 = madd(a2, b0, c20); c21 = madd(a2, b1, c21);
    const a3 = v128.load32_splat(a + sAi3);
    c30 = madd(a3, b0, c30); c31 = madd(a3, b1, c31);
    a += sAk; b += ldb;
  }
  v128.store(pc, c00); v128.store(pc, c01, 16);
  v128.store(pc1, c10); v128.store(pc1, c11, 16);
  v128.store(pc2, c20); v128.store(pc2, c21, 16);
  v128.store(pc3, c30); v128.store(pc3, c31, 16);
}

// @ts-ignore: decorator
@inline
function tile4x4(pa: usize, sAi: usize, sAk: usize, pb: usize, ldb: usize, pc: usize, ldc: usize, kc: i32, acc: bool): void {
  let c0 = f32x4.splat(0), c1 = f32x4.splat(0), c2 = f32x4.splat(0), c3 = f32x4.splat(0);
  const pc1 = pc + ldc, pc2 = pc + 2 * ldc, pc3 = pc + 3 * ldc;
  if (acc) { c0 = v128.load(pc); c1 = v128.load(pc1); c2 = v128.load(pc2); c3 = v128.load(pc3); }
  const sAi2 = sAi << 1, sAi3 = sAi * <usize>3;
  let a = pa, b = pb;
  for (let k = 0; k < kc; k++) {
    const b0 = v128.load(b);
    c0 = madd(v128.load32_splat(a), b0, c0);
    c1 = madd(v128.load32_splat(a + sAi), b0, c1);
    c2 = madd(v128.load32_splat(a + sAi2), b0, c2);
    c3 = madd(v128.load32_splat(a + sAi3), b0, c3);
    a += sAk; b += ldb;
  }
  v128.store(pc, c0); v128.store(pc1, c1); v128.store(pc2, c2); v128.store(pc3, c3);
}

// @ts-ignore: decorator
@inline
function tile1x8(pa: usize, sAk: usize, pb: usize, ldb: usize, pc: usize, kc: i32, acc: bool): void {
  let c0 = f32x4.splat(0), c1 = f32x4.splat(0);
  if (acc) { c0 = v128.load(pc); c1 = v128.load(pc, 16); }
  let a = pa, b = pb;
  for (let k = 0; k < kc; k++) {
    const a0 = v128.load32_splat(a);
    c0 = madd(a0, v128.load(b), c0);
    c1 = madd(a0, v128.load(b, 16), c1);
    a += sAk; b += ldb;
  }
  v128.store(pc, c0); v128.store(pc, c1, 16);
}

// @ts-ignore: decorator
@inline
function tile1x4(pa: usize, sAk: usize, pb: usize, ldb: usize, pc: usize, kc: i32, acc: bool): void {
  let c0 = f32x4.splat(0);
  if (acc) c0 = v128.load(pc);
  let a = pa, b = pb;
  for (let k = 0; k < kc; k++) {
    c0 = madd(v128.load32_splat(a), v128.load(b), c0);
    a += sAk; b += ldb;
  }
  v128.store(pc, c0);
}

/**
 * One tail column j of a 4-row tile: the four rows' values of A at each k gathered into one
 * vector, so the tail runs at vector speed and each output is the same fused sequence as in the
 * full tiles.
 */
// @ts-ignore: decorator
@inline
function tile4x1(pa: usize, sAi: usize, sAk: usize, pb: usize, ldb: usize, pc: usize, ldc: usize, kc: i32, acc: bool): void {
  const sAi2 = sAi << 1, sAi3 = sAi * <usize>3;
  let c0 = f32x4.splat(0);
  if (acc) {
    c0 = v128.load32_lane(pc, c0, 0);
    c0 = v128.load32_lane(pc + ldc, c0, 1);
    c0 = v128.load32_lane(pc + (ldc << 1), c0, 2);
    c0 = v128.load32_lane(pc + ldc * <usize>3, c0, 3);
  }
  let a = pa, b = pb;
  for (let k = 0; k < kc; k++) {
    let av = v128.load32_zero(a);
    av = v128.load32_lane(a + sAi, av, 1);
    av = v128.load32_lane(a + sAi2, av, 2);
    av = v128.load32_lane(a + sAi3, av, 3);
    c0 = madd(av, v128.load32_splat(b), c0);
    a += sAk; b += ldb;
  }
  v128.store32_lane(pc, c0, 0);
  v128.store32_lane(pc + ldc, c0, 1);
  v128.store32_lane(pc + (ldc << 1), c0, 2);
  v128.store32_lane(pc + ldc * <usize>3, c0, 3);
}

// @ts-ignore: decorator
@inline
function tile1x1(pa: usize, sAk: usize, pb: usize, ldb: usize, pc: usize, kc: i32, acc: bool): void {
  let s: f32 = acc ? load<f32>(pc) : 0;
  let a = pa, b = pb;
  for (let k = 0; k < kc; k++) {
    s = fmadd(load<f32>(a), load<f32>(b), s);
    a += sAk; b += ldb;
  }
  store<f32>(pc, s);
}

/**
 * One panel: C[0:M, 0:nc] (+)= A-panel · B[0:kc, 0:nc]. A element (i, k) is at pa + i*sAi + k*sAk
 * (byte strides), B rows are ldb bytes apart, C rows ldc bytes apart. If packA != 0, each 4-row
 * sliver of A is first copied there as [kc][4] (see `blocked`).
 */
function panel(pa: usize, sAi: usize, sAk: usize, pb: usize, ldb: usize, pc: usize, ldc: usize,
               M: i32, kc: i32, nc: i32, acc: bool, packA: usize): void {
  let i = 0;
  for (; i + 4 <= M; i += 4) {
    let a = pa + <usize>i * sAi, ai = sAi, ak = sAk;
    if (packA != 0) {
      for (let k = 0; k < kc; k++) {
        const src = a + <usize>k * sAk, dst = packA + (<usize>k << 4);
        store<f32>(dst, load<f32>(src)); store<f32>(dst, load<f32>(src + sAi), 4);
        store<f32>(dst, load<f32>(src + (sAi << 1)), 8); store<f32>(dst, load<f32>(src + sAi * 3), 12);
      }
      a = packA; ai = 4; ak = 16;
    }
    const c = pc + <usize>i * ldc;
    let j = 0;
    for (; j + 8 <= nc; j += 8) tile4x8(a, ai, ak, pb + (<usize>j << 2), ldb, c + (<usize>j << 2), ldc, kc, acc);
    for (; j + 4 <= nc; j += 4) tile4x4(a, ai, ak, pb + (<usize>j << 2), ldb, c + (<usize>j << 2), ldc, kc, acc);
    for (; j < nc; j++) tile4x1(a, ai, ak, pb + (<usize>j << 2), ldb, c + (<usize>j << 2), ldc, kc, acc);
  }
  for (; i < M; i++) {
    const a = pa + <usize>i * sAi;
    const c = pc + <usize>i * ldc;
    let j = 0;
    for (; j + 8 <= nc; j += 8) tile1x8(a, sAk, pb + (<usize>j << 2), ldb, c + (<usize>j << 2), kc, acc);
    for (; j + 4 <= nc; j += 4) tile1x4(a, sAk, pb + (<usize>j << 2), ldb, c + (<usize>j << 2), kc, acc);
    for (; j < nc; j++) tile1x1(a, sAk, pb + (<usize>j << 2), ldb, c + (<usize>j << 2), kc, acc);
  }
}

/** Floats of workspace the blocked kernels may use to pack one B panel (see GEMM_WORK_FLOATS). */
export const GEMM_WORK_FLOATS: i32 = KC * (NC + 4) + KC * 4;

/**
 * Blocks K and N into panels; A is walked with byte strides (aRow, aCol) per (i, k). When B's row
 * stride is a multiple of 512 bytes, the 8 columns a tile reads from successive rows fall into the
 * same few L1 sets and evict each other (4K aliasing: 256x1024x1024 ran at 60% of the speed of
 * 256x1000x1000). Then each panel is first copied into `work` with a row stride of nc + 4 floats,
 * which spreads the rows over all sets. The same happens to A in the transposed form (its k-stride
 * is a row of A): then each 4-row sliver of A is packed as [kc][4]. `work` (GEMM_WORK_FLOATS
 * floats) is owned by the caller; 0 disables packing.
 */
function blocked(a: usize, aRow: usize, aCol: usize, b: usize, ldb: usize, c: usize, ldc: usize, M: i32, K: i32, N: i32, accumulate: bool, work: usize): void {
  const pack = work != 0 && (ldb & 511) == 0 && M >= 8;
  const packA: usize = work != 0 && aCol > 16 && (aCol & 511) == 0 && N >= 16 ? work + (<usize>(KC * (NC + 4)) << 2) : 0;
  for (let j0 = 0; j0 < N; j0 += NC) {
    const nc = min(NC, N - j0);
    for (let k0 = 0; k0 < K; k0 += KC) {
      const kc = min(KC, K - k0);
      let pb = b + <usize>k0 * ldb + (<usize>j0 << 2), lpb = ldb;
      if (pack) {
        lpb = <usize>(nc + 4) << 2;
        for (let k = 0; k < kc; k++) memory.copy(work + <usize>k * lpb, pb + <usize>k * ldb, <usize>nc << 2);
        pb = work;
      }
      panel(a + <usize>k0 * aCol, aRow, aCol, pb, lpb, c + (<usize>j0 << 2), ldc, M, kc, nc, accumulate || k0 > 0, packA);
    }
  }
}

/** C[M,N] (+)= A[M,K] · B[K,N]; lda, ldb, ldc are the row strides in floats. */
export function gemm_nn(a: usize, b: usize, c: usize, M: i32, K: i32, N: i32, lda: i32, ldb: i32, ldc: i32, accumulate: bool, work: usize): void {
  blocked(a, <usize>lda << 2, 4, b, <usize>ldb << 2, c, <usize>ldc << 2, M, K, N, accumulate, work);
}

/** C[M,N] (+)= A[K,M]ᵀ · B[K,N]; A's row stride is lda (≥ M). */
export function gemm_tn(a: usize, b: usize, c: usize, M: i32, K: i32, N: i32, lda: i32, ldb: i32, ldc: i32, accumulate: bool, work: usize): void {
  blocked(a, 4, <usize>lda << 2, b, <usize>ldb << 2, c, <usize>ldc << 2, M, K, N, accumulate, work);
}

// @ts-ignore: decorator
@inline
function dot(pa: usize, pb: usize, K: i32): f32 {
  let s0 = f32x4.splat(0), s1 = f32x4.splat(0);
  let k = 0;
  for (; k + 8 <= K; k += 8) {
    const o = <usize>k << 2;
    s0 = madd(v128.load(pa + o), v128.load(pb + o), s0);
    s1 = madd(v128.load(pa + o, 16), v128.load(pb + o, 16), s1);
  }
  for (; k + 4 <= K; k += 4) {
    const o = <usize>k << 2;
    s0 = madd(v128.load(pa + o), v128.load(pb + o), s0);
  }
  let s = hsum(f32x4.add(s0, s1));
  for (; k < K; k++) s += load<f32>(pa + (<usize>k << 2)) * load<f32>(pb + (<usize>k << 2));
  return s;
}

/**
 * C[M,N] (+)= A[M,K] · B[N,K]ᵀ. Dot-product form: tiles of 2 rows of A x 4 rows of B share their
 * loads (8 accumulators, 6 loads per 8 multiply-adds), lanes summed once per output.
 */
export function gemm_nt(a: usize, b: usize, c: usize, M: i32, K: i32, N: i32, ldaF: i32, ldbF: i32, ldcF: i32, accumulate: bool): void {
  const lda = <usize>ldaF << 2, ldb = <usize>ldbF << 2;
  const ldc = <usize>ldcF << 2;
  const K4 = K & ~3;
  let i = 0;
  for (; i + 2 <= M; i += 2) {
    const a0 = a + <usize>i * lda, a1 = a0 + lda;
    const c0 = c + <usize>i * ldc, c1 = c0 + ldc;
    let j = 0;
    for (; j + 4 <= N; j += 4) {
      const b0 = b + <usize>j * ldb, b1 = b0 + ldb, b2 = b1 + ldb, b3 = b2 + ldb;
      let s00 = f32x4.splat(0), s01 = f32x4.splat(0), s02 = f32x4.splat(0), s03 = f32x4.splat(0);
      let s10 = f32x4.splat(0), s11 = f32x4.splat(0), s12 = f32x4.splat(0), s13 = f32x4.splat(0);
      for (let k = 0; k < K4; k += 4) {
        const o = <usize>k << 2;
        const x0 = v128.load(a0 + o), x1 = v128.load(a1 + o);
        const y0 = v128.load(b0 + o);
        s00 = madd(x0, y0, s00); s10 = madd(x1, y0, s10);
        const y1 = v128.load(b1 + o);
        s01 = madd(x0, y1, s01); s11 = madd(x1, y1, s11);
        const y2 = v128.load(b2 + o);
        s02 = madd(x0, y2, s02); s12 = madd(x1, y2, s12);
        const y3 = v128.load(b3 + o);
        s03 = madd(x0, y3, s03); s13 = madd(x1, y3, s13);
      }
      let r00 = hsum(s00), r01 = hsum(s01), r02 = hsum(s02), r03 = hsum(s03);
      let r10 = hsum(s10), r11 = hsum(s11), r12 = hsum(s12), r13 = hsum(s13);
      for (let k = K4; k < K; k++) {
        const o = <usize>k << 2;
        const x0 = load<f32>(a0 + o), x1 = load<f32>(a1 + o);
        const y0 = load<f32>(b0 + o), y1 = load<f32>(b1 + o), y2 = load<f32>(b2 + o), y3 = load<f32>(b3 + o);
        r00 += x0 * y0; r01 += x0 * y1; r02 += x0 * y2; r03 += x0 * y3;
        r10 += x1 * y0; r11 += x1 * y1; r12 += x1 * y2; r13 += x1 * y3;
      }
      const oc = <usize>j << 2;
      if (accumulate) {
        r00 += load<f32>(c0 + oc); r01 += load<f32>(c0 + oc, 4); r02 += load<f32>(c0 + oc, 8); r03 += load<f32>(c0 + oc, 12);
        r10 += load<f32>(c1 + oc); r11 += load<f32>(c1 + oc, 4); r12 += load<f32>(c1 + oc, 8); r13 += load<f32>(c1 + oc, 12);
      }
      store<f32>(c0 + oc, r00); store<f32>(c0 + oc, r01, 4); store<f32>(c0 + oc, r02, 8); store<f32>(c0 + oc, r03, 12);
      store<f32>(c1 + oc, r10); store<f32>(c1 + oc, r11, 4); store<f32>(c1 + oc, r12, 8); store<f32>(c1 + oc, r13, 12);
    }
    for (; j < N; j++) {
      const bj = b + <usize>j * ldb, oc = <usize>j << 2;
      const r0 = dot(a0, bj, K), r1 = dot(a1, bj, K);
      store<f32>(c0 + oc, accumulate ? load<f32>(c0 + oc) + r0 : r0);
      store<f32>(c1 + oc, accumulate ? load<f32>(c1 + oc) + r1 : r1);
    }
  }
  for (; i < M; i++) {
    const ai = a + <usize>i * lda, ci = c + <usize>i * ldc;
    for (let j = 0; j < N; j++) {
      const r = dot(ai, b + <usize>j * ldb, K), oc = <usize>j << 2;
      store<f32>(ci + oc, accumulate ? load<f32>(ci + oc) + r : r);
    }
  }
}

/** dst[C,R] = src[R,C]ᵀ, in 4x4 blocks through registers. */
export function transpose(src: usize, dst: usize, R: i32, C: i32): void {
  const ls = <usize>C << 2, ld = <usize>R << 2;
  let i = 0;
  for (; i + 4 <= R; i += 4) {
    let j = 0;
    for (; j + 4 <= C; j += 4) {
      const s = src + <usize>i * ls + (<usize>j << 2);
      const r0 = v128.load(s), r1 = v128.load(s + ls), r2 = v128.load(s + 2 * ls), r3 = v128.load(s + 3 * ls);
      const t0 = v128.shuffle<f32>(r0, r1, 0, 4, 1, 5), t1 = v128.shuffle<f32>(r2, r3, 0, 4, 1, 5);
      const t2 = v128.shuffle<f32>(r0, r1, 2, 6, 3, 7), t3 = v128.shuffle<f32>(r2, r3, 2, 6, 3, 7);
      const d = dst + <usize>j * ld + (<usize>i << 2);
      v128.store(d, v128.shuffle<f64>(t0, t1, 0, 2));
      v128.store(d + ld, v128.shuffle<f64>(t0, t1, 1, 3));
      v128.store(d + 2 * ld, v128.shuffle<f64>(t2, t3, 0, 2));
      v128.store(d + 3 * ld, v128.shuffle<f64>(t2, t3, 1, 3));
    }
    for (; j < C; j++) {
      for (let r = i; r < i + 4; r++) store<f32>(dst + <usize>j * ld + (<usize>r << 2), load<f32>(src + <usize>r * ls + (<usize>j << 2)));
    }
  }
  for (; i < R; i++) {
    for (let j = 0; j < C; j++) store<f32>(dst + <usize>j * ld + (<usize>i << 2), load<f32>(src + <usize>i * ls + (<usize>j << 2)));
  }
}

/** The workspace (in floats) gemm_nn and gemm_tn want, so callers need not hard-code it. */
export function gemm_work_floats(): i32 {
  return GEMM_WORK_FLOATS;
}
