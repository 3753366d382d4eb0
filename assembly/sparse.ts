// Sparse weights (CSR: rowPtr u32[M+1], colIdx u32[nnz], values f32[nnz]) times dense activations
// laid out feature-major ([features, batch], batch contiguous). Every kernel vectorizes along the
// batch and walks only the kept weights, so its cost is proportional to nnz:
//   spmm:        Y[M,N]  (+)= W[M,K] · X[K,N]          forward
//   spmm_t:      dX[K,N] (+)= W[M,K]ᵀ · dY[M,N]        input gradient by scatter (training runs spmm
//                over the transposed CSR instead: same sums, no read-modify-writes; see k.sparse.transpose)
//   masked_grad: dW[nz]  (+)= dY[r,:] · X[c,:]          weight gradient at kept positions only
// The batch is processed in chunks (spmm: 6, 4, 3, 2 and 1 vectors; spmm_t: 8, 4 and 1) plus a scalar tail, with the chunk's
// accumulators (forward) or the output-gradient row (transpose) held in registers across the row.
import { madd, hsum, fmadd } from "./simd";

// @ts-ignore: decorator
@inline
function rowStart(rowPtr: usize, r: i32): u32 { return load<u32>(rowPtr + (<usize>r << 2)); }

/**
 * Y[M,N] (+)= W·X for W in CSR, X[K,N]. Row r's kept weights are p in [rowPtr[r], rowEnd[r]):
 * rowEnd = rowPtr + 4 bytes for the whole CSR, or two rows of a column-block index (one block of
 * X's rows at a time, see SparseKernels.columnBlocks) for the same sums in the same order.
 */
export function spmm(rowPtr: usize, rowEnd: usize, colIdx: usize, values: usize, x: usize, y: usize,
                     M: i32, K: i32, N: i32, accumulate: bool): void {
  const ld = <usize>N << 2;
  for (let r = 0; r < M; r++) {
    const s = rowStart(rowPtr, r), e = rowStart(rowEnd, r);
    const yr = y + <usize>r * ld;
    let j = 0;
    // Six vectors of accumulators, not eight: with eight, V8 (15 allocatable vector registers on
    // x64) spills one to the stack, which puts a store-to-load round trip into its chain.
    for (; j + 24 <= N; j += 24) {
      const py = yr + (<usize>j << 2), xo = x + (<usize>j << 2);
      let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0);
      let a3 = f32x4.splat(0), a4 = f32x4.splat(0), a5 = f32x4.splat(0);
      if (accumulate) {
        a0 = v128.load(py); a1 = v128.load(py, 16); a2 = v128.load(py, 32);
        a3 = v128.load(py, 48); a4 = v128.load(py, 64); a5 = v128.load(py, 80);
      }
      for (let p = s; p < e; p++) {
        const w = v128.load32_splat(values + (<usize>p << 2));
        const px = xo + <usize>load<u32>(colIdx + (<usize>p << 2)) * ld;
        a0 = madd(w, v128.load(px), a0); a1 = madd(w, v128.load(px, 16), a1);
        a2 = madd(w, v128.load(px, 32), a2); a3 = madd(w, v128.load(px, 48), a3);
        a4 = madd(w, v128.load(px, 64), a4); a5 = madd(w, v128.load(px, 80), a5);
      }
      v128.store(py, a0); v128.store(py, a1, 16); v128.store(py, a2, 32);
      v128.store(py, a3, 48); v128.store(py, a4, 64); v128.store(py, a5, 80);
    }
    for (; j + 16 <= N; j += 16) {
      const py = yr + (<usize>j << 2), xo = x + (<usize>j << 2);
      let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
      if (accumulate) { a0 = v128.load(py); a1 = v128.load(py, 16); a2 = v128.load(py, 32); a3 = v128.load(py, 48); }
      for (let p = s; p < e; p++) {
        const w = v128.load32_splat(values + (<usize>p << 2));
        const px = xo + <usize>load<u32>(colIdx + (<usize>p << 2)) * ld;
        a0 = madd(w, v128.load(px), a0); a1 = madd(w, v128.load(px, 16), a1);
        a2 = madd(w, v128.load(px, 32), a2); a3 = madd(w, v128.load(px, 48), a3);
      }
      v128.store(py, a0); v128.store(py, a1, 16); v128.store(py, a2, 32); v128.store(py, a3, 48);
    }
    // 12 columns in one pass over the row's weights (a batch of 60 is 24 + 24 + 12), rather than 8 + 4.
    for (; j + 12 <= N; j += 12) {
      const py = yr + (<usize>j << 2), xo = x + (<usize>j << 2);
      let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0);
      if (accumulate) { a0 = v128.load(py); a1 = v128.load(py, 16); a2 = v128.load(py, 32); }
      for (let p = s; p < e; p++) {
        const w = v128.load32_splat(values + (<usize>p << 2));
        const px = xo + <usize>load<u32>(colIdx + (<usize>p << 2)) * ld;
        a0 = madd(w, v128.load(px), a0); a1 = madd(w, v128.load(px, 16), a1); a2 = madd(w, v128.load(px, 32), a2);
      }
      v128.store(py, a0); v128.store(py, a1, 16); v128.store(py, a2, 32);
    }
    for (; j + 8 <= N; j += 8) {
      const py = yr + (<usize>j << 2), xo = x + (<usize>j << 2);
      let a0 = f32x4.splat(0), a1 = f32x4.splat(0);
      if (accumulate) { a0 = v128.load(py); a1 = v128.load(py, 16); }
      for (let p = s; p < e; p++) {
        const w = v128.load32_splat(values + (<usize>p << 2));
        const px = xo + <usize>load<u32>(colIdx + (<usize>p << 2)) * ld;
        a0 = madd(w, v128.load(px), a0); a1 = madd(w, v128.load(px, 16), a1);
      }
      v128.store(py, a0); v128.store(py, a1, 16);
    }
    for (; j + 4 <= N; j += 4) {
      const py = yr + (<usize>j << 2), xo = x + (<usize>j << 2);
      let a0 = accumulate ? v128.load(py) : f32x4.splat(0);
      for (let p = s; p < e; p++) {
        const w = v128.load32_splat(values + (<usize>p << 2));
        a0 = madd(w, v128.load(xo + <usize>load<u32>(colIdx + (<usize>p << 2)) * ld), a0);
      }
      v128.store(py, a0);
    }
    for (; j < N; j++) {
      const py = yr + (<usize>j << 2), xo = x + (<usize>j << 2);
      let a: f32 = accumulate ? load<f32>(py) : 0;
      for (let p = s; p < e; p++) {
        a = fmadd(load<f32>(values + (<usize>p << 2)), load<f32>(xo + <usize>load<u32>(colIdx + (<usize>p << 2)) * ld), a);
      }
      store<f32>(py, a);
    }
  }
}

/** dX[K,N] (+)= Wᵀ·dY for W in CSR [M,K], dY[M,N]. Scatters each kept weight's row product. */
export function spmm_t(rowPtr: usize, colIdx: usize, values: usize, dy: usize, dx: usize,
                       M: i32, K: i32, N: i32, accumulate: bool): void {
  const ld = <usize>N << 2;
  if (!accumulate) memory.fill(dx, 0, <usize>K * ld);
  for (let r = 0; r < M; r++) {
    const s = rowStart(rowPtr, r), e = rowStart(rowPtr, r + 1);
    if (s == e) continue;
    const dyr = dy + <usize>r * ld;
    let j = 0;
    for (; j + 32 <= N; j += 32) {
      const pg = dyr + (<usize>j << 2), xo = dx + (<usize>j << 2);
      const g0 = v128.load(pg), g1 = v128.load(pg, 16), g2 = v128.load(pg, 32), g3 = v128.load(pg, 48);
      const g4 = v128.load(pg, 64), g5 = v128.load(pg, 80), g6 = v128.load(pg, 96), g7 = v128.load(pg, 112);
      for (let p = s; p < e; p++) {
        const w = v128.load32_splat(values + (<usize>p << 2));
        const px = xo + <usize>load<u32>(colIdx + (<usize>p << 2)) * ld;
        v128.store(px, madd(w, g0, v128.load(px)));
        v128.store(px, madd(w, g1, v128.load(px, 16)), 16);
        v128.store(px, madd(w, g2, v128.load(px, 32)), 32);
        v128.store(px, madd(w, g3, v128.load(px, 48)), 48);
        v128.store(px, madd(w, g4, v128.load(px, 64)), 64);
        v128.store(px, madd(w, g5, v128.load(px, 80)), 80);
        v128.store(px, madd(w, g6, v128.load(px, 96)), 96);
        v128.store(px, madd(w, g7, v128.load(px, 112)), 112);
      }
    }
    for (; j + 16 <= N; j += 16) {
      const pg = dyr + (<usize>j << 2), xo = dx + (<usize>j << 2);
      const g0 = v128.load(pg), g1 = v128.load(pg, 16), g2 = v128.load(pg, 32), g3 = v128.load(pg, 48);
      for (let p = s; p < e; p++) {
        const w = v128.load32_splat(values + (<usize>p << 2));
        const px = xo + <usize>load<u32>(colIdx + (<usize>p << 2)) * ld;
        v128.store(px, madd(w, g0, v128.load(px)));
        v128.store(px, madd(w, g1, v128.load(px, 16)), 16);
        v128.store(px, madd(w, g2, v128.load(px, 32)), 32);
        v128.store(px, madd(w, g3, v128.load(px, 48)), 48);
      }
    }
    for (; j + 4 <= N; j += 4) {
      const g0 = v128.load(dyr + (<usize>j << 2)), xo = dx + (<usize>j << 2);
      for (let p = s; p < e; p++) {
        const w = v128.load32_splat(values + (<usize>p << 2));
        const px = xo + <usize>load<u32>(colIdx + (<usize>p << 2)) * ld;
        v128.store(px, madd(w, g0, v128.load(px)));
      }
    }
    for (; j < N; j++) {
      const g = load<f32>(dyr + (<usize>j << 2)), xo = dx + (<usize>j << 2);
      for (let p = s; p < e; p++) {
        const px = xo + <usize>load<u32>(colIdx + (<usize>p << 2)) * ld;
        store<f32>(px, fmadd(load<f32>(values + (<usize>p << 2)), g, load<f32>(px)));
      }
    }
  }
}

/**
 * dW[nz] (+)= Σ_n dY[r,n]·X[c,n] for every kept position (r, c) with p in [rowPtr[r], rowEnd[r])
 * (as in spmm); nothing else is computed.
 * A row's kept weights go three at a time (one load of dY serves three of them, and six
 * accumulator chains hide the multiply-add latency); each weight's sum is formed exactly as alone
 * (dotKept), so the grouping does not change a bit.
 */
export function masked_grad(rowPtr: usize, rowEnd: usize, colIdx: usize, dy: usize, x: usize, dvalues: usize,
                            M: i32, K: i32, N: i32, accumulate: bool): void {
  const ld = <usize>N << 2;
  const N8 = N & ~7;
  for (let r = 0; r < M; r++) {
    const s = rowStart(rowPtr, r), e = rowStart(rowEnd, r);
    const dyr = dy + <usize>r * ld;
    let p = s;
    for (; p + 3 <= e; p += 3) {
      const q = colIdx + (<usize>p << 2);
      const x0 = x + <usize>load<u32>(q) * ld, x1 = x + <usize>load<u32>(q, 4) * ld, x2 = x + <usize>load<u32>(q, 8) * ld;
      let s0 = f32x4.splat(0), t0 = f32x4.splat(0), s1 = f32x4.splat(0), t1 = f32x4.splat(0), s2 = f32x4.splat(0), t2 = f32x4.splat(0);
      for (let j = 0; j < N8; j += 8) {
        const o = <usize>j << 2;
        const ga = v128.load(dyr + o), gc = v128.load(dyr + o, 16);
        s0 = madd(ga, v128.load(x0 + o), s0); t0 = madd(gc, v128.load(x0 + o, 16), t0);
        s1 = madd(ga, v128.load(x1 + o), s1); t1 = madd(gc, v128.load(x1 + o, 16), t1);
        s2 = madd(ga, v128.load(x2 + o), s2); t2 = madd(gc, v128.load(x2 + o, 16), t2);
      }
      storeGrad(dvalues + (<usize>p << 2), finishDot(dyr, x0, s0, t0, N8, N), accumulate);
      storeGrad(dvalues + (<usize>(p + 1) << 2), finishDot(dyr, x1, s1, t1, N8, N), accumulate);
      storeGrad(dvalues + (<usize>(p + 2) << 2), finishDot(dyr, x2, s2, t2, N8, N), accumulate);
    }
    for (; p < e; p++) {
      const px = x + <usize>load<u32>(colIdx + (<usize>p << 2)) * ld;
      let s0 = f32x4.splat(0), t0 = f32x4.splat(0);
      for (let j = 0; j < N8; j += 8) {
        const o = <usize>j << 2;
        s0 = madd(v128.load(dyr + o), v128.load(px + o), s0);
        t0 = madd(v128.load(dyr + o, 16), v128.load(px + o, 16), t0);
      }
      storeGrad(dvalues + (<usize>p << 2), finishDot(dyr, px, s0, t0, N8, N), accumulate);
    }
  }
}

/** The end of one kept weight's dot product after its first N8 columns: one 4-column step into s0, then the scalar columns. */
// @ts-ignore: decorator
@inline
function finishDot(dyr: usize, px: usize, s0: v128, s1: v128, N8: i32, N: i32): f32 {
  let j = N8;
  if (j + 4 <= N) { const o = <usize>j << 2; s0 = madd(v128.load(dyr + o), v128.load(px + o), s0); j += 4; }
  let g = hsum(f32x4.add(s0, s1));
  for (; j < N; j++) g += load<f32>(dyr + (<usize>j << 2)) * load<f32>(px + (<usize>j << 2));
  return g;
}

// @ts-ignore: decorator
@inline
function storeGrad(pv: usize, g: f32, accumulate: bool): void {
  store<f32>(pv, accumulate ? load<f32>(pv) + g : g);
}

/** values[nz] = dense[r, c] for every kept position: dense [M,K] to the compact CSR values. */
export function csr_gather(rowPtr: usize, colIdx: usize, dense: usize, values: usize, M: i32, K: i32): void {
  const ld = <usize>K << 2;
  for (let r = 0; r < M; r++) {
    const s = rowStart(rowPtr, r), e = rowStart(rowPtr, r + 1);
    const row = dense + <usize>r * ld;
    for (let p = s; p < e; p++) {
      store<f32>(values + (<usize>p << 2), load<f32>(row + (<usize>load<u32>(colIdx + (<usize>p << 2)) << 2)));
    }
  }
}

/** dense[M,K] = 0 everywhere except dense[r, c] = values[nz] at kept positions. */
export function csr_scatter(rowPtr: usize, colIdx: usize, values: usize, dense: usize, M: i32, K: i32): void {
  const ld = <usize>K << 2;
  memory.fill(dense, 0, <usize>M * ld);
  for (let r = 0; r < M; r++) {
    const s = rowStart(rowPtr, r), e = rowStart(rowPtr, r + 1);
    const row = dense + <usize>r * ld;
    for (let p = s; p < e; p++) {
      store<f32>(row + (<usize>load<u32>(colIdx + (<usize>p << 2)) << 2), load<f32>(values + (<usize>p << 2)));
    }
  }
}
