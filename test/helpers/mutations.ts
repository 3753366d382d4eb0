// Byte-level mutations of valid files for the fuzz tests (test/fuzz/*.test.ts): bit flips (often in
// the header, where the lengths are), truncations, trailing bytes, and a header length field set
// to a huge, zero or off-by-one value. Each loader must reject every mutant with its own error type,
// or accept it only when it still means what a valid file means.
import fc from "fast-check";

/** An unsigned 32-bit field of the file's header. */
export interface U32Field {
  name: string;
  at: number;
  littleEndian: boolean;
}

export type Mutation =
  | { kind: "flip"; bits: { at: number; bit: number }[] }
  | { kind: "truncate"; length: number }
  | { kind: "extend"; bytes: number[] }
  | { kind: "field"; field: U32Field; value: number };

/** Seeded and time-bounded: thousands of cases in a few seconds, the same ones on every run. */
export const FUZZ_SEED = 17;

function u32Values(original: number): fc.Arbitrary<number> {
  return fc.oneof(
    fc.constantFrom(0, 1, 0x7fffffff, 0x80000000, 0xfffffff0, 0xffffffff),
    fc.integer({ min: -8, max: 8 }).map((d) => Math.min(0xffffffff, Math.max(0, original + d))),
    fc.nat({ max: 0xffffffff }),
  );
}

/** Mutations of `bytes`; `headerBytes` attract half the bit flips, `fields` can be set to chosen values. */
export function mutationOf(bytes: Uint8Array, headerBytes: number, fields: readonly U32Field[]): fc.Arbitrary<Mutation> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const position = fc.oneof(fc.nat({ max: Math.min(headerBytes, bytes.length) - 1 }), fc.nat({ max: bytes.length - 1 }));
  const flip = fc.array(fc.record({ at: position, bit: fc.nat({ max: 7 }) }), { minLength: 1, maxLength: 8 }).map((bits): Mutation => ({ kind: "flip", bits }));
  const truncate = fc
    .oneof(fc.nat({ max: Math.min(headerBytes * 2, bytes.length - 1) }), fc.nat({ max: bytes.length - 1 }))
    .map((length): Mutation => ({ kind: "truncate", length }));
  const extend = fc.array(fc.nat({ max: 255 }), { minLength: 1, maxLength: 16 }).map((extra): Mutation => ({ kind: "extend", bytes: extra }));
  const arbitraries = [flip, truncate, extend];
  if (fields.length) {
    arbitraries.push(
      fc
        .constantFrom(...fields)
        .chain((field) => u32Values(view.getUint32(field.at, field.littleEndian)).map((value): Mutation => ({ kind: "field", field, value }))),
    );
  }
  return fc.oneof(...arbitraries);
}

export function mutate(bytes: Uint8Array, m: Mutation): Uint8Array {
  switch (m.kind) {
    case "flip": {
      const out = Uint8Array.from(bytes);
      for (const { at, bit } of m.bits) out[at] = out[at]! ^ (1 << bit);
      return out;
    }
    case "truncate":
      return bytes.slice(0, m.length);
    case "extend": {
      const out = new Uint8Array(bytes.length + m.bytes.length);
      out.set(bytes);
      out.set(m.bytes, bytes.length);
      return out;
    }
    case "field": {
      const out = Uint8Array.from(bytes);
      new DataView(out.buffer).setUint32(m.field.at, m.value, m.field.littleEndian);
      return out;
    }
  }
}

export function describe(m: Mutation): string {
  switch (m.kind) {
    case "flip":
      return `bits flipped at ${m.bits.map((b) => `${b.at}.${b.bit}`).join(", ")}`;
    case "truncate":
      return `truncated to ${m.length} bytes`;
    case "extend":
      return `${m.bytes.length} bytes appended`;
    case "field":
      return `${m.field.name} set to ${m.value}`;
  }
}

/** Cases run and how they ended, for the test's log and README's figures. */
export class Tally {
  readonly counts = new Map<string, number>();

  add(outcome: string): void {
    this.counts.set(outcome, (this.counts.get(outcome) ?? 0) + 1);
  }

  get total(): number {
    return [...this.counts.values()].reduce((a, b) => a + b, 0);
  }

  toString(): string {
    return `${this.total} cases: ${[...this.counts]
      .sort((a, b) => b[1] - a[1])
      .map(([k, v]) => `${v} ${k}`)
      .join(", ")}`;
  }
}

/** Runs a property (seeded, at most `numRuns` cases and `seconds`); fails with the counterexample and the seed. */
export async function fuzz<T>(
  arb: fc.Arbitrary<T>,
  check: (value: T) => Promise<void> | void,
  numRuns: number,
  seconds: number,
): Promise<{ failed: string | null; runs: number }> {
  const details = await fc.check(
    fc.asyncProperty(arb, async (v) => {
      await check(v);
    }),
    { seed: FUZZ_SEED, numRuns, interruptAfterTimeLimit: seconds * 1000, markInterruptAsFailure: false, endOnFailure: true },
  );
  if (!details.failed) return { failed: null, runs: details.numRuns };
  return {
    failed: `seed ${details.seed}, counterexample ${JSON.stringify(details.counterexample)}: ${(details.errorInstance as Error | undefined)?.stack ?? details.errorInstance}`,
    runs: details.numRuns,
  };
}
