// Elementwise and per-feature ops on feature-major tensors ([features, batch], batch contiguous).
import { nonzero } from "./simd";

/** ptr[0:n] = value. */
export function fill(ptr: usize, n: i32, value: f32): void {
  const v = f32x4.splat(value);
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(ptr + (<usize>i << 2), v);
  for (; i < n; i++) store<f32>(ptr + (<usize>i << 2), value);
}

/** dst[0:n] += src[0:n] (gradient reduction across replicas). */
export function add_to(dst: usize, src: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(dst + o, f32x4.add(v128.load(dst + o), v128.load(src + o)));
  }
  for (; i < n; i++) { const o = <usize>i << 2; store<f32>(dst + o, load<f32>(dst + o) + load<f32>(src + o)); }
}

/** ptr[0:n] *= s. */
export function scale(ptr: usize, n: i32, s: f32): void {
  const v = f32x4.splat(s);
  let i = 0;
  for (; i + 4 <= n; i += 4) { const o = <usize>i << 2; v128.store(ptr + o, f32x4.mul(v128.load(ptr + o), v)); }
  for (; i < n; i++) { const o = <usize>i << 2; store<f32>(ptr + o, load<f32>(ptr + o) * s); }
}

/** w[i] = mask[i] != 0 ? w[i] : 0 (exact zero, whatever w holds). */
export function mask_apply(w: usize, mask: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(w + o, v128.and(v128.load(w + o), nonzero(v128.load(mask + o))));
  }
  for (; i < n; i++) { const o = <usize>i << 2; if (load<f32>(mask + o) == 0) store<f32>(w + o, 0); }
}

/** y[r, :] += b[r], and with relu = true then y = max(y, 0). */
export function bias_act(y: usize, b: usize, M: i32, N: i32, relu: bool): void {
  const ld = <usize>N << 2;
  const zero = f32x4.splat(0);
  for (let r = 0; r < M; r++) {
    const row = y + <usize>r * ld;
    const bs = load<f32>(b + (<usize>r << 2));
    const bv = f32x4.splat(bs);
    let j = 0;
    if (relu) {
      for (; j + 4 <= N; j += 4) { const o = <usize>j << 2; v128.store(row + o, f32x4.max(f32x4.add(v128.load(row + o), bv), zero)); }
      for (; j < N; j++) { const o = <usize>j << 2; store<f32>(row + o, max<f32>(load<f32>(row + o) + bs, 0)); }
    } else {
      for (; j + 4 <= N; j += 4) { const o = <usize>j << 2; v128.store(row + o, f32x4.add(v128.load(row + o), bv)); }
      for (; j < N; j++) { const o = <usize>j << 2; store<f32>(row + o, load<f32>(row + o) + bs); }
    }
  }
}

/** db[r] (+)= Σ_n dy[r, n]. */
export function bias_grad(dy: usize, db: usize, M: i32, N: i32, accumulate: bool): void {
  const ld = <usize>N << 2;
  for (let r = 0; r < M; r++) {
    const row = dy + <usize>r * ld;
    let s0 = f32x4.splat(0), s1 = f32x4.splat(0);
    let j = 0;
    for (; j + 8 <= N; j += 8) { const o = <usize>j << 2; s0 = f32x4.add(s0, v128.load(row + o)); s1 = f32x4.add(s1, v128.load(row + o, 16)); }
    for (; j + 4 <= N; j += 4) s0 = f32x4.add(s0, v128.load(row + (<usize>j << 2)));
    const t = f32x4.add(s0, s1);
    let s = (f32x4.extract_lane(t, 0) + f32x4.extract_lane(t, 2)) + (f32x4.extract_lane(t, 1) + f32x4.extract_lane(t, 3));
    for (; j < N; j++) s += load<f32>(row + (<usize>j << 2));
    const pb = db + (<usize>r << 2);
    store<f32>(pb, accumulate ? load<f32>(pb) + s : s);
  }
}

/**
 * relu_backward then bias_grad in one pass: dy [M, N] (in place) = dy where y > 0, else 0, and
 * db (+)= the rows' sums of the masked dy, added in bias_grad's order, so the same bits as the two
 * kernels one after the other with one read of dy fewer (15.7 MB per step for a Conv-2 layer).
 */
export function relu_bias_grad(y: usize, dy: usize, db: usize, M: i32, N: i32, accumulate: bool): void {
  const ld = <usize>N << 2;
  const zero = f32x4.splat(0);
  for (let r = 0; r < M; r++) {
    const row = dy + <usize>r * ld, yr = y + <usize>r * ld;
    let s0 = f32x4.splat(0), s1 = f32x4.splat(0);
    let j = 0;
    for (; j + 8 <= N; j += 8) {
      const o = <usize>j << 2;
      const d0 = v128.and(v128.load(row + o), f32x4.gt(v128.load(yr + o), zero));
      const d1 = v128.and(v128.load(row + o, 16), f32x4.gt(v128.load(yr + o, 16), zero));
      v128.store(row + o, d0);
      v128.store(row + o, d1, 16);
      s0 = f32x4.add(s0, d0);
      s1 = f32x4.add(s1, d1);
    }
    for (; j + 4 <= N; j += 4) {
      const o = <usize>j << 2;
      const d0 = v128.and(v128.load(row + o), f32x4.gt(v128.load(yr + o), zero));
      v128.store(row + o, d0);
      s0 = f32x4.add(s0, d0);
    }
    const t = f32x4.add(s0, s1);
    let s = (f32x4.extract_lane(t, 0) + f32x4.extract_lane(t, 2)) + (f32x4.extract_lane(t, 1) + f32x4.extract_lane(t, 3));
    for (; j < N; j++) {
      const o = <usize>j << 2;
      const d: f32 = load<f32>(yr + o) > 0 ? load<f32>(row + o) : 0;
      store<f32>(row + o, d);
      s += d;
    }
    const pb = db + (<usize>r << 2);
    store<f32>(pb, accumulate ? load<f32>(pb) + s : s);
  }
}

/** y = max(x, 0); x and y may alias. */
export function relu(x: usize, y: usize, n: i32): void {
  const zero = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) { const o = <usize>i << 2; v128.store(y + o, f32x4.max(v128.load(x + o), zero)); }
  for (; i < n; i++) { const o = <usize>i << 2; store<f32>(y + o, max<f32>(load<f32>(x + o), 0)); }
}

/** y = max(a + b, 0): a residual block's join in one pass (y may alias a or b). */
export function add_relu(a: usize, b: usize, y: usize, n: i32): void {
  const zero = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(y + o, f32x4.max(f32x4.add(v128.load(a + o), v128.load(b + o)), zero));
  }
  for (; i < n; i++) { const o = <usize>i << 2; store<f32>(y + o, max<f32>(load<f32>(a + o) + load<f32>(b + o), 0)); }
}

/** dx = y > 0 ? dy : 0, from the ReLU's output y; dy and dx may alias. */
export function relu_backward(y: usize, dy: usize, dx: usize, n: i32): void {
  const zero = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(dx + o, v128.and(v128.load(dy + o), f32x4.gt(v128.load(y + o), zero)));
  }
  for (; i < n; i++) { const o = <usize>i << 2; store<f32>(dx + o, load<f32>(y + o) > 0 ? load<f32>(dy + o) : 0); }
}
