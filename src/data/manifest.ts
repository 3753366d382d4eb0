// The official files of each dataset: their names on disk, where they are downloaded from and their
// sha256 values. The hashes are those of the official distributions (also listed in the shared data
// README); a download is stored only if it matches, so a file in the cache is known to be official.

import type { DatasetName } from "./types.js";

export interface DataFile {
  /** What the loader uses it for, e.g. "train-images" or "data_batch_3". */
  readonly role: string;
  /** The name the loader looks for first (and the name a download is stored under). */
  readonly name: string;
  /** Other accepted names for the same content (the gzipped or un-gzipped variant). */
  readonly alternatives: readonly string[];
  /** sha256 of the file stored under `name`, as downloaded (MNIST: the .gz; CIFAR-10: the raw .bin). */
  readonly sha256: string;
}

export interface DatasetManifest {
  readonly name: DatasetName;
  /** Human name for messages. */
  readonly title: string;
  /** Subdirectory of a data or cache directory holding the files. */
  readonly subdir: string;
  readonly files: readonly DataFile[];
  /** Default download base URL and the environment variable that overrides it. */
  readonly defaultMirror: string;
  readonly mirrorEnv: string;
}

export const MNIST: DatasetManifest = {
  name: "mnist",
  title: "MNIST",
  subdir: "mnist",
  // storage.googleapis.com/cvdf-datasets serves the original LeCun/Cortes/Burges .gz files byte for byte.
  defaultMirror: "https://storage.googleapis.com/cvdf-datasets/mnist/",
  mirrorEnv: "LOTTERY_MNIST_MIRROR",
  files: [
    mnistFile("train-images", "train-images-idx3-ubyte", "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609"),
    mnistFile("train-labels", "train-labels-idx1-ubyte", "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c"),
    mnistFile("test-images", "t10k-images-idx3-ubyte", "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6"),
    mnistFile("test-labels", "t10k-labels-idx1-ubyte", "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6"),
  ],
};

/** The binary archive and the directory its members sit in. */
export const CIFAR10_ARCHIVE = "cifar-10-binary.tar.gz";
export const CIFAR10_ARCHIVE_DIR = "cifar-10-batches-bin";

export const CIFAR10: DatasetManifest = {
  name: "cifar10",
  title: "CIFAR-10",
  subdir: "cifar10",
  defaultMirror: "https://www.cs.toronto.edu/~kriz/",
  mirrorEnv: "LOTTERY_CIFAR10_MIRROR",
  // The archive is unpacked and each .bin is stored raw: the hashes are of the decompressed .bin
  // (the archive itself is not hashed, so a mirror may repack it as long as the members match).
  files: [
    cifarFile("data_batch_1", "cee916563c9f80d84e3cc88e17fdc0941787f1244f00a67874d45b261883ada5"),
    cifarFile("data_batch_2", "a591ca11fa1708a91ee40f54b3da4784ccd871ecf2137de63f51ada8b3fa57ed"),
    cifarFile("data_batch_3", "bbe8596564c0f86427f876058170b84dac6670ddf06d79402899d93ceea26f67"),
    cifarFile("data_batch_4", "014e562d6e23c72197cc727519169a60359f5eccd8945ad5a09d710285ff4e48"),
    cifarFile("data_batch_5", "755304fc0b379caeae8c14f0dac912fbc7d6cd469eb67a1029a08a39453a9add"),
    cifarFile("test_batch", "8e2eb146ae340b09e24670f29cabc6326dba54da8789dab6768acf480273f65b"),
  ],
};

export const MANIFESTS: Readonly<Record<DatasetName, DatasetManifest>> = { mnist: MNIST, cifar10: CIFAR10 };

export function manifestFor(name: DatasetName): DatasetManifest {
  const m = (MANIFESTS as Partial<Record<string, DatasetManifest>>)[name];
  if (!m) throw new Error(`unknown dataset "${String(name)}": expected one of ${Object.keys(MANIFESTS).join(", ")}`);
  return m;
}

// MNIST is distributed gzipped, so the .gz is the canonical (downloaded, hashed) form.
function mnistFile(role: string, base: string, sha256: string): DataFile {
  return { role, name: `${base}.gz`, alternatives: [base], sha256 };
}

// CIFAR-10 members come out of the archive raw, so the raw .bin is the canonical form.
function cifarFile(role: string, sha256: string): DataFile {
  return { role, name: `${role}.bin`, alternatives: [`${role}.bin.gz`], sha256 };
}
