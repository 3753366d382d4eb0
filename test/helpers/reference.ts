// Naive reference implementations (f64 accumulation) and tolerance helpers for kernel tests.
import type { Rng } from "../../src/util/rng.js";

export function randomArray(rng: Rng, n: number, scale = 1): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = (rng.float() * 2 - 1) * scale;
  return a;
}

/** A 0/1 mask with about `density` kept, plus forced empty rows (every 3rd row when asked). */
export function randomMask(rng: Rng, rows: number, cols: number, density: number, emptyRows = false): Float32Array {
  const m = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    if (emptyRows && r % 3 === 1) continue;
    for (let c = 0; c < cols; c++) m[r * cols + c] = rng.float() < density ? 1 : 0;
  }
  return m;
}

export interface RefResult {
  value: Float64Array;
  /** Σ |a·b| per output: the scale against which rounding error is measured. */
  magnitude: Float64Array;
}

/** C = op(A)·op(B) with A stored [M,K] (or [K,M] if transA), B [K,N] (or [N,K] if transB). */
export function refGemm(a: ArrayLike<number>, b: ArrayLike<number>, M: number, K: number, N: number, transA = false, transB = false): RefResult {
  const value = new Float64Array(M * N),
    magnitude = new Float64Array(M * N);
  for (let i = 0; i < M; i++) {
    for (let j = 0; j < N; j++) {
      let s = 0,
        m = 0;
      for (let k = 0; k < K; k++) {
        const x = transA ? a[k * M + i]! : a[i * K + k]!;
        const y = transB ? b[j * K + k]! : b[k * N + j]!;
        s += x * y;
        m += Math.abs(x * y);
      }
      value[i * N + j] = s;
      magnitude[i * N + j] = m;
    }
  }
  return { value, magnitude };
}

/** f32 accumulation error is at most about K·2^-24 relative to Σ|a·b|; we allow 1e-5 of it plus 1e-6. */
export const GEMM_REL_TOL = 1e-5;

/** Returns a description of the first element outside tolerance, or null. */
export function mismatch(got: ArrayLike<number>, ref: RefResult, rel = GEMM_REL_TOL, abs = 1e-6): string | null {
  if (got.length !== ref.value.length) return `length ${got.length} vs ${ref.value.length}`;
  for (let i = 0; i < got.length; i++) {
    const err = Math.abs(got[i]! - ref.value[i]!);
    const tol = rel * ref.magnitude[i]! + abs;
    if (!(err <= tol)) return `element ${i}: got ${got[i]} want ${ref.value[i]} (|err| ${err.toExponential(2)} > tol ${tol.toExponential(2)})`;
  }
  return null;
}

export function exact(values: ArrayLike<number>): RefResult {
  return { value: Float64Array.from(values as ArrayLike<number>), magnitude: new Float64Array(values.length) };
}

/** Wraps plain values with a magnitude equal to |value| (elementwise ops). */
export function elementwise(values: ArrayLike<number>): RefResult {
  const value = Float64Array.from(values as ArrayLike<number>);
  return { value, magnitude: value.map(Math.abs) };
}

export function maskedDense(w: ArrayLike<number>, mask: ArrayLike<number>): Float32Array {
  const out = new Float32Array(w.length);
  for (let i = 0; i < w.length; i++) out[i] = mask[i] !== 0 ? w[i]! : 0;
  return out;
}
