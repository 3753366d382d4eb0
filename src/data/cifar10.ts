// Reader for the CIFAR-10 "binary version" batch files (https://www.cs.toronto.edu/~kriz/cifar.html):
// records of 3,073 bytes, one label byte (0..9) then the 32×32 red, green and blue planes (1,024
// bytes each, row-major). The planes are already channel-major, which is Split.images' layout, so
// unpacking only drops the label bytes.

import { corruptFile } from "./errors.js";
import { readDataFile } from "./read-file.js";

export const CIFAR10_CLASS_NAMES: readonly string[] = Object.freeze(["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]);
export const CIFAR10_SIDE = 32;
export const CIFAR10_IMAGE_BYTES = 3 * CIFAR10_SIDE * CIFAR10_SIDE; // 3072
/** Bytes of one record of a CIFAR-10 binary batch file: a label byte and a 32x32 RGB image (3073). */
export const CIFAR10_RECORD_BYTES = 1 + CIFAR10_IMAGE_BYTES;
/** Records in each official batch file. */
export const CIFAR10_BATCH_RECORDS = 10000;

/** A parsed CIFAR-10 binary batch: images and their labels. */
export interface Cifar10Batch {
  count: number;
  /** count × 3072 u8: per image the R, G, B planes. */
  images: Uint8Array;
  labels: Uint8Array;
}

/**
 * Checks the structure of a batch file's (decompressed) bytes and returns the number of records:
 * the length must be a whole number of records (exactly `expectedRecords` if given) and every label
 * must be < 10.
 */
export function checkCifar10Batch(bytes: Uint8Array, path: string, expectedRecords?: number): number {
  if (bytes.length === 0 || bytes.length % CIFAR10_RECORD_BYTES !== 0) {
    const whole = Math.floor(bytes.length / CIFAR10_RECORD_BYTES);
    throw corruptFile(
      path,
      "cifar10",
      `${bytes.length} bytes is not a whole number of ${CIFAR10_RECORD_BYTES}-byte records ` +
        `(${whole} records and ${bytes.length - whole * CIFAR10_RECORD_BYTES} bytes left over)`,
    );
  }
  const count = bytes.length / CIFAR10_RECORD_BYTES;
  if (expectedRecords !== undefined && count !== expectedRecords) {
    throw corruptFile(path, "cifar10", `holds ${count} records, expected ${expectedRecords} (${expectedRecords * CIFAR10_RECORD_BYTES} bytes)`);
  }
  for (let r = 0; r < count; r++) {
    const label = bytes[r * CIFAR10_RECORD_BYTES]!;
    if (label >= CIFAR10_CLASS_NAMES.length) {
      throw corruptFile(path, "cifar10", `record ${r} (byte offset ${r * CIFAR10_RECORD_BYTES}) has label ${label}, but labels must be 0..9`);
    }
  }
  return count;
}

/** Copies `count` checked records into images/labels starting at example `at`, dropping the label bytes. */
export function unpackCifar10Records(bytes: Uint8Array, count: number, images: Uint8Array, labels: Uint8Array, at: number): void {
  for (let r = 0; r < count; r++) {
    const src = r * CIFAR10_RECORD_BYTES;
    labels[at + r] = bytes[src]!;
    images.set(bytes.subarray(src + 1, src + CIFAR10_RECORD_BYTES), (at + r) * CIFAR10_IMAGE_BYTES);
  }
}

/**
 * Parses a CIFAR-10 binary batch file's (decompressed) bytes into images and labels.
 *
 * @throws DataError (DATA_CORRUPT) naming `path` when the length is not whole records (or not `expectedRecords`) or a label is >= 10.
 */
export function parseCifar10Batch(bytes: Uint8Array, path: string, expectedRecords?: number): Cifar10Batch {
  const count = checkCifar10Batch(bytes, path, expectedRecords);
  const images = new Uint8Array(count * CIFAR10_IMAGE_BYTES);
  const labels = new Uint8Array(count);
  unpackCifar10Records(bytes, count, images, labels, 0);
  return { count, images, labels };
}

/** Reads one batch file, gzipped or raw. */
export async function readCifar10Batch(path: string, expectedRecords?: number): Promise<Cifar10Batch> {
  return parseCifar10Batch(await readDataFile(path, "cifar10"), path, expectedRecords);
}
