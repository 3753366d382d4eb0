// A single-file container for named arrays (weights, masks, optimizer state), so one atomic
// rename publishes all of them together:
//
//   "LTTENSOR" | u32 version (1) | u32 header length | header JSON | zero padding to 8 | data
//
// The header lists each array's name, dtype (f32 | u8), shape, byte offset and length in the data
// section, the sha256 of the data section, and free-form metadata. All numbers little-endian.
// Reading checks the magic, version, lengths and checksum, and names the file in every error.
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { writeFileAtomic } from "./atomic.js";

const MAGIC = "LTTENSOR";
const VERSION = 1;

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
  const start = Math.ceil((16 + headerBytes.length) / 8) * 8;
  const out = new Uint8Array(start + data.length);
  out.set(new TextEncoder().encode(MAGIC), 0);
  const view = new DataView(out.buffer);
  view.setUint32(8, VERSION, true);
  view.setUint32(12, headerBytes.length, true);
  out.set(headerBytes, 16);
  out.set(data, start);
  return out;
}

export function decodeTensors(bytes: Uint8Array, source: string): TensorFile {
  const bad = (what: string) => new Error(`corrupt file ${source}: ${what}; delete it and rerun the same command to recompute it`);
  if (bytes.length < 16 || new TextDecoder().decode(bytes.subarray(0, 8)) !== MAGIC) throw bad("not a lottery-wasm tensor file (bad magic)");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(8, true);
  if (version !== VERSION) throw new Error(`${source}: tensor file version ${version}, this lottery-wasm reads version ${VERSION}`);
  const headerLength = view.getUint32(12, true);
  if (16 + headerLength > bytes.length) throw bad(`truncated header (${bytes.length} bytes)`);
  let header: Header;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(16, 16 + headerLength))) as Header;
  } catch {
    throw bad("unreadable header");
  }
  const start = Math.ceil((16 + headerLength) / 8) * 8;
  const data = bytes.subarray(start);
  const end = header.tensors.reduce((m, t) => Math.max(m, t.offset + t.bytes), 0);
  if (data.length !== end) throw bad(`data section is ${data.length} bytes, the header describes ${end}`);
  if (createHash("sha256").update(data).digest("hex") !== header.sha256) throw bad("checksum mismatch");
  const arrays = new Map<string, StoredArray>();
  for (const t of header.tensors) {
    const copy = data.slice(t.offset, t.offset + t.bytes);
    arrays.set(t.name, t.dtype === "f32" ? new Float32Array(copy.buffer, 0, t.bytes / 4) : copy);
  }
  return { meta: header.meta, arrays };
}

export function writeTensors(path: string, arrays: ReadonlyMap<string, StoredArray>, meta: Record<string, unknown> = {}): void {
  writeFileAtomic(path, encodeTensors(arrays, meta));
}

export function readTensors(path: string): TensorFile {
  return decodeTensors(new Uint8Array(readFileSync(path)), path);
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
