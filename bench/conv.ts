// `npm run bench -- conv [--json] [--quick] [--shapes conv2,resnet16] [--densities 1,0.5,0.2,0.1]`:
// one convolution layer of the paper's networks, forward and backward (input and weight
// gradients), through the Conv2d layer as training runs it: dense as im2col + GEMM and as
// Winograd F(2x2,3x3), and pruned on the direct sparse kernels at each density. GFLOP/s count the
// dense layer's multiply-adds (2·M·C·9·OH·OW·N per pass) for every row, so they compare times.
import { Conv2d, type ConvAlgorithm } from "../src/nn/conv.js";
import { ParamFactory } from "../src/nn/network.js";
import { Scratch } from "../src/nn/scratch.js";
import { Kernels, type Tensor } from "../src/kernels/index.js";
import { ExecutionPlan } from "../src/nn/plan.js";
import { Rng } from "../src/util/rng.js";
import { medianMs, printTable, type TimingOptions } from "./timing.js";

export interface ConvRow {
  bench: "conv";
  layer: string;
  impl: "im2col" | "winograd" | "sparse";
  density: number;
  pass: "forward" | "backward" | "step";
  ms: number;
  gflops: number;
}

interface LayerShape {
  name: string;
  C: number;
  H: number;
  M: number;
  N: number;
  /** 2 for the downsampling layers (output H/2 x H/2); default 1. */
  stride?: number;
}

/** The 3x3 stride-1 layers that hold most of each network's work (N: the batch on one thread, and half of it for two). */
const SHAPES: LayerShape[] = [
  { name: "conv2", C: 64, H: 32, M: 64, N: 60 },
  { name: "conv2-half", C: 64, H: 32, M: 64, N: 32 },
  // Conv-2's evaluation chunk (evalChunkSize: 156 examples within the 96 MB activation budget).
  { name: "conv2-eval", C: 64, H: 32, M: 64, N: 156 },
  { name: "conv1", C: 3, H: 32, M: 64, N: 60 },
  { name: "conv4", C: 128, H: 16, M: 128, N: 60 },
  { name: "conv6", C: 256, H: 8, M: 256, N: 60 },
  // The first layers: 3 input channels (small filter banks, im2col when dense).
  { name: "vgg-first", C: 3, H: 32, M: 64, N: 64 },
  { name: "resnet-first", C: 3, H: 32, M: 16, N: 128 },
  { name: "vgg-512x4", C: 512, H: 4, M: 512, N: 64 },
  { name: "vgg-512x2", C: 512, H: 2, M: 512, N: 64 },
  { name: "vgg-64x32", C: 64, H: 32, M: 64, N: 64 },
  { name: "resnet16", C: 16, H: 32, M: 16, N: 128 },
  { name: "resnet32", C: 32, H: 16, M: 32, N: 128 },
  { name: "resnet64", C: 64, H: 8, M: 64, N: 128 },
  // ResNet-20's downsampling 3x3 layers (stride 2; dense they run on im2col).
  { name: "resnet16s2", C: 16, H: 32, M: 32, N: 128, stride: 2 },
  { name: "resnet32s2", C: 32, H: 16, M: 64, N: 128, stride: 2 },
];

function flag(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
}

function fillRandom(t: Tensor<"f32">, rng: Rng): void {
  const d = t.data;
  for (let i = 0; i < d.length; i++) d[i] = rng.float() * 2 - 1;
}

export async function benchConv(args: { json: boolean; quick: boolean; argv: string[] }): Promise<ConvRow[]> {
  const timing: TimingOptions = args.quick ? { warmupMs: 50, reps: 5, repMs: 20 } : { warmupMs: 200, reps: 9, repMs: 50 };
  const names = flag(args.argv, "--shapes")?.split(",");
  const shapes = names ? SHAPES.filter((s) => names.includes(s.name)) : SHAPES.filter((s) => s.name.startsWith("conv2") || s.name === "resnet16");
  const densities = (flag(args.argv, "--densities") ?? "1,0.5,0.3,0.2,0.1,0.05").split(",").map(Number);
  const k = await Kernels.create({ memoryLimitBytes: 1536 * 2 ** 20 });
  const rng = new Rng(5, "bench-conv");
  const rows: ConvRow[] = [];
  for (const shape of shapes) {
    const { C, H, M, N } = shape;
    const stride = shape.stride ?? 1,
      OH = H / stride;
    const flops = 2 * M * C * 9 * OH * OH * N;
    for (const density of densities) {
      const impls: ConvRow["impl"][] = density === 1 ? ["im2col", "winograd"] : ["sparse"];
      for (const impl of impls) {
        if (impl === "winograd" && (C < 1 || H % 2 || stride !== 1)) continue;
        const mark = k.arena.mark();
        const factory = new ParamFactory(k);
        const algorithm: ConvAlgorithm = impl === "sparse" ? "auto" : impl;
        const layer = new Conv2d(factory, shape.name, [C, H, H], M, 3, { relu: false, algorithm, stride });
        fillRandom(layer.weight.value, rng);
        if (impl === "sparse") {
          const mask = layer.weight.mask!.data;
          for (let i = 0; i < mask.length; i++) mask[i] = rng.float() < density ? 1 : 0;
          k.elementwise.maskApply(layer.weight.value, layer.weight.mask!);
        }
        const csr = impl === "sparse" ? k.sparse.fromMask(layer.weight.mask!.data, M, C * 9, layer.weight.value) : null;
        const scratch = new Scratch();
        const run = layer.bind(k, [C, H, H], N, scratch, ExecutionPlan.of(k, [[layer.weight, csr]]));
        scratch.allocate(k);
        const x = k.alloc([C * H * H, N]),
          y = k.alloc([M * OH * OH, N]),
          dy = k.alloc([M * OH * OH, N]),
          dx = k.alloc([C * H * H, N]);
        fillRandom(x, rng);
        const grads = new Map([
          [layer.weight, k.alloc(csr ? [csr.nnz] : [M, C * 9])],
          [layer.bias!, k.alloc([M])],
        ]);
        const ctx = { training: true, step: 0, colOffset: 0, totalCols: N, seed: 0 };
        const fwd = medianMs(() => run.forward(x, y, ctx), timing);
        fillRandom(dy, rng);
        const bwd = medianMs(() => run.backward(x, y, dy, dx, grads, ctx), timing);
        for (const [pass, ms, f] of [
          ["forward", fwd, flops],
          ["backward", bwd, 2 * flops],
          ["step", fwd + bwd, 3 * flops],
        ] as const) {
          const row: ConvRow = { bench: "conv", layer: shape.name, impl, density, pass, ms: +ms.toFixed(4), gflops: +(f / ms / 1e6).toFixed(1) };
          rows.push(row);
          if (args.json) console.log(JSON.stringify(row));
        }
        k.arena.release(mark);
      }
    }
  }
  if (!args.json) {
    console.log(
      `conv: one 3x3 layer (stride 1; resnet*s2 stride 2) (+bias), forward and backward (dX and dW), 1 thread, simd ${k.simd}; medians of warmed-up repetitions; GF/s of the dense layer's work\n`,
    );
    printTable(
      ["layer", "C->M, HxW, N", "impl", "density", "fwd ms", "bwd ms", "fwd+bwd ms", "GF/s", "vs im2col", "vs winograd"],
      rows
        .filter((r) => r.pass === "step")
        .map((r) => {
          const s = shapes.find((q) => q.name === r.layer)!;
          const base = (impl: string) => rows.find((q) => q.layer === r.layer && q.impl === impl && q.pass === "step");
          const f = rows.find((q) => q.layer === r.layer && q.impl === r.impl && q.density === r.density && q.pass === "forward")!;
          const b = rows.find((q) => q.layer === r.layer && q.impl === r.impl && q.density === r.density && q.pass === "backward")!;
          const im = base("im2col"),
            wi = base("winograd");
          return [
            r.layer,
            `${s.C}->${s.M}, ${s.H}x${s.H}, ${s.N}`,
            r.impl,
            String(r.density),
            f.ms.toFixed(3),
            b.ms.toFixed(3),
            r.ms.toFixed(3),
            r.gflops.toFixed(1),
            im ? `${(im.ms / r.ms).toFixed(2)}x` : "-",
            wi ? `${(wi.ms / r.ms).toFixed(2)}x` : "-",
          ];
        }),
    );
  }
  return rows;
}
