// Reads a dataset file whole, un-gzipping it when it is gzipped. Gzip is detected by the magic bytes
// 1f 8b rather than by the name, so a renamed or already-decompressed file still loads. The async
// zlib call runs on libuv's thread pool, so several files decompress in parallel.

import { readFile } from "node:fs/promises";
import { gunzip } from "node:zlib";
import { promisify } from "node:util";
import { corruptFile, DataError, fetchCommand, isLocalDataset, localLayoutHint } from "./errors.js";
import type { DatasetName } from "./types.js";

const gunzipAsync = promisify(gunzip);

export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** The file's contents, decompressed if gzipped; DataError naming the file if unreadable. */
export async function readDataFile(path: string, dataset: DatasetName): Promise<Uint8Array> {
  let raw: Buffer;
  try {
    raw = await readFile(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new DataError(
      code === "ENOENT" ? "DATA_NOT_FOUND" : "DATA_CORRUPT",
      `${path}: cannot read the file (${(err as Error).message}). ` +
        (isLocalDataset(dataset)
          ? `Check that it exists and is readable (${localLayoutHint(dataset)}).`
          : `Check that it exists and is readable, or run \`${fetchCommand(dataset)}\`.`),
      path,
      { cause: err },
    );
  }
  return decompressDataFile(raw, path, dataset);
}

/** The bytes of a dataset file as read: un-gzipped when they are gzipped; DataError naming `path` if the stream is damaged. */
export async function decompressDataFile(raw: Uint8Array, path: string, dataset: DatasetName): Promise<Uint8Array> {
  if (!isGzip(raw)) return raw;
  try {
    return await gunzipAsync(raw);
  } catch (err) {
    // zlib says "unexpected end of file" for a truncated stream and "incorrect header check" or
    // "invalid ..." for damaged data; the gzip trailer's CRC-32 and length catch the rest.
    throw corruptFile(path, dataset, `not a valid gzip stream (${(err as Error).message})`);
  }
}
