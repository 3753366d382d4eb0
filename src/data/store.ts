// Writing into the cache so that a file is either absent or complete: content goes to a temporary
// name in the same directory (same filesystem, so rename is atomic) and is renamed into place only
// once fully written. An error removes the temp file; a crash leaves at worst a hidden temp file.
// There is no fsync: after a power loss a file could come back short, which the readers' length
// checks report (with the fix) and which `lottery data fetch` re-verifies and replaces.

import { createHash, randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

/** Temp files start with this, so a listing (or a test) can tell them apart. */
export const TEMP_PREFIX = ".lottery-tmp-";

export async function writeFileAtomic(path: string, data: Uint8Array): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true });
  const temp = join(dir, `${TEMP_PREFIX}${basename(path)}.${process.pid}.${randomBytes(4).toString("hex")}`);
  try {
    await writeFile(temp, data);
    await rename(temp, path);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
}

export function sha256(data: Uint8Array): string {
  return createHash("sha256").update(data).digest("hex");
}

export type HashAlgorithm = "sha256" | "md5";

export function digest(data: Uint8Array, algorithm: HashAlgorithm): string {
  return createHash(algorithm).update(data).digest("hex");
}

/** sha256 of a file's contents, or undefined if it cannot be read. */
export async function sha256File(path: string, algorithm: HashAlgorithm = "sha256"): Promise<string | undefined> {
  const hash = createHash(algorithm);
  try {
    for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  } catch {
    return undefined;
  }
  return hash.digest("hex");
}
