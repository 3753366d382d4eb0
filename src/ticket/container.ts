// Framing of a ticket file (see format.ts): header, checksummed manifest, aligned payload. Reading
// checks, in order, the magic, the version, the lengths and both checksums before anything
// interprets the contents, so every damaged file fails with an error that says what is wrong.
import { HEADER_BYTES, SECTION_ALIGN, TICKET_MAGIC, TICKET_VERSION, TicketError, type TicketManifest } from "./format.js";
import { sha256Hex } from "./sha256.js";
import { validateManifest } from "./validate.js";

/** A verified ticket file split into its manifest and payload. */
export interface TicketContainer {
  manifest: TicketManifest;
  /** The payload (a view into the file's bytes); manifest sections are relative to it. */
  payload: Uint8Array;
}

export function align(n: number, to = SECTION_ALIGN): number {
  return Math.ceil(n / to) * to;
}

const REEXPORT = "export it again with `lottery export` (or copy the file again if it was transferred)";

function hexOf(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += b.toString(16).padStart(2, "0");
  return s;
}

/** Assembles a file; fills manifest.payload (length and sha256) from `payload`. */
export async function writeContainer(manifest: TicketManifest, payload: Uint8Array): Promise<Uint8Array> {
  manifest.payload = { bytes: payload.length, sha256: await sha256Hex(payload) };
  const json = new TextEncoder().encode(JSON.stringify(manifest));
  const start = align(HEADER_BYTES + json.length);
  const out = new Uint8Array(start + payload.length);
  out.set(TICKET_MAGIC, 0);
  const view = new DataView(out.buffer);
  view.setUint32(8, TICKET_VERSION, true);
  view.setUint32(12, json.length, true);
  const digest = await sha256Hex(json);
  for (let i = 0; i < 32; i++) out[16 + i] = parseInt(digest.slice(2 * i, 2 * i + 2), 16);
  out.set(json, HEADER_BYTES);
  out.set(payload, start);
  return out;
}

function magicError(bytes: Uint8Array, source: string): TicketError {
  const ascii = new TextDecoder().decode(bytes.subarray(0, 8));
  const hint =
    ascii === "LTTENSOR"
      ? " (it is a tensor file of an experiment directory: make a ticket from the experiment with `lottery export DIR --out model.ltk`)"
      : bytes[0] === 0x1f && bytes[1] === 0x8b
        ? " (it is gzip-compressed: decompress it first)"
        : bytes[0] === 0x89 && bytes[1] === 0x4c && bytes[2] === 0x54 && bytes[3] === 0x4b
          ? " (its first bytes match but bytes 4-7 differ: a text-mode transfer converted its line endings; copy it in binary mode)"
          : "";
  return new TicketError(
    "bad-magic",
    `${source}: not a lottery ticket file (bad magic bytes ${hexOf(bytes.subarray(0, 8))}, expected ${hexOf(Uint8Array.from(TICKET_MAGIC))})${hint}`,
  );
}

/** Splits and verifies a file: header, manifest (checksum, JSON, fields), payload (length, checksum, layout). */
export async function readContainer(bytes: Uint8Array, source = "ticket file"): Promise<TicketContainer> {
  const head = Math.min(bytes.length, TICKET_MAGIC.length);
  for (let i = 0; i < head; i++) if (bytes[i] !== TICKET_MAGIC[i]) throw magicError(bytes, source);
  if (bytes.length < HEADER_BYTES) {
    throw new TicketError("truncated", `${source}: truncated: ${bytes.length} bytes is shorter than the ${HEADER_BYTES}-byte header; ${REEXPORT}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(8, true);
  if (version !== TICKET_VERSION) {
    const fix =
      version > TICKET_VERSION
        ? "it was written by a newer lottery-wasm: upgrade lottery-wasm to read it"
        : "export the ticket again with this version's `lottery export`";
    throw new TicketError("version", `${source}: ticket format version ${version}, but this lottery-wasm reads version ${TICKET_VERSION}; ${fix}`);
  }
  const manifestLength = view.getUint32(12, true);
  if (HEADER_BYTES + manifestLength > bytes.length) {
    throw new TicketError(
      "truncated",
      `${source}: truncated: the header announces a ${manifestLength}-byte manifest but the file has only ${bytes.length - HEADER_BYTES} bytes after the header; ${REEXPORT}`,
    );
  }
  const manifestBytes = bytes.subarray(HEADER_BYTES, HEADER_BYTES + manifestLength);
  const expected = hexOf(bytes.subarray(16, 48));
  const actual = await sha256Hex(manifestBytes);
  if (actual !== expected) {
    throw new TicketError(
      "checksum",
      `${source}: manifest checksum mismatch (sha256 ${actual}, the header says ${expected}): the file is corrupt; ${REEXPORT}`,
    );
  }
  let raw: unknown;
  try {
    raw = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(manifestBytes));
  } catch (err) {
    throw new TicketError("malformed", `${source}: the manifest is not valid UTF-8 JSON (${(err as Error).message}); ${REEXPORT}`);
  }
  const manifest = validateManifest(raw, source);
  if (manifest.version !== version) {
    throw new TicketError("malformed", `${source}: the manifest says version ${manifest.version} but the header says ${version}; ${REEXPORT}`);
  }
  const start = align(HEADER_BYTES + manifestLength);
  const payload = bytes.subarray(Math.min(start, bytes.length));
  const want = start + manifest.payload.bytes;
  if (bytes.length < want) {
    throw new TicketError(
      "truncated",
      `${source}: truncated: ${bytes.length} bytes, but the manifest describes a ${want}-byte file (an incomplete download or copy?); ${REEXPORT}`,
    );
  }
  if (bytes.length > want) {
    throw new TicketError(
      "malformed",
      `${source}: ${bytes.length - want} unexpected bytes after the payload (the manifest describes a ${want}-byte file); ${REEXPORT}`,
    );
  }
  const payloadSha = await sha256Hex(payload);
  if (payloadSha !== manifest.payload.sha256) {
    throw new TicketError(
      "checksum",
      `${source}: payload checksum mismatch (sha256 ${payloadSha}, the manifest says ${manifest.payload.sha256}): the file is corrupt; ${REEXPORT}`,
    );
  }
  return { manifest, payload };
}

/** The same file with a changed manifest (e.g. the accuracy measured after writing it); the payload is kept as is. */
export async function replaceManifest(bytes: Uint8Array, update: (m: TicketManifest) => void, source?: string): Promise<Uint8Array> {
  const { manifest, payload } = await readContainer(bytes, source);
  update(manifest);
  return writeContainer(manifest, payload);
}
