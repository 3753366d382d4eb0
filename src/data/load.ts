// loadDataset: find the files (source.ts), download them into the cache if allowed and needed
// (fetch.ts), read them into a Dataset (mnist.ts, cifar10-dataset.ts), and keep the result so a
// second load of the same (name, directory, valSize) in this process is free.

import { buildCifar10, CIFAR10_ROLES } from "./cifar10-dataset.js";
import { DataError, describeCause, fetchCommand } from "./errors.js";
import { fetchDataset, logToStderr, resolveMirror } from "./fetch.js";
import { manifestFor } from "./manifest.js";
import { buildMnist, MNIST_ROLES } from "./mnist.js";
import { describeLocation, findDatasetFiles, missingFilesError, resolveDataLocation } from "./source.js";
import { DEFAULT_VAL_SIZE } from "./split.js";
import type { Dataset, DatasetName, LoadOptions } from "./types.js";

// Promises, not datasets, so concurrent loads of the same data share one read. Failed loads are
// dropped so a retry (after fixing the files) reads again.
const loaded = new Map<string, Promise<Dataset>>();
const fetching = new Map<string, Promise<unknown>>();

/**
 * Loads a dataset from `options.dataDir`, LOTTERY_DATA_DIR or the user cache, downloading into the
 * cache only when `fetchIfMissing` is set. Repeated loads of the same (name, directory, valSize) in one
 * process share one read.
 *
 * @throws DataError naming the missing or corrupt files and the command that fetches them.
 */
export async function loadDataset(name: DatasetName, options: LoadOptions = {}): Promise<Dataset> {
  const manifest = manifestFor(name);
  const valSize = options.valSize ?? DEFAULT_VAL_SIZE;
  const loc = resolveDataLocation(name, options);
  let found = await findDatasetFiles(loc.dir, manifest);

  if (found.missing.length > 0) {
    // Only the cache is downloaded into: an explicit --data-dir / LOTTERY_DATA_DIR that lacks the
    // files is the user's mistake to fix, not something to paper over with a download elsewhere.
    if (loc.origin !== "cache" || !options.fetchIfMissing) throw await missingFilesError(loc, found.missing, options.env);
    const log = options.log ?? logToStderr;
    const mirror = resolveMirror(name, options);
    log(`${manifest.title} not found in ${loc.dir}: downloading it from ${mirror} into ${loc.dir}`);
    try {
      // Concurrent loads that both miss the cache share one download.
      let download = fetching.get(loc.dir);
      if (download === undefined) {
        download = fetchDataset(name, { mirror, cacheDir: loc.root, log, env: options.env }).finally(() => fetching.delete(loc.dir));
        fetching.set(loc.dir, download);
      }
      await download;
    } catch (err) {
      throw downloadFailed(name, describeLocation(loc), mirror, err);
    }
    found = await findDatasetFiles(loc.dir, manifest);
    if (found.missing.length > 0) throw await missingFilesError(loc, found.missing, options.env);
  }

  const key = `${name}\0${loc.dir}\0${valSize}`;
  let dataset = loaded.get(key);
  if (dataset === undefined) {
    dataset = name === "mnist"
      ? buildMnist(pick(found.paths, MNIST_ROLES), valSize)
      : buildCifar10(pick(found.paths, CIFAR10_ROLES), valSize);
    loaded.set(key, dataset);
    dataset.catch(() => loaded.delete(key));
  }
  return dataset;
}

/** Forgets every loaded dataset (frees their memory once no one else holds them). */
export function clearDatasetCache(): void {
  loaded.clear();
}

/** The builder's paths, by role; findDatasetFiles found every manifest role, so a gap is a bug here. */
function pick<K extends string>(paths: Readonly<Record<string, string>>, roles: readonly K[]): Record<K, string> {
  const out = {} as Record<K, string>;
  for (const role of roles) {
    const path = paths[role];
    if (path === undefined) throw new Error(`internal: no path for the "${role}" file`);
    out[role] = path;
  }
  return out;
}

function downloadFailed(name: DatasetName, where: string, mirror: string, cause: unknown): DataError {
  const m = manifestFor(name);
  return new DataError(
    "DATA_NOT_FOUND",
    `${m.title} data not found: no --data-dir or LOTTERY_DATA_DIR was given and ${where} lacks the files, ` +
      `and downloading them from ${mirror} failed: ${cause instanceof DataError ? cause.message : describeCause(cause)}\n` +
      `Fix: run \`${fetchCommand(name)}\` (add \`--mirror URL\` or set ${m.mirrorEnv} if ${mirror} is unreachable), ` +
      `or pass --data-dir DIR or set LOTTERY_DATA_DIR to a directory whose ${m.subdir}/ subdirectory holds the official ${m.title} files.`,
    undefined,
    { cause },
  );
}
