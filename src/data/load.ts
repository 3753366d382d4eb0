// loadDataset: find the files (source.ts), download them into the cache if allowed and needed
// (fetch.ts), read them into a Dataset (mnist.ts, cifar10-dataset.ts, and for the other registered
// datasets idx-dataset.ts and cifar-records.ts), and keep the result so a second load of the same
// (name, directory, valSize) in this process is free. Local directories (idx:DIR, cifar:DIR,
// folder:DIR) are read in place, once per process, whatever the valSize.
import { resolve } from "node:path";
import { assembleDataset, type DatasetParts, defaultValSize } from "./assemble.js";
import { readCifarDirectory, readRegisteredCifar } from "./cifar-records.js";
import { readFolderDirectory } from "./folder.js";
import { IDX_ROLES, readIdxDirectory, readRegisteredIdx } from "./idx-dataset.js";

import { buildCifar10, CIFAR10_ROLES } from "./cifar10-dataset.js";
import { DataError, describeCause, fetchCommand } from "./errors.js";
import { fetchDataset, logToStderr, resolveMirror } from "./fetch.js";
import { type DatasetManifest, manifestFor } from "./manifest.js";
import { buildMnist, MNIST_ROLES } from "./mnist.js";
import { describeLocation, findDatasetFiles, missingFilesError, resolveDataLocation } from "./source.js";
import { DEFAULT_VAL_SIZE } from "./split.js";
import type { Dataset, DatasetName, LoadOptions } from "./types.js";

// Promises, not datasets, so concurrent loads of the same data share one read. Failed loads are
// dropped so a retry (after fixing the files) reads again.
const loaded = new Map<string, Promise<Dataset>>();
const fetching = new Map<string, Promise<unknown>>();

/** A dataset given as a directory: its kind and the directory (as typed, resolved against the working directory). */
export interface LocalDatasetName {
  kind: "idx" | "cifar" | "folder";
  dir: string;
}

/** The kind and absolute directory of a dataset named by its directory (`idx:DIR`, `cifar:DIR`, `folder:DIR`); null for a registered name. */
export function parseLocalName(name: DatasetName): LocalDatasetName | null {
  const m = /^(idx|cifar|folder):(.+)$/.exec(name);
  return m ? { kind: m[1] as LocalDatasetName["kind"], dir: resolve(m[2]!) } : null;
}

const localParts = new Map<string, Promise<DatasetParts>>();

/** The pixels of a local dataset, read once per (name, image size) in this process. */
function readLocal(name: DatasetName, local: LocalDatasetName, imageSize: number | undefined): Promise<DatasetParts> {
  const key = `${local.kind}\0${local.dir}\0${imageSize ?? ""}`;
  let parts = localParts.get(key);
  if (parts === undefined) {
    parts =
      local.kind === "idx"
        ? readIdxDirectory(name, local.dir)
        : local.kind === "cifar"
          ? readCifarDirectory(name, local.dir)
          : readFolderDirectory(name, local.dir, imageSize);
    localParts.set(key, parts);
    parts.catch(() => localParts.delete(key));
  }
  return parts;
}

/** What the hyperparameter defaults need to know about a dataset before it is trained on. */
export interface DatasetInfo {
  readonly name: DatasetName;
  readonly shape: readonly [number, number, number];
  readonly classes: number;
  readonly classNames: readonly string[];
  readonly trainCount: number;
  /** Default validation hold-out: 5,000 for the registered datasets, a tenth of a smaller local one. */
  readonly valSize: number;
  /** Default normalization for a model declared for another dataset. */
  readonly normalize: boolean;
}

/** A dataset's shape, classes and defaults: from the registry, or by reading a local directory (once). */
export async function describeDataset(name: DatasetName, options: { imageSize?: number } = {}): Promise<DatasetInfo> {
  const local = parseLocalName(name);
  if (!local) {
    const m = manifestFor(name);
    return { name, shape: m.shape, classes: m.classes, classNames: m.classNames, trainCount: m.trainCount, valSize: DEFAULT_VAL_SIZE, normalize: m.normalize };
  }
  const parts = await readLocal(name, local, options.imageSize);
  const trainCount = parts.trainLabels.length;
  // Colour images train better normalized (as CIFAR's models do); gray ones keep [0, 1] (as MNIST's).
  return {
    name,
    shape: parts.shape,
    classes: parts.classes,
    classNames: parts.classNames,
    trainCount,
    valSize: defaultValSize(trainCount),
    normalize: parts.shape[0] === 3,
  };
}

/**
 * Loads a dataset from `options.dataDir`, LOTTERY_DATA_DIR or the user cache, downloading into the
 * cache only when `fetchIfMissing` is set. Repeated loads of the same (name, directory, valSize) in one
 * process share one read.
 *
 * @throws DataError naming the missing or corrupt files and the command that fetches them.
 */
export async function loadDataset(name: DatasetName, options: LoadOptions = {}): Promise<Dataset> {
  const local = parseLocalName(name);
  if (local) {
    const parts = await readLocal(name, local, options.imageSize);
    return assembleDataset(name, parts, options.valSize ?? defaultValSize(parts.trainLabels.length));
  }
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
    dataset =
      name === "mnist"
        ? buildMnist(pick(found.paths, MNIST_ROLES), valSize)
        : name === "cifar10"
          ? buildCifar10(pick(found.paths, CIFAR10_ROLES), valSize)
          : readRegistered(manifest, found.paths).then((parts) => assembleDataset(name, parts, valSize));
    loaded.set(key, dataset);
    dataset.catch(() => loaded.delete(key));
  }
  return dataset;
}

function readRegistered(m: DatasetManifest, paths: Readonly<Record<string, string>>): Promise<DatasetParts> {
  return m.format === "idx" ? readRegisteredIdx(m, pick(paths, IDX_ROLES)) : readRegisteredCifar(m, paths);
}

/** Forgets every loaded dataset (frees their memory once no one else holds them). */
export function clearDatasetCache(): void {
  loaded.clear();
  localParts.clear();
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
