// The in-memory form of a dataset: raw u8 pixels, example-major, exactly as the files hold them.
// Conversion to f32 (scaling, normalization, augmentation, feature-major layout) happens when a
// batch is copied into wasm memory (src/train/input.ts), so a dataset costs 1 byte per pixel.

/**
 * A dataset's name: a registered one (mnist, cifar10, fashion-mnist, kmnist, cifar100,
 * cifar100-coarse, or one added with registerDataset) or a local directory as idx:DIR, cifar:DIR or
 * folder:DIR.
 */
export type DatasetName = string;

/** One part of a dataset (train, val or test): raw u8 pixels, example-major, as the files hold them. */
export interface Split {
  /** count × features u8 pixels; within an example, channel-major (C, H, W) row-major planes. */
  readonly images: Uint8Array;
  /** count labels in [0, classes). */
  readonly labels: Uint8Array;
  /** Number of examples. */
  readonly count: number;
}

/**
 * A dataset in memory: raw u8 pixels, 1 byte per pixel. Scaling to f32, normalization, augmentation and
 * the feature-major layout happen when a batch is copied into wasm memory, not here.
 */
export interface Dataset {
  readonly name: DatasetName;
  /** Per-example shape [channels, height, width]. */
  readonly shape: readonly [number, number, number];
  /** Number of classes (10 for both datasets). */
  readonly classes: number;
  /** Human names of the classes, indexed by label. */
  readonly classNames: readonly string[];
  /** Training examples (the official training set minus the validation hold-out). */
  readonly train: Split;
  /** The held-out validation examples (see the loader for which ones). */
  readonly val: Split;
  /** The official test set. */
  readonly test: Split;
  /** Per-channel mean and std of the training pixels scaled to [0, 1] (the dataset's own statistics). */
  readonly stats: { readonly mean: readonly number[]; readonly std: readonly number[] };
}

/** Settings of {@link loadDataset}; every field is optional. */
export interface LoadOptions {
  /** Directory holding `mnist/` and `cifar10/` (highest priority). */
  dataDir?: string;
  /** folder:DIR datasets: resize every image to this square size (default: the images' own, which must then agree). */
  imageSize?: number;
  /** Number of training examples held out for validation (default 5000). */
  valSize?: number;
  /** If the files are not found anywhere, download them into the cache (default false). */
  fetchIfMissing?: boolean;
  /** Base URL of the download mirror (default per dataset; env LOTTERY_MNIST_MIRROR / LOTTERY_CIFAR10_MIRROR). */
  mirror?: string;
  /** Cache directory (default: env LOTTERY_CACHE_DIR, else $XDG_CACHE_HOME/lottery-wasm, else ~/.cache/lottery-wasm). */
  cacheDir?: string;
  /** Progress and notices ("downloading ...") go here (default: standard error). */
  log?: (message: string) => void;
  /** Environment variables to read (default process.env); lets tests and embedders isolate settings. */
  env?: Readonly<Record<string, string | undefined>>;
}
