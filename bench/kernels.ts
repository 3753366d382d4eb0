// `npm run bench -- kernels`: our dense GEMM beside tfjs-backend-wasm's matMul, and our sparse
// kernels beside our dense ones on LeNet fc1 and Conv-2 fc1, at the paper's pruning densities.
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-wasm";
import { Kernels, sparseInputBlockCols, type Tensor } from "../src/kernels/index.js";
import { Rng } from "../src/util/rng.js";
import { medianMs, printTable, type TimingOptions } from "./timing.js";

export interface KernelRow {
  bench: "kernels";
  op: string;
  shape: string;
  density: number;
  threads: number;
  ms: number;
  gflops: number;
}

const PEAK_GFLOPS = 58; // wasm simd128 per core on these machines (DESIGN.md §4)

function fillRandom(t: Tensor<"f32">, rng: Rng): void {
  const d = t.data;
  for (let i = 0; i < d.length; i++) d[i] = rng.float() * 2 - 1;
}

export async function benchKernels(args: { json: boolean; quick: boolean }): Promise<KernelRow[]> {
  const timing: TimingOptions = args.quick ? { warmupMs: 50, reps: 7, repMs: 4 } : {};
  const k = await Kernels.create({ memoryLimitBytes: 1024 * 2 ** 20 });
  await tf.setBackend("wasm");
  await tf.ready();
  const rng = new Rng(1, "bench-kernels");
  const rows: KernelRow[] = [];
  const emit = (op: string, shape: string, density: number, ms: number, flops: number) => {
    const row: KernelRow = { bench: "kernels", op, shape, density, threads: 1, ms: +ms.toFixed(4), gflops: +(flops / ms / 1e6).toFixed(2) };
    rows.push(row);
    if (args.json) console.log(JSON.stringify(row));
  };

  // Dense: ours vs tfjs-backend-wasm, both with operands already laid out (no transposes).
  for (const [M, K, N] of [
    [60, 784, 300],
    [60, 300, 100],
    [60, 100, 10],
    [256, 1024, 1024],
  ] as const) {
    const mark = k.arena.mark();
    const a = k.alloc([M, K]),
      b = k.alloc([K, N]),
      c = k.alloc([M, N]);
    fillRandom(a, rng);
    fillRandom(b, rng);
    const ta = tf.tensor2d(a.data, [M, K]),
      tb = tf.tensor2d(b.data, [K, N]);
    const ours = medianMs(() => k.dense.gemm(a, b, c), timing);
    const theirs = medianMs(() => {
      const r = tf.matMul(ta, tb);
      r.dataSync();
      r.dispose();
    }, timing);
    const shape = `${M}x${K}x${N}`;
    emit("gemm", shape, 1, ours, 2 * M * K * N);
    emit("tfjs-matmul", shape, 1, theirs, 2 * M * K * N);
    tf.dispose([ta, tb]);
    k.arena.release(mark);
  }

  // Sparse vs dense on the layers pruning shrinks most: W [M,K] times activations [K,N=60].
  for (const [M, K, N, layer] of [
    [300, 784, 60, "LeNet fc1"],
    [256, 16384, 60, "Conv-2 fc1"],
  ] as const) {
    const mark = k.arena.mark();
    const w = k.alloc([M, K]),
      x = k.alloc([K, N]),
      y = k.alloc([M, N]),
      dy = k.alloc([M, N]),
      dx = k.alloc([K, N]),
      dw = k.alloc([M, K]);
    fillRandom(w, rng);
    fillRandom(x, rng);
    fillRandom(dy, rng);
    const shape = `${M}x${K}x${N}`;
    const dense = 2 * M * K * N;
    emit(
      "gemm",
      shape,
      1,
      medianMs(() => k.dense.gemm(w, x, y), timing),
      dense,
    );
    emit(
      "gemm-tn",
      shape,
      1,
      medianMs(() => k.dense.gemm(w, dy, dx, { transA: true }), timing),
      dense,
    );
    emit(
      "gemm-nt",
      shape,
      1,
      medianMs(() => k.dense.gemm(dy, x, dw, { transB: true }), timing),
      dense,
    );
    for (const density of [1, 0.5, 0.2, 0.1, 0.036, 0.01]) {
      const inner = k.arena.mark();
      const mask = new Uint8Array(M * K);
      const mrng = new Rng(2, `${layer}/${density}`);
      for (let i = 0; i < mask.length; i++) mask[i] = mrng.float() < density ? 1 : 0;
      const csr = k.sparse.fromMask(mask, M, K, w);
      // Column blocks as Linear builds them (wide layers walk their input in L2-sized blocks).
      const blocks = k.sparse.columnBlocks(csr, sparseInputBlockCols(N), "bench");
      const dv = k.alloc([csr.nnz]);
      const useful = 2 * csr.nnz * N;
      emit(
        "spmm",
        shape,
        density,
        medianMs(() => k.sparse.spmm(csr, x, y, { blocks }), timing),
        useful,
      );
      // The input gradient as Linear runs it: the values gathered into the transposed CSR (built
      // once per level), then spmm over it.
      const tr = k.sparse.transpose(csr, "bench");
      emit(
        "spmm-t",
        shape,
        density,
        medianMs(() => {
          k.sparse.gatherValues(csr, tr.perm, tr.csr);
          k.sparse.spmm(tr.csr, dy, dx);
        }, timing),
        useful,
      );
      emit(
        "masked-grad",
        shape,
        density,
        medianMs(() => k.sparse.maskedGrad(csr, dy, x, dv, { blocks }), timing),
        useful,
      );
      k.arena.release(inner);
    }
    k.arena.release(mark);
  }

  if (!args.json) {
    console.log(`kernels: simd ${k.simd}, 1 thread, median per call of warmed-up repetitions; peak ≈ ${PEAK_GFLOPS} GFLOP/s per core\n`);
    console.log("Dense GEMM vs tfjs-backend-wasm matMul (MxKxN, C = A·B):");
    const denseShapes = [...new Set(rows.filter((r) => r.op === "tfjs-matmul").map((r) => r.shape))];
    printTable(
      ["shape", "ours ms", "GF/s", "% peak", "tfjs ms", "GF/s", "ours vs tfjs"],
      denseShapes.map((s) => {
        const o = rows.find((r) => r.op === "gemm" && r.shape === s)!,
          t = rows.find((r) => r.op === "tfjs-matmul" && r.shape === s)!;
        return [
          s,
          o.ms.toFixed(4),
          o.gflops.toFixed(1),
          `${((o.gflops / PEAK_GFLOPS) * 100).toFixed(0)}%`,
          t.ms.toFixed(4),
          t.gflops.toFixed(1),
          `${(t.ms / o.ms).toFixed(2)}x`,
        ];
      }),
    );
    for (const [shape, layer] of [
      ["300x784x60", "LeNet fc1"],
      ["256x16384x60", "Conv-2 fc1"],
    ] as const) {
      console.log(
        `\nSparse (CSR) vs dense, ${layer}: W ${shape.split("x").slice(0, 2).join("x")} times ${shape.split("x").slice(1).join("x")}; speedup = dense ms / sparse ms`,
      );
      const d = (op: string) => rows.find((r) => r.op === op && r.shape === shape && r.density === 1 && !r.op.startsWith("sp") && r.op !== "masked-grad")!;
      const [fwd, tn, nt] = [d("gemm"), d("gemm-tn"), d("gemm-nt")];
      const densities = [...new Set(rows.filter((r) => r.op === "spmm" && r.shape === shape).map((r) => r.density))];
      printTable(
        ["density", "fwd ms", "speedup", "GF/s", "dX ms", "speedup", "dW ms", "speedup"],
        [
          ["dense", fwd.ms.toFixed(4), "1.0x", fwd.gflops.toFixed(1), tn.ms.toFixed(4), "1.0x", nt.ms.toFixed(4), "1.0x"],
          ...densities.map((den) => {
            const g = (op: string) => rows.find((r) => r.op === op && r.shape === shape && r.density === den)!;
            const [s, st, sg] = [g("spmm"), g("spmm-t"), g("masked-grad")];
            return [
              String(den),
              s.ms.toFixed(4),
              `${(fwd.ms / s.ms).toFixed(1)}x`,
              s.gflops.toFixed(1),
              st.ms.toFixed(4),
              `${(tn.ms / st.ms).toFixed(1)}x`,
              sg.ms.toFixed(4),
              `${(nt.ms / sg.ms).toFixed(1)}x`,
            ];
          }),
        ],
      );
    }
  }
  return rows;
}
