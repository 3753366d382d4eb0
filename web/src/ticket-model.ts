// A finished ticket ready for inference: LeNet-300-100 from the model registry in its own kernel
// instance, holding a level's trained weights and mask. Pixels go through the wasm kernel that
// converts training batches (gather_images), so a drawn digit is scaled exactly as MNIST was.
//
// Execution forms follow the trainer's rules (Network.prepare, an ExecutionPlan): "auto" picks dense
// or sparse per layer by density, "dense" runs every layer as a GEMM over the zero-filled weights,
// "sparse" runs every pruned layer through its CSR kernel. Each call prepares its plan in an arena
// region and releases it, so the network's memory stays the parameters plus the loaded images.
import type { ModelHparams } from "../../src/hparams/schema.js";
import { Kernels, type Tensor } from "../../src/kernels/index.js";
import { getModel } from "../../src/models/registry.js";
import type { StepContext } from "../../src/nn/layer.js";
import type { KernelMode, Network, Replica } from "../../src/nn/network.js";
import type { ExecutionPlan } from "../../src/nn/plan.js";
import { applyMasks } from "../../src/prune/masks.js";
import type { ImageBatch, InputAffine, SpeedResult, Throughput, TicketWeights } from "./protocol.js";

export interface TimingOptions {
  /** Forwards per timed round. */
  forwards: number;
  rounds: number;
  warmup: number;
}

/** Softmax of a column of logits, in f64. */
export function softmax(logits: ArrayLike<number>): number[] {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) max = Math.max(max, logits[i]!);
  const exp = Array.from({ length: logits.length }, (_, i) => Math.exp(logits[i]! - max));
  const sum = exp.reduce((a, b) => a + b, 0);
  return exp.map((e) => e / sum);
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export class TicketModel {
  private ticket: { level: number; pm: number } | null = null;
  private readonly features: number;

  private constructor(
    private readonly k: Kernels,
    private readonly network: Network,
    private readonly scale: Tensor<"f32">,
    private readonly shift: Tensor<"f32">,
    /** The timing batch in wasm memory, and its index list (0..count−1) for gather_images. */
    private readonly samples: { images: Tensor<"u8">; indices: Tensor<"u32"> },
    /** One drawn digit. */
    private readonly digit: { images: Tensor<"u8">; indices: Tensor<"u32"> },
  ) {
    this.features = network.inputShape.reduce((a, b) => a * b, 1);
  }

  static async create(options: { model: ModelHparams; wasmDir: string; affine: InputAffine; samples: ImageBatch }): Promise<TicketModel> {
    // The parameters, the timing batch and its activations take a few MiB; a shared memory reserves its maximum.
    const k = await Kernels.create({ wasmDir: options.wasmDir, memoryLimitBytes: 64 * 2 ** 20 });
    const network = getModel(options.model.model).build(k, options.model);
    const F = network.inputShape.reduce((a, b) => a * b, 1);
    const { samples } = options;
    if (samples.images.length !== samples.count * F) throw new Error(`ticket: ${samples.images.length} sample pixels are not ${samples.count} images of ${F}`);
    const indexTensor = (n: number) => {
      const t = k.alloc([n], "u32", "image indices");
      for (let i = 0; i < n; i++) t.data[i] = i;
      return t;
    };
    const sampleImages = k.alloc([samples.count, F], "u8", "timing images");
    sampleImages.data.set(samples.images);
    const digitImages = k.alloc([1, F], "u8", "drawn digit");
    return new TicketModel(
      k,
      network,
      k.fromArray(options.affine.scale, [options.affine.scale.length], "input scale"),
      k.fromArray(options.affine.shift, [options.affine.shift.length], "input shift"),
      { images: sampleImages, indices: indexTensor(samples.count) },
      { images: digitImages, indices: indexTensor(1) },
    );
  }

  get simd(): string {
    return this.k.simd;
  }

  get loaded(): { level: number; pm: number } | null {
    return this.ticket;
  }

  load(ticket: TicketWeights): void {
    applyMasks(this.network, ticket.masks);
    this.network.load(ticket.weights);
    this.ticket = { level: ticket.level, pm: ticket.pm };
  }

  /** Class probabilities for one 28x28 u8 image (white digit on black, as MNIST). */
  classify(pixels: Uint8Array): number[] {
    if (pixels.length !== this.features) throw new Error(`classify: expected ${this.features} pixels, got ${pixels.length}`);
    this.digit.images.data.set(pixels);
    return this.withForm("auto", 1, this.digit, (forward) => {
      const logits = forward();
      return softmax(logits.data);
    });
  }

  /**
   * Images per second of the timing batch with the pruned layers run dense and sparse. Both forms
   * are prepared side by side (a replica binds its layers' form when it is made) and their rounds
   * alternate, so a change in the machine's load, or V8 tiering the wasm up mid-measurement,
   * hits both alike instead of favouring whichever form was timed last.
   */
  speed(options: TimingOptions): SpeedResult {
    if (!this.ticket) throw new Error("speed: no ticket loaded");
    const { k, network } = this;
    const batch = this.samples.indices.size;
    const mark = k.arena.mark();
    try {
      // Two plans side by side (a plan is a value; inference changes no weight, so neither needs committing).
      const forms = (["dense", "sparse"] as const).map((mode) => ({
        mode,
        forward: this.forwardFn(batch, this.samples, network.prepare(mode)),
        rounds: [] as number[],
      }));
      for (const f of forms) for (let i = 0; i < options.warmup; i++) f.forward();
      for (let r = 0; r < options.rounds; r++) {
        for (const f of forms) {
          const t0 = performance.now();
          for (let i = 0; i < options.forwards; i++) f.forward();
          f.rounds.push((performance.now() - t0) / options.forwards);
        }
      }
      // The median round: the experiment trains on the other core, and one slow round must not decide.
      const throughput = (rounds: number[]): Throughput => {
        const ms = median(rounds);
        return { msPerForward: ms, imagesPerSecond: (batch * 1000) / ms };
      };
      return { ...this.ticket, batch, forwards: options.forwards * options.rounds, dense: throughput(forms[0]!.rounds), sparse: throughput(forms[1]!.rounds) };
    } finally {
      k.arena.release(mark);
    }
  }

  /** A replica of batch N for the network's current form, its input converted from `source`'s images. */
  private forwardFn(N: number, source: { images: Tensor<"u8">; indices: Tensor<"u32"> }, plan: ExecutionPlan): () => Tensor<"f32"> {
    const { k, network } = this;
    const replica: Replica = network.replica(N, false, plan);
    k.input.gatherImages(source.images, source.indices, this.features / network.inputShape[0]!, this.scale, this.shift, replica.input);
    const ctx: StepContext = { training: false, step: 0, colOffset: 0, totalCols: N, seed: 0 };
    return () => replica.forward(ctx);
  }

  /** Runs `use` with a forward function of the network prepared in `mode`, inside an arena region. */
  private withForm<T>(mode: KernelMode, N: number, source: { images: Tensor<"u8">; indices: Tensor<"u32"> }, use: (forward: () => Tensor<"f32">) => T): T {
    const { k, network } = this;
    const mark = k.arena.mark();
    try {
      return use(this.forwardFn(N, source, network.prepare(mode)));
    } finally {
      k.arena.release(mark);
    }
  }
}
