// A naive multilayer perceptron in f64 (plain loops), the reference the pruning criteria are
// checked against: forward, mean cross-entropy with a temperature, and the weight gradients.
export interface RefLayer {
  name: string;
  rows: number;
  cols: number;
  w: Float64Array;
  b: Float64Array;
  relu: boolean;
}

/** Mean cross-entropy of softmax(z/T) over the examples, and d(loss)/dW per layer (by backpropagation). */
export function refLossGradient(
  layers: readonly RefLayer[],
  xs: readonly Float64Array[],
  labels: readonly number[],
  temperature = 1,
): { loss: number; grads: Float64Array[] } {
  const grads = layers.map((l) => new Float64Array(l.rows * l.cols));
  let loss = 0;
  const N = xs.length;
  for (let n = 0; n < N; n++) {
    const acts: Float64Array[] = [xs[n]!];
    for (const l of layers) {
      const x = acts[acts.length - 1]!,
        y = new Float64Array(l.rows);
      for (let i = 0; i < l.rows; i++) {
        let s = l.b[i]!;
        for (let j = 0; j < l.cols; j++) s += l.w[i * l.cols + j]! * x[j]!;
        y[i] = l.relu ? Math.max(0, s) : s;
      }
      acts.push(y);
    }
    const z = acts[acts.length - 1]!.map((v) => v / temperature);
    const max = Math.max(...z);
    const e = z.map((v) => Math.exp(v - max));
    const sum = e.reduce((a, b) => a + b, 0);
    loss += -(z[labels[n]!]! - max - Math.log(sum)) / N;
    let dy = e.map((v, c) => (v / sum - (c === labels[n] ? 1 : 0)) / (N * temperature));
    for (let li = layers.length - 1; li >= 0; li--) {
      const l = layers[li]!,
        x = acts[li]!,
        y = acts[li + 1]!;
      if (l.relu) dy = dy.map((v, i) => (y[i]! > 0 ? v : 0));
      const dx = new Float64Array(l.cols);
      for (let i = 0; i < l.rows; i++) {
        for (let j = 0; j < l.cols; j++) {
          grads[li]![i * l.cols + j] = grads[li]![i * l.cols + j]! + dy[i]! * x[j]!;
          dx[j] = dx[j]! + l.w[i * l.cols + j]! * dy[i]!;
        }
      }
      dy = dx;
    }
  }
  return { loss, grads };
}

/** The exact-enough Hessian-gradient product Hg of the loss in f64: central differences with a tiny step. */
export function refHessianGradient(
  layers: readonly RefLayer[],
  xs: readonly Float64Array[],
  labels: readonly number[],
  temperature: number,
  masks: readonly Uint8Array[],
): { g: Float64Array[]; hg: Float64Array[] } {
  const g = refLossGradient(layers, xs, labels, temperature).grads.map((a, li) => a.map((v, i) => (masks[li]![i] ? v : 0)));
  let tt = 0,
    gg = 0;
  layers.forEach((l, li) =>
    l.w.forEach((v, i) => {
      tt += v * v;
      gg += g[li]![i]! ** 2;
    }),
  );
  const eps = (1e-6 * Math.sqrt(tt)) / Math.sqrt(gg);
  const at = (sign: number) =>
    refLossGradient(
      layers.map((l, li) => ({ ...l, w: l.w.map((v, i) => v + sign * eps * g[li]![i]!) })),
      xs,
      labels,
      temperature,
    ).grads;
  const plus = at(1),
    minus = at(-1);
  return { g, hg: plus.map((p, li) => p.map((v, i) => (v - minus[li]![i]!) / (2 * eps))) };
}

/** SynFlow's scores of a bias-free chain: |w| · ∂R/∂w with R = 1ᵀ|W_L|···|W_1|1, in closed form. */
export function refSynflowScores(layers: readonly RefLayer[], masks: readonly Uint8Array[]): Float64Array[] {
  const abs = layers.map((l, li) => l.w.map((v, i) => (masks[li]![i] ? Math.abs(v) : 0)));
  // forward[l] = |W_{l-1}|···|W_1|1 (the input of layer l), backward[l] = 1ᵀ|W_L|···|W_{l+1}| (the gradient of its output).
  const forward: Float64Array[] = [new Float64Array(layers[0]!.cols).fill(1)];
  layers.forEach((l, li) => {
    const x = forward[li]!,
      y = new Float64Array(l.rows);
    for (let i = 0; i < l.rows; i++) for (let j = 0; j < l.cols; j++) y[i] = y[i]! + abs[li]![i * l.cols + j]! * x[j]!;
    forward.push(y);
  });
  const backward: Float64Array[] = [];
  let d = new Float64Array(layers[layers.length - 1]!.rows).fill(1);
  for (let li = layers.length - 1; li >= 0; li--) {
    backward[li] = d;
    const l = layers[li]!,
      dx = new Float64Array(l.cols);
    for (let i = 0; i < l.rows; i++) for (let j = 0; j < l.cols; j++) dx[j] = dx[j]! + abs[li]![i * l.cols + j]! * d[i]!;
    d = dx;
  }
  return layers.map((l, li) => abs[li]!.map((a, idx) => a * backward[li]![Math.floor(idx / l.cols)]! * forward[li]![idx % l.cols]!));
}

/** Naive selection: per pool, the kept weights sorted by score (higher first, then lower position), the first `count` kept. */
export function refKeepTop(pool: { name: string; scores: ArrayLike<number>; mask: Uint8Array }[], count: number): Map<string, Uint8Array> {
  const all: { name: string; i: number; s: number; order: number }[] = [];
  let order = 0;
  for (const p of pool) for (let i = 0; i < p.mask.length; i++) if (p.mask[i]) all.push({ name: p.name, i, s: Math.fround(p.scores[i]!), order: order++ });
  all.sort((a, b) => b.s - a.s || a.order - b.order);
  const out = new Map(pool.map((p) => [p.name, new Uint8Array(p.mask.length)]));
  for (const e of all.slice(0, count)) out.get(e.name)![e.i] = 1;
  return out;
}
