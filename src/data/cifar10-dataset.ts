// Builds the CIFAR-10 Dataset from the six official batch files.
//
// Split: the 50,000 training images of data_batch_1..5 taken in order, of which the LAST `valSize`
// (default 5,000: records 5,000..9,999 of data_batch_5) are held out for validation and the rest
// (the first 45,000) train; the 10,000 images of test_batch are the test split. As for MNIST, no
// shuffling happens here.

import { availableParallelism } from "node:os";
import { checkCifar10Batch, CIFAR10_BATCH_RECORDS, CIFAR10_CLASS_NAMES, CIFAR10_IMAGE_BYTES, CIFAR10_SIDE, unpackCifar10Records } from "./cifar10.js";
import { readDataFile } from "./read-file.js";
import { channelStats } from "./stats.js";
import { checkValSize, DEFAULT_VAL_SIZE, holdOutTail, makeSplit } from "./split.js";
import type { Dataset } from "./types.js";

export const CIFAR10_TRAIN_BATCHES = ["data_batch_1", "data_batch_2", "data_batch_3", "data_batch_4", "data_batch_5"] as const;
export const CIFAR10_TRAIN_COUNT = CIFAR10_TRAIN_BATCHES.length * CIFAR10_BATCH_RECORDS;

/** The six files, by their roles in manifest.CIFAR10. */
export const CIFAR10_ROLES = [...CIFAR10_TRAIN_BATCHES, "test_batch"] as const;
export type Cifar10Paths = Record<(typeof CIFAR10_ROLES)[number], string>;

export async function buildCifar10(paths: Cifar10Paths, valSize = DEFAULT_VAL_SIZE): Promise<Dataset> {
  checkValSize(valSize, CIFAR10_TRAIN_COUNT, "cifar10");
  // Each batch is unpacked into its place as soon as it is decompressed, and only a few files are
  // in flight at once (decompression runs on the thread pool, one core each), so peak memory is the
  // final arrays plus a few 30 MB batches rather than all six files twice over.
  const trainImages = new Uint8Array(CIFAR10_TRAIN_COUNT * CIFAR10_IMAGE_BYTES);
  const trainLabels = new Uint8Array(CIFAR10_TRAIN_COUNT);
  const testImages = new Uint8Array(CIFAR10_BATCH_RECORDS * CIFAR10_IMAGE_BYTES);
  const testLabels = new Uint8Array(CIFAR10_BATCH_RECORDS);
  const unpackInto = async (path: string, images: Uint8Array, labels: Uint8Array, at: number) => {
    const bytes = await readDataFile(path, "cifar10");
    const count = checkCifar10Batch(bytes, path, CIFAR10_BATCH_RECORDS);
    unpackCifar10Records(bytes, count, images, labels, at);
  };
  const jobs = [
    ...CIFAR10_TRAIN_BATCHES.map((role, i) => () => unpackInto(paths[role], trainImages, trainLabels, i * CIFAR10_BATCH_RECORDS)),
    () => unpackInto(paths.test_batch, testImages, testLabels, 0),
  ];
  await runLimited(jobs, Math.min(4, Math.max(2, availableParallelism())));
  const { train, val } = holdOutTail(trainImages, trainLabels, CIFAR10_IMAGE_BYTES, valSize);
  const plane = CIFAR10_SIDE * CIFAR10_SIDE;
  return Object.freeze({
    name: "cifar10",
    shape: Object.freeze([3, CIFAR10_SIDE, CIFAR10_SIDE] as const),
    classes: 10,
    classNames: CIFAR10_CLASS_NAMES,
    train,
    val,
    test: makeSplit(testImages, testLabels, CIFAR10_IMAGE_BYTES),
    stats: channelStats(train.images, train.count, 3, plane),
  });
}

/** Runs the jobs with at most `limit` in flight; after a failure starts no more, and rejects with it. */
async function runLimited(jobs: Array<() => Promise<void>>, limit: number): Promise<void> {
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (next < jobs.length && !failed) {
      try {
        await jobs[next++]!();
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, jobs.length) }, worker));
}
