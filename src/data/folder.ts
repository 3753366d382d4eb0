// `folder:DIR`: one subdirectory of PNG or JPEG images per class (its name is the class name, in
// sorted order), either with train/ and test/ subdirectories that each hold the class folders, or
// the class folders directly, of which a fixed fifth of each class becomes the test split. Images
// are decoded once (pngjs, jpeg-js: pure JS, so no native build), resized to --image-size with a
// box filter (area average) when asked, and stored in the u8 layout every other dataset uses:
// grayscale (1 channel) when every image is gray, else RGB (3 channels); alpha is dropped.
//
// Order: the official loaders keep the files' order and hold out the last examples for validation,
// which for class folders would hold out only the last class. So the training examples are put in
// a seeded shuffled order (a fixed seed: the dataset is the same on every run and machine), and so
// are the images of a seeded train/test split.
import { readFile } from "node:fs/promises";
import { extname, join } from "node:path";
import jpeg from "jpeg-js";
import { PNG } from "pngjs";
import { Rng } from "../util/rng.js";
import type { DatasetParts } from "./assemble.js";
import { DataError, localLayoutHint } from "./errors.js";
import { listDir } from "./idx-dataset.js";
import { isDirectory } from "./source.js";

const IMAGE_EXTENSIONS = new Set([".png", ".jpg", ".jpeg"]);
/** Fraction of each class held out as the test split when DIR has no train/ and test/. */
export const FOLDER_TEST_FRACTION = 0.2;
/** Images larger than this (per side) are refused: they would take gigabytes as u8. */
const MAX_SIDE = 4096;

interface Decoded {
  width: number;
  height: number;
  /** width × height × 4 RGBA bytes. */
  rgba: Uint8Array;
}

interface Item {
  path: string;
  label: number;
}

export async function readFolderDirectory(name: string, dir: string, imageSize?: number): Promise<DatasetParts> {
  await listDir(dir, name); // a clear error when DIR is missing
  const hasSplits = (await isDirectory(join(dir, "train"))) && (await isDirectory(join(dir, "test")));
  let classNames: string[];
  let trainItems: Item[], testItems: Item[];
  if (hasSplits) {
    classNames = await classFolders(name, join(dir, "train"));
    const testClasses = await classFolders(name, join(dir, "test"));
    const extra = testClasses.filter((c) => !classNames.includes(c));
    if (extra.length > 0) {
      throw new DataError(
        "DATA_CORRUPT",
        `${join(dir, "test")} has class folder(s) ${extra.join(", ")} that ${join(dir, "train")} lacks. Fix: give train/ a folder for every class in test/.`,
        join(dir, "test"),
      );
    }
    trainItems = await itemsOf(name, join(dir, "train"), classNames);
    testItems = await itemsOf(name, join(dir, "test"), classNames, testClasses);
  } else {
    classNames = await classFolders(name, dir);
    ({ train: trainItems, test: testItems } = seededSplit(await itemsOf(name, dir, classNames), classNames.length));
  }
  if (classNames.length < 2) {
    throw new DataError(
      "DATA_CORRUPT",
      `${hasSplits ? join(dir, "train") : dir} has ${classNames.length} class folder(s). Fix: give at least two class folders (${localLayoutHint(name)}).`,
      dir,
    );
  }
  shuffle(trainItems, "folder train order");
  const train = await decodeAll(name, trainItems, imageSize);
  const test = await decodeAll(name, testItems, imageSize, train.shape);
  return {
    shape: train.shape,
    classes: classNames.length,
    classNames,
    trainImages: train.images,
    trainLabels: train.labels,
    testImages: test.images,
    testLabels: test.labels,
  };
}

/** The class folders of `dir`, sorted (their order is the label order). */
async function classFolders(name: string, dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of (await listDir(dir, name)).sort()) if (!e.startsWith(".") && (await isDirectory(join(dir, e)))) out.push(e);
  if (out.length === 0) throw new DataError("DATA_NOT_FOUND", `${dir} has no class folders. Fix: ${localLayoutHint(name)}.`, dir);
  return out;
}

/** The images of every class folder (sorted by name); an empty class folder is an error. */
async function itemsOf(name: string, dir: string, classNames: readonly string[], present: readonly string[] = classNames): Promise<Item[]> {
  const items: Item[] = [];
  for (const [label, cls] of classNames.entries()) {
    if (!present.includes(cls)) continue;
    const folder = join(dir, cls);
    const files = (await listDir(folder, name)).filter((f) => IMAGE_EXTENSIONS.has(extname(f).toLowerCase())).sort();
    if (files.length === 0) {
      throw new DataError(
        "DATA_NOT_FOUND",
        `${folder} holds no PNG or JPEG images (.png, .jpg, .jpeg). Fix: add the class's images or remove the empty folder.`,
        folder,
      );
    }
    for (const f of files) items.push({ path: join(folder, f), label });
  }
  return items;
}

/** A fixed fifth of each class (at least one image) is the test split, chosen by a seeded shuffle. */
function seededSplit(items: Item[], classes: number): { train: Item[]; test: Item[] } {
  const train: Item[] = [],
    test: Item[] = [];
  for (let c = 0; c < classes; c++) {
    const mine = items.filter((i) => i.label === c);
    if (mine.length < 2) {
      throw new DataError(
        "DATA_CORRUPT",
        `${mine[0]!.path}: the only image of its class; a seeded train/test split needs at least 2 per class. Fix: add images, or give train/ and test/ subdirectories.`,
        mine[0]!.path,
      );
    }
    shuffle(mine, `folder split ${c}`);
    const n = Math.max(1, Math.round(mine.length * FOLDER_TEST_FRACTION));
    test.push(...mine.slice(0, n));
    train.push(...mine.slice(n));
  }
  return { train, test };
}

function shuffle<T>(items: T[], stream: string): void {
  const rng = new Rng(0, stream);
  for (let i = items.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [items[i], items[j]] = [items[j]!, items[i]!];
  }
}

/** Decodes every image into [C, H, W] u8; all images must share a size unless imageSize resizes them. */
async function decodeAll(
  _name: string,
  items: readonly Item[],
  imageSize: number | undefined,
  shapeOf?: readonly [number, number, number],
): Promise<{ shape: [number, number, number]; images: Uint8Array; labels: Uint8Array }> {
  const decoded: Decoded[] = [];
  let first: { path: string; width: number; height: number } | null = null;
  let gray = true;
  for (const item of items) {
    const img = await decodeImage(item.path);
    if (imageSize === undefined) {
      const ref = first ?? (shapeOf ? { path: "the training images", width: shapeOf[2], height: shapeOf[1] } : null);
      if (ref && (img.width !== ref.width || img.height !== ref.height)) {
        throw new DataError(
          "DATA_CORRUPT",
          `${item.path}: image is ${img.width}x${img.height}, but ${ref.path} is ${ref.width}x${ref.height}. Fix: pass --image-size N to resize every image to NxN, or give images of one size.`,
          item.path,
        );
      }
    }
    first ??= { path: item.path, width: img.width, height: img.height };
    if (gray && !isGray(img.rgba)) gray = false;
    decoded.push(imageSize === undefined ? img : resize(img, imageSize));
  }
  // The test split follows the training split's channels, so train and test share one shape.
  const channels = shapeOf ? shapeOf[0] : gray ? 1 : 3;
  const height = imageSize ?? first!.height,
    width = imageSize ?? first!.width;
  const plane = height * width;
  const images = new Uint8Array(items.length * channels * plane);
  const labels = new Uint8Array(items.length);
  decoded.forEach((img, n) => {
    labels[n] = items[n]!.label;
    const base = n * channels * plane;
    for (let p = 0; p < plane; p++) {
      if (channels === 1) images[base + p] = img.rgba[4 * p]!;
      else for (let c = 0; c < 3; c++) images[base + c * plane + p] = img.rgba[4 * p + c]!;
    }
  });
  return { shape: [channels, height, width], images, labels };
}

export async function decodeImage(path: string): Promise<Decoded> {
  const bytes = await readFile(path);
  const ext = extname(path).toLowerCase();
  let img: Decoded;
  try {
    if (ext === ".png") {
      const png = PNG.sync.read(bytes);
      img = { width: png.width, height: png.height, rgba: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.length) };
    } else {
      const j = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxResolutionInMP: 64 });
      img = { width: j.width, height: j.height, rgba: j.data };
    }
  } catch (err) {
    throw new DataError(
      "DATA_CORRUPT",
      `${path}: not a readable ${ext === ".png" ? "PNG" : "JPEG"} image (${(err as Error).message}). Fix: replace or remove the file.`,
      path,
      { cause: err },
    );
  }
  if (img.width < 1 || img.height < 1 || img.width > MAX_SIDE || img.height > MAX_SIDE) {
    throw new DataError("DATA_CORRUPT", `${path}: image is ${img.width}x${img.height}; sides must be 1..${MAX_SIDE}. Fix: resize or remove the file.`, path);
  }
  return img;
}

function isGray(rgba: Uint8Array): boolean {
  for (let i = 0; i < rgba.length; i += 4) if (rgba[i] !== rgba[i + 1] || rgba[i] !== rgba[i + 2]) return false;
  return true;
}

/** Area-average resize to size×size (each output pixel averages the input pixels it covers, by overlap). */
export function resize(img: Decoded, size: number): Decoded {
  if (img.width === size && img.height === size) return img;
  const out = new Uint8Array(size * size * 4);
  const sx = img.width / size,
    sy = img.height / size;
  for (let oy = 0; oy < size; oy++) {
    const y0 = oy * sy,
      y1 = y0 + sy;
    for (let ox = 0; ox < size; ox++) {
      const x0 = ox * sx,
        x1 = x0 + sx;
      const acc = [0, 0, 0, 0];
      let total = 0;
      for (let iy = Math.floor(y0); iy < Math.min(img.height, Math.ceil(y1)); iy++) {
        const wy = Math.min(y1, iy + 1) - Math.max(y0, iy);
        for (let ix = Math.floor(x0); ix < Math.min(img.width, Math.ceil(x1)); ix++) {
          const w = wy * (Math.min(x1, ix + 1) - Math.max(x0, ix));
          const src = 4 * (iy * img.width + ix);
          for (let c = 0; c < 4; c++) acc[c]! += w * img.rgba[src + c]!;
          total += w;
        }
      }
      for (let c = 0; c < 4; c++) out[4 * (oy * size + ox) + c] = Math.round(acc[c]! / total);
    }
  }
  return { width: size, height: size, rgba: out };
}
