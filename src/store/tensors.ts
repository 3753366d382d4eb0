// A single-file container for named arrays (weights, masks, optimizer state), so one atomic
// rename publishes all of them together:
//
//   "LTTENSOR" | u32 version (2) | u32 header length | sha256 of the header (32 bytes) | header JSON
//   | zero padding to 8 | data
//
// (Version 1, still read, had no header checksum.)
// The header lists each array's name, dtype (f32 | u8), shape, byte offset and length in the data
// section, the sha256 of the data section, and free-form metadata. All numbers little-endian.
// Reading checks the magic, version, lengths, both checksums and every header field before it
// allocates anything, and names the file in every error.
import { createHash } from "node:crypto";
import { closeSync, fstatSync, openSync, readFileSync, readSync } from "node:fs";
import { writeFileAtomic } from "./atomic.js";
import { CorruptFileError } from "./errors.js";

const MAGIC = "LTTENSOR";
const VERSION = 2;
const PREFIX = 48; // magic, version, header length, header sha256

export type StoredArray = Float32Array | Uint8Array;

interface Entry {
  name: string;
  dtype: "f32" | "u8";
  shape: number[];
  offset: number;
  bytes: number;
}

interface Header {
  version: number;
  sha256: string;
  meta: Record<string, unknown>;
  tensors: Entry[];
}

export interface TensorFile {
  meta: Record<string, unknown>;
  arrays: Map<string, StoredArray>;
}

export function encodeTensors(arrays: ReadonlyMap<string, StoredArray>, meta: Record<string, unknown> = {}): Uint8Array {
  const entries: Entry[] = [];
  let offset = 0;
  for (const [name, a] of arrays) {
    offset = Math.ceil(offset / 8) * 8;
    entries.push({ name, dtype: a instanceof Float32Array ? "f32" : "u8", shape: [a.length], offset, bytes: a.byteLength });
    offset += a.byteLength;
  }
  const data = new Uint8Array(offset);
  let i = 0;
  for (const a of arrays.values()) data.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), entries[i++]!.offset);
  const header: Header = { version: VERSION, sha256: createHash("sha256").update(data).digest("hex"), meta, tensors: entries };
  const headerBytes = new TextEncoder().encode(JSON.stringify(header));
  const start = Math.ceil((PREFIX + headerBytes.length) / 8) * 8;
  const out = new Uint8Array(start + data.length);
  out.set(new TextEncoder().encode(MAGIC), 0);
  const view = new DataView(out.buffer);
  view.setUint32(8, VERSION, true);
  view.setUint32(12, headerBytes.length, true);
  out.set(createHash("sha256").update(headerBytes).digest(), 16);
  out.set(headerBytes, PREFIX);
  out.set(data, start);
  return out;
}

export function decodeTensors(bytes: Uint8Array, source: string, fix = "delete it and rerun the same command to recompute it"): TensorFile {
  const bad = (what: string) => new CorruptFileError(source, what, fix);
  const { parsed, start } = checkedHeaderJson(bytes, bad);
  const data = bytes.subarray(Math.min(start, bytes.length));
  const header = validateHeader(parsed, data.length, bad);
  if (createHash("sha256").update(data).digest("hex") !== header.sha256) throw bad("checksum mismatch");
  const arrays = new Map<string, StoredArray>();
  for (const t of header.tensors) {
    const copy = data.slice(t.offset, t.offset + t.bytes);
    arrays.set(t.name, t.dtype === "f32" ? new Float32Array(copy.buffer, 0, t.bytes / 4) : copy);
  }
  return { meta: header.meta, arrays };
}

/**
 * The prefix and header JSON of a tensor file, checked (magic, version, lengths, header checksum),
 * and where its data section starts. `bytes` may end after the header (readTensorsMeta).
 */
function checkedHeaderJson(bytes: Uint8Array, bad: (what: string) => Error): { parsed: unknown; start: number } {
  if (bytes.length < 16 || new TextDecoder().decode(bytes.subarray(0, 8)) !== MAGIC) throw bad("not a lottery-wasm tensor file (bad magic)");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(8, true);
  if (version !== 1 && version !== VERSION) throw bad(`tensor file version ${version}, this lottery-wasm reads versions 1 and ${VERSION}`);
  const prefix = version === 1 ? 16 : PREFIX;
  const headerLength = view.getUint32(12, true);
  if (prefix + headerLength > bytes.length) throw bad(`truncated header (the file is ${bytes.length} bytes, its header says ${prefix + headerLength})`);
  const headerBytes = bytes.subarray(prefix, prefix + headerLength);
  if (version === VERSION && Buffer.compare(createHash("sha256").update(headerBytes).digest(), bytes.subarray(16, PREFIX)) !== 0)
    throw bad("header checksum mismatch");
  try {
    return { parsed: JSON.parse(new TextDecoder().decode(headerBytes)), start: Math.ceil((prefix + headerLength) / 8) * 8 };
  } catch {
    throw bad("unreadable header");
  }
}

/**
 * A tensor file's metadata alone, read from its header without the data (a conv checkpoint's
 * weights and optimizer state are tens of MB): for a status line. The header is checked as
 * readTensors checks it; the data is not read. @throws CorruptFileError naming the file.
 */
export function readTensorsMeta(path: string): Record<string, unknown> {
  const bad = (what: string) => new CorruptFileError(path, what, "delete it and rerun the same command to recompute it");
  const fd = openSync(path, "r");
  try {
    const prefix = Buffer.alloc(PREFIX);
    const got = readSync(fd, prefix, 0, PREFIX, 0);
    // Version 1's header starts at 16, version 2's at PREFIX; a length beyond the file is reported as truncated.
    const start = got >= 16 && prefix.readUInt32LE(8) === 1 ? 16 : PREFIX;
    const headerLength = got >= 16 ? Math.min(prefix.readUInt32LE(12), fstatSync(fd).size) : 0;
    const bytes = Buffer.alloc(start + headerLength);
    prefix.copy(bytes, 0, 0, Math.min(got, start));
    const total = Math.min(got, start) + readSync(fd, bytes, start, headerLength, start);
    const { parsed } = checkedHeaderJson(bytes.subarray(0, total), bad);
    const meta = (parsed as { meta?: unknown } | null)?.meta;
    if (typeof meta !== "object" || meta === null) throw bad("no metadata in the header");
    return meta as Record<string, unknown>;
  } finally {
    closeSync(fd);
  }
}

/** Checks every field the reader relies on, so a damaged header is an error, never a TypeError or a wrong slice. */
function validateHeader(h: unknown, dataLength: number, bad: (what: string) => Error): Header {
  const o = h as Partial<Header> | null;
  if (!o || typeof o !== "object") throw bad("header is not an object");
  if (typeof o.sha256 !== "string" || !/^[0-9a-f]{64}$/.test(o.sha256)) throw bad("header has no data checksum");
  if (!o.meta || typeof o.meta !== "object" || Array.isArray(o.meta)) throw bad("header metadata is not an object");
  if (!Array.isArray(o.tensors)) throw bad("header has no tensor list");
  const names = new Set<string>();
  let end = 0;
  for (const [i, t] of o.tensors.entries()) {
    const e = t as Partial<Entry> | null;
    const where = `tensor #${i}`;
    if (!e || typeof e !== "object" || typeof e.name !== "string") throw bad(`${where} has no name`);
    if (names.has(e.name)) throw bad(`tensor ${e.name} is listed twice`);
    names.add(e.name);
    if (e.dtype !== "f32" && e.dtype !== "u8") throw bad(`tensor ${e.name} has dtype ${JSON.stringify(e.dtype)} (f32 or u8 expected)`);
    const size = e.dtype === "f32" ? 4 : 1;
    if (!Array.isArray(e.shape) || !e.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) throw bad(`tensor ${e.name} has an invalid shape`);
    const count = e.shape.reduce((a: number, d: number) => a * d, 1);
    if (!Number.isSafeInteger(e.offset) || e.offset! < end || e.offset! % size !== 0)
      throw bad(`tensor ${e.name} has an invalid or overlapping offset ${e.offset}`);
    if (e.bytes !== count * size) throw bad(`tensor ${e.name} is ${e.bytes} bytes, its shape needs ${count * size}`);
    end = e.offset! + e.bytes;
    if (end > dataLength) throw bad(`tensor ${e.name} ends at byte ${end} of a ${dataLength}-byte data section (truncated?)`);
  }
  if (dataLength !== end) throw bad(`data section is ${dataLength} bytes, the header describes ${end}`);
  return o as Header;
}

export function writeTensors(path: string, arrays: ReadonlyMap<string, StoredArray>, meta: Record<string, unknown> = {}): void {
  writeFileAtomic(path, encodeTensors(arrays, meta));
}

export function readTensors(path: string, fix?: string): TensorFile {
  return decodeTensors(new Uint8Array(readFileSync(path)), path, fix);
}

export function floatArrays(file: TensorFile, source: string): Map<string, Float32Array> {
  const out = new Map<string, Float32Array>();
  for (const [k, v] of file.arrays) {
    if (!(v instanceof Float32Array)) throw new Error(`${source}: ${k} is not f32`);
    out.set(k, v);
  }
  return out;
}

export function byteArrays(file: TensorFile, source: string): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  for (const [k, v] of file.arrays) {
    if (v instanceof Float32Array) throw new Error(`${source}: ${k} is not u8`);
    out.set(k, v);
  }
  return out;
}
