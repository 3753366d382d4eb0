import type { ExecutionPlan } from "../nn/plan.js";
import type { Kernels, Tensor } from "../kernels/index.js";
import { features } from "../nn/layer.js";
import type { LayerExecution, Network, Replica } from "../nn/network.js";
import type { KernelPreference, TicketManifest } from "./format.js";
import { inputAffine } from "./input.js";

/** What {@link Ticket.classify} returns for N images. */
export interface Classification {
  /** The predicted class of each image. */
  classes: Int32Array;
  /** [N, classes], example-major. */
  logits: Float32Array;
}

/** What {@link Ticket.evaluate} returns. */
export interface Accuracy {
  /** Images evaluated. */
  count: number;
  /** Images whose predicted class is their label. */
  correct: number;
  /** correct / count, in [0, 1]. */
  accuracy: number;
}

const MAX_BATCH = 256;
/** Activation memory per forward pass that the default batch size stays within. */
const BATCH_BUDGET_BYTES = 96 * 2 ** 20;
/**
 * The direct sparse convolution walks a layer's whole input and output planes once per kept
 * weight, so it is fast only while a pass's activations stay in cache: Conv-2 at Pm 0.1 ran 700
 * images/s in passes of 8-32 images and 110 in passes of 256 (dense im2col + GEMM: 580 at 64+).
 */
const SPARSE_CONV_BUDGET_BYTES = 16 * 2 ** 20;

/** The default images per forward pass: 256, or fewer so one pass's activations fit the budget. */
export function defaultBatchSize(network: Network, budgetBytes = BATCH_BUDGET_BYTES): number {
  let perExample = features(network.inputShape);
  let shape: readonly number[] = network.inputShape;
  for (const layer of network.layers) {
    shape = layer.outputShape(shape);
    perExample += features(shape);
  }
  return Math.max(1, Math.min(MAX_BATCH, Math.floor(budgetBytes / (4 * perExample))));
}

/** What one forward pass of N images needs: the replica, a staging buffer for the u8 images, the classes. */
interface Runner {
  replica: Replica;
  images: Tensor<"u8">;
  indices: Tensor<"u32">;
  classes: Tensor<"i32">;
}

/**
 * A loaded ticket (from {@link loadTicket}): converts u8 images exactly as training did and runs
 * forward passes in batches, on the network whose pruned layers hold the file's CSR arrays. Images
 * are u8 pixels, N × C·H·W, example-major as the dataset files hold them.
 */
export class Ticket {
  readonly batchSize: number;
  private readonly scale: Tensor<"f32">;
  private readonly shift: Tensor<"f32">;
  private readonly runners = new Map<number, Runner>();
  /** Arena position above the parameters: runners live above it and are dropped together. */
  private readonly runnersBase: number;
  /** Arena position after our last allocation. */
  private top: number;
  /** Whether everything above runnersBase is ours (false once another user of the Kernels allocated in between). */
  private ownsTop = true;

  constructor(
    readonly manifest: TicketManifest,
    readonly network: Network,
    /** How the pruned layers run: the CSR forms loaded from the file (views of this memory). */
    readonly plan: ExecutionPlan,
    /** For each prunable parameter, whether it runs sparse or dense and its density. */
    readonly execution: readonly LayerExecution[],
    readonly kernelMode: KernelPreference,
    /** Images per forward pass as asked for (undefined: the default for this plan). */
    private readonly batchOption: number | undefined,
  ) {
    const k = network.k;
    const sparseConv = plan.anySparse(["conv", "shortcut"]);
    this.batchSize = batchOption ?? defaultBatchSize(network, sparseConv ? SPARSE_CONV_BUDGET_BYTES : BATCH_BUDGET_BYTES);
    if (!Number.isInteger(this.batchSize) || this.batchSize < 1) throw new Error(`ticket: batchSize must be a positive integer, got ${batchOption}`);
    const { scale, shift } = inputAffine(manifest.input.normalization, manifest.input.shape[0]);
    this.scale = k.fromArray(scale, [scale.length], "ticket input scale");
    this.shift = k.fromArray(shift, [shift.length], "ticket input shift");
    this.runnersBase = this.top = k.arena.mark();
  }

  /**
   * The same ticket with its pruned layers run another way, on the same network and weights:
   * "dense" runs every weight as a GEMM over its zero-filled dense values, "sparse" every pruned
   * layer that has sparse kernels through its CSR form, "auto" chooses per layer by density (the
   * rule training uses). The new form's CSR arrays and buffers are allocated in this ticket's
   * kernels, so both forms work side by side (e.g. to time them against each other) for as long
   * as that memory is kept. The batch size is the one asked for at load, else the new form's default.
   */
  withKernels(mode: KernelPreference): Ticket {
    const plan = this.network.prepare(mode);
    return new Ticket(this.manifest, this.network, plan, plan.execution, mode, this.batchOption);
  }

  /** The kernels (and wasm memory) the ticket runs in. */
  get k(): Kernels {
    return this.network.k;
  }

  /** Bytes per example (C·H·W u8 pixels). */
  get features(): number {
    return features(this.manifest.input.shape);
  }

  /** Per-image input shape [C, H, W]. */
  get inputShape(): readonly [number, number, number] {
    return this.manifest.input.shape;
  }

  /** Human names of the classes, indexed by class. */
  get classNames(): readonly string[] {
    return this.manifest.class_names;
  }

  /**
   * The runner for passes of N images. At most two batch sizes are kept (the full batch and the
   * last partial one); another size drops them and reuses their memory, unless something else
   * has allocated in the same Kernels above our parameters (then that memory is not ours to
   * release, and runners accumulate instead).
   */
  private runner(N: number): Runner {
    const hit = this.runners.get(N);
    if (hit) return hit;
    const k = this.k;
    if (k.arena.mark() !== this.top) this.ownsTop = false;
    if (this.runners.size >= 2 && this.ownsTop) {
      k.arena.release(this.runnersBase);
      this.runners.clear();
    }
    const replica = this.network.replica(N, false, this.plan);
    const images = k.alloc([N, this.features], "u8", "ticket images");
    const indices = k.alloc([N], "u32", "ticket image indices");
    const idx = indices.data;
    for (let i = 0; i < N; i++) idx[i] = i;
    const classes = k.alloc([N], "i32", "ticket classes");
    const r = { replica, images, indices, classes };
    this.runners.set(N, r);
    this.top = k.arena.mark();
    return r;
  }

  private count(images: ArrayLike<number> & { length: number }): number {
    const F = this.features;
    if (images.length % F !== 0) {
      const [C, H, W] = this.inputShape;
      throw new Error(`ticket: ${images.length} bytes is not a whole number of ${C}x${H}x${W} images (${F} bytes each, example-major)`);
    }
    return images.length / F;
  }

  /** Runs the network on images [start, start + n) and returns the logits tensor [classes, n]. */
  private forward(images: Uint8Array | Uint8ClampedArray, start: number, n: number): Runner {
    const F = this.features;
    const r = this.runner(n);
    r.images.data.set(images.subarray(start * F, (start + n) * F));
    this.k.input.gatherImages(r.images, r.indices, F / this.inputShape[0], this.scale, this.shift, r.replica.input);
    r.replica.forward({ training: false, step: 0, colOffset: 0, totalCols: n, seed: 0 });
    this.k.loss.argmax(r.replica.logits, r.classes);
    return r;
  }

  /** Walks the images in passes of at most batchSize. */
  private each(images: Uint8Array | Uint8ClampedArray, visit: (r: Runner, start: number, n: number) => void): number {
    const total = this.count(images);
    for (let start = 0; start < total; start += this.batchSize) {
      const n = Math.min(this.batchSize, total - start);
      visit(this.forward(images, start, n), start, n);
    }
    return total;
  }

  /** The predicted class of each image (u8 pixels, N × C·H·W, example-major as the dataset files hold them). */
  predict(images: Uint8Array | Uint8ClampedArray): Int32Array {
    const out = new Int32Array(this.count(images));
    this.each(images, (r, start) => out.set(r.classes.data, start));
    return out;
  }

  /** Classes and logits of each image. */
  classify(images: Uint8Array | Uint8ClampedArray): Classification {
    const total = this.count(images),
      C = this.manifest.classes;
    const classes = new Int32Array(total),
      logits = new Float32Array(total * C);
    this.each(images, (r, start, n) => {
      classes.set(r.classes.data, start);
      const l = r.replica.logits.data;
      for (let c = 0; c < C; c++) for (let j = 0; j < n; j++) logits[(start + j) * C + c] = l[c * n + j]!;
    });
    return { classes, logits };
  }

  /** Accuracy against labels (one per image). */
  evaluate(images: Uint8Array | Uint8ClampedArray, labels: ArrayLike<number>): Accuracy {
    const count = this.count(images);
    if (labels.length !== count) throw new Error(`ticket: ${labels.length} labels for ${count} images`);
    let correct = 0;
    this.each(images, (r, start, n) => {
      const cls = r.classes.data;
      for (let j = 0; j < n; j++) if (cls[j] === labels[start + j]) correct++;
    });
    return { count, correct, accuracy: count === 0 ? NaN : correct / count };
  }
}

/** Softmax of example-major logits [N, classes] (probabilities per image, each row summing to 1). */
export function softmax(logits: Float32Array, classes: number): Float32Array {
  const out = new Float32Array(logits.length);
  for (let i = 0; i < logits.length; i += classes) {
    let mx = -Infinity;
    for (let c = 0; c < classes; c++) mx = Math.max(mx, logits[i + c]!);
    let sum = 0;
    for (let c = 0; c < classes; c++) sum += Math.exp(logits[i + c]! - mx);
    for (let c = 0; c < classes; c++) out[i + c] = Math.exp(logits[i + c]! - mx) / sum;
  }
  return out;
}
