// IDX datasets other than MNIST's own loader (mnist.ts): the registered ones (Fashion-MNIST, KMNIST,
// any registerDataset entry in IDX format), whose shape, counts and classes are checked against the
// registry, and `idx:DIR`, any directory of train/t10k images and labels, whose image size comes
// from the headers and whose classes come from classes.txt or from the labels themselves.
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import type { DatasetParts } from "./assemble.js";
import { DataError, localLayoutHint } from "./errors.js";
import { parseIdxImages, parseIdxLabels, type IdxImages } from "./idx.js";
import type { DatasetManifest } from "./manifest.js";
import { readDataFile } from "./read-file.js";

export const IDX_ROLES = ["train-images", "train-labels", "test-images", "test-labels"] as const;
export type IdxPaths = Record<(typeof IDX_ROLES)[number], string>;

/** A registered IDX dataset, every count and size checked against its entry. */
export async function readRegisteredIdx(m: DatasetManifest, paths: IdxPaths): Promise<DatasetParts> {
  const [, rows, cols] = m.shape;
  const [trainImages, trainLabels, testImages, testLabels] = await Promise.all([
    readIdxImagesFile(paths["train-images"], m.name, { rows, cols, count: m.trainCount }),
    readIdxLabelsFile(paths["train-labels"], m.name, { classes: m.classes, count: m.trainCount }),
    readIdxImagesFile(paths["test-images"], m.name, { rows, cols, count: m.testCount }),
    readIdxLabelsFile(paths["test-labels"], m.name, { classes: m.classes, count: m.testCount }),
  ]);
  return {
    shape: m.shape,
    classes: m.classes,
    classNames: m.classNames,
    trainImages: trainImages.pixels,
    trainLabels,
    testImages: testImages.pixels,
    testLabels,
  };
}

/** Which file of an idx:DIR plays which role: the MNIST names, or any name with the same parts. */
const ROLE_PATTERNS: Record<(typeof IDX_ROLES)[number], RegExp> = {
  "train-images": /^train.*images.*idx3.*ubyte(\.gz)?$/i,
  "train-labels": /^train.*labels.*idx1.*ubyte(\.gz)?$/i,
  "test-images": /^(t10k|test).*images.*idx3.*ubyte(\.gz)?$/i,
  "test-labels": /^(t10k|test).*labels.*idx1.*ubyte(\.gz)?$/i,
};

/** `idx:DIR`: finds the four files, reads them, and checks that they agree with each other. */
export async function readIdxDirectory(name: string, dir: string): Promise<DatasetParts> {
  const entries = await listDir(dir, name);
  const paths = {} as IdxPaths;
  const missing: string[] = [];
  for (const role of IDX_ROLES) {
    const matches = entries.filter((e) => ROLE_PATTERNS[role].test(e)).sort();
    if (matches.length === 0) missing.push(role);
    else if (matches.length > 1)
      throw new DataError(
        "DATA_NOT_FOUND",
        `${dir}: more than one ${role} file (${matches.join(", ")}). Fix: keep one of them (${localLayoutHint(name)}).`,
        dir,
      );
    else paths[role] = join(dir, matches[0]!);
  }
  if (missing.length > 0) {
    throw new DataError("DATA_NOT_FOUND", `${dir} has no ${missing.join(", ")} file. Fix: ${localLayoutHint(name)}.`, dir);
  }
  const [trainImages, trainLabels, testImages, testLabels] = await Promise.all([
    readIdxImagesFile(paths["train-images"], name, {}),
    readIdxLabelsFile(paths["train-labels"], name, { classes: 256 }),
    readIdxImagesFile(paths["test-images"], name, {}),
    readIdxLabelsFile(paths["test-labels"], name, { classes: 256 }),
  ]);
  if (trainImages.rows !== testImages.rows || trainImages.cols !== testImages.cols) {
    throw new DataError(
      "DATA_CORRUPT",
      `${paths["test-images"]}: images are ${testImages.rows}x${testImages.cols}, but ${paths["train-images"]} has ${trainImages.rows}x${trainImages.cols}. ` +
        "Fix: give train and test images of one size.",
      paths["test-images"],
    );
  }
  checkCount(paths["train-labels"], trainLabels.length, paths["train-images"], trainImages.count);
  checkCount(paths["test-labels"], testLabels.length, paths["test-images"], testImages.count);
  const { classes, classNames } = await classesOf(dir, name, [
    [paths["train-labels"], trainLabels],
    [paths["test-labels"], testLabels],
  ]);
  return {
    shape: [1, trainImages.rows, trainImages.cols],
    classes,
    classNames,
    trainImages: trainImages.pixels,
    trainLabels,
    testImages: testImages.pixels,
    testLabels,
  };
}

/**
 * The classes of a local dataset: the lines of DIR/classes.txt (labels must be below their count),
 * else one per label value up to the largest label seen, named by number.
 */
export async function classesOf(
  dir: string,
  _name: string,
  labelFiles: readonly (readonly [string, Uint8Array])[],
  fallback?: { classes: number; classNames?: readonly string[] },
  namesFile = "classes.txt",
): Promise<{ classes: number; classNames: string[] }> {
  const listed = await readClassNames(join(dir, namesFile));
  let max = -1;
  for (const [, labels] of labelFiles) for (const v of labels) if (v > max) max = v;
  if (listed) {
    for (const [path, labels] of labelFiles) {
      const i = labels.findIndex((v) => v >= listed.length);
      if (i >= 0) {
        throw new DataError(
          "DATA_CORRUPT",
          `${path}: label ${i} is ${labels[i]}, but ${join(dir, namesFile)} names ${listed.length} classes (labels 0..${listed.length - 1}). ` +
            `Fix: add the missing class names to ${namesFile} (one per line, in label order) or correct the labels.`,
          path,
        );
      }
    }
    return { classes: listed.length, classNames: listed };
  }
  if (fallback) {
    for (const [path, labels] of labelFiles) {
      const i = labels.findIndex((v) => v >= fallback.classes);
      if (i >= 0) {
        throw new DataError(
          "DATA_CORRUPT",
          `${path}: label ${i} is ${labels[i]}, but this layout has ${fallback.classes} classes (labels 0..${fallback.classes - 1}). ` +
            `Fix: correct the labels, or list every class name in ${join(dir, "classes.txt")} (one per line, in label order).`,
          path,
        );
      }
    }
    return { classes: fallback.classes, classNames: [...(fallback.classNames ?? Array.from({ length: fallback.classes }, (_, c) => String(c)))] };
  }
  const classes = max + 1;
  if (classes < 2) {
    throw new DataError(
      "DATA_CORRUPT",
      `${labelFiles[0]![0]}: every label is ${max}, so there is only one class. Fix: give labels of at least two classes.`,
      labelFiles[0]![0],
    );
  }
  return { classes, classNames: Array.from({ length: classes }, (_, c) => String(c)) };
}

/** One class name per non-empty line, or null when the file is absent. */
export async function readClassNames(path: string): Promise<string[] | null> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw new DataError("DATA_CORRUPT", `${path}: cannot read the class names (${(err as Error).message}). Fix: make it readable or remove it.`, path, {
      cause: err,
    });
  }
  const names = text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== "");
  if (names.length < 2)
    throw new DataError("DATA_CORRUPT", `${path}: names ${names.length} class(es). Fix: list at least two class names, one per line, in label order.`, path);
  return names;
}

export async function listDir(dir: string, name: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const problem = code === "ENOENT" ? "does not exist" : code === "ENOTDIR" ? "is not a directory" : `cannot be read (${(err as Error).message})`;
    throw new DataError(
      "DATA_NOT_FOUND",
      `${dir} ${problem}. Fix: give --dataset ${name.slice(0, name.indexOf(":"))}:DIR with an existing directory (${localLayoutHint(name)}).`,
      dir,
      { cause: err },
    );
  }
}

function checkCount(labelsPath: string, labels: number, imagesPath: string, images: number): void {
  if (labels === images) return;
  throw new DataError(
    "DATA_CORRUPT",
    `${labelsPath}: ${labels} labels, but ${imagesPath} holds ${images} images. Fix: give the labels file that belongs to these images (one label per image).`,
    labelsPath,
  );
}

async function readIdxImagesFile(path: string, dataset: string, expect: { rows?: number; cols?: number; count?: number }): Promise<IdxImages> {
  return parseIdxImages(await readDataFile(path, dataset), { path, dataset }, expect);
}

async function readIdxLabelsFile(path: string, dataset: string, expect: { classes: number; count?: number }): Promise<Uint8Array> {
  return parseIdxLabels(await readDataFile(path, dataset), { path, dataset }, expect);
}
