// The input pipeline: which examples each iteration trains on, and their conversion from u8
// pixels into feature-major f32 tensors in wasm memory.
//
// Order: iteration i takes positions [i·B, (i+1)·B) of an endless stream made of one seeded
// permutation of the training set per epoch (epoch e shuffled by stream `epoch/e` of dataSeed).
// Every example is used once per epoch, no partial batch is dropped, and the batch of any
// iteration can be recomputed from (dataSeed, i) alone, which is what makes resuming exact.
//
// Conversion: pixel v of channel c becomes lut[c][v] = v/255, or (v/255 − mean_c)/std_c with
// normalization (the dataset's own training statistics). Augmentation (random horizontal flip and
// pad-4 random crop, padding with black pixels before normalization, as torchvision does) draws
// from stream `augment/i` of dataSeed.
import type { Tensor } from "../kernels/index.js";
import type { Dataset, Split } from "../data/types.js";
import { Rng } from "../util/rng.js";

export interface InputOptions {
  normalize: boolean;
  augment: boolean;
  dataSeed: number;
  batchSize: number;
}

export class InputPipeline {
  readonly features: number;
  private readonly lut: Float32Array;
  private readonly perms = new Map<number, Uint32Array>();
  private readonly offsets: Int32Array;
  private readonly flips: Uint8Array;

  constructor(readonly data: Dataset, readonly options: InputOptions) {
    const [C, H, W] = data.shape;
    this.features = C * H * W;
    this.lut = new Float32Array(C * 256);
    for (let c = 0; c < C; c++) {
      const mean = options.normalize ? data.stats.mean[c]! : 0;
      const std = options.normalize ? data.stats.std[c]! : 1;
      for (let v = 0; v < 256; v++) this.lut[c * 256 + v] = (v / 255 - mean) / std;
    }
    this.offsets = new Int32Array(options.batchSize * 2);
    this.flips = new Uint8Array(options.batchSize);
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
    const n = this.data.train.count, B = out.length;
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
   * Writes examples `indices` of `split` into columns [0, indices.length) of x [features, N] and
   * their labels into `labels`. With `augmentIteration` set (training), applies augmentation.
   */
  fill(split: Split, indices: ArrayLike<number>, x: Tensor<"f32">, labels: Tensor<"i32">, augmentIteration?: number): void {
    const N = x.shape[1]!;
    const count = indices.length;
    if (x.shape[0] !== this.features || count > N || labels.size < count) {
      throw new Error(`input: cannot fill ${count} examples of ${this.features} features into x ${x.toString()}, labels ${labels.toString()}`);
    }
    const xd = x.data, ld = labels.data, images = split.images, F = this.features, lut = this.lut;
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
    // Augmentation: per example a shift (dy, dx) in [-4, 4] and a horizontal flip.
    const rng = new Rng(this.options.dataSeed, `augment/${augmentIteration}`);
    for (let n = 0; n < count; n++) {
      this.offsets[2 * n] = rng.int(9) - 4;
      this.offsets[2 * n + 1] = rng.int(9) - 4;
      this.flips[n] = rng.int(2);
    }
    for (let c = 0; c < C; c++) {
      const l = c * 256, black = lut[l]!;
      for (let yy = 0; yy < H; yy++) {
        for (let xx = 0; xx < W; xx++) {
          const row = (c * plane + yy * W + xx) * N;
          for (let n = 0; n < count; n++) {
            const sy = yy + this.offsets[2 * n]!;
            const cx = this.flips[n] ? W - 1 - xx : xx;
            const sx = cx + this.offsets[2 * n + 1]!;
            xd[row + n] = sy < 0 || sy >= H || sx < 0 || sx >= W ? black : lut[l + images[indices[n]! * F + c * plane + sy * W + sx]!]!;
          }
        }
      }
    }
  }
}
