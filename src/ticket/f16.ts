// IEEE 754 binary16 ("half") conversion for f16 tickets: halves the weight values' bytes at the cost
// of 11 significant bits. Encoding rounds to nearest, ties to even (as hardware conversions do);
// decoding is exact (every half is an f32), through a table built on first use.

const f32 = new Float32Array(1);
const bits = new Uint32Array(f32.buffer);

/** The binary16 bits nearest to `v` (after rounding v to f32), ties to even; ±Infinity beyond 65504. */
export function toHalfBits(v: number): number {
  f32[0] = v;
  const x = bits[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  const mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    // A half subnormal m·2^-24: shift the 24-bit significand right by 14 − e.
    if (e < -10) return sign;
    const m = mant | 0x800000,
      shift = 14 - e;
    const rem = m & ((1 << shift) - 1),
      halfway = 1 << (shift - 1);
    let r = m >>> shift;
    if (rem > halfway || (rem === halfway && (r & 1) === 1)) r++;
    return sign | r;
  }
  let r = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  // A carry out of the significand bumps the exponent, which is the right result (up to Infinity).
  if (rem > 0x1000 || (rem === 0x1000 && (r & 1) === 1)) r++;
  return sign | r;
}

function halfValue(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >>> 10) & 0x1f,
    m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 0x1f) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

let table: Float32Array | null = null;

/** Decodes halves into f32 (exactly). */
export function halfToFloat(src: Uint16Array, dst: Float32Array): void {
  if (!table) {
    table = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) table[h] = halfValue(h);
  }
  const t = table;
  for (let i = 0; i < src.length; i++) dst[i] = t[src[i]!]!;
}

/** Encodes f32 values as halves; returns the index of the first finite value too large for f16, or −1. */
export function floatToHalf(src: Float32Array, dst: Uint16Array): number {
  let overflow = -1;
  for (let i = 0; i < src.length; i++) {
    const h = toHalfBits(src[i]!);
    if (overflow < 0 && (h & 0x7c00) === 0x7c00 && Number.isFinite(src[i]!)) overflow = i;
    dst[i] = h;
  }
  return overflow;
}

/** The f32 value an f16 file stores for `v`. */
export function roundToHalf(v: number): number {
  return halfValue(toHalfBits(v));
}
