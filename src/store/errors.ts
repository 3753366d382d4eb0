// The error a damaged stored file gives. It has no Node imports, so the experiment runner (which
// also runs in browsers) can tell "this file is corrupt" from other failures with instanceof and
// repair what can be rebuilt (θ0 from its seed) instead of stopping.

export class CorruptFileError extends Error {
  override readonly name = "CorruptFileError";

  constructor(
    /** The damaged file. */
    readonly path: string,
    /** What is wrong with it, e.g. "checksum mismatch". */
    readonly problem: string,
    /** What to do about it, e.g. which run directory to delete. */
    fix: string,
  ) {
    super(`corrupt file ${path}: ${problem}; ${fix}`);
  }
}
