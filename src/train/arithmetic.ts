import type { SimdLevel } from "../kernels/index.js";
import type { KernelMode } from "../nn/network.js";

/**
 * What fixes a run's exact numbers besides its settings and seeds: the thread count (how a batch is
 * split and its partial sums added), the kernels choice (dense and sparse kernels add in different
 * orders) and the SIMD level (relaxed SIMD fuses multiply and add). A run repeated on the same three
 * is bitwise identical; a run resumed on others continues on different arithmetic. Checkpoints and
 * summaries record them, so such a mix is said when it happens and stays visible afterwards.
 */
export interface Arithmetic {
  threads: number;
  kernel_mode: KernelMode;
  simd: SimdLevel;
}

/** A part of a run, from its first iteration on, and the arithmetic it trained on. */
export interface ArithmeticSpan extends Arithmetic {
  from_iteration: number;
}

export function describeArithmetic(a: Arithmetic): string {
  return `${a.threads} thread${a.threads === 1 ? "" : "s"}, --kernels ${a.kernel_mode}, ${a.simd} SIMD`;
}

export function sameArithmetic(a: Arithmetic, b: Arithmetic): boolean {
  return a.threads === b.threads && a.kernel_mode === b.kernel_mode && a.simd === b.simd;
}

/** The settings that give `want` back to a process running on `now` (flags, and the environment for SIMD). */
export function settingsFor(want: Arithmetic, now: Arithmetic): string {
  const parts: string[] = [];
  if (want.threads !== now.threads) parts.push(`--threads ${want.threads}`);
  if (want.kernel_mode !== now.kernel_mode) parts.push(`--kernels ${want.kernel_mode}`);
  if (want.simd !== now.simd) parts.push(`LOTTERY_SIMD=${want.simd} in the environment`);
  return parts.join(" and ");
}

/**
 * The spans of a run resumed at `iteration` on `now`, from what its checkpoint recorded (undefined:
 * a checkpoint of an older version, which recorded nothing). `before` is the arithmetic the run
 * had so far when it differs from now (null when unknown); `changed` is false when nothing changes.
 */
export function continueSpans(
  stored: readonly ArithmeticSpan[] | undefined,
  now: Arithmetic,
  iteration: number,
): { spans: ArithmeticSpan[]; changed: boolean; before: Arithmetic | null } {
  const last = stored?.[stored.length - 1];
  if (last && sameArithmetic(last, now)) return { spans: [...stored!], changed: false, before: null };
  const { threads, kernel_mode, simd } = now;
  return { spans: [...(stored ?? []), { from_iteration: iteration, threads, kernel_mode, simd }], changed: true, before: last ?? null };
}

/** Whether spans describe one arithmetic from the first iteration (else the run is mixed, or partly unknown). */
export function uniform(spans: readonly ArithmeticSpan[]): boolean {
  return spans.length === 1 && spans[0]!.from_iteration === 0;
}

/** Checks a checkpoint's stored spans (JSON), so a damaged one counts as a damaged checkpoint. */
export function isArithmeticSpans(v: unknown): v is ArithmeticSpan[] {
  return (
    Array.isArray(v) &&
    v.length > 0 &&
    v.every(
      (s) =>
        typeof s === "object" &&
        s !== null &&
        Number.isSafeInteger(s.from_iteration) &&
        Number.isSafeInteger(s.threads) &&
        ["auto", "dense", "sparse"].includes(s.kernel_mode) &&
        ["relaxed", "plain"].includes(s.simd),
    )
  );
}
