// The dataset registry: each built-in dataset's files (names on disk, where they are downloaded
// from, their official checksums), format, shape, classes and class names, split rule and default
// normalization. A download is stored only if it matches its checksum, so a file in the cache is
// known to be official. Checksums are sha256 where we could compute them from the official files
// (MNIST, CIFAR-10, also listed in the shared data README) and md5 where the publisher (or
// torchvision, which copies the publisher's) only gives md5 (Fashion-MNIST, KMNIST, CIFAR-100).

import type { DatasetName } from "./types.js";

/** One file of a registered dataset: its name, where it is downloaded from and its checksum. */
export interface DataFile {
  /** What the loader uses it for, e.g. "train-images" or "data_batch_3". */
  readonly role: string;
  /** The name the loader looks for first (and the name a download is stored under). */
  readonly name: string;
  /** Other accepted names for the same content (the gzipped or un-gzipped variant). */
  readonly alternatives: readonly string[];
  /** sha256 of the file stored under `name`, as downloaded (MNIST: the .gz; CIFAR-10: the raw .bin). */
  readonly sha256?: string;
  /** md5 of the same, where the publisher gives only md5 (a file has sha256, md5 or both). */
  readonly md5?: string;
  /**
   * Exact size, for members of an archive that only has a checksum as a whole (CIFAR-100): a cached
   * copy of that size counts as present (the archive was verified when it was stored).
   */
  readonly bytes?: number;
}

/** How the records of a CIFAR-style binary file are laid out. */
export interface CifarLayout {
  /** Label bytes before each image (1 for CIFAR-10; 2 for CIFAR-100: coarse, then fine). */
  readonly labelBytes: number;
  /** Which of them is the label (CIFAR-100: 0 coarse, 1 fine). */
  readonly labelIndex: number;
  /** Roles of the training files, in order, and of the test files. */
  readonly train: readonly string[];
  readonly test: readonly string[];
}

/** A registered dataset: files, format, shape, classes and class names, split rule, normalization, download. */
export interface DatasetManifest {
  readonly name: DatasetName;
  /** Human name for messages. */
  readonly title: string;
  readonly description: string;
  /** IDX (MNIST-style: train/t10k images and labels) or CIFAR-style binary records. */
  readonly format: "idx" | "cifar";
  /** Subdirectory of a data or cache directory holding the files. */
  readonly subdir: string;
  readonly files: readonly DataFile[];
  /** Per-example shape [channels, height, width], class count and names (label order). */
  readonly shape: readonly [number, number, number];
  readonly classes: number;
  readonly classNames: readonly string[];
  /** Official training and test examples. */
  readonly trainCount: number;
  readonly testCount: number;
  /** The split rule, in words (validation is always the last valSize training examples). */
  readonly split: string;
  /** Whether pixels are normalized by default when a model trains on this dataset but was declared for another. */
  readonly normalize: boolean;
  /** CIFAR-style datasets: the record layout and file roles. */
  readonly cifar?: CifarLayout;
  /** Default download base URL and the environment variable that overrides it. */
  readonly defaultMirror: string;
  readonly mirrorEnv: string;
  /**
   * Files that come inside one gzipped tar archive at mirror/<name>, as members <dir>/<file>; with
   * md5 the whole archive is verified (the publisher's checksum) before any member is stored.
   */
  readonly archive?: { readonly name: string; readonly dir: string; readonly md5?: string };
}

const IDX_SPLIT = "the official training file's last valSize images are validation, the rest train; the official t10k file is the test split";

export const MNIST: DatasetManifest = {
  name: "mnist",
  title: "MNIST",
  description: "handwritten digits, 28x28 grayscale, 10 classes, 60,000 train / 10,000 test (IDX)",
  format: "idx",
  shape: [1, 28, 28],
  classes: 10,
  classNames: ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"],
  trainCount: 60000,
  testCount: 10000,
  split: IDX_SPLIT,
  normalize: false,
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
  description: "32x32 colour photographs, 10 classes, 50,000 train / 10,000 test (binary version)",
  format: "cifar",
  shape: [3, 32, 32],
  classes: 10,
  classNames: ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"],
  trainCount: 50000,
  testCount: 10000,
  split: "data_batch_1..5 in order, the last valSize records (of data_batch_5) are validation; test_batch is the test split",
  normalize: true,
  cifar: { labelBytes: 1, labelIndex: 0, train: ["data_batch_1", "data_batch_2", "data_batch_3", "data_batch_4", "data_batch_5"], test: ["test_batch"] },
  archive: { name: "cifar-10-binary.tar.gz", dir: "cifar-10-batches-bin" },
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

// Fashion-MNIST (Xiao, Rasul & Vollgraf 2017): md5 of the .gz files as the official repository
// (zalandoresearch/fashion-mnist, README) and torchvision list them.
export const FASHION_MNIST: DatasetManifest = {
  ...MNIST,
  name: "fashion-mnist",
  title: "Fashion-MNIST",
  description: "Zalando article images, 28x28 grayscale, 10 classes, 60,000 train / 10,000 test (IDX)",
  classNames: ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"],
  subdir: "fashion-mnist",
  defaultMirror: "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
  mirrorEnv: "LOTTERY_FASHION_MNIST_MIRROR",
  files: [
    idxFileMd5("train-images", "train-images-idx3-ubyte", "8d4fb7e6c68d591d4c3dfef9ec88bf0d"),
    idxFileMd5("train-labels", "train-labels-idx1-ubyte", "25c81989df183df01b3e8a0aad5dffbe"),
    idxFileMd5("test-images", "t10k-images-idx3-ubyte", "bef4ecab320f06d8554ea6380940ec79"),
    idxFileMd5("test-labels", "t10k-labels-idx1-ubyte", "bb300cfdad3c16e7a12a480ee83cd310"),
  ],
};

// Kuzushiji-MNIST (Clanuwat et al. 2018, ROIS-CODH): md5 of the .gz files as torchvision lists them.
export const KMNIST: DatasetManifest = {
  ...MNIST,
  name: "kmnist",
  title: "Kuzushiji-MNIST",
  description: "cursive Japanese (Kuzushiji) characters, 28x28 grayscale, 10 classes, 60,000 train / 10,000 test (IDX)",
  classNames: ["o", "ki", "su", "tsu", "na", "ha", "ma", "ya", "re", "wo"],
  subdir: "kmnist",
  defaultMirror: "http://codh.rois.ac.jp/kmnist/dataset/kmnist/",
  mirrorEnv: "LOTTERY_KMNIST_MIRROR",
  files: [
    idxFileMd5("train-images", "train-images-idx3-ubyte", "bdb82020997e1d708af4cf47b453dcf7"),
    idxFileMd5("train-labels", "train-labels-idx1-ubyte", "e144d726b3acfaa3e44228e80efcd344"),
    idxFileMd5("test-images", "t10k-images-idx3-ubyte", "5c965bf0a639b31b8f53240b1b52f4d7"),
    idxFileMd5("test-labels", "t10k-labels-idx1-ubyte", "7320c461ea6c1c855c0b718fb2a4b134"),
  ],
};

/** CIFAR-100's 100 fine and 20 coarse class names, in label order (the archive's fine/coarse_label_names.txt). */
export const CIFAR100_FINE_NAMES: readonly string[] = (
  "apple aquarium_fish baby bear beaver bed bee beetle bicycle bottle bowl boy bridge bus butterfly camel can castle caterpillar cattle " +
  "chair chimpanzee clock cloud cockroach couch crab crocodile cup dinosaur dolphin elephant flatfish forest fox girl hamster house kangaroo keyboard " +
  "lamp lawn_mower leopard lion lizard lobster man maple_tree motorcycle mountain mouse mushroom oak_tree orange orchid otter palm_tree pear pickup_truck pine_tree " +
  "plain plate poppy porcupine possum rabbit raccoon ray road rocket rose sea seal shark shrew skunk skyscraper snail snake spider " +
  "squirrel streetcar sunflower sweet_pepper table tank telephone television tiger tractor train trout tulip turtle wardrobe whale willow_tree wolf woman worm"
).split(" ");
export const CIFAR100_COARSE_NAMES: readonly string[] = (
  "aquatic_mammals fish flowers food_containers fruit_and_vegetables household_electrical_devices household_furniture insects large_carnivores " +
  "large_man-made_outdoor_things large_natural_outdoor_scenes large_omnivores_and_herbivores medium_mammals non-insect_invertebrates people reptiles " +
  "small_mammals trees vehicles_1 vehicles_2"
).split(" ");

// CIFAR-100, the official binary version: train.bin and test.bin, records of a coarse label byte,
// a fine label byte and the 3072 pixel bytes. The publisher gives only the archive's md5
// (03b5dce01913d631647c71ecec9e9cb8 on the CIFAR page), so the whole archive is verified before
// its members are stored. `cifar100` uses the fine labels (100 classes), `cifar100-coarse` the 20
// superclasses of the same files.
export const CIFAR100: DatasetManifest = {
  name: "cifar100",
  title: "CIFAR-100",
  description: "32x32 colour photographs, 100 fine classes, 50,000 train / 10,000 test (binary version)",
  format: "cifar",
  shape: [3, 32, 32],
  classes: 100,
  classNames: CIFAR100_FINE_NAMES,
  trainCount: 50000,
  testCount: 10000,
  split: "the last valSize records of train.bin are validation, the rest train; test.bin is the test split",
  normalize: true,
  cifar: { labelBytes: 2, labelIndex: 1, train: ["train"], test: ["test"] },
  archive: { name: "cifar-100-binary.tar.gz", dir: "cifar-100-binary", md5: "03b5dce01913d631647c71ecec9e9cb8" },
  subdir: "cifar100",
  defaultMirror: "https://www.cs.toronto.edu/~kriz/",
  mirrorEnv: "LOTTERY_CIFAR100_MIRROR",
  files: [
    { ...cifarFile("train"), bytes: 50000 * 3074 },
    { ...cifarFile("test"), bytes: 10000 * 3074 },
  ],
};

export const CIFAR100_COARSE: DatasetManifest = {
  ...CIFAR100,
  name: "cifar100-coarse",
  title: "CIFAR-100 (coarse labels)",
  description: "CIFAR-100's files with its 20 coarse superclasses as labels",
  classes: 20,
  classNames: CIFAR100_COARSE_NAMES,
  cifar: { ...CIFAR100.cifar!, labelIndex: 0 },
};

const REGISTRY = new Map<string, DatasetManifest>([MNIST, CIFAR10, FASHION_MNIST, KMNIST, CIFAR100, CIFAR100_COARSE].map((m) => [m.name, m]));

/** The built-in datasets by name (a snapshot; registerDataset adds to the registry). */
export const MANIFESTS: Readonly<Record<string, DatasetManifest>> = Object.fromEntries(REGISTRY);

/** Names of the registered datasets (built in and added with registerDataset). */
export function datasetNames(): string[] {
  return [...REGISTRY.keys()];
}

export function isRegisteredDataset(name: string): boolean {
  return REGISTRY.has(name);
}

/** The registered dataset `name`. @throws Error listing the registered names (and the idx:/cifar:/folder: forms) when there is none. */
export function manifestFor(name: DatasetName): DatasetManifest {
  const m = REGISTRY.get(name);
  if (!m) {
    throw new Error(
      `unknown dataset "${String(name)}": choose one of ${datasetNames().join(", ")}, or a directory as idx:DIR, cifar:DIR or folder:DIR (see README "Your own data and model")`,
    );
  }
  return m;
}

/** Adds a dataset entry (files in IDX or CIFAR layout under <data dir>/<subdir>/), as registerModel adds a model. */
export function registerDataset(entry: DatasetManifest): DatasetManifest {
  if (REGISTRY.has(entry.name)) throw new Error(`dataset ${entry.name} is already registered`);
  if (/:/.test(entry.name)) throw new Error(`dataset name ${entry.name} must not contain ":" (reserved for idx:DIR, cifar:DIR, folder:DIR)`);
  if (entry.classNames.length !== entry.classes) throw new Error(`dataset ${entry.name}: ${entry.classNames.length} class names for ${entry.classes} classes`);
  REGISTRY.set(entry.name, entry);
  return entry;
}

// MNIST is distributed gzipped, so the .gz is the canonical (downloaded, hashed) form.
function mnistFile(role: string, base: string, sha256: string): DataFile {
  return { role, name: `${base}.gz`, alternatives: [base], sha256 };
}

function idxFileMd5(role: string, base: string, md5: string): DataFile {
  return { role, name: `${base}.gz`, alternatives: [base], md5 };
}

// CIFAR members come out of the archive raw, so the raw .bin is the canonical form.
function cifarFile(role: string, sha256?: string): DataFile {
  return { role, name: `${role}.bin`, alternatives: [`${role}.bin.gz`], ...(sha256 ? { sha256 } : {}) };
}
