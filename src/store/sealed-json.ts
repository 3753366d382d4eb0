// JSON files that carry their own checksum. A flipped bit in a summary's accuracy or in a learning
// rate in hparams.json usually leaves valid JSON with a wrong number, which nothing else would
// notice: the "checksum" field (sha256 of the compact JSON of every other field, in file order)
// makes that an error. Files written before checksums existed have no such field and are read as
// they are.
import { createHash } from "node:crypto";

const FIELD = "checksum";
const PREFIX = "sha256:";

function digest(value: Record<string, unknown>): string {
  return PREFIX + createHash("sha256").update(JSON.stringify(value)).digest("hex");
}

/** The value with its checksum as the last field (NaN is hashed as the null JSON stores). */
export function sealJson<T extends object>(value: T): T & { checksum: string } {
  const plain = JSON.parse(JSON.stringify(value)) as Record<string, unknown>;
  delete plain[FIELD];
  return { ...(plain as T), [FIELD]: digest(plain) };
}

/**
 * Parses a sealed (or pre-checksum) JSON object and returns it without its checksum; throws an
 * Error saying what is wrong (not JSON, not an object, checksum mismatch) for the caller to wrap
 * with the file's name and the fix.
 */
export function unsealJson(text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error("not JSON (truncated or overwritten?)");
  }
  if (!value || typeof value !== "object" || Array.isArray(value)) throw new Error("not a JSON object");
  const o = value as Record<string, unknown>;
  if (!(FIELD in o)) return o;
  const stated = o[FIELD];
  delete o[FIELD];
  if (stated !== digest(o)) throw new Error("checksum mismatch (a value in it was changed after it was written)");
  return o;
}

/** sha256 of a file's text, as the summary records it for metrics.jsonl. */
export function textDigest(text: string): string {
  return PREFIX + createHash("sha256").update(text).digest("hex");
}
