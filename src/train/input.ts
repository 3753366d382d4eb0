import type { Kernels, Tensor } from "../kernels/index.js";
import type { Dataset, Split } from "../data/types.js";
import { Rng } from "../util/rng.js";

/** How an {@link InputPipeline} orders and converts examples (from the dataset and training hyperparameters). */
export interface InputOptions {
  /** Normalize each channel with the dataset's training mean and std (else scale to [0, 1] only). */
  normalize: boolean;
  /** Random horizontal flip and pad-4 random crop of training images. */
  augment: boolean;
  /** Seed of the data order and augmentation. */
  dataSeed: number;
  /** Examples per iteration. */
  batchSize: number;
}

/** The training images, their labels and the conversion constants in wasm memory, shared by a session's pipelines (and its threads). */
export interface DeviceImages {
  k: Kernels;
  images: Tensor<"u8">;
  labels: Tensor<"u8">;
  scale: Tensor<"f32">;
  shift: Tensor<"f32">;
}

/** What a pipeline needs of a dataset: the training split, the image shape and its statistics. */
export type TrainingData = Pick<Dataset, "shape" | "stats" | "train">;

/**
 * A pipeline as plain numbers (offsets into the shared memory), so a worker thread can rebuild
 * an identical one over the same memory and fill its own share of every batch.
 */
export interface PipelineLayout {
  options: InputOptions;
  shape: readonly [number, number, number];
  mean: number[];
  std: number[];
  count: number;
  images: number;
  labels: number;
  scale: number;
  shift: number;
}

/** Per-channel f32 affine conversion constants (see InputPipeline). */
export function channelAffine(data: Pick<Dataset, "shape" | "stats">, normalize: boolean): { scale: Float32Array; shift: Float32Array } {
  const C = data.shape[0];
  const scale = new Float32Array(C),
    shift = new Float32Array(C);
  for (let c = 0; c < C; c++) {
    const mean = normalize ? data.stats.mean[c]! : 0,
      std = normalize ? data.stats.std[c]! : 1;
    scale[c] = 1 / (255 * std);
    shift[c] = -mean / std;
  }
  return { scale, shift };
}

/** Copies the training images into wasm memory (once per session). */
export function deviceImages(k: Kernels, data: Dataset, normalize: boolean): DeviceImages {
  const F = data.shape[0] * data.shape[1] * data.shape[2];
  const images = k.alloc([data.train.count, F], "u8", "training images");
  images.data.set(data.train.images.subarray(0, data.train.count * F));
  const labels = k.alloc([data.train.count], "u8", "training labels");
  labels.data.set(data.train.labels.subarray(0, data.train.count));
  const { scale, shift } = channelAffine(data, normalize);
  return { k, images, labels, scale: k.fromArray(scale, [scale.length], "input scale"), shift: k.fromArray(shift, [shift.length], "input shift") };
}

/** The pipeline a worker thread rebuilds from a PipelineLayout over its view of the shared memory. */
export function pipelineFromLayout(k: Kernels, l: PipelineLayout, indices: number): InputPipeline {
  const F = l.shape[0] * l.shape[1] * l.shape[2];
  const images = k.view(l.images, [l.count, F], "u8"),
    labels = k.view(l.labels, [l.count], "u8");
  // Getters: a view's typed array is replaced when the memory grows.
  const train = {
    get images() {
      return images.data;
    },
    get labels() {
      return labels.data;
    },
    count: l.count,
  };
  const data: TrainingData = { shape: l.shape, stats: { mean: l.mean, std: l.std }, train };
  const C = l.shape[0];
  return new InputPipeline(
    data,
    l.options,
    { k, images, labels, scale: k.view(l.scale, [C]), shift: k.view(l.shift, [C]) },
    k.view(indices, [l.options.batchSize], "u32"),
  );
}

/**
 * The input pipeline: which examples each iteration trains on, and their conversion from u8
 * pixels into feature-major f32 tensors in wasm memory.
 *
 * Order: iteration i takes positions [i·B, (i+1)·B) of an endless stream made of one seeded
 * permutation of the training set per epoch (epoch e shuffled by stream `epoch/e` of dataSeed).
 * Every example is used once per epoch, no partial batch is dropped, and the batch of any
 * iteration can be recomputed from (dataSeed, i) alone, which is what makes resuming exact.
 *
 * Conversion: pixel v of channel c becomes v·scale_c + shift_c in f32 arithmetic, i.e. v/255, or
 * (v/255 − mean_c)/std_c with normalization (the dataset's own training statistics). Batches are
 * converted by the wasm kernel `gather_images` from a copy of the training images in wasm memory;
 * the JS path (a lookup table holding exactly the kernel's f32 results) serves augmentation and
 * the one-time conversion of the evaluation sets. Augmentation (random horizontal flip and pad-4
 * random crop, padding with black pixels before normalization, as torchvision does) draws from
 * stream `augment/i` of dataSeed.
 */
export class InputPipeline {
  readonly features: number;
  private readonly lut: Float32Array;
  private readonly perms = new Map<number, Uint32Array>();
  private readonly offsets: Int32Array;
  private readonly flips: Uint8Array;
  /** Batch indices in wasm memory; allocated at the first batch, inside the training level's arena region. */
  private indexTensor: Tensor<"u32"> | null;
  private augmentedIteration = -1;

  /**
   * `indexTensor`: where batch indices go in wasm memory; a worker thread passes one the main
   * thread allocated (a worker must not allocate: its arena replays the main thread's offsets).
   */
  constructor(
    readonly data: TrainingData,
    readonly options: InputOptions,
    private readonly device: DeviceImages | null = null,
    indexTensor: Tensor<"u32"> | null = null,
  ) {
    this.indexTensor = indexTensor;
    const [C, H, W] = data.shape;
    this.features = C * H * W;
    const { scale, shift } = channelAffine(data, options.normalize);
    this.lut = new Float32Array(C * 256);
    for (let c = 0; c < C; c++) {
      for (let v = 0; v < 256; v++) this.lut[c * 256 + v] = Math.fround(Math.fround(v * scale[c]!) + shift[c]!);
    }
    this.offsets = new Int32Array(options.batchSize * 2);
    this.flips = new Uint8Array(options.batchSize);
  }

  /** This pipeline as offsets, for worker threads (null when its images are not in wasm memory). */
  layout(): PipelineLayout | null {
    const d = this.device;
    if (!d) return null;
    return {
      options: { ...this.options },
      shape: this.data.shape,
      mean: [...this.data.stats.mean],
      std: [...this.data.stats.std],
      count: this.data.train.count,
      images: d.images.ptr,
      labels: d.labels.ptr,
      scale: d.scale.ptr,
      shift: d.shift.ptr,
    };
  }

  private permutation(epoch: number): Uint32Array {
    let p = this.perms.get(epoch);
    if (!p) {
      p = new Rng(this.options.dataSeed, `epoch/${epoch}`).permutation(this.data.train.count);
      if (this.perms.size >= 2) this.perms.delete(Math.min(...this.perms.keys()));
      this.perms.set(epoch, p);
    }
    return p;
  }

  /** The training example indices of iteration `iteration` (0-based) into `out` (length = batch size). */
  batchIndices(iteration: number, out: Uint32Array): Uint32Array {
    const n = this.data.train.count,
      B = out.length;
    for (let j = 0; j < B; j++) {
      const pos = iteration * B + j;
      const epoch = Math.floor(pos / n);
      out[j] = this.permutation(epoch)[pos - epoch * n]!;
    }
    return out;
  }

  /** Epoch (fractional) reached after `iterations` iterations. */
  epochs(iterations: number): number {
    return (iterations * this.options.batchSize) / this.data.train.count;
  }

  /**
   * Writes training batch `iteration` into x [features, N ≥ batch] and labels: the wasm kernel
   * when the images are in wasm memory and there is no augmentation, the JS path otherwise.
   */
  fillBatch(iteration: number, indices: Uint32Array, x: Tensor<"f32">, labels: Tensor<"i32">): void {
    this.batchIndices(iteration, indices);
    this.fillPart(iteration, indices, 0, indices.length, x, labels);
  }

  /**
   * Writes positions [first, first + count) of a batch (whose indices were computed by
   * batchIndices for `iteration`) into columns 0..count−1 of x: one replica's share of the batch.
   * Every example gets the same augmentation whichever share it lands in.
   */
  fillPart(iteration: number, indices: Uint32Array, first: number, count: number, x: Tensor<"f32">, labels: Tensor<"i32">): void {
    const part = indices.subarray(first, first + count);
    const device = this.device;
    if (!device || this.options.augment) {
      this.fill(this.data.train, part, x, labels, iteration, first);
      return;
    }
    const ld = labels.data,
      tl = this.data.train.labels;
    for (let n = 0; n < count; n++) ld[n] = tl[part[n]!]!;
    if (!this.indexTensor || this.indexTensor.size < count) this.indexTensor = device.k.alloc([this.options.batchSize], "u32", "batch indices");
    const idx = this.indexTensor.size === count ? this.indexTensor : this.indexTensor.rows(0, count);
    idx.data.set(part);
    device.k.input.gatherImages(device.images, idx, this.features / this.data.shape[0], device.scale, device.shift, x);
  }

  /** The flips and shifts of every position of a batch, drawn once per iteration. */
  private augmentation(iteration: number): void {
    if (this.augmentedIteration === iteration) return;
    const rng = new Rng(this.options.dataSeed, `augment/${iteration}`);
    for (let n = 0; n < this.options.batchSize; n++) {
      this.offsets[2 * n] = rng.int(9) - 4;
      this.offsets[2 * n + 1] = rng.int(9) - 4;
      this.flips[n] = rng.int(2);
    }
    this.augmentedIteration = iteration;
  }

  /**
   * Writes examples `indices` of `split` into columns [0, indices.length) of x [features, N] and
   * their labels into `labels`. With `augmentIteration` set (training), applies augmentation.
   */
  fill(split: Split, indices: ArrayLike<number>, x: Tensor<"f32">, labels: Tensor<"i32">, augmentIteration?: number, firstPosition = 0): void {
    const N = x.shape[1]!;
    const count = indices.length;
    if (x.shape[0] !== this.features || count > N || labels.size < count) {
      throw new Error(`input: cannot fill ${count} examples of ${this.features} features into x ${x.toString()}, labels ${labels.toString()}`);
    }
    const xd = x.data,
      ld = labels.data,
      images = split.images,
      F = this.features,
      lut = this.lut;
    for (let n = 0; n < count; n++) ld[n] = split.labels[indices[n]!]!;
    const [C, H, W] = this.data.shape;
    const plane = H * W;
    if (augmentIteration === undefined || !this.options.augment) {
      for (let c = 0; c < C; c++) {
        const l = c * 256;
        for (let p = 0; p < plane; p++) {
          const f = c * plane + p;
          const row = f * N;
          for (let n = 0; n < count; n++) xd[row + n] = lut[l + images[indices[n]! * F + f]!]!;
        }
      }
      return;
    }
    // Augmentation: per batch position a shift (dy, dx) in [-4, 4] and a horizontal flip.
    this.augmentation(augmentIteration);
    const off = this.offsets.subarray(2 * firstPosition),
      flips = this.flips.subarray(firstPosition);
    for (let c = 0; c < C; c++) {
      const l = c * 256,
        black = lut[l]!;
      for (let yy = 0; yy < H; yy++) {
        for (let xx = 0; xx < W; xx++) {
          const row = (c * plane + yy * W + xx) * N;
          for (let n = 0; n < count; n++) {
            const sy = yy + off[2 * n]!;
            const cx = flips[n] ? W - 1 - xx : xx;
            const sx = cx + off[2 * n + 1]!;
            xd[row + n] = sy < 0 || sy >= H || sx < 0 || sx >= W ? black : lut[l + images[indices[n]! * F + c * plane + sy * W + sx]!]!;
          }
        }
      }
    }
  }
}
