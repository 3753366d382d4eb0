// Typed, validated wrappers over the wasm kernels. Every wrapper takes Tensors (views into this
// instance's memory), checks dtypes, shapes and aliasing, and throws an Error that names the op and
// the shapes before any kernel runs, so bad input never reaches wasm as a trap or silent garbage.
// Layout convention: activations are feature-major, [features, batch] with the batch contiguous.
import { Arena, ARENA_BASE } from "./arena.js";
import { ConvKernels } from "./conv.js";
import { Csr, countNonzero } from "./csr.js";
import type { KernelExports } from "./exports.js";
import { compileKernels, type ModuleOptions, type SimdLevel } from "./wasm-module.js";
import { type DType, formatShape, Tensor, type MemoryOwner } from "./tensor.js";

const PAGE = 65536;
/** wasm32 addresses 4 GiB; one page is kept back so an end offset always fits in 32 bits. */
const WASM32_MAX_BYTES = 65535 * PAGE;
const DEFAULT_LIMIT_BYTES = 2 * 2 ** 30;

export interface KernelsOptions extends ModuleOptions {
  /** Upper bound of the arena (default 2 GiB). */
  memoryLimitBytes?: number;
  /** Initial memory size in bytes (grows on demand). */
  initialBytes?: number;
}

export interface JoinOptions {
  /** Where this thread's arena starts (a point the main thread recorded with arena.mark()). */
  arenaBase: number;
  /** This thread's GEMM workspace, reserved by the main thread. */
  workspace: number;
}

/** A matrix inside a tensor: `rows` x `cols` floats from `offset`, rows `ld` floats apart. */
export interface MatrixView {
  t: Tensor<"f32">;
  offset: number;
  rows: number;
  cols: number;
  ld: number;
}

export interface GemmOptions {
  transA?: boolean;
  transB?: boolean;
  accumulate?: boolean;
}

export interface SgdParams {
  lr: number;
  momentum: number;
  weightDecay: number;
  nesterov: boolean;
}

export interface AdamParams {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  /** 1-based step count, for bias correction. */
  step: number;
}

type AnyTensor = Tensor<DType>;

function fail(op: string, message: string): never {
  throw new Error(`${op}: ${message}`);
}

function describe(named: Record<string, AnyTensor | Csr | null | undefined>): string {
  return Object.entries(named)
    .filter(([, t]) => t)
    .map(([k, t]) => `${k} ${t!.toString()}`)
    .join(", ");
}

export class Kernels implements MemoryOwner {
  readonly arena: Arena;
  /** Convolution, pooling and batch-norm ops (src/kernels/conv.ts). */
  readonly conv: ConvKernels = new ConvKernels(this);
  /** The GEMM panel-packing workspace of this instance (each thread has its own instance). */
  private readonly gemmWork: Tensor<"f32">;

  /** Byte offset of this instance's GEMM workspace, for kernels that run GEMMs inside wasm (Winograd). */
  get gemmWorkspace(): number {
    return this.gemmWork.ptr;
  }

  private constructor(
    readonly exports: KernelExports,
    readonly memory: WebAssembly.Memory,
    readonly simd: SimdLevel,
    readonly shared: boolean,
    readonly module: WebAssembly.Module,
    limitBytes: number,
    join?: JoinOptions,
  ) {
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
    return new Kernels(instance.exports as unknown as KernelExports, memory, compiled.simd, compiled.shared, compiled.module, limit);
  }

  /**
   * Another thread's view of an existing shared memory: same module, its own instance, its own
   * GEMM workspace (reserved by the main thread), and an arena that starts at `arenaBase` so that
   * replaying the main thread's allocations there yields the same offsets without writing.
   */
  static async join(module: WebAssembly.Module, memory: WebAssembly.Memory, simd: SimdLevel, limitBytes: number, join: JoinOptions): Promise<Kernels> {
    const instance = await WebAssembly.instantiate(module, { env: { memory } });
    return new Kernels(instance.exports as unknown as KernelExports, memory, simd, true, module, limitBytes, join);
  }

  /** Bytes of GEMM workspace a joining thread needs reserved. */
  get workspaceBytes(): number {
    return this.gemmWork.bytes;
  }

  /** The arena's limit (for threads joining this memory). */
  get limitBytes(): number {
    return this.arena.limitBytes;
  }

  /** A tensor over existing memory (no allocation, no write). */
  view<D extends DType = "f32">(ptr: number, shape: readonly number[], dtype: D = "f32" as D): Tensor<D> {
    const t = new Tensor(this, ptr, shape, dtype);
    this.own("view", { t });
    return t;
  }

  // ---- allocation ------------------------------------------------------------------------------

  alloc<D extends DType = "f32">(shape: readonly number[], dtype: D = "f32" as D, label?: string): Tensor<D> {
    return this.arena.alloc(shape, dtype, label);
  }

  zeros<D extends DType = "f32">(shape: readonly number[], dtype: D = "f32" as D, label?: string): Tensor<D> {
    return this.arena.zeros(shape, dtype, label);
  }

  /** Copies a JS array into a new tensor. */
  fromArray(values: ArrayLike<number>, shape: readonly number[], label?: string): Tensor<"f32"> {
    const t = this.alloc(shape, "f32", label);
    if (values.length !== t.size) fail("fromArray", `${values.length} values do not fill ${t.toString()}`);
    t.data.set(values);
    return t;
  }

  /**
   * Builds the CSR structure of the nonzeros of `mask` ([rows, cols], any array; nonzero = kept)
   * and gathers the kept entries of `dense` (if given) into its values.
   */
  csrFromMask(mask: ArrayLike<number>, rows: number, cols: number, dense?: Tensor<"f32">, label = "csr"): Csr {
    const op = "csrFromMask";
    this.checkSize(op, "rows", rows);
    this.checkSize(op, "cols", cols);
    if (mask.length !== rows * cols) fail(op, `mask has ${mask.length} entries but the matrix is [${rows},${cols}]`);
    // Read the mask completely before allocating: it may be a view of this memory (a Param's
    // mask), and an allocation that grows an unshared memory detaches every view of it.
    const nnz = countNonzero(mask);
    const rp = new Uint32Array(rows + 1), ci = new Uint32Array(nnz);
    let p = 0;
    for (let r = 0; r < rows; r++) {
      rp[r] = p;
      const base = r * cols;
      for (let c = 0; c < cols; c++) if (mask[base + c] !== 0) ci[p++] = c;
    }
    rp[rows] = p;
    const rowPtr = this.alloc([rows + 1], "u32", `${label}.rowPtr`);
    const colIdx = this.alloc([nnz], "u32", `${label}.colIdx`);
    const values = this.alloc([nnz], "f32", `${label}.values`);
    rowPtr.data.set(rp);
    colIdx.data.set(ci);
    const csr = new Csr(rows, cols, nnz, rowPtr, colIdx, values);
    if (dense) this.csrGather(csr, dense);
    return csr;
  }

  // ---- validation helpers ----------------------------------------------------------------------

  private checkSize(op: string, what: string, n: number): void {
    if (!Number.isInteger(n) || n <= 0) fail(op, `${what} must be a positive integer, got ${n}`);
  }

  private own(op: string, named: Record<string, AnyTensor | null | undefined>): void {
    const end = this.memory.buffer.byteLength;
    for (const [name, t] of Object.entries(named)) {
      if (!t) continue;
      if (t.owner !== this) fail(op, `${name} ${t.toString()} belongs to another kernel instance`);
      if (t.ptr <= 0 || t.ptr + t.bytes > end) fail(op, `${name} ${t.toString()} at offset ${t.ptr} is outside memory (${end} bytes)`);
    }
  }

  private dtype(op: string, name: string, t: AnyTensor, dtype: DType): void {
    if (t.dtype !== dtype) fail(op, `${name} must be ${dtype}, got ${t.toString()}`);
  }

  private dims2(op: string, name: string, t: AnyTensor): [number, number] {
    if (t.shape.length !== 2) fail(op, `${name} must be 2-D, got ${t.toString()}`);
    const [r, c] = t.shape as [number, number];
    if (r <= 0 || c <= 0) fail(op, `${name} ${t.toString()} has an empty dimension`);
    return [r, c];
  }

  private nonEmpty(op: string, name: string, t: AnyTensor): void {
    if (t.size <= 0) fail(op, `${name} ${t.toString()} is empty`);
  }

  private disjoint(op: string, out: [string, AnyTensor], inputs: Record<string, AnyTensor | null | undefined>): void {
    const [oname, o] = out;
    for (const [name, t] of Object.entries(inputs)) {
      if (!t) continue;
      if (o.ptr < t.ptr + t.bytes && t.ptr < o.ptr + o.bytes) fail(op, `output ${oname} ${o.toString()} overlaps input ${name} ${t.toString()}`);
    }
  }

  private sameSize(op: string, named: Record<string, AnyTensor | null | undefined>): number {
    let size = -1;
    for (const [name, t] of Object.entries(named)) {
      if (!t) continue;
      if (size < 0) size = t.size;
      else if (t.size !== size) fail(op, `sizes differ: ${describe(named)} (${name} has ${t.size})`);
    }
    if (size <= 0) fail(op, `tensors are empty: ${describe(named)}`);
    return size;
  }

  private checkCsr(op: string, w: Csr): void {
    this.own(op, { rowPtr: w.rowPtr, colIdx: w.colIdx, values: w.values });
  }

  // ---- dense linear algebra --------------------------------------------------------------------

  /** c (+)= op(a)·op(b) with op = identity or transpose. Shapes: op(a) [M,K], op(b) [K,N], c [M,N]. */
  gemm(a: Tensor<"f32">, b: Tensor<"f32">, c: Tensor<"f32">, options: GemmOptions = {}): void {
    const op = `gemm(transA=${options.transA ?? false}, transB=${options.transB ?? false})`;
    for (const [n, t] of [["a", a], ["b", b], ["c", c]] as const) this.dtype(op, n, t, "f32");
    const [ar, ac] = this.dims2(op, "a", a);
    const [br, bc] = this.dims2(op, "b", b);
    const [cr, cc] = this.dims2(op, "c", c);
    this.gemmStrided(
      { t: a, offset: 0, rows: ar, cols: ac, ld: ac },
      { t: b, offset: 0, rows: br, cols: bc, ld: bc },
      { t: c, offset: 0, rows: cr, cols: cc, ld: cc },
      options,
    );
  }

  /**
   * GEMM on matrix views: each a block of a tensor starting `offset` floats in, with rows `ld`
   * floats apart (a column block of a wider matrix, as the convolution layers use).
   */
  gemmStrided(a: MatrixView, b: MatrixView, c: MatrixView, options: GemmOptions = {}): void {
    const { transA = false, transB = false, accumulate = false } = options;
    const op = `gemm(transA=${transA}, transB=${transB})`;
    for (const [n, v] of [["a", a], ["b", b], ["c", c]] as const) this.checkView(op, n, v);
    const [M, K] = transA ? [a.cols, a.rows] : [a.rows, a.cols];
    const [K2, N] = transB ? [b.cols, b.rows] : [b.rows, b.cols];
    const shape = (v: MatrixView) => `${v.t.toString()}${v.offset || v.ld !== v.cols ? `[${v.rows}x${v.cols} view]` : ""}`;
    if (K !== K2) fail(op, `inner dimensions differ: a ${shape(a)}, b ${shape(b)} gives K = ${K} vs ${K2}`);
    if (c.rows !== M || c.cols !== N) fail(op, `c must be [${M},${N}] for a ${shape(a)}, b ${shape(b)}, got ${shape(c)}`);
    if (transA && transB) fail(op, "transA and transB together are not supported; transpose one operand first");
    this.disjoint(op, ["c", c.t], { a: a.t, b: b.t });
    const e = this.exports;
    const pa = a.t.ptr + 4 * a.offset, pb = b.t.ptr + 4 * b.offset, pc = c.t.ptr + 4 * c.offset;
    if (transB) e.gemm_nt(pa, pb, pc, M, K, N, a.ld, b.ld, c.ld, accumulate);
    else if (transA) e.gemm_tn(pa, pb, pc, M, K, N, a.ld, b.ld, c.ld, accumulate, this.gemmWork.ptr);
    else e.gemm_nn(pa, pb, pc, M, K, N, a.ld, b.ld, c.ld, accumulate, this.gemmWork.ptr);
  }

  private checkView(op: string, name: string, v: MatrixView): void {
    this.dtype(op, name, v.t, "f32");
    this.own(op, { [name]: v.t });
    const { offset, rows, cols, ld } = v;
    if (![offset, rows, cols, ld].every(Number.isInteger) || rows <= 0 || cols <= 0 || offset < 0 || ld < cols) {
      fail(op, `${name} view of ${v.t.toString()} (offset ${offset}, ${rows}x${cols}, row stride ${ld}) is invalid: sizes must be positive and the stride at least the columns`);
    }
    if (offset + (rows - 1) * ld + cols > v.t.size) fail(op, `${name} view (offset ${offset}, ${rows}x${cols}, row stride ${ld}) runs past ${v.t.toString()}`);
  }

  /** dst [C,R] = src [R,C]ᵀ. */
  transpose(src: Tensor<"f32">, dst: Tensor<"f32">): void {
    const op = "transpose";
    this.dtype(op, "src", src, "f32");
    this.dtype(op, "dst", dst, "f32");
    const [R, C] = this.dims2(op, "src", src);
    const [dr, dc] = this.dims2(op, "dst", dst);
    if (dr !== C || dc !== R) fail(op, `dst must be [${C},${R}] for src ${src.toString()}, got ${dst.toString()}`);
    this.own(op, { src, dst });
    this.disjoint(op, ["dst", dst], { src });
    this.exports.transpose(src.ptr, dst.ptr, R, C);
  }

  // ---- sparse ----------------------------------------------------------------------------------

  private sparseShapes(op: string, w: Csr, inName: string, input: Tensor<"f32">, inRows: number, outName: string, out: Tensor<"f32">, outRows: number): number {
    this.dtype(op, inName, input, "f32");
    this.dtype(op, outName, out, "f32");
    const [ir, N] = this.dims2(op, inName, input);
    const [or, oc] = this.dims2(op, outName, out);
    if (ir !== inRows) fail(op, `${inName} must have ${inRows} rows for w ${w.toString()}, got ${input.toString()}`);
    if (or !== outRows || oc !== N) fail(op, `${outName} must be [${outRows},${N}] for w ${w.toString()} and ${inName} ${input.toString()}, got ${out.toString()}`);
    this.checkCsr(op, w);
    this.own(op, { [inName]: input, [outName]: out });
    this.disjoint(op, [outName, out], { [inName]: input, values: w.values });
    return N;
  }

  /** y [M,N] (+)= w [M,K] · x [K,N], w in CSR. */
  spmm(w: Csr, x: Tensor<"f32">, y: Tensor<"f32">, options: { accumulate?: boolean } = {}): void {
    const N = this.sparseShapes("spmm", w, "x", x, w.cols, "y", y, w.rows);
    this.exports.spmm(w.rowPtr.ptr, w.colIdx.ptr, w.values.ptr, x.ptr, y.ptr, w.rows, w.cols, N, options.accumulate ?? false);
  }

  /** dx [K,N] (+)= wᵀ · dy [M,N], w in CSR [M,K]. */
  spmmT(w: Csr, dy: Tensor<"f32">, dx: Tensor<"f32">, options: { accumulate?: boolean } = {}): void {
    const N = this.sparseShapes("spmmT", w, "dy", dy, w.rows, "dx", dx, w.cols);
    this.exports.spmm_t(w.rowPtr.ptr, w.colIdx.ptr, w.values.ptr, dy.ptr, dx.ptr, w.rows, w.cols, N, options.accumulate ?? false);
  }

  /** dvalues[nz] (+)= Σ_n dy[r,n]·x[c,n] at the kept positions of w only. */
  maskedGrad(w: Csr, dy: Tensor<"f32">, x: Tensor<"f32">, dvalues: Tensor<"f32">, options: { accumulate?: boolean } = {}): void {
    const op = "maskedGrad";
    for (const [n, t] of [["dy", dy], ["x", x], ["dvalues", dvalues]] as const) this.dtype(op, n, t, "f32");
    const [dr, N] = this.dims2(op, "dy", dy);
    const [xr, xn] = this.dims2(op, "x", x);
    if (dr !== w.rows || xr !== w.cols || xn !== N) {
      fail(op, `for w ${w.toString()} need dy [${w.rows},N] and x [${w.cols},N], got ${describe({ dy, x })}`);
    }
    if (dvalues.size !== w.nnz) fail(op, `dvalues must have nnz = ${w.nnz} entries, got ${dvalues.toString()}`);
    this.checkCsr(op, w);
    this.own(op, { dy, x, dvalues: w.nnz > 0 ? dvalues : null });
    if (w.nnz > 0) this.disjoint(op, ["dvalues", dvalues], { dy, x });
    this.exports.masked_grad(w.rowPtr.ptr, w.colIdx.ptr, dy.ptr, x.ptr, dvalues.ptr, w.rows, w.cols, N, options.accumulate ?? false);
  }

  /** values[nz] = dense[r,c] at the kept positions. */
  csrGather(w: Csr, dense: Tensor<"f32">, values: Tensor<"f32"> = w.values): void {
    const op = "csrGather";
    this.dtype(op, "dense", dense, "f32");
    if (dense.size !== w.rows * w.cols) fail(op, `dense must have ${w.rows}x${w.cols} entries for w ${w.toString()}, got ${dense.toString()}`);
    if (values.size !== w.nnz) fail(op, `values must have nnz = ${w.nnz} entries, got ${values.toString()}`);
    this.checkCsr(op, w);
    this.own(op, { dense });
    this.exports.csr_gather(w.rowPtr.ptr, w.colIdx.ptr, dense.ptr, values.ptr, w.rows, w.cols);
  }

  /** dense = 0 except dense[r,c] = values[nz] at the kept positions. */
  csrScatter(w: Csr, dense: Tensor<"f32">, values: Tensor<"f32"> = w.values): void {
    const op = "csrScatter";
    this.dtype(op, "dense", dense, "f32");
    if (dense.size !== w.rows * w.cols) fail(op, `dense must have ${w.rows}x${w.cols} entries for w ${w.toString()}, got ${dense.toString()}`);
    if (values.size !== w.nnz) fail(op, `values must have nnz = ${w.nnz} entries, got ${values.toString()}`);
    this.checkCsr(op, w);
    this.own(op, { dense });
    this.exports.csr_scatter(w.rowPtr.ptr, w.colIdx.ptr, values.ptr, dense.ptr, w.rows, w.cols);
  }

  // ---- elementwise -----------------------------------------------------------------------------

  fill(t: Tensor<"f32">, value: number): void {
    this.dtype("fill", "t", t, "f32");
    this.nonEmpty("fill", "t", t);
    this.own("fill", { t });
    this.exports.fill(t.ptr, t.size, value);
  }

  /** dst += src. */
  addTo(dst: Tensor<"f32">, src: Tensor<"f32">): void {
    const n = this.sameSize("addTo", { dst, src });
    this.own("addTo", { dst, src });
    this.exports.add_to(dst.ptr, src.ptr, n);
  }

  scale(t: Tensor<"f32">, s: number): void {
    this.nonEmpty("scale", "t", t);
    this.own("scale", { t });
    this.exports.scale(t.ptr, t.size, s);
  }

  /** w = 0 wherever mask == 0. */
  maskApply(w: Tensor<"f32">, mask: Tensor<"f32">): void {
    const n = this.sameSize("maskApply", { w, mask });
    this.own("maskApply", { w, mask });
    this.exports.mask_apply(w.ptr, mask.ptr, n);
  }

  /** y [M,N] += b [M] per row, then ReLU if `relu`. */
  biasAct(y: Tensor<"f32">, b: Tensor<"f32">, relu: boolean): void {
    const op = "biasAct";
    const [M, N] = this.dims2(op, "y", y);
    if (b.size !== M) fail(op, `b must have ${M} entries for y ${y.toString()}, got ${b.toString()}`);
    this.own(op, { y, b });
    this.exports.bias_act(y.ptr, b.ptr, M, N, relu);
  }

  /** db [M] (+)= row sums of dy [M,N]. */
  biasGrad(dy: Tensor<"f32">, db: Tensor<"f32">, options: { accumulate?: boolean } = {}): void {
    const op = "biasGrad";
    const [M, N] = this.dims2(op, "dy", dy);
    if (db.size !== M) fail(op, `db must have ${M} entries for dy ${dy.toString()}, got ${db.toString()}`);
    this.own(op, { dy, db });
    this.disjoint(op, ["db", db], { dy });
    this.exports.bias_grad(dy.ptr, db.ptr, M, N, options.accumulate ?? false);
  }

  relu(x: Tensor<"f32">, y: Tensor<"f32">): void {
    const n = this.sameSize("relu", { x, y });
    this.own("relu", { x, y });
    this.exports.relu(x.ptr, y.ptr, n);
  }

  /** dx = y > 0 ? dy : 0 (y is the ReLU's output). */
  reluBackward(y: Tensor<"f32">, dy: Tensor<"f32">, dx: Tensor<"f32">): void {
    const n = this.sameSize("reluBackward", { y, dy, dx });
    this.own("reluBackward", { y, dy, dx });
    this.exports.relu_backward(y.ptr, dy.ptr, dx.ptr, n);
  }

  /** out = a * b elementwise. */
  mul(a: Tensor<"f32">, b: Tensor<"f32">, out: Tensor<"f32">): void {
    const n = this.sameSize("mul", { a, b, out });
    this.own("mul", { a, b, out });
    this.exports.mul(a.ptr, b.ptr, out.ptr, n);
  }

  /**
   * Inverted dropout on x [F,N] with drop probability p: writes the mask (0 or 1/(1−p)) and
   * y = x·mask. The mask of element (f, n) depends only on (seed, step, f, colOffset + n), so a
   * batch of `totalCols` columns split across threads draws the same mask as one thread.
   */
  dropout(x: Tensor<"f32">, y: Tensor<"f32">, mask: Tensor<"f32">, p: number, seed: number, step: number, colOffset = 0, totalCols?: number): void {
    const op = "dropout";
    const [F, N] = this.dims2(op, "x", x);
    this.sameSize(op, { x, y, mask });
    this.hyper(op, "p", p, 0, 1, false, true);
    const total = totalCols ?? N;
    if (!Number.isInteger(colOffset) || colOffset < 0 || colOffset + N > total) fail(op, `columns [${colOffset}, ${colOffset + N}) are outside a batch of ${total}`);
    if (!Number.isInteger(seed) || !Number.isInteger(step) || step < 0) fail(op, `seed and step must be integers, got ${seed}, ${step}`);
    this.own(op, { x, y, mask });
    const keep = 1 - p;
    const threshold = Math.min(4294967295, Math.round(keep * 4294967296));
    this.exports.dropout_forward(x.ptr, y.ptr, mask.ptr, F, N, threshold >>> 0, 1 / keep, seed >>> 0, step >>> 0, colOffset, total);
  }

  /**
   * Converts images[indices[n]] (u8, [count, F] example-major) into columns 0..k−1 of dst [F, N]
   * (k = indices.size ≤ N): dst[f, n] = v · scale[c] + shift[c], c = f / plane.
   */
  gatherImages(images: Tensor<"u8">, indices: Tensor<"u32">, plane: number, scale: Tensor<"f32">, shift: Tensor<"f32">, dst: Tensor<"f32">): void {
    const op = "gatherImages";
    const [rows, F] = this.dims2(op, "images", images);
    const [dF, N] = this.dims2(op, "dst", dst);
    const count = indices.size;
    if (dF !== F) fail(op, `dst must have ${F} rows for images ${images.toString()}, got ${dst.toString()}`);
    if (count > N) fail(op, `${count} indices do not fit in dst ${dst.toString()}`);
    if (!Number.isInteger(plane) || plane <= 0 || F % plane !== 0) fail(op, `plane ${plane} must divide the ${F} features`);
    const C = F / plane;
    if (scale.size !== C || shift.size !== C) fail(op, `scale and shift need ${C} entries (one per channel), got ${scale.toString()}, ${shift.toString()}`);
    const idx = indices.data;
    for (let i = 0; i < count; i++) if (idx[i]! >= rows) fail(op, `index ${idx[i]} at position ${i} is outside the ${rows} images`);
    this.own(op, { images, indices, scale, shift, dst });
    this.exports.gather_images(images.ptr, indices.ptr, count, F, plane, scale.ptr, shift.ptr, dst.ptr, N);
  }

  // ---- loss and accuracy -----------------------------------------------------------------------

  private checkLogits(op: string, logits: Tensor<"f32">, labels: Tensor<"i32"> | null): [number, number] {
    this.dtype(op, "logits", logits, "f32");
    const [C, N] = this.dims2(op, "logits", logits);
    if (labels) {
      this.dtype(op, "labels", labels, "i32");
      if (labels.size !== N) fail(op, `labels must have ${N} entries for logits ${logits.toString()}, got ${labels.toString()}`);
      const l = labels.data;
      for (let i = 0; i < N; i++) {
        const v = l[i]!;
        if (v < 0 || v >= C) fail(op, `label ${v} at position ${i} is outside [0, ${C})`);
      }
    }
    return [C, N];
  }

  /**
   * Softmax cross-entropy over logits [C,N] (one column per example). Returns the summed loss;
   * if `grad` is given, writes (softmax − onehot)·gradScale into it.
   */
  softmaxXent(logits: Tensor<"f32">, labels: Tensor<"i32">, grad: Tensor<"f32"> | null, gradScale = 1): number {
    const op = "softmaxXent";
    const [C, N] = this.checkLogits(op, logits, labels);
    if (grad) {
      this.dtype(op, "grad", grad, "f32");
      if (grad.shape.length !== 2 || grad.shape[0] !== C || grad.shape[1] !== N) fail(op, `grad must be [${C},${N}], got ${grad.toString()}`);
    }
    this.own(op, { logits, labels, grad });
    return this.exports.softmax_xent(logits.ptr, labels.ptr, grad ? grad.ptr : 0, C, N, gradScale);
  }

  argmax(logits: Tensor<"f32">, out: Tensor<"i32">): void {
    const op = "argmax";
    const [C, N] = this.checkLogits(op, logits, null);
    this.dtype(op, "out", out, "i32");
    if (out.size !== N) fail(op, `out must have ${N} entries for logits ${logits.toString()}, got ${out.toString()}`);
    this.own(op, { logits, out });
    this.exports.argmax(logits.ptr, out.ptr, C, N);
  }

  countCorrect(logits: Tensor<"f32">, labels: Tensor<"i32">): number {
    const [C, N] = this.checkLogits("countCorrect", logits, labels);
    this.own("countCorrect", { logits, labels });
    return this.exports.count_correct(logits.ptr, labels.ptr, C, N);
  }

  // ---- optimizers ------------------------------------------------------------------------------

  private hyper(op: string, name: string, v: number, lo: number, hi: number, loOpen = false, hiOpen = false): void {
    const ok = Number.isFinite(v) && (loOpen ? v > lo : v >= lo) && (hiOpen ? v < hi : v <= hi);
    if (!ok) fail(op, `${name} = ${v} is outside ${loOpen ? "(" : "["}${lo}, ${hi}${hiOpen ? ")" : "]"}`);
  }

  /** One SGD step over w (and, if given, only where mask != 0). buf may be null when momentum = 0. */
  sgd(w: Tensor<"f32">, g: Tensor<"f32">, buf: Tensor<"f32"> | null, mask: Tensor<"f32"> | null, p: SgdParams): void {
    const op = "sgd";
    this.hyper(op, "lr", p.lr, 0, Infinity);
    this.hyper(op, "momentum", p.momentum, 0, 1, false, true);
    this.hyper(op, "weightDecay", p.weightDecay, 0, Infinity);
    if (p.momentum !== 0 && !buf) fail(op, `momentum ${p.momentum} needs a momentum buffer`);
    const n = this.sameSize(op, { w, g, buf, mask });
    this.own(op, { w, g, buf, mask });
    this.exports.sgd(w.ptr, g.ptr, buf ? buf.ptr : 0, mask ? mask.ptr : 0, n, p.lr, p.momentum, p.weightDecay, p.nesterov);
  }

  /** One Adam step over w (and, if given, only where mask != 0). */
  adam(w: Tensor<"f32">, g: Tensor<"f32">, m: Tensor<"f32">, v: Tensor<"f32">, mask: Tensor<"f32"> | null, p: AdamParams): void {
    const op = "adam";
    this.hyper(op, "lr", p.lr, 0, Infinity);
    this.hyper(op, "beta1", p.beta1, 0, 1, false, true);
    this.hyper(op, "beta2", p.beta2, 0, 1, false, true);
    this.hyper(op, "eps", p.eps, 0, Infinity, true);
    this.hyper(op, "weightDecay", p.weightDecay, 0, Infinity);
    if (!Number.isInteger(p.step) || p.step < 1) fail(op, `step must be a positive integer, got ${p.step}`);
    const n = this.sameSize(op, { w, g, m, v, mask });
    this.own(op, { w, g, m, v, mask });
    const bc1 = 1 - p.beta1 ** p.step;
    const bc2 = 1 - p.beta2 ** p.step;
    this.exports.adam(w.ptr, g.ptr, m.ptr, v.ptr, mask ? mask.ptr : 0, n, p.lr / bc1, p.beta1, p.beta2, 1 / Math.sqrt(bc2), p.eps, p.weightDecay);
  }
}
