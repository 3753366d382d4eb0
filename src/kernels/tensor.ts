// A Tensor is a typed view of a region of wasm linear memory: an offset, a shape and a dtype.
// It never owns a copy. `data` returns a typed-array view over the memory, refreshed when the
// memory grows (growing replaces the underlying buffer).

/** Element types a tensor can hold (wasm memory views of these widths). */
export type DType = "f32" | "i32" | "u32" | "u8";

/** The typed array that views a tensor of dtype D. */
export type ArrayOf<D extends DType> = D extends "f32" ? Float32Array : D extends "i32" ? Int32Array : D extends "u32" ? Uint32Array : Uint8Array;

export const BYTES: Record<DType, number> = { f32: 4, i32: 4, u32: 4, u8: 1 };

const CTOR = { f32: Float32Array, i32: Int32Array, u32: Uint32Array, u8: Uint8Array } as const;

/** The memory a tensor lives in (a Kernels instance); tensors of different memories never mix. */
export interface MemoryOwner {
  readonly memory: WebAssembly.Memory;
}

/** A shape as "[a,b,c]", for messages. */
export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(",")}]`;
}

/** Number of elements of a shape (1 for []). */
export function shapeSize(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** A typed view of a region of wasm linear memory: an offset (`ptr`, bytes), a shape and a dtype. It owns no copy; `data` is refreshed when the memory grows. */
export class Tensor<D extends DType = "f32"> {
  readonly size: number;
  private view: ArrayOf<D> | null = null;
  private viewBuffer: ArrayBufferLike | null = null;

  constructor(
    readonly owner: MemoryOwner,
    readonly ptr: number,
    readonly shape: readonly number[],
    readonly dtype: D,
  ) {
    this.size = shapeSize(shape);
  }

  get bytes(): number {
    return this.size * BYTES[this.dtype];
  }

  /** A typed array over this tensor's memory (not a copy: writes go to wasm memory). */
  get data(): ArrayOf<D> {
    const buffer = this.owner.memory.buffer;
    if (this.view === null || this.viewBuffer !== buffer) {
      this.view = new CTOR[this.dtype](buffer, this.ptr, this.size) as ArrayOf<D>;
      this.viewBuffer = buffer;
    }
    return this.view;
  }

  /** The same memory seen with another shape of the same size. */
  reshape(shape: readonly number[]): Tensor<D> {
    if (shapeSize(shape) !== this.size) {
      throw new Error(`reshape: cannot view ${this.dtype}${formatShape(this.shape)} (size ${this.size}) as ${formatShape(shape)} (size ${shapeSize(shape)})`);
    }
    return new Tensor(this.owner, this.ptr, shape, this.dtype);
  }

  /** Rows [start, end) of the first axis, as a tensor over the same memory. */
  rows(start: number, end: number): Tensor<D> {
    const rows = this.shape[0] ?? 1;
    if (!(Number.isInteger(start) && Number.isInteger(end) && 0 <= start && start <= end && end <= rows)) {
      throw new Error(`rows: range [${start}, ${end}) is outside ${this.dtype}${formatShape(this.shape)}`);
    }
    const rowSize = rows === 0 ? 0 : this.size / rows;
    return new Tensor(this.owner, this.ptr + start * rowSize * BYTES[this.dtype], [end - start, ...this.shape.slice(1)], this.dtype);
  }

  /** dtype and shape, e.g. "f32[300,784]", for messages. */
  toString(): string {
    return `${this.dtype}${formatShape(this.shape)}`;
  }
}
