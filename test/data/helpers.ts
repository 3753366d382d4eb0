// Shared pieces of the dataset tests: the real data directory (required, never skipped), temp
// directories that clean up after themselves, a local HTTP mirror, and a tiny ustar writer.

import type { ExecutionContext } from "ava";
import { existsSync, readdirSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";

/**
 * The real data directory from LOTTERY_DATA_DIR. Throws (failing the test, not skipping it) when it
 * is unset or incomplete, since a data test that silently skips proves nothing.
 */
export function realDataDir(): string {
  const dir = process.env.LOTTERY_DATA_DIR;
  const fix =
    "Set LOTTERY_DATA_DIR to a directory holding mnist/ and cifar10/ with the official files " +
    "(in the sandbox: LOTTERY_DATA_DIR=/work/shared/data; see its README.md; CI sets it).";
  if (!dir) throw new Error(`LOTTERY_DATA_DIR is not set: the dataset tests need the real MNIST and CIFAR-10 files. ${fix}`);
  for (const file of ["mnist/train-images-idx3-ubyte.gz", "cifar10/test_batch.bin.gz"]) {
    if (!existsSync(join(dir, file))) throw new Error(`LOTTERY_DATA_DIR=${dir} has no ${file}. ${fix}`);
  }
  return dir;
}

export const MNIST_GZ = ["train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"] as const;

export const CIFAR_BATCHES = ["data_batch_1", "data_batch_2", "data_batch_3", "data_batch_4", "data_batch_5", "test_batch"] as const;

/** A real data file, decompressed, e.g. realFile("mnist", "t10k-labels-idx1-ubyte.gz"). */
export async function realFile(dataset: string, name: string): Promise<Buffer> {
  const bytes = await readFile(join(realDataDir(), dataset, name));
  return name.endsWith(".gz") ? gunzipSync(bytes) : bytes;
}

/** A fresh directory under os.tmpdir(), removed when the test ends. */
export async function tempDir(t: ExecutionContext, label = "data"): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `lottery-${label}-`));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** All files below dir (relative paths, sorted), to check what a fetch left behind. */
export function listFiles(dir: string, prefix = ""): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.isDirectory()) out.push(...listFiles(join(dir, e.name), `${prefix}${e.name}/`));
    else out.push(`${prefix}${e.name}`);
  }
  return out.sort();
}

/** Records log lines instead of printing them. */
export function collectLog(): { log: (m: string) => void; lines: string[] } {
  const lines: string[] = [];
  return { log: (m) => void lines.push(m), lines };
}

export type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

/** A local HTTP server on 127.0.0.1 (a free port), closed when the test ends. Returns its base URL. */
export async function serve(t: ExecutionContext, handler: Handler): Promise<{ url: string; requests: string[] }> {
  const requests: string[] = [];
  const server = http.createServer((req, res) => {
    requests.push(req.url ?? "");
    res.on("error", () => {}); // the client may hang up early (e.g. after a checksum failure)
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  t.teardown(() => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, requests };
}

/** Serves the given files by name under the root URL; anything else is a 404. */
export function filesHandler(files: ReadonlyMap<string, Uint8Array>): Handler {
  return (req, res) => {
    const data = files.get((req.url ?? "").replace(/^\//, ""));
    if (data === undefined) {
      res.writeHead(404, "Not Found").end();
      return;
    }
    res.writeHead(200, { "content-type": "application/octet-stream", "content-length": data.length }).end(data);
  };
}

/** A URL on which nothing listens: a port that was free a moment ago. */
export async function closedPortUrl(): Promise<string> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/`;
}

export interface TarMember {
  name: string;
  data?: Uint8Array;
  /** "0" file (default), "5" directory, "L" GNU long name, "x" pax header. */
  type?: string;
}

/**
 * A ustar archive as a list of chunks (headers, data, padding, two end blocks), so large members
 * are not copied. Names longer than 100 bytes use the ustar prefix field.
 */
export function tarChunks(members: readonly TarMember[], options: { endBlocks?: boolean } = {}): Uint8Array[] {
  const out: Uint8Array[] = [];
  for (const m of members) {
    const data = m.data ?? new Uint8Array(0);
    out.push(tarHeader(m.name, data.length, m.type ?? (m.name.endsWith("/") ? "5" : "0")));
    if (data.length > 0) out.push(data);
    const pad = (512 - (data.length % 512)) % 512;
    if (pad > 0) out.push(new Uint8Array(pad));
  }
  if (options.endBlocks ?? true) out.push(new Uint8Array(1024));
  return out;
}

export function tarHeader(name: string, size: number, type = "0"): Uint8Array {
  const h = Buffer.alloc(512);
  let prefix = "";
  let base = name;
  if (Buffer.byteLength(name) > 100) {
    const cut = name.lastIndexOf("/", 155);
    prefix = name.slice(0, cut);
    base = name.slice(cut + 1);
  }
  h.write(base, 0, 100, "utf8");
  h.write("0000644\0", 100, "ascii"); // mode
  h.write("0001750\0", 108, "ascii"); // uid
  h.write("0001750\0", 116, "ascii"); // gid
  h.write(`${size.toString(8).padStart(11, "0")}\0`, 124, "ascii");
  h.write("14712345670\0", 136, "ascii"); // mtime
  h.write("        ", 148, "ascii"); // checksum placeholder: spaces while summing
  h.write(type, 156, "ascii");
  h.write("ustar\0" + "00", 257, "ascii");
  h.write(prefix, 345, 155, "utf8");
  let sum = 0;
  for (const b of h) sum += b;
  h.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148, "ascii");
  return h;
}

/** A pax extended-header record set ("<len> key=value\n" ...). */
export function paxRecords(entries: Record<string, string>): Uint8Array {
  let text = "";
  for (const [key, value] of Object.entries(entries)) {
    const body = ` ${key}=${value}\n`;
    let len = body.length + 1;
    while (String(len).length + body.length !== len) len = String(len).length + body.length;
    text += `${len}${body}`;
  }
  return Buffer.from(text, "utf8");
}

/**
 * A RegExp from a template whose literal parts are regex source (written raw, so `\.` needs no
 * doubling) and whose interpolated values (paths, URLs) are matched literally.
 */
export function re(strings: TemplateStringsArray, ...values: unknown[]): RegExp {
  let source = strings.raw[0]!;
  values.forEach((v, i) => {
    source += String(v).replace(/[.*+?^${}()|[\]\\]/g, "\\$&") + strings.raw[i + 1]!;
  });
  return new RegExp(source);
}
