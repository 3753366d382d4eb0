// Where a dataset's files come from. In order of precedence:
//   1. the dataDir option (the CLI's --data-dir),
//   2. env LOTTERY_DATA_DIR,
//   3. the user cache: the cacheDir option, else env LOTTERY_CACHE_DIR, else
//      $XDG_CACHE_HOME/lottery-wasm, else ~/.cache/lottery-wasm.
// Each of these holds one subdirectory per dataset (mnist/, cifar10/) with the official file names,
// gzipped or not. An explicitly given directory that lacks the files is an error (never a silent
// fall-through to the cache, which could hide a typo); only the cache may be filled by a download.

import { stat } from "node:fs/promises";
import { homedir } from "node:os";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { DataError, fetchCommand } from "./errors.js";
import { manifestFor, type DataFile, type DatasetManifest } from "./manifest.js";
import type { DatasetName } from "./types.js";

export type Env = Readonly<Record<string, string | undefined>>;

export interface SourceOptions {
  dataDir?: string;
  cacheDir?: string;
  /** Environment to read (default process.env); tests and embedders pass their own. */
  env?: Env;
}

export type DataOrigin = "option" | "env" | "cache";

export interface DataLocation {
  readonly name: DatasetName;
  /** The directory holding the per-dataset subdirectories. */
  readonly root: string;
  /** The dataset's own directory, root/<subdir>. */
  readonly dir: string;
  /** Which setting chose the root (for messages, and because only the cache is ever downloaded into). */
  readonly origin: DataOrigin;
}

/** What {@link findDatasetFiles} found of a dataset's files in a directory. */
export interface FoundFiles {
  /** Path of each file found, by role. */
  readonly paths: Readonly<Record<string, string>>;
  /** Files not found under any accepted name. */
  readonly missing: readonly DataFile[];
}

/** A variable's value, treating an empty string as unset (as shells often leave them). */
export function envValue(env: Env, key: string): string | undefined {
  const v = env[key];
  return v === undefined || v === "" ? undefined : v;
}

/** The user cache directory (see the top of this file for the order). */
export function resolveCacheDir(options: { cacheDir?: string; env?: Env } = {}): string {
  const env = options.env ?? process.env;
  const explicit = options.cacheDir ?? envValue(env, "LOTTERY_CACHE_DIR");
  if (explicit !== undefined) return resolve(explicit);
  // The XDG spec says a relative XDG_CACHE_HOME is invalid and must be ignored.
  const xdg = envValue(env, "XDG_CACHE_HOME");
  if (xdg !== undefined && isAbsolute(xdg)) return join(xdg, "lottery-wasm");
  return join(homedir(), ".cache", "lottery-wasm");
}

/** Which directory a dataset is loaded from (without looking at the files). */
export function resolveDataLocation(name: DatasetName, options: SourceOptions = {}): DataLocation {
  const env = options.env ?? process.env;
  const { subdir } = manifestFor(name);
  const fromEnv = envValue(env, "LOTTERY_DATA_DIR");
  const [root, origin]: [string, DataOrigin] =
    options.dataDir !== undefined && options.dataDir !== ""
      ? [resolve(options.dataDir), "option"]
      : fromEnv !== undefined
        ? [resolve(fromEnv), "env"]
        : [resolveCacheDir(options), "cache"];
  return { name, root, dir: join(root, subdir), origin };
}

/** Looks for each file of the dataset in `dir`, under its canonical name first, then its alternatives. */
export async function findDatasetFiles(dir: string, manifest: DatasetManifest): Promise<FoundFiles> {
  const paths: Record<string, string> = {};
  const missing: DataFile[] = [];
  for (const file of manifest.files) {
    let found: string | undefined;
    for (const candidate of [file.name, ...file.alternatives]) {
      const path = join(dir, candidate);
      if (await isFile(path)) {
        found = path;
        break;
      }
    }
    if (found === undefined) missing.push(file);
    else paths[file.role] = found;
  }
  return { paths, missing };
}

/** How a location was chosen, in the words the user typed. */
export function describeLocation(loc: DataLocation): string {
  const { subdir } = manifestFor(loc.name);
  switch (loc.origin) {
    case "option":
      return `${loc.dir} (the ${subdir}/ subdirectory of --data-dir ${loc.root})`;
    case "env":
      return `${loc.dir} (the ${subdir}/ subdirectory of LOTTERY_DATA_DIR=${loc.root})`;
    case "cache":
      return `${loc.dir} (the ${subdir}/ subdirectory of the cache ${loc.root})`;
  }
}

/** The error for a location that lacks files, with the fix that fits how the location was chosen. */
export async function missingFilesError(loc: DataLocation, missing: readonly DataFile[], env?: Env): Promise<DataError> {
  const m = manifestFor(loc.name);
  const dirExists = await isDirectory(loc.dir);
  const names = missing.map((f) => `${f.name} (or ${f.alternatives.join(", ")})`).join(", ");
  const what = dirExists ? `is missing ${names}` : `does not exist (it should hold ${names})`;
  const elsewhere = `pass --data-dir DIR or set LOTTERY_DATA_DIR to a directory whose ${m.subdir}/ subdirectory holds the official ${m.title} files`;
  let message: string;
  if (loc.origin === "cache") {
    message =
      `${m.title} data not found: no --data-dir or LOTTERY_DATA_DIR was given, and ${describeLocation(loc)} ${what}. ` +
      `Fix: run \`${fetchCommand(loc.name)}\` to download it (add \`--mirror URL\` if the default mirror is unreachable), or ${elsewhere}.`;
  } else {
    const setting = loc.origin === "option" ? "--data-dir" : "LOTTERY_DATA_DIR";
    const cache = resolveCacheDir({ env });
    message =
      `${m.title} data not found: ${describeLocation(loc)} ${what}. ` +
      `Fix: put the official files there, or ${elsewhere}, ` +
      `or drop ${setting} and run \`${fetchCommand(loc.name)}\` to download them into the cache (${cache}).`;
    const first = m.files[0]!;
    if (await anyIsFile([join(loc.root, first.name), ...first.alternatives.map((a) => join(loc.root, a))])) {
      message += ` (${loc.root} itself seems to hold the ${m.title} files: ${setting} should name the directory above it, ${dirname(loc.root)}, with the files in ${m.subdir}/.)`;
    }
  }
  return new DataError("DATA_NOT_FOUND", message, loc.dir);
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/** Whether `path` is an existing directory (false when it is missing, a file or unreadable). */
export async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

async function anyIsFile(paths: string[]): Promise<boolean> {
  for (const p of paths) if (await isFile(p)) return true;
  return false;
}
