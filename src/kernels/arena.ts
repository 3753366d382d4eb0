// A bump allocator over wasm linear memory. The orchestrator allocates weights, gradients,
// optimizer state and activations once (per model, per level) and reuses them every step;
// `mark`/`release` scope temporaries. The memory grows on demand up to `limitBytes`.
import { BYTES, type DType, formatShape, shapeSize, Tensor, type MemoryOwner } from "./tensor.js";

const PAGE = 65536;
/**
 * Offsets below this are never handed out, so 0 can mean "no tensor" in kernel calls; the
 * Kernels instance moves the base above the module's static data.
 */
export const ARENA_BASE = 1024;
const ALIGN = 64;

function human(bytes: number): string {
  if (bytes >= 2 ** 30) return `${(bytes / 2 ** 30).toFixed(2)} GiB`;
  if (bytes >= 2 ** 20) return `${(bytes / 2 ** 20).toFixed(1)} MiB`;
  if (bytes >= 2 ** 10) return `${(bytes / 2 ** 10).toFixed(1)} KiB`;
  return `${bytes} B`;
}

/** A bump allocator over one Kernels instance's memory: allocations are 64-byte aligned and freed only by `release(mark)`; the memory grows on demand up to `limitBytes`. */
export class Arena {
  private top: number;

  constructor(
    private readonly owner: MemoryOwner,
    readonly limitBytes: number,
    readonly base = ARENA_BASE,
  ) {
    this.top = base;
  }

  /** Bytes handed out so far. */
  get used(): number {
    return this.top - this.base;
  }

  /** Allocates an uninitialized tensor. @throws Error naming the tensor (label) and the sizes when the arena limit would be exceeded. */
  alloc<D extends DType = "f32">(shape: readonly number[], dtype: D = "f32" as D, label = "tensor"): Tensor<D> {
    for (const d of shape) {
      if (!Number.isInteger(d) || d < 0) {
        throw new Error(`arena: cannot allocate ${label} ${dtype}${formatShape(shape)}: every dimension must be a non-negative integer`);
      }
    }
    const bytes = shapeSize(shape) * BYTES[dtype];
    const ptr = Math.ceil(this.top / ALIGN) * ALIGN;
    const end = ptr + bytes;
    if (end > this.limitBytes) {
      throw new Error(
        `arena: cannot allocate ${label} ${dtype}${formatShape(shape)} (${human(bytes)}): ` +
          `${human(this.used)} already in use and the limit is ${human(this.limitBytes)}; ` +
          `use a smaller batch or model, or raise the memory limit (memoryLimitBytes)`,
      );
    }
    this.ensure(end);
    this.top = end;
    return new Tensor(this.owner, ptr, shape, dtype);
  }

  /** Allocates and zero-fills. */
  zeros<D extends DType = "f32">(shape: readonly number[], dtype: D = "f32" as D, label = "tensor"): Tensor<D> {
    const t = this.alloc(shape, dtype, label);
    t.data.fill(0);
    return t;
  }

  /** The current top of the arena, to `release` or `seek` to later. */
  mark(): number {
    return this.top;
  }

  /** Moves the bump pointer to `mark` (a thread replaying another thread's allocations). */
  seek(mark: number): void {
    if (mark < this.base) throw new Error(`arena: seek(${mark}) is below the arena's base ${this.base}`);
    this.top = mark;
  }

  /** Frees everything allocated after `mark` (tensors from then on must not be used). */
  release(mark: number): void {
    if (mark < this.base || mark > this.top) throw new Error(`arena: release(${mark}) is not a mark of this arena`);
    this.top = mark;
  }

  private ensure(end: number): void {
    const memory = this.owner.memory;
    const have = memory.buffer.byteLength;
    if (end <= have) return;
    const pages = Math.ceil((end - have) / PAGE);
    // Grow geometrically so a model's many small allocations do not each grow the memory.
    const want = Math.max(pages, Math.min(Math.ceil(have / PAGE / 2), Math.floor((this.limitBytes - have) / PAGE)));
    memory.grow(Math.max(pages, want));
  }
}
