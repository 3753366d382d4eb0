// Downloads the official dataset files into the user cache (`lottery data fetch <name>`).
//
// Every file is verified against its official checksum (manifest.ts: sha256, or md5 where the
// publisher gives only md5) before it is stored, and stored atomically (store.ts), so a file in the
// cache is always complete and official. A mismatch stores nothing for that file. Files already in
// the cache with the right hash are not downloaded again.
//   IDX datasets (MNIST, Fashion-MNIST, KMNIST): the four .gz files, fetched one by one.
//   CIFAR-10/100: the binary archive, streamed through gunzip and a tar reader; each data .bin member
//   is verified and stored raw (a raw .bin loads faster than a gzipped one and is only 8% larger).
//   When only the archive has a checksum (CIFAR-100), its members are held until the whole archive
//   has been verified, and stored only then.

import { Readable, pipeline } from "node:stream";
import { createGunzip } from "node:zlib";
import { join } from "node:path";
import { DataError, describeCause } from "./errors.js";
import { downloadBuffer, openDownload } from "./download.js";
import { manifestFor, type DataFile, type DatasetManifest } from "./manifest.js";
import { envValue, resolveCacheDir, type Env } from "./source.js";
import { digest, type HashAlgorithm, sha256File, writeFileAtomic } from "./store.js";
import { stat } from "node:fs/promises";
import { createHash } from "node:crypto";
import { readTar, TarFormatError } from "./tar.js";
import type { DatasetName } from "./types.js";

/** Settings of {@link fetchDataset}; every field is optional. */
export interface FetchOptions {
  /** Base URL of the download mirror (default per dataset; env LOTTERY_MNIST_MIRROR / LOTTERY_CIFAR10_MIRROR). */
  mirror?: string;
  /** Cache directory (default as for loadDataset: env LOTTERY_CACHE_DIR, XDG_CACHE_HOME, ~/.cache). */
  cacheDir?: string;
  /** Progress and notices (default: standard error). */
  log?: (message: string) => void;
  /** Download again even if verified copies are in the cache. */
  force?: boolean;
  /** Environment to read (default process.env). */
  env?: Env;
  /** Aborts the download; files already verified and stored stay in the cache. */
  signal?: AbortSignal;
  /** Most time to wait for a server's response headers (default 30 s). */
  connectTimeoutMs?: number;
  /** Most time to wait for the next bytes of a transfer (default 60 s). */
  idleTimeoutMs?: number;
}

/** What {@link fetchDataset} did: where the files are and which ones it downloaded. */
export interface FetchResult {
  readonly name: DatasetName;
  /** The dataset's directory in the cache. */
  readonly dir: string;
  /** Files downloaded and stored now. */
  readonly downloaded: readonly string[];
  /** Files that were already in the cache with the right sha256. */
  readonly present: readonly string[];
}

/** Internal settings of one fetch, also the entry point for tests with synthetic files. */
export interface FetchPlan {
  /** Dataset directory in the cache. */
  dir: string;
  /** Mirror base URL (with or without the trailing slash). */
  mirror: string;
  /** The files to obtain, with their expected hashes. */
  files: readonly DataFile[];
  manifest: DatasetManifest;
  log: (message: string) => void;
  force: boolean;
  signal?: AbortSignal;
  connectTimeoutMs?: number;
  idleTimeoutMs?: number;
}

export const logToStderr = (message: string): void => {
  process.stderr.write(`${message}\n`);
};

/** The mirror a fetch would use: the option, else the dataset's env variable, else the default. */
export function resolveMirror(name: DatasetName, options: { mirror?: string; env?: Env } = {}): string {
  const m = manifestFor(name);
  return options.mirror || envValue(options.env ?? process.env, m.mirrorEnv) || m.defaultMirror;
}

/**
 * Downloads the official files of a dataset into the user cache (`lottery data fetch <name>`). Each
 * file is checked against its official sha256 and stored atomically, so the cache only ever holds
 * complete official files; verified files already there are not downloaded again (unless `force`).
 *
 * @throws DataError when a download fails or a file's hash does not match (nothing is stored for it).
 */
export async function fetchDataset(name: DatasetName, options: FetchOptions = {}): Promise<FetchResult> {
  const manifest = manifestFor(name);
  const plan: FetchPlan = {
    dir: join(resolveCacheDir(options), manifest.subdir),
    mirror: resolveMirror(name, options),
    files: manifest.files,
    manifest,
    log: options.log ?? logToStderr,
    force: options.force ?? false,
    signal: options.signal,
    connectTimeoutMs: options.connectTimeoutMs,
    idleTimeoutMs: options.idleTimeoutMs,
  };
  return manifest.archive ? fetchArchive(plan, manifest.archive.name, manifest.archive.dir) : fetchFiles(plan);
}

/** Each file downloaded on its own from mirror/<name> (MNIST). */
export async function fetchFiles(plan: FetchPlan): Promise<FetchResult> {
  const { present, needed } = await checkCache(plan);
  const downloaded: string[] = [];
  for (const file of needed) {
    const url = fileUrl(plan, file.name);
    const data = await downloadBuffer(url, { ...downloadSettings(plan), label: `${plan.manifest.name}: ${file.name}` });
    verify(plan, file, data, url);
    await store(plan, file, data);
    downloaded.push(file.name);
  }
  return { name: plan.manifest.name, dir: plan.dir, downloaded, present };
}

/**
 * The files as members `<memberDir>/<name>` of one gzipped tar archive at mirror/<archive> (CIFAR-10).
 * The archive is processed as it streams in; other members (readme.html, batches.meta.txt) are skipped.
 */
export async function fetchArchive(plan: FetchPlan, archive: string, memberDir: string): Promise<FetchResult> {
  const { present, needed } = await checkCache(plan);
  const result = { name: plan.manifest.name, dir: plan.dir, downloaded: [] as string[], present };
  if (needed.length === 0) return result;
  const url = fileUrl(plan, archive);
  const download = await openDownload(url, { ...downloadSettings(plan), label: `${plan.manifest.name}: ${archive}` });
  const wanted = new Map(needed.map((f) => [`${memberDir}/${f.name}`, f]));
  // With a checksum of the whole archive, every compressed byte is hashed and the members wait in
  // memory until the end of the archive has been read and the hash compared.
  const archiveMd5 = plan.manifest.archive?.name === archive ? plan.manifest.archive.md5 : undefined;
  const hash = archiveMd5 ? createHash("md5") : null;
  const held: { file: DataFile; data: Uint8Array }[] = [];
  async function* hashed(chunks: AsyncIterable<Uint8Array>) {
    for await (const chunk of chunks) {
      hash?.update(chunk);
      yield chunk;
    }
  }
  const gunzip = pipeline(Readable.from(hashed(download.chunks)), createGunzip(), () => {
    // Errors surface through the iteration below.
  });
  try {
    for await (const entry of readTar(gunzip, `${archive} from ${url}`)) {
      const file = wanted.get(entry.name);
      if (file === undefined || entry.type !== "file") continue;
      const data = await entry.read();
      verify(plan, file, data, `${url} (member ${entry.name})`);
      wanted.delete(entry.name);
      if (hash) {
        held.push({ file, data });
        continue; // the rest of the archive must be read to check its hash
      }
      await store(plan, file, data);
      result.downloaded.push(file.name);
      if (wanted.size === 0) break; // nothing else needed: stop the download here
    }
    if (hash && archiveMd5) {
      const actual = hash.digest("hex");
      if (actual !== archiveMd5) {
        throw new DataError(
          "CHECKSUM_MISMATCH",
          `${archive}: md5 mismatch for the archive downloaded from ${url}: expected ${archiveMd5} (the official ${plan.manifest.title} archive), got ${actual}. ` +
            `Nothing was stored. ${retryHint(plan)}`,
        );
      }
      for (const { file, data } of held) {
        await store(plan, file, data);
        result.downloaded.push(file.name);
      }
    }
  } catch (err) {
    if (err instanceof DataError) throw err;
    // zlib's errors carry codes such as Z_DATA_ERROR (damaged data) or Z_BUF_ERROR (cut short).
    const zlib = String((err as NodeJS.ErrnoException).code ?? "").startsWith("Z_");
    const problem =
      err instanceof TarFormatError
        ? err.message
        : zlib
          ? `${archive} from ${url} is not a valid gzip stream: ${describeCause(err)}`
          : `unpacking ${archive} from ${url} failed: ${describeCause(err)}`;
    throw new DataError("DOWNLOAD_FAILED", `${problem}. ${retryHint(plan)}`, undefined, { cause: err });
  } finally {
    gunzip.destroy();
  }
  if (wanted.size > 0) {
    throw new DataError(
      "DOWNLOAD_FAILED",
      `${archive} from ${url} has no member ${[...wanted.keys()].join(", ")}: it is not the official archive. ${retryHint(plan)}`,
    );
  }
  return result;
}

/** Which files are already cached with the right hash (skipped unless forced), and which are needed. */
async function checkCache(plan: FetchPlan): Promise<{ present: string[]; needed: DataFile[] }> {
  const present: string[] = [];
  const needed: DataFile[] = [];
  for (const file of plan.files) {
    if (!plan.force && (await isVerifiedCopy(join(plan.dir, file.name), file))) present.push(file.name);
    else needed.push(file);
  }
  if (present.length > 0) plan.log(`${plan.manifest.name}: ${present.length} file(s) already in ${plan.dir} and verified`);
  return { present, needed };
}

/** The checksum a file is verified with: sha256 when the registry has it, else md5. */
function checksumOf(file: DataFile): { algorithm: HashAlgorithm; hex: string } | null {
  if (file.sha256) return { algorithm: "sha256", hex: file.sha256 };
  if (file.md5) return { algorithm: "md5", hex: file.md5 };
  return null;
}

async function isVerifiedCopy(path: string, file: DataFile): Promise<boolean> {
  const sum = checksumOf(file);
  if (sum) return (await sha256File(path, sum.algorithm)) === sum.hex;
  if (file.bytes === undefined) return false;
  try {
    return (await stat(path)).size === file.bytes;
  } catch {
    return false;
  }
}

function verify(plan: FetchPlan, file: DataFile, data: Uint8Array, source: string): void {
  const sum = checksumOf(file);
  if (!sum) {
    // Only the archive as a whole has a checksum: at least the member's size must be right.
    if (file.bytes === undefined || data.length === file.bytes) return;
    throw new DataError(
      "DOWNLOAD_FAILED",
      `${file.name} from ${source} is ${data.length} bytes, expected ${file.bytes}: not the official file. ${retryHint(plan)}`,
    );
  }
  const actual = digest(data, sum.algorithm);
  if (actual === sum.hex) return;
  throw new DataError(
    "CHECKSUM_MISMATCH",
    `${file.name}: ${sum.algorithm} mismatch for the file downloaded from ${source}: expected ${sum.hex} (the official ` +
      `${plan.manifest.title} file), got ${actual}. The mirror served a different or damaged file, so it was not stored. ` +
      retryHint(plan),
    join(plan.dir, file.name),
  );
}

async function store(plan: FetchPlan, file: DataFile, data: Uint8Array): Promise<void> {
  const path = join(plan.dir, file.name);
  try {
    await writeFileAtomic(path, data);
  } catch (err) {
    throw new DataError(
      "DOWNLOAD_FAILED",
      `${path}: cannot store the downloaded file (${(err as Error).message}). ` +
        `Fix: make ${plan.dir} writable, or choose another cache directory with LOTTERY_CACHE_DIR.`,
      path,
      { cause: err },
    );
  }
}

/** What every download of a plan shares; a timeout error then names the mirror setting to change. */
function downloadSettings(plan: FetchPlan) {
  return { log: plan.log, signal: plan.signal, connectTimeoutMs: plan.connectTimeoutMs, idleTimeoutMs: plan.idleTimeoutMs, hint: retryHint(plan) };
}

function retryHint(plan: FetchPlan): string {
  const m = plan.manifest;
  return `Fix: retry \`lottery data fetch ${m.name}\`, or use another mirror with \`--mirror URL\` or ${m.mirrorEnv} (default ${m.defaultMirror}).`;
}

function fileUrl(plan: FetchPlan, name: string): string {
  const base = plan.mirror.endsWith("/") ? plan.mirror : `${plan.mirror}/`;
  try {
    return new URL(name, base).href;
  } catch {
    throw new DataError(
      "INVALID_OPTION",
      `invalid ${plan.manifest.title} mirror URL "${plan.mirror}": expected an http(s) base URL such as ${plan.manifest.defaultMirror} (from --mirror or ${plan.manifest.mirrorEnv})`,
    );
  }
}
