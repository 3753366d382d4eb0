// A Kernels instance: one wasm instance over one memory, its arena, and the bindings of its
// kernels grouped by family as in assembly/ (dense GEMM, sparse, elementwise, input, loss, conv).
// Each binding takes Tensors (views into this instance's memory); argument checks (checks.ts)
// name the op and the shapes. Layout convention: activations are feature-major, [features,
// batch] with the batch contiguous.
import { Arena, ARENA_BASE } from "./arena.js";
import { ConvKernels } from "./conv.js";
import { own } from "./checks.js";
import type { KernelCore } from "./core.js";
import { ElementwiseKernels } from "./elementwise.js";
import type { KernelExports } from "./exports.js";
import { DenseKernels } from "./gemm.js";
import { InputKernels } from "./input.js";
import { LossKernels } from "./loss.js";
import { SparseKernels } from "./sparse.js";
import { compileKernels, type ModuleOptions, type SimdLevel } from "./wasm-module.js";
import { type DType, Tensor } from "./tensor.js";

const PAGE = 65536;
/** wasm32 addresses 4 GiB; one page is kept back so an end offset always fits in 32 bits. */
const WASM32_MAX_BYTES = 65535 * PAGE;
const DEFAULT_LIMIT_BYTES = 2 * 2 ** 30;

/**
 * When ops check their arguments: "always" (every call), or "once" (only inside
 * `Kernels.checkedOnce`, which the training path runs on each replica's first step, since
 * the shapes are fixed when a level's layers are bound). `LOTTERY_KERNEL_CHECKS=1` forces "always".
 */
export type CheckMode = "always" | "once";

/** Options of `Kernels.create`. */
export interface KernelsOptions extends ModuleOptions {
  /** Upper bound of the arena (default 2 GiB). */
  memoryLimitBytes?: number;
  /** Initial memory size in bytes (grows on demand). */
  initialBytes?: number;
  /** Argument checks (default "always"; the training session uses "once"). */
  checks?: CheckMode;
}

/** What a worker thread needs to join a shared memory (`Kernels.join`). */
export interface JoinOptions {
  /** Where this thread's arena starts (a point the main thread recorded with arena.mark()). */
  arenaBase: number;
  /** This thread's GEMM workspace, reserved by the main thread. */
  workspace: number;
  /** Argument checks of this thread's instance (default "once"). */
  checks?: CheckMode;
}

/** The check mode an instance gets: the debug setting LOTTERY_KERNEL_CHECKS=1 forces "always". */
function checkMode(requested: CheckMode | undefined, fallback: CheckMode): CheckMode {
  const env = typeof process !== "undefined" ? process.env?.LOTTERY_KERNEL_CHECKS : undefined;
  if (env === "1" || env === "always") return "always";
  return requested ?? fallback;
}

/** One wasm instance of the kernels over one memory, with its arena and its bindings grouped by family (dense, sparse, elementwise, input, loss, conv). Create with `Kernels.create()`; worker threads `join` a shared memory. */
export class Kernels implements KernelCore {
  readonly arena: Arena;
  /** Dense GEMM and transpose (src/kernels/gemm.ts). */
  readonly dense: DenseKernels = new DenseKernels(this);
  /** Products with CSR weights, CSR gather/scatter (src/kernels/sparse.ts). */
  readonly sparse: SparseKernels = new SparseKernels(this);
  /** Fills, sums, bias + activation, masks, dropout (src/kernels/elementwise.ts). */
  readonly elementwise: ElementwiseKernels = new ElementwiseKernels(this);
  /** Image batches from u8 pixels (src/kernels/input.ts). */
  readonly input: InputKernels = new InputKernels(this);
  /** Softmax cross-entropy, argmax, accuracy (src/kernels/loss.ts). */
  readonly loss: LossKernels = new LossKernels(this);
  /** Convolution, pooling and batch-norm ops (src/kernels/conv.ts). */
  readonly conv: ConvKernels = new ConvKernels(this);
  /** Whether ops check their arguments right now (see CheckMode). */
  private checkDepth: number;
  /** The GEMM panel-packing workspace of this instance (each thread has its own instance). */
  private readonly gemmWork: Tensor<"f32">;

  /** Byte offset of this instance's GEMM workspace, for kernels that run GEMMs inside wasm (Winograd). */
  get gemmWorkspace(): number {
    return this.gemmWork.ptr;
  }

  private constructor(
    /** The raw kernel functions (the typed bindings above are the API). @internal */
    readonly exports: KernelExports,
    readonly memory: WebAssembly.Memory,
    readonly simd: SimdLevel,
    readonly shared: boolean,
    readonly module: WebAssembly.Module,
    limitBytes: number,
    readonly checks: CheckMode,
    join?: JoinOptions,
  ) {
    this.checkDepth = checks === "always" ? 1 : 0;
    // The module's static data (math tables for exp/log) sits below heap_base: the arena starts above it.
    this.arena = new Arena(this, limitBytes, join?.arenaBase ?? Math.max(ARENA_BASE, Math.ceil(exports.heap_base() / 1024) * 1024));
    // The main instance allocates its workspace first, so no mark/release scope of a caller can
    // free it; a thread joining a shared memory uses the workspace reserved for it.
    this.gemmWork = join
      ? new Tensor(this, join.workspace, [exports.gemm_work_floats()], "f32")
      : this.arena.alloc([exports.gemm_work_floats()], "f32", "gemm workspace");
  }

  /** Compiles (once per process) and instantiates the kernels over a fresh memory. */
  static async create(options: KernelsOptions = {}): Promise<Kernels> {
    const compiled = await compileKernels(options);
    const limit = options.memoryLimitBytes ?? DEFAULT_LIMIT_BYTES;
    if (!(Number.isInteger(limit) && limit > 0 && limit <= WASM32_MAX_BYTES)) {
      throw new Error(`kernels: memoryLimitBytes ${limit} must be an integer in (0, ${WASM32_MAX_BYTES}]`);
    }
    const maximum = Math.ceil(limit / PAGE);
    const initial = Math.min(maximum, Math.max(1, Math.ceil((options.initialBytes ?? 16 * 2 ** 20) / PAGE)));
    const memory = new WebAssembly.Memory({ initial, maximum, shared: compiled.shared } as WebAssembly.MemoryDescriptor);
    const instance = await WebAssembly.instantiate(compiled.module, { env: { memory } });
    return new Kernels(
      instance.exports as unknown as KernelExports,
      memory,
      compiled.simd,
      compiled.shared,
      compiled.module,
      limit,
      checkMode(options.checks, "always"),
    );
  }

  /**
   * Another thread's view of an existing shared memory: same module, its own instance, its own
   * GEMM workspace (reserved by the main thread), and an arena that starts at `arenaBase` so that
   * replaying the main thread's allocations there yields the same offsets without writing.
   */
  static async join(module: WebAssembly.Module, memory: WebAssembly.Memory, simd: SimdLevel, limitBytes: number, join: JoinOptions): Promise<Kernels> {
    const instance = await WebAssembly.instantiate(module, { env: { memory } });
    return new Kernels(instance.exports as unknown as KernelExports, memory, simd, true, module, limitBytes, checkMode(join.checks, "once"), join);
  }

  /** Bytes of GEMM workspace a joining thread needs reserved. */
  get workspaceBytes(): number {
    return this.gemmWork.bytes;
  }

  /** The arena's limit (for threads joining this memory). */
  get limitBytes(): number {
    return this.arena.limitBytes;
  }

  /** Whether ops check their arguments now: always, or inside checkedOnce. */
  get checking(): boolean {
    return this.checkDepth > 0;
  }

  /**
   * Runs `fn` with every op checking its arguments. The training path wraps each replica's first
   * step and first evaluation in it: the layers' shapes are fixed when a level is bound, so one
   * checked pass validates every call site, and the steps after it skip the per-call checks.
   */
  checkedOnce<T>(fn: () => T): T {
    this.checkDepth++;
    try {
      return fn();
    } finally {
      this.checkDepth--;
    }
  }

  /** A tensor over existing memory (no allocation, no write). */
  view<D extends DType = "f32">(ptr: number, shape: readonly number[], dtype: D = "f32" as D): Tensor<D> {
    const t = new Tensor(this, ptr, shape, dtype);
    own(this, "view", { t });
    return t;
  }

  // ---- allocation ------------------------------------------------------------------------------

  /** Allocates an uninitialized tensor in the arena (see Arena.alloc). */
  alloc<D extends DType = "f32">(shape: readonly number[], dtype: D = "f32" as D, label?: string): Tensor<D> {
    return this.arena.alloc(shape, dtype, label);
  }

  /** Allocates a tensor filled with zeros. */
  zeros<D extends DType = "f32">(shape: readonly number[], dtype: D = "f32" as D, label?: string): Tensor<D> {
    return this.arena.zeros(shape, dtype, label);
  }

  /** Copies a JS array into a new tensor. */
  fromArray(values: ArrayLike<number>, shape: readonly number[], label?: string): Tensor<"f32"> {
    const t = this.alloc(shape, "f32", label);
    if (values.length !== t.size) throw new Error(`fromArray: ${values.length} values do not fill ${t.toString()}`);
    t.data.set(values);
    return t;
  }
}
