// Browser twin of src/data/read-file.ts (web/build.ts swaps it in): the same readDataFile contract,
// with `path` a URL fetched from the demo server and gzip undone by DecompressionStream. Gzip is
// detected by its magic bytes, as in Node, so the server may hand out a file either way. The IDX
// parsers and the MNIST builder of src/data then run unchanged on the bytes.
import { corruptFile, DataError, fetchCommand } from "../../../src/data/errors.js";
import type { DatasetName } from "../../../src/data/types.js";

export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

async function gunzip(bytes: Uint8Array<ArrayBuffer>): Promise<Uint8Array> {
  const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("gzip"));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

/** The file's contents, decompressed if gzipped; DataError naming the URL if it cannot be had. */
export async function readDataFile(path: string, dataset: DatasetName): Promise<Uint8Array> {
  let raw: Uint8Array<ArrayBuffer>;
  try {
    const response = await fetch(path);
    if (!response.ok) throw new Error(`HTTP ${response.status} ${response.statusText}`);
    raw = new Uint8Array(await response.arrayBuffer());
  } catch (err) {
    throw new DataError(
      "DATA_NOT_FOUND",
      `${path}: cannot fetch the file (${(err as Error).message}). The demo server serves it from its data directory ` +
        `(--data-dir or LOTTERY_DATA_DIR); run \`${fetchCommand(dataset)}\` if the files are nowhere.`,
      path,
      { cause: err },
    );
  }
  if (!isGzip(raw)) return raw;
  try {
    return await gunzip(raw);
  } catch (err) {
    // DecompressionStream rejects truncated or damaged streams (and checks the CRC-32 trailer).
    throw corruptFile(path, dataset, `not a valid gzip stream (${(err as Error).message})`);
  }
}
