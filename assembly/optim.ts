// Optimizer updates. With mask != 0 (f32, 0 = pruned) the gradient is zeroed at pruned positions
// before it touches the optimizer state, and the weight is forced to exactly 0 there, so a pruned
// weight and its state stay 0 for any number of steps (weight decay cannot revive it). With
// mask == 0 the update runs over all n elements (the compact nonzero arrays of a sparse layer).
import { nonzero } from "./simd";

/**
 * SGD with momentum, L2 weight decay and optional Nesterov (PyTorch's formulation, dampening 0):
 *   g' = g + wd·w;  buf = momentum·buf + g';  w -= lr·(nesterov ? g' + momentum·buf : buf)
 * With momentum == 0, buf is not touched (it may be 0).
 */
export function sgd(w: usize, g: usize, buf: usize, mask: usize, n: i32,
                    lr: f32, momentum: f32, weightDecay: f32, nesterov: bool): void {
  const vlr = f32x4.splat(lr), vm = f32x4.splat(momentum), vwd = f32x4.splat(weightDecay);
  const all = i32x4.splat(-1);
  const useMom = momentum != 0;
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const keep = mask != 0 ? nonzero(v128.load(mask + o)) : all;
    let wv = v128.load(w + o);
    let gv = v128.and(f32x4.add(v128.load(g + o), f32x4.mul(vwd, wv)), keep);
    if (useMom) {
      const b = f32x4.add(f32x4.mul(vm, v128.load(buf + o)), gv);
      v128.store(buf + o, b);
      gv = nesterov ? f32x4.add(gv, f32x4.mul(vm, b)) : b;
    }
    wv = v128.and(f32x4.sub(wv, f32x4.mul(vlr, gv)), keep);
    v128.store(w + o, wv);
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const keep = mask == 0 || load<f32>(mask + o) != 0;
    const wv = load<f32>(w + o);
    let gv: f32 = keep ? load<f32>(g + o) + weightDecay * wv : 0;
    if (useMom) {
      const b = momentum * load<f32>(buf + o) + gv;
      store<f32>(buf + o, b);
      gv = nesterov ? gv + momentum * b : b;
    }
    store<f32>(w + o, keep ? wv - lr * gv : 0);
  }
}

/**
 * Adam (PyTorch's formulation, L2 weight decay added to the gradient):
 *   m = β1·m + (1−β1)·g;  v = β2·v + (1−β2)·g²;  w -= stepSize · m / (sqrt(v)·invSqrtBc2 + eps)
 * with stepSize = lr / (1 − β1^t) and invSqrtBc2 = 1 / sqrt(1 − β2^t) computed by the caller.
 */
export function adam(w: usize, g: usize, m: usize, v: usize, mask: usize, n: i32,
                     stepSize: f32, beta1: f32, beta2: f32, invSqrtBc2: f32, eps: f32, weightDecay: f32): void {
  const vb1 = f32x4.splat(beta1), vb1c = f32x4.splat(1 - beta1);
  const vb2 = f32x4.splat(beta2), vb2c = f32x4.splat(1 - beta2);
  const vstep = f32x4.splat(stepSize), vbc2 = f32x4.splat(invSqrtBc2), veps = f32x4.splat(eps);
  const vwd = f32x4.splat(weightDecay);
  const all = i32x4.splat(-1);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const keep = mask != 0 ? nonzero(v128.load(mask + o)) : all;
    const wv = v128.load(w + o);
    const gv = v128.and(f32x4.add(v128.load(g + o), f32x4.mul(vwd, wv)), keep);
    const mv = f32x4.add(f32x4.mul(vb1, v128.load(m + o)), f32x4.mul(vb1c, gv));
    const vv = f32x4.add(f32x4.mul(vb2, v128.load(v + o)), f32x4.mul(vb2c, f32x4.mul(gv, gv)));
    v128.store(m + o, mv);
    v128.store(v + o, vv);
    const denom = f32x4.add(f32x4.mul(f32x4.sqrt(vv), vbc2), veps);
    v128.store(w + o, v128.and(f32x4.sub(wv, f32x4.div(f32x4.mul(vstep, mv), denom)), keep));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const keep = mask == 0 || load<f32>(mask + o) != 0;
    const wv = load<f32>(w + o);
    const gv: f32 = keep ? load<f32>(g + o) + weightDecay * wv : 0;
    const mv = beta1 * load<f32>(m + o) + (1 - beta1) * gv;
    const vv = beta2 * load<f32>(v + o) + (1 - beta2) * (gv * gv);
    store<f32>(m + o, mv);
    store<f32>(v + o, vv);
    store<f32>(w + o, keep ? wv - (stepSize * mv) / (Mathf.sqrt(vv) * invSqrtBc2 + eps) : 0);
  }
}
