// One error type for everything that can go wrong with dataset files, so callers (the CLI) can
// tell a corrupt file from a missing directory from a failed download by `code` and still show
// the message as is: every message names the file or directory, the problem, and the fix.

import type { DatasetName } from "./types.js";

/** What went wrong with a dataset: {@link DataError}'s `code`. */
export type DataErrorCode =
  /** A file exists but is not a valid dataset file (bad gzip, wrong magic, wrong length, bad label). */
  | "DATA_CORRUPT"
  /** The files are not where they were looked for. */
  | "DATA_NOT_FOUND"
  /** A download could not be completed (network error, HTTP error status, bad archive). */
  | "DOWNLOAD_FAILED"
  /** A downloaded file's sha256 differs from the official one. */
  | "CHECKSUM_MISMATCH"
  /** A caller-supplied option is out of range. */
  | "INVALID_OPTION";

/** Any problem with dataset files (missing, corrupt, failed download); the message names the file and the fix. */
export class DataError extends Error {
  override readonly name = "DataError";

  constructor(
    readonly code: DataErrorCode,
    message: string,
    /** The file or directory the error is about, when there is one. */
    readonly path?: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A dataset named by its directory (idx:DIR, cifar:DIR, folder:DIR) rather than a registry entry. */
export function isLocalDataset(name: DatasetName): boolean {
  return /^(idx|cifar|folder):/.test(name);
}

/** What a local dataset's directory must hold, for the fix in messages. */
export function localLayoutHint(name: DatasetName): string {
  const kind = name.slice(0, name.indexOf(":"));
  switch (kind) {
    case "idx":
      return "idx:DIR needs train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte, each gzipped or not, and optionally classes.txt with one class name per line";
    case "cifar":
      return "cifar:DIR needs data_batch_*.bin and test_batch.bin (CIFAR-10 layout: 1 label byte per record) or train.bin and test.bin (CIFAR-100 layout: coarse and fine label bytes), each gzipped or not, and optionally classes.txt";
    default:
      return "folder:DIR needs one subdirectory of PNG or JPEG images per class, either directly or inside train/ and test/";
  }
}

/** The command that (re)creates a dataset's files in the cache. */
export function fetchCommand(name: DatasetName): string {
  return `lottery data fetch ${name}`;
}

/**
 * A file that is there but unusable. Downloads are verified and written atomically, so this means
 * damage after the fact (a truncated copy, a disk error) or a file that is not the official one.
 */
export function corruptFile(path: string, dataset: DatasetName, problem: string): DataError {
  if (isLocalDataset(dataset)) {
    return new DataError("DATA_CORRUPT", `${path}: ${problem}. Fix: correct or replace the file (${localLayoutHint(dataset)}).`, path);
  }
  return new DataError(
    "DATA_CORRUPT",
    `${path}: ${problem}. The file is truncated, corrupt or not the official ${dataset} file: ` +
      `delete it and run \`${fetchCommand(dataset)}\` (or replace it with the official file).`,
    path,
  );
}

/** The innermost message of an error chain: `fetch failed` alone hides the useful part (ECONNREFUSED ...). */
export function describeCause(err: unknown): string {
  const parts: string[] = [];
  let e: unknown = err;
  for (let depth = 0; e !== undefined && e !== null && depth < 4; depth++) {
    let message = e instanceof Error ? e.message : String(e);
    // Connecting to a name with several addresses fails with an AggregateError whose message is empty.
    if (!message && e instanceof AggregateError) message = e.errors.map((x) => describeCause(x)).join("; ");
    if (message && !parts.includes(message)) parts.push(message);
    e = e instanceof Error ? e.cause : undefined;
  }
  return parts.join(": ") || "unknown error";
}
