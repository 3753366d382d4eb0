// A level's execution plan, as a value: for every prunable weight, its density, the kernels
// chosen (dense or sparse) and, when sparse, its CSR form. `Network.prepare(mode)` makes one per
// level (building the CSR forms in the caller's arena region); replicas bind their layers to it,
// the optimizer updates its live tensors, worker threads and the ticket loader adopt its layout
// (views of memory they share, nothing copied), and `commit` writes the sparse values back into
// the dense weights at the level's end. Nothing about a level is stored on the parameters.
import { chooseKernel, Csr, type KernelChoice, type Kernels, type Tensor } from "../kernels/index.js";
import type { Param } from "./param.js";

/** How pruned layers run: auto (sparse below the measured break-even density), dense or sparse. */
export type KernelMode = "auto" | KernelChoice;

/**
 * The kernels a prunable weight at `density` runs in `mode`: the one rule that training
 * (Network.prepare) and inference (the ticket loader) share. Layers without sparse kernels
 * (convolutions with a stride above 2) always run dense.
 */
export function kernelFor(p: Param, density: number, mode: KernelMode): KernelChoice {
  if (!p.sparseCapable) return "dense";
  if (mode !== "auto") return mode;
  const [rows, cols] = p.matrix;
  return chooseKernel(rows, cols, density, p.denseKind);
}

/** How one prunable weight runs this level. */
export interface PlanEntry {
  param: Param;
  /** Fraction of the weight kept by its mask. */
  density: number;
  kernel: KernelChoice;
  /** The CSR form (its values are the live weights) when kernel is "sparse", else null. */
  csr: Csr | null;
}

/** What a level runs for one prunable parameter: its density and the kernels chosen. */
export interface LayerExecution {
  param: string;
  density: number;
  kernel: KernelChoice;
}

/** Where a sparse parameter's CSR arrays lie in shared memory (byte offsets), so worker threads can view them. */
export interface CsrLayout {
  param: string;
  rows: number;
  cols: number;
  nnz: number;
  rowPtr: number;
  colIdx: number;
  values: number;
}

/** A weight that runs dense this level, at its mask's density. */
function denseEntry(param: Param): PlanEntry {
  return { param, density: param.kept() / param.size, kernel: "dense", csr: null };
}

/**
 * A level's execution plan (see the file header): per prunable weight, its density, kernels and
 * CSR form. Made by Network.prepare (a level), Network.densePlan, Network.adoptPlan (threads,
 * tickets) or ExecutionPlan.of (a layer on its own).
 */
export class ExecutionPlan {
  private readonly byParam: Map<Param, PlanEntry>;

  /** Prefer Network.prepare (a level's plan), ExecutionPlan.dense or ExecutionPlan.adopt. */
  constructor(
    private readonly k: Kernels,
    readonly entries: readonly PlanEntry[],
  ) {
    this.byParam = new Map(entries.map((e) => [e.param, e]));
  }

  /** Every prunable weight dense, as it is (no masking, no CSR): layers built outside a level. */
  static dense(k: Kernels, prunable: readonly Param[]): ExecutionPlan {
    return new ExecutionPlan(
      k,
      prunable.map((param) => denseEntry(param)),
    );
  }

  /** A plan from given forms: each weight sparse with its CSR, or dense (null) (layers used on their own, in tests and benchmarks). */
  static of(k: Kernels, forms: readonly (readonly [Param, Csr | null])[]): ExecutionPlan {
    return new ExecutionPlan(
      k,
      forms.map(([param, csr]) => ({
        param,
        density: csr ? csr.nnz / param.size : param.kept() / param.size,
        kernel: csr ? ("sparse" as const) : ("dense" as const),
        csr,
      })),
    );
  }

  /** Another thread's plan over the same memory (or a loaded ticket's CSR arrays): views, nothing copied. */
  static adopt(k: Kernels, prunable: readonly Param[], layout: readonly CsrLayout[]): ExecutionPlan {
    const byName = new Map(layout.map((l) => [l.param, l]));
    for (const l of layout) if (!prunable.some((p) => p.name === l.param)) throw new Error(`plan: no prunable parameter ${l.param} for its CSR layout`);
    return new ExecutionPlan(
      k,
      prunable.map((param) => {
        const l = byName.get(param.name);
        if (!l) return denseEntry(param);
        const csr = new Csr(l.rows, l.cols, l.nnz, k.view(l.rowPtr, [l.rows + 1], "u32"), k.view(l.colIdx, [l.nnz], "u32"), k.view(l.values, [l.nnz], "f32"));
        return { param, density: l.nnz / (l.rows * l.cols), kernel: "sparse" as const, csr };
      }),
    );
  }

  /** The CSR form `p` runs this level, or null when it runs dense (or is not prunable). */
  csrOf(p: Param): Csr | null {
    return this.byParam.get(p)?.csr ?? null;
  }

  /** The tensor the optimizer updates this level: the CSR values when sparse, else the dense value. */
  live(p: Param): Tensor<"f32"> {
    return this.csrOf(p)?.values ?? p.value;
  }

  /** Whether any weight of these kinds runs sparse. */
  anySparse(kinds?: readonly string[]): boolean {
    return this.entries.some((e) => e.csr && (!kinds || kinds.includes(e.param.kind)));
  }

  /** Density and kernels per prunable weight, for progress lines and reports. */
  get execution(): LayerExecution[] {
    return this.entries.map((e) => ({ param: e.param.name, density: e.density, kernel: e.kernel }));
  }

  /** Where each sparse weight's CSR arrays are, for threads that share this memory. */
  layout(): CsrLayout[] {
    return this.entries
      .filter((e) => e.csr)
      .map((e) => {
        const c = e.csr!;
        return { param: e.param.name, rows: c.rows, cols: c.cols, nnz: c.nnz, rowPtr: c.rowPtr.ptr, colIdx: c.colIdx.ptr, values: c.values.ptr };
      });
  }

  /**
   * Estimated single-thread compute of one training step on N examples, in µs, from the measured
   * kernel rates (dense GEMM ≈ 55 GF/s, Winograd 2.25x fewer multiply-adds, CSR ≈ 22 GF/s; forward,
   * input and weight gradients). Used to decide whether a level's step is large enough to split
   * across threads.
   */
  stepCostMicros(N: number): number {
    let us = 0;
    for (const { param: p, csr } of this.entries) {
      const flops = 6 * (csr ? csr.nnz : p.size) * p.uses * N;
      us += flops / (csr ? 22e3 : p.denseKind === "winograd" ? 2.25 * 55e3 : 55e3);
    }
    return us;
  }

  /** Writes the sparse weights' values back into their dense values (the level's end). */
  commit(): void {
    for (const { param, csr } of this.entries) if (csr) this.k.sparse.scatter(csr, param.value);
  }

  /**
   * Sets the parameters of `params` named in `weights` (dense form, as {@link snapshot} gives them)
   * into the form each runs this level: its CSR values where sparse (gathered at the kept
   * positions), else its dense value. `load(params, snapshot(params))` changes no bit.
   */
  load(params: readonly Param[], weights: ReadonlyMap<string, Float32Array>): void {
    for (const p of params) {
      const w = weights.get(p.name);
      if (!w) continue;
      if (w.length !== p.size) throw new Error(`internal error: ${p.name} has ${p.size} values, the weights to load ${w.length}`);
      const csr = this.csrOf(p);
      if (!csr) {
        p.value.data.set(w);
        continue;
      }
      const rp = csr.rowPtr.data,
        ci = csr.colIdx.data,
        v = csr.values.data,
        cols = csr.cols;
      for (let r = 0; r < csr.rows; r++) for (let q = rp[r]!; q < rp[r + 1]!; q++) v[q] = w[r * cols + ci[q]!]!;
    }
  }

  /** Copies of every parameter of `params` as it is now (CSR values scattered into dense form). */
  snapshot(params: readonly Param[]): Map<string, Float32Array> {
    return new Map(
      params.map((p) => {
        const csr = this.csrOf(p);
        if (!csr) return [p.name, Float32Array.from(p.value.data)];
        const out = new Float32Array(p.size);
        const rp = csr.rowPtr.data,
          ci = csr.colIdx.data,
          v = csr.values.data,
          cols = csr.cols;
        for (let r = 0; r < csr.rows; r++) for (let q = rp[r]!; q < rp[r + 1]!; q++) out[r * cols + ci[q]!] = v[q]!;
        return [p.name, out];
      }),
    );
  }
}
