// Shared SIMD helpers. `madd` compiles to a fused multiply-add in the relaxed-SIMD build and to
// mul + add in the plain SIMD build (ASC_FEATURE_RELAXED_SIMD is a compile-time constant, so the
// other branch is removed). Results of the two builds differ only by FMA rounding.

// @ts-ignore: decorator
@inline
export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(f32x4.mul(a, b), c);
}

/**
 * Scalar a·b + c rounded exactly as one lane of `madd`, for the tail columns of kernels that
 * vectorize along the batch: an example's result then does not depend on whether it falls in a
 * full vector or in the tail (in the relaxed build the vector path is fused, so the tail must be).
 */
// @ts-ignore: decorator
@inline
export function fmadd(a: f32, b: f32, c: f32): f32 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.extract_lane(f32x4.relaxed_madd(f32x4.splat(a), f32x4.splat(b), f32x4.splat(c)), 0);
  return a * b + c;
}

/** Sum of the four lanes, in the order (v0 + v2) + (v1 + v3). */
// @ts-ignore: decorator
@inline
export function hsum(v: v128): f32 {
  const s = f32x4.add(v, v128.shuffle<f32>(v, v, 2, 3, 0, 1));
  return f32x4.extract_lane(s, 0) + f32x4.extract_lane(s, 1);
}

/** Lane mask (all ones / all zeros) of `mask != 0`, so masking is exact even for NaN or Inf values. */
// @ts-ignore: decorator
@inline
export function nonzero(mask: v128): v128 {
  return f32x4.ne(mask, f32x4.splat(0));
}
