// A small, fast, seedable PRNG (sfc32, 128-bit state) with derivation of independent streams by
// name, so every random choice in an experiment (init, data order, dropout, reinit, random masks)
// has its own stream and changing one never shifts another. Same seed, same numbers, everywhere.

/** 32-bit FNV-1a over a string, then a murmur3 finalizer: a stable hash for stream names. */
export function hash32(text: string, seed = 0): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * A seedable sfc32 generator (128-bit state). Streams derived by name are independent, so each random
 * choice of an experiment (init, data order, dropout, random masks) has its own and changing one never
 * shifts another. Same seed and stream, same numbers, on every platform.
 */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spare: number | null = null;

  /** `seed` is any integer; `stream` names an independent sequence derived from it. */
  constructor(
    readonly seed: number,
    readonly stream = "",
  ) {
    if (!Number.isSafeInteger(seed)) throw new Error(`Rng: seed must be an integer, got ${seed}`);
    const lo = seed >>> 0;
    const hi = Math.floor(seed / 2 ** 32) >>> 0;
    this.a = hash32(stream, lo);
    this.b = hash32(stream, hi ^ 0x9e3779b9);
    this.c = hash32(`${stream}#c`, lo ^ 0x7f4a7c15);
    this.d = 1;
    for (let i = 0; i < 15; i++) this.nextU32();
  }

  /** An independent generator for a named sub-stream. */
  derive(name: string | number): Rng {
    return new Rng(this.seed, this.stream === "" ? String(name) : `${this.stream}/${name}`);
  }

  /** The next raw 32-bit value, an integer in [0, 2^32). */
  nextU32(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = ((this.c << 21) | (this.c >>> 11)) >>> 0;
    this.c = (this.c + t) >>> 0;
    return t;
  }

  /** Uniform in [0, 1) with 32 bits of randomness. */
  float(): number {
    return this.nextU32() / 4294967296;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    if (!(Number.isInteger(n) && n > 0 && n <= 2 ** 32)) throw new Error(`Rng.int: n must be an integer in [1, 2^32], got ${n}`);
    // Rejection sampling keeps it exactly uniform.
    const limit = 4294967296 - (4294967296 % n);
    let x: number;
    do x = this.nextU32();
    while (x >= limit);
    return x % n;
  }

  /** Standard normal (Box-Muller; the second value of each pair is kept for the next call). */
  normal(): number {
    if (this.spare !== null) {
      const s = this.spare;
      this.spare = null;
      return s;
    }
    let u = 0;
    while (u === 0) u = this.float();
    const v = this.float();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** Fisher-Yates shuffle in place. */
  shuffle<T extends { length: number; [i: number]: unknown }>(array: T): T {
    for (let i = array.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = array[i];
      array[i] = array[j];
      array[j] = t;
    }
    return array;
  }

  /** A permutation of 0..n-1. */
  permutation(n: number): Uint32Array {
    const p = new Uint32Array(n);
    for (let i = 0; i < n; i++) p[i] = i;
    return this.shuffle(p);
  }
}
