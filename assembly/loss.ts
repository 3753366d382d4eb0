// Softmax cross-entropy and accuracy on logits laid out [classes, batch].

/**
 * Returns Σ_n −log softmax(z[:, n])[label_n] (in f64), computed stably by subtracting each column's
 * maximum. If grad != 0, writes grad[c, n] = (softmax − onehot) · gradScale (gradScale = 1/N gives
 * the gradient of the mean loss). labels are i32 in [0, C).
 */
export function softmax_xent(logits: usize, labels: usize, grad: usize, C: i32, N: i32, gradScale: f32): f64 {
  const ld = <usize>N << 2;
  let total: f64 = 0;
  for (let n = 0; n < N; n++) {
    const col = logits + (<usize>n << 2);
    let mx = load<f32>(col);
    for (let c = 1; c < C; c++) mx = max<f32>(mx, load<f32>(col + <usize>c * ld));
    let sum: f32 = 0;
    for (let c = 0; c < C; c++) sum += Mathf.exp(load<f32>(col + <usize>c * ld) - mx);
    const label = load<i32>(labels + (<usize>n << 2));
    const zl = load<f32>(col + <usize>label * ld);
    total += <f64>(Mathf.log(sum) - (zl - mx));
    if (grad != 0) {
      const gcol = grad + (<usize>n << 2);
      const inv = gradScale / sum;
      for (let c = 0; c < C; c++) {
        let g = Mathf.exp(load<f32>(col + <usize>c * ld) - mx) * inv;
        if (c == label) g -= gradScale;
        store<f32>(gcol + <usize>c * ld, g);
      }
    }
  }
  return total;
}

/** out[n] = argmax_c z[c, n] (first maximum on ties). */
export function argmax(logits: usize, out: usize, C: i32, N: i32): void {
  const ld = <usize>N << 2;
  for (let n = 0; n < N; n++) {
    const col = logits + (<usize>n << 2);
    let best = 0;
    let mx = load<f32>(col);
    for (let c = 1; c < C; c++) {
      const v = load<f32>(col + <usize>c * ld);
      if (v > mx) { mx = v; best = c; }
    }
    store<i32>(out + (<usize>n << 2), best);
  }
}

/** Number of columns whose argmax equals the label. */
export function count_correct(logits: usize, labels: usize, C: i32, N: i32): i32 {
  const ld = <usize>N << 2;
  let correct = 0;
  for (let n = 0; n < N; n++) {
    const col = logits + (<usize>n << 2);
    let best = 0;
    let mx = load<f32>(col);
    for (let c = 1; c < C; c++) {
      const v = load<f32>(col + <usize>c * ld);
      if (v > mx) { mx = v; best = c; }
    }
    if (best == load<i32>(labels + (<usize>n << 2))) correct++;
  }
  return correct;
}
