// Splits are views into one buffer (no copies), so holding train and validation out of the same
// official training set costs no extra memory.

import { DataError } from "./errors.js";
import type { Split } from "./types.js";

export function makeSplit(images: Uint8Array, labels: Uint8Array, features: number): Split {
  const count = labels.length;
  if (images.length !== count * features) {
    throw new Error(`makeSplit: ${images.length} pixels is not ${count} examples × ${features} features`);
  }
  return Object.freeze({ images, labels, count });
}

export const DEFAULT_VAL_SIZE = 5000;

/** The valSize option checked against the number of official training examples. */
export function checkValSize(valSize: number, trainCount: number, dataset: string): number {
  if (!Number.isInteger(valSize) || valSize < 0 || valSize >= trainCount) {
    throw new DataError(
      "INVALID_OPTION",
      `${dataset}: valSize must be an integer from 0 to ${trainCount - 1} (examples held out of the ${trainCount} ` +
        `official training examples for validation), got ${valSize}`,
    );
  }
  return valSize;
}

/**
 * The last `valSize` examples (in the files' order) become the validation split and the rest the
 * training split. Taking a fixed tail, rather than a random sample, keeps the split identical across
 * runs, seeds and machines, and makes it easy to check against the official files.
 */
export function holdOutTail(images: Uint8Array, labels: Uint8Array, features: number, valSize: number): { train: Split; val: Split } {
  const trainCount = labels.length - valSize;
  return {
    train: makeSplit(images.subarray(0, trainCount * features), labels.subarray(0, trainCount), features),
    val: makeSplit(images.subarray(trainCount * features), labels.subarray(trainCount), features),
  };
}
