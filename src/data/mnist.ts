// Builds the MNIST Dataset from the four official IDX files.
//
// Split (as in Frankle & Carbin, 2019): 55,000 training and 5,000 validation examples held out of
// the 60,000 official training images, plus the 10,000 official test images. The validation split is
// the LAST `valSize` images of the official training file, in file order (images 55,000..59,999 by
// default); the training split is everything before them. No shuffling happens here: the order of
// the training examples is the trainer's business (its own seeded stream).

import { readIdxImages, readIdxLabels } from "./idx.js";
import { channelStats } from "./stats.js";
import { checkValSize, DEFAULT_VAL_SIZE, holdOutTail, makeSplit } from "./split.js";
import type { Dataset } from "./types.js";

export const MNIST_CLASS_NAMES: readonly string[] = Object.freeze(["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"]);
export const MNIST_TRAIN_COUNT = 60000;
export const MNIST_TEST_COUNT = 10000;
const SIDE = 28;

/** The four files, by their roles in manifest.MNIST. */
export const MNIST_ROLES = ["train-images", "train-labels", "test-images", "test-labels"] as const;
/** Where each of the four MNIST files is: a path in Node, a URL in a browser (whatever the file reader in use takes). */
export type MnistPaths = Record<(typeof MNIST_ROLES)[number], string>;

/**
 * MNIST from its four official IDX files (gzipped or not): the last `valSize` training images held
 * out for validation, the training statistics computed. Every file is checked (magic, sizes, labels).
 *
 * @throws DataError naming the file that is missing or damaged.
 */
export async function buildMnist(paths: MnistPaths, valSize = DEFAULT_VAL_SIZE): Promise<Dataset> {
  checkValSize(valSize, MNIST_TRAIN_COUNT, "mnist");
  const image = (count: number) => ({ rows: SIDE, cols: SIDE, count });
  const label = (count: number) => ({ classes: 10, count });
  const [trainImages, trainLabels, testImages, testLabels] = await Promise.all([
    readIdxImages(paths["train-images"], "mnist", image(MNIST_TRAIN_COUNT)),
    readIdxLabels(paths["train-labels"], "mnist", label(MNIST_TRAIN_COUNT)),
    readIdxImages(paths["test-images"], "mnist", image(MNIST_TEST_COUNT)),
    readIdxLabels(paths["test-labels"], "mnist", label(MNIST_TEST_COUNT)),
  ]);
  const features = SIDE * SIDE;
  const { train, val } = holdOutTail(trainImages.pixels, trainLabels, features, valSize);
  return Object.freeze({
    name: "mnist",
    shape: Object.freeze([1, SIDE, SIDE] as const),
    classes: 10,
    classNames: MNIST_CLASS_NAMES,
    train,
    val,
    test: makeSplit(testImages.pixels, testLabels, features),
    stats: channelStats(train.images, train.count, 1, features),
  });
}
