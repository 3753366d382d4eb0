// CIFAR-style binary datasets other than CIFAR-10's own loader (cifar10-dataset.ts): CIFAR-100
// (train.bin and test.bin, records of a coarse and a fine label byte then 3,072 pixel bytes) and
// `cifar:DIR`, a directory in either official layout. Records are 32x32 RGB, channel-major, which is
// already Split.images' layout, so reading only drops the label bytes.
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import type { DatasetParts } from "./assemble.js";
import { DataError, corruptFile, localLayoutHint } from "./errors.js";
import { classesOf, listDir } from "./idx-dataset.js";
import type { CifarLayout, DatasetManifest } from "./manifest.js";
import { readDataFile } from "./read-file.js";

const SIDE = 32;
const IMAGE_BYTES = 3 * SIDE * SIDE;

interface Records {
  images: Uint8Array;
  labels: Uint8Array;
}

/** Reads the files in order into one array of images and labels, checking each file's length and labels. */
async function readRecords(name: string, paths: readonly string[], layout: Pick<CifarLayout, "labelBytes" | "labelIndex">, classes: number): Promise<Records> {
  const record = layout.labelBytes + IMAGE_BYTES;
  const files = await Promise.all(paths.map((p) => readDataFile(p, name)));
  let count = 0;
  files.forEach((bytes, i) => {
    if (bytes.length === 0 || bytes.length % record !== 0) {
      throw corruptFile(
        paths[i]!,
        name,
        `${bytes.length} bytes is not a whole number of ${record}-byte records (${layout.labelBytes} label byte${layout.labelBytes > 1 ? "s" : ""} and 3x32x32 pixels)`,
      );
    }
    count += bytes.length / record;
  });
  const images = new Uint8Array(count * IMAGE_BYTES);
  const labels = new Uint8Array(count);
  let at = 0;
  files.forEach((bytes, i) => {
    const n = bytes.length / record;
    for (let r = 0; r < n; r++) {
      const src = r * record;
      const label = bytes[src + layout.labelIndex]!;
      if (label >= classes) {
        throw corruptFile(paths[i]!, name, `record ${r} (byte offset ${src}) has label ${label}, but labels must be 0..${classes - 1}`);
      }
      labels[at] = label;
      images.set(bytes.subarray(src + layout.labelBytes, src + record), at * IMAGE_BYTES);
      at++;
    }
  });
  return { images, labels };
}

/** A registered CIFAR-style dataset (CIFAR-100 fine or coarse): counts checked against the entry. */
export async function readRegisteredCifar(m: DatasetManifest, paths: Readonly<Record<string, string>>): Promise<DatasetParts> {
  const layout = m.cifar!;
  const pick = (roles: readonly string[]) => roles.map((r) => paths[r] ?? failRole(r));
  const [train, test] = await Promise.all([
    readRecords(m.name, pick(layout.train), layout, m.classes),
    readRecords(m.name, pick(layout.test), layout, m.classes),
  ]);
  if (train.labels.length !== m.trainCount)
    throw corruptFile(paths[layout.train[0]!]!, m.name, `holds ${train.labels.length} records, expected ${m.trainCount}`);
  if (test.labels.length !== m.testCount) throw corruptFile(paths[layout.test[0]!]!, m.name, `holds ${test.labels.length} records, expected ${m.testCount}`);
  return {
    shape: m.shape,
    classes: m.classes,
    classNames: m.classNames,
    trainImages: train.images,
    trainLabels: train.labels,
    testImages: test.images,
    testLabels: test.labels,
  };
}

function failRole(role: string): never {
  throw new Error(`internal: no path for the "${role}" file`);
}

/**
 * `cifar:DIR`: data_batch_*.bin and test_batch.bin (CIFAR-10 layout, 1 label byte, 10 classes
 * unless classes.txt or batches.meta.txt names more) or train.bin and test.bin (CIFAR-100 layout, fine
 * labels, 100 classes unless classes.txt or fine_label_names.txt says otherwise); gzipped or not.
 */
export async function readCifarDirectory(name: string, dir: string): Promise<DatasetParts> {
  const entries = await listDir(dir, name);
  const bin = (base: string) => entries.find((e) => e === `${base}.bin`) ?? entries.find((e) => e === `${base}.bin.gz`);
  const batches = entries
    .map((e) => /^data_batch_(\d+)\.bin(\.gz)?$/.exec(e))
    .filter((m): m is RegExpExecArray => m !== null)
    .sort((a, b) => Number(a[1]) - Number(b[1]) || a[0].length - b[0].length)
    .filter((m, i, all) => i === 0 || all[i - 1]![1] !== m[1]) // data_batch_1.bin wins over data_batch_1.bin.gz
    .map((m) => m[0]);
  let layout: { labelBytes: number; labelIndex: number };
  let train: string[], test: string[], namesFile: string, fallback: number;
  if (batches.length > 0) {
    const t = bin("test_batch");
    if (!t)
      throw new DataError("DATA_NOT_FOUND", `${dir} has ${batches.join(", ")} but no test_batch.bin. Fix: add the test batch (${localLayoutHint(name)}).`, dir);
    layout = { labelBytes: 1, labelIndex: 0 };
    train = batches;
    test = [t];
    namesFile = "batches.meta.txt";
    fallback = 10;
  } else if (bin("train") || bin("test")) {
    const tr = bin("train"),
      te = bin("test");
    if (!tr || !te)
      throw new DataError("DATA_NOT_FOUND", `${dir} has ${tr ?? te} but not ${tr ? "test.bin" : "train.bin"}. Fix: add it (${localLayoutHint(name)}).`, dir);
    layout = { labelBytes: 2, labelIndex: 1 };
    train = [tr];
    test = [te];
    namesFile = "fine_label_names.txt";
    fallback = 100;
  } else {
    throw new DataError("DATA_NOT_FOUND", `${dir} holds no CIFAR binary files. Fix: ${localLayoutHint(name)}.`, dir);
  }
  // classes.txt first, then the official names file, then the layout's class count.
  const own = (await readdir(dir)).includes("classes.txt") ? "classes.txt" : namesFile;
  const probe = 256;
  const [trainRecords, testRecords] = await Promise.all([
    readRecords(
      name,
      train.map((f) => join(dir, f)),
      layout,
      probe,
    ),
    readRecords(
      name,
      test.map((f) => join(dir, f)),
      layout,
      probe,
    ),
  ]);
  const { classes, classNames } = await classesOf(
    dir,
    name,
    [
      [join(dir, train[0]!), trainRecords.labels],
      [join(dir, test[0]!), testRecords.labels],
    ],
    { classes: fallback },
    own,
  );
  return {
    shape: [3, SIDE, SIDE],
    classes,
    classNames,
    trainImages: trainRecords.images,
    trainLabels: trainRecords.labels,
    testImages: testRecords.images,
    testLabels: testRecords.labels,
  };
}
