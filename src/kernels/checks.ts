// Argument checks shared by every family of kernel bindings (dense, sparse, elementwise, input,
// loss, conv). A check throws an Error that names the op and the shapes before any kernel runs,
// so bad input never reaches wasm as a trap or silent garbage.
//
// When the checks run: a Kernels instance made by `Kernels.create()` checks every call (the
// library's default: a user calling ops directly gets the errors). The training path binds its
// layers once per level with fixed shapes, so it validates each call site once, on the first
// step of every replica (`Kernels.checkedOnce`), and then runs unchecked; `LOTTERY_KERNEL_CHECKS=1`
// (or `checks: "always"`) keeps every call checked, for debugging.
import type { Csr } from "./csr.js";
import type { DType, MemoryOwner, Tensor } from "./tensor.js";

type AnyTensor = Tensor<DType>;

/** A Kernels instance as the checks see it: the memory its tensors must live in. */
export interface CheckedOwner extends MemoryOwner {
  /** Whether ops check their arguments now. */
  readonly checking: boolean;
}

export function fail(op: string, message: string): never {
  throw new Error(`${op}: ${message}`);
}

export function describe(named: Record<string, AnyTensor | Csr | null | undefined>): string {
  return Object.entries(named)
    .filter(([, t]) => t)
    .map(([k, t]) => `${k} ${t!.toString()}`)
    .join(", ");
}

/** Every tensor belongs to `owner` and lies inside its memory. */
export function own(owner: MemoryOwner, op: string, named: Record<string, AnyTensor | null | undefined>): void {
  const end = owner.memory.buffer.byteLength;
  for (const [name, t] of Object.entries(named)) {
    if (!t) continue;
    if (t.owner !== owner) fail(op, `${name} ${t.toString()} belongs to another kernel instance`);
    if (t.ptr <= 0 || t.ptr + t.bytes > end) fail(op, `${name} ${t.toString()} at offset ${t.ptr} is outside memory (${end} bytes)`);
  }
}

export function dtype(op: string, name: string, t: AnyTensor, want: DType): void {
  if (t.dtype !== want) fail(op, `${name} must be ${want}, got ${t.toString()}`);
}

export function dims2(op: string, name: string, t: AnyTensor): [number, number] {
  if (t.shape.length !== 2) fail(op, `${name} must be 2-D, got ${t.toString()}`);
  const [r, c] = t.shape as [number, number];
  if (r <= 0 || c <= 0) fail(op, `${name} ${t.toString()} has an empty dimension`);
  return [r, c];
}

export function nonEmpty(op: string, name: string, t: AnyTensor): void {
  if (t.size <= 0) fail(op, `${name} ${t.toString()} is empty`);
}

export function positiveInt(op: string, what: string, n: number): void {
  if (!Number.isInteger(n) || n <= 0) fail(op, `${what} must be a positive integer, got ${n}`);
}

/** The output does not overlap any input (the kernels read inputs after writing outputs). */
export function disjoint(op: string, out: [string, AnyTensor], inputs: Record<string, AnyTensor | null | undefined>): void {
  const [oname, o] = out;
  for (const [name, t] of Object.entries(inputs)) {
    if (!t) continue;
    if (o.ptr < t.ptr + t.bytes && t.ptr < o.ptr + o.bytes) fail(op, `output ${oname} ${o.toString()} overlaps input ${name} ${t.toString()}`);
  }
}

/** All given tensors have the same nonzero size; returns it. */
export function sameSize(op: string, named: Record<string, AnyTensor | null | undefined>): number {
  let size = -1;
  for (const [name, t] of Object.entries(named)) {
    if (!t) continue;
    if (size < 0) size = t.size;
    else if (t.size !== size) fail(op, `sizes differ: ${describe(named)} (${name} has ${t.size})`);
  }
  if (size <= 0) fail(op, `tensors are empty: ${describe(named)}`);
  return size;
}

/** A hyperparameter inside [lo, hi] (or open at either end). */
export function inRange(op: string, name: string, v: number, lo: number, hi: number, loOpen = false, hiOpen = false): void {
  const ok = Number.isFinite(v) && (loOpen ? v > lo : v >= lo) && (hiOpen ? v < hi : v <= hi);
  if (!ok) fail(op, `${name} = ${v} is outside ${loOpen ? "(" : "["}${lo}, ${hi}${hiOpen ? ")" : "]"}`);
}

export function ownCsr(owner: MemoryOwner, op: string, w: Csr): void {
  own(owner, op, { rowPtr: w.rowPtr, colIdx: w.colIdx, values: w.values });
}
