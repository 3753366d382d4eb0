// Reader for the IDX files MNIST ships in (http://yann.lecun.com/exdb/mnist/): a big-endian header
// (magic, then one u32 per dimension) followed by the u8 payload. Everything the header promises is
// checked against the bytes, so a truncated, padded or swapped file fails here with its path in the
// message rather than later as a silently wrong dataset.

import { corruptFile } from "./errors.js";
import { readDataFile } from "./read-file.js";
import type { DatasetName } from "./types.js";

/** Magic numbers: 0x0000 0x08 (u8 data) and the number of dimensions. */
/** The magic number of an IDX image file: 0x00000803, u8 values in 3 dimensions (count, rows, cols). */
export const IDX_IMAGES_MAGIC = 2051;
/** The magic number of an IDX label file: 0x00000801, u8 values in 1 dimension (count). */
export const IDX_LABELS_MAGIC = 2049;

/** Where IDX bytes came from, for error messages. */
export interface IdxContext {
  /** The file the bytes came from (for messages). */
  path: string;
  /** The dataset it belongs to (for the fix in messages). */
  dataset: DatasetName;
}

/** A parsed IDX image file. */
export interface IdxImages {
  count: number;
  rows: number;
  cols: number;
  /** count × rows × cols u8 pixels, row-major per image (a view into the file's bytes). */
  pixels: Uint8Array;
}

/** What an IDX image file must hold (every field optional). */
export interface IdxImageExpectations {
  /** Required image size; any size if omitted (idx:DIR datasets read it from the header). */
  rows?: number;
  cols?: number;
  /** Required number of images (e.g. 60000 for the official training file); any count if omitted. */
  count?: number;
}

/** What an IDX label file must hold. */
export interface IdxLabelExpectations {
  /** Labels must be < classes. */
  classes: number;
  count?: number;
}

/**
 * Parses an IDX image file's (decompressed) bytes: magic, dimensions and length are checked.
 *
 * @throws DataError (DATA_CORRUPT) naming the file and what is wrong.
 */
export function parseIdxImages(bytes: Uint8Array, ctx: IdxContext, expect: IdxImageExpectations): IdxImages {
  const header = 16;
  const view = headerView(bytes, header, ctx, "image");
  checkMagic(view.getUint32(0), IDX_IMAGES_MAGIC, ctx, "image");
  const count = view.getUint32(4);
  const rows = view.getUint32(8);
  const cols = view.getUint32(12);
  if (rows === 0 || cols === 0) throw corruptFile(ctx.path, ctx.dataset, `header says the images are ${rows}x${cols}`);
  if ((expect.rows !== undefined && rows !== expect.rows) || (expect.cols !== undefined && cols !== expect.cols)) {
    throw corruptFile(ctx.path, ctx.dataset, `images are ${rows}x${cols}, expected ${expect.rows}x${expect.cols}`);
  }
  checkCount(count, expect.count, ctx, "images");
  checkLength(bytes.length, header, count * rows * cols, ctx, `${count} images of ${rows}x${cols}`);
  return { count, rows, cols, pixels: payload(bytes, header) };
}

/**
 * Parses an IDX label file's (decompressed) bytes: magic, count, length and every label < classes are checked.
 *
 * @throws DataError (DATA_CORRUPT) naming the file and what is wrong.
 */
export function parseIdxLabels(bytes: Uint8Array, ctx: IdxContext, expect: IdxLabelExpectations): Uint8Array {
  const header = 8;
  const view = headerView(bytes, header, ctx, "label");
  checkMagic(view.getUint32(0), IDX_LABELS_MAGIC, ctx, "label");
  const count = view.getUint32(4);
  checkCount(count, expect.count, ctx, "labels");
  checkLength(bytes.length, header, count, ctx, `${count} labels`);
  const labels = payload(bytes, header);
  checkLabels(labels, expect.classes, ctx, (i) => `label ${i}`);
  return labels;
}

export async function readIdxImages(path: string, dataset: DatasetName, expect: IdxImageExpectations): Promise<IdxImages> {
  return parseIdxImages(await readDataFile(path, dataset), { path, dataset }, expect);
}

export async function readIdxLabels(path: string, dataset: DatasetName, expect: IdxLabelExpectations): Promise<Uint8Array> {
  return parseIdxLabels(await readDataFile(path, dataset), { path, dataset }, expect);
}

/** Every label must name a class; `where(i)` says where label i sits, for the message. */
function checkLabels(labels: Uint8Array, classes: number, ctx: IdxContext, where: (index: number) => string): void {
  for (let i = 0; i < labels.length; i++) {
    const v = labels[i]!;
    if (v >= classes) throw corruptFile(ctx.path, ctx.dataset, `${where(i)} is ${v}, but labels must be 0..${classes - 1}`);
  }
}

function headerView(bytes: Uint8Array, header: number, ctx: IdxContext, kind: string): DataView {
  if (bytes.length < header) {
    throw corruptFile(ctx.path, ctx.dataset, `${bytes.length} bytes is too short for an IDX ${kind} file header (${header} bytes)`);
  }
  return new DataView(bytes.buffer, bytes.byteOffset, header);
}

function checkMagic(magic: number, expected: number, ctx: IdxContext, kind: string): void {
  if (magic === expected) return;
  const other = expected === IDX_IMAGES_MAGIC ? IDX_LABELS_MAGIC : IDX_IMAGES_MAGIC;
  const hint = magic === other ? ` (that is the magic of an IDX ${kind === "image" ? "label" : "image"} file: are the files swapped?)` : "";
  throw corruptFile(
    ctx.path,
    ctx.dataset,
    `bad magic number ${magic} (0x${hex8(magic)}), expected ${expected} (0x${hex8(expected)}) for an IDX ${kind} file${hint}`,
  );
}

function checkCount(count: number, expected: number | undefined, ctx: IdxContext, what: string): void {
  if (expected !== undefined && count !== expected) {
    throw corruptFile(ctx.path, ctx.dataset, `header says ${count} ${what}, expected ${expected}`);
  }
}

function checkLength(length: number, header: number, payloadBytes: number, ctx: IdxContext, what: string): void {
  const expected = header + payloadBytes;
  if (length === expected) return;
  const problem = length < expected ? "truncated" : "has trailing bytes";
  throw corruptFile(ctx.path, ctx.dataset, `${problem}: ${length} bytes, but a ${header}-byte header plus ${what} is ${expected} bytes`);
}

function payload(bytes: Uint8Array, header: number): Uint8Array {
  // A plain Uint8Array view (not a Buffer subarray), so callers get standard typed-array semantics.
  return new Uint8Array(bytes.buffer, bytes.byteOffset + header, bytes.length - header);
}

function hex8(n: number): string {
  return n.toString(16).padStart(8, "0");
}
