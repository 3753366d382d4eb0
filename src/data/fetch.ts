// Downloads the official dataset files into the user cache (`lottery data fetch <name>`).
//
// Every file is verified against its official sha256 (manifest.ts) before it is stored, and stored
// atomically (store.ts), so a file in the cache is always complete and official. A mismatch stores
// nothing for that file. Files already in the cache with the right hash are not downloaded again.
//   MNIST: the four .gz files, fetched one by one from a mirror of the original LeCun files.
//   CIFAR-10: the binary archive, streamed through gunzip and a tar reader; each data .bin member is
//   verified and stored raw (a raw .bin loads faster than a gzipped one and is only 8% larger).

import { Readable, pipeline } from "node:stream";
import { createGunzip } from "node:zlib";
import { join } from "node:path";
import { DataError, describeCause } from "./errors.js";
import { downloadBuffer, openDownload } from "./download.js";
import { CIFAR10_ARCHIVE, CIFAR10_ARCHIVE_DIR, manifestFor, type DataFile, type DatasetManifest } from "./manifest.js";
import { envValue, resolveCacheDir, type Env } from "./source.js";
import { sha256, sha256File, writeFileAtomic } from "./store.js";
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
  return name === "mnist" ? fetchFiles(plan) : fetchArchive(plan, CIFAR10_ARCHIVE, CIFAR10_ARCHIVE_DIR);
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
  const gunzip = pipeline(Readable.from(download.chunks), createGunzip(), () => {
    // Errors surface through the iteration below.
  });
  try {
    for await (const entry of readTar(gunzip, `${archive} from ${url}`)) {
      const file = wanted.get(entry.name);
      if (file === undefined || entry.type !== "file") continue;
      const data = await entry.read();
      verify(plan, file, data, `${url} (member ${entry.name})`);
      await store(plan, file, data);
      result.downloaded.push(file.name);
      wanted.delete(entry.name);
      if (wanted.size === 0) break; // nothing else needed: stop the download here
    }
  } catch (err) {
    if (err instanceof DataError) throw err;
    // zlib's errors carry codes such as Z_DATA_ERROR (damaged data) or Z_BUF_ERROR (cut short).
    const zlib = String((err as NodeJS.ErrnoException).code ?? "").startsWith("Z_");
    const problem =
      err instanceof TarFormatError ? err.message
      : zlib ? `${archive} from ${url} is not a valid gzip stream: ${describeCause(err)}`
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
    if (!plan.force && (await sha256File(join(plan.dir, file.name))) === file.sha256) present.push(file.name);
    else needed.push(file);
  }
  if (present.length > 0) plan.log(`${plan.manifest.name}: ${present.length} file(s) already in ${plan.dir} and verified`);
  return { present, needed };
}

function verify(plan: FetchPlan, file: DataFile, data: Uint8Array, source: string): void {
  const actual = sha256(data);
  if (actual === file.sha256) return;
  throw new DataError(
    "CHECKSUM_MISMATCH",
    `${file.name}: sha256 mismatch for the file downloaded from ${source}: expected ${file.sha256} (the official ` +
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
