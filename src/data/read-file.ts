// Reads a dataset file whole, un-gzipping it when it is gzipped. Gzip is detected by the magic bytes
// 1f 8b rather than by the name, so a renamed or already-decompressed file still loads. The async
// zlib call runs on libuv's thread pool, so several files decompress in parallel.
//
// Node's modules are imported when a file is read, not when this module is: the IDX and CIFAR
// parsers import it, and they are part of the browser-safe main entry (the demo's bundle swaps this
// module for web/src/browser/read-file.ts, which fetches instead).
import { corruptFile, DataError, fetchCommand, isLocalDataset, localLayoutHint } from "./errors.js";
import type { DatasetName } from "./types.js";

export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/** The file's contents, decompressed if gzipped; DataError naming the file if unreadable. */
export async function readDataFile(path: string, dataset: DatasetName): Promise<Uint8Array> {
  const { readFile } = await import("node:fs/promises");
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
  const [{ gunzip }, { promisify }] = await Promise.all([import("node:zlib"), import("node:util")]);
  try {
    return await promisify(gunzip)(raw);
  } catch (err) {
    // zlib says "unexpected end of file" for a truncated stream and "incorrect header check" or
    // "invalid ..." for damaged data; the gzip trailer's CRC-32 and length catch the rest.
    throw corruptFile(path, dataset, `not a valid gzip stream (${(err as Error).message})`);
  }
}
