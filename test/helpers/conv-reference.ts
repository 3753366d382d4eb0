// Naive convolution references on CHWN arrays (f64 accumulation): forward, input gradient and
// weight gradient, for any kernel size, stride and zero padding.

export interface RefConv {
  C: number;
  H: number;
  W: number;
  M: number;
  K: number;
  stride: number;
  pad: number;
  N: number;
}

export function outSize(c: RefConv): [number, number] {
  return [Math.floor((c.H + 2 * c.pad - c.K) / c.stride) + 1, Math.floor((c.W + 2 * c.pad - c.K) / c.stride) + 1];
}

const xi = (c: RefConv, ch: number, h: number, w: number, n: number) => ((ch * c.H + h) * c.W + w) * c.N + n;

/** y [M, OH, OW, N] = conv(x [C, H, W, N], w [M, C, K, K]); also returns Σ|w·x| per output. */
export function refConvForward(c: RefConv, x: ArrayLike<number>, w: ArrayLike<number>): { value: Float64Array; magnitude: Float64Array } {
  const [OH, OW] = outSize(c);
  const value = new Float64Array(c.M * OH * OW * c.N),
    magnitude = new Float64Array(value.length);
  for (let m = 0; m < c.M; m++)
    for (let oh = 0; oh < OH; oh++)
      for (let ow = 0; ow < OW; ow++)
        for (let n = 0; n < c.N; n++) {
          let s = 0,
            a = 0;
          for (let ch = 0; ch < c.C; ch++)
            for (let kh = 0; kh < c.K; kh++)
              for (let kw = 0; kw < c.K; kw++) {
                const h = oh * c.stride + kh - c.pad,
                  ww = ow * c.stride + kw - c.pad;
                if (h < 0 || h >= c.H || ww < 0 || ww >= c.W) continue;
                const p = w[((m * c.C + ch) * c.K + kh) * c.K + kw]! * x[xi(c, ch, h, ww, n)]!;
                s += p;
                a += Math.abs(p);
              }
          const o = ((m * OH + oh) * OW + ow) * c.N + n;
          value[o] = s;
          magnitude[o] = a;
        }
  return { value, magnitude };
}

/** dx [C, H, W, N] and dw [M, C, K, K] from dy [M, OH, OW, N]. */
export function refConvBackward(c: RefConv, x: ArrayLike<number>, w: ArrayLike<number>, dy: ArrayLike<number>) {
  const [OH, OW] = outSize(c);
  const dx = new Float64Array(c.C * c.H * c.W * c.N),
    dxMag = new Float64Array(dx.length);
  const dw = new Float64Array(c.M * c.C * c.K * c.K),
    dwMag = new Float64Array(dw.length);
  for (let m = 0; m < c.M; m++)
    for (let oh = 0; oh < OH; oh++)
      for (let ow = 0; ow < OW; ow++)
        for (let n = 0; n < c.N; n++) {
          const g = dy[((m * OH + oh) * OW + ow) * c.N + n]!;
          for (let ch = 0; ch < c.C; ch++)
            for (let kh = 0; kh < c.K; kh++)
              for (let kw = 0; kw < c.K; kw++) {
                const h = oh * c.stride + kh - c.pad,
                  ww = ow * c.stride + kw - c.pad;
                if (h < 0 || h >= c.H || ww < 0 || ww >= c.W) continue;
                const wi = ((m * c.C + ch) * c.K + kh) * c.K + kw,
                  x0 = xi(c, ch, h, ww, n);
                dx[x0]! += g * w[wi]!;
                dxMag[x0]! += Math.abs(g * w[wi]!);
                dw[wi]! += g * x[x0]!;
                dwMag[wi]! += Math.abs(g * x[x0]!);
              }
        }
  return { dx: { value: dx, magnitude: dxMag }, dw: { value: dw, magnitude: dwMag } };
}
