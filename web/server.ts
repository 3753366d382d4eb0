// The demo's HTTP server: the page (web/static/), its bundles (web/dist/), the kernel builds
// (build/*.wasm, as application/wasm so browsers compile them while downloading) and the MNIST
// files (from the data directory the library would use: --data-dir, LOTTERY_DATA_DIR or the
// cache), each under its role name, /data/mnist/train-images etc., as stored (gzipped or not).
//
// Every response is sent with COOP same-origin and COEP require-corp: that makes the page
// cross-origin isolated, which is what lets it and its workers use SharedArrayBuffer and so the
// kernels' shared-memory builds.
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { dirname, extname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { MNIST } from "../src/data/manifest.js";
import { findDatasetFiles, missingFilesError, resolveDataLocation } from "../src/data/source.js";

const WEB = dirname(fileURLToPath(import.meta.url));
const ROOT = join(WEB, "..");
const STATIC = join(WEB, "static");
const DEFAULT_DIST = join(WEB, "dist");
const WASM = join(ROOT, "build");

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".wasm": "application/wasm",
};

const ISOLATION_HEADERS = {
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Embedder-Policy": "require-corp",
  "Cross-Origin-Resource-Policy": "same-origin",
};

export interface WebServerOptions {
  /** 0 picks a free port. */
  port?: number;
  host?: string;
  dataDir?: string;
  env?: Readonly<Record<string, string | undefined>>;
  /** Where the bundles are (default web/dist, where `npm run build:web` writes them). */
  distDir?: string;
}

export interface WebServer {
  url: string;
  /** Where the MNIST files are served from. */
  dataDir: string;
  close(): Promise<void>;
}

/** Checks that what the page needs exists before listening, with the command that makes it. */
async function requireFile(path: string, fix: string): Promise<void> {
  const ok = await stat(path).then(
    (s) => s.isFile(),
    () => false,
  );
  if (!ok) throw new Error(`${path} is missing: ${fix}`);
}

export async function startWebServer(options: WebServerOptions = {}): Promise<WebServer> {
  const location = resolveDataLocation("mnist", { dataDir: options.dataDir, env: options.env });
  const found = await findDatasetFiles(location.dir, MNIST);
  if (found.missing.length > 0) throw await missingFilesError(location, found.missing, options.env);
  const dist = options.distDir ?? DEFAULT_DIST;
  await requireFile(join(dist, "main.js"), "run `npm run build:web` to bundle the page");
  await requireFile(join(WASM, "kernels-simd.wasm"), "run `npm run build:wasm` to build the kernels");

  // The URL path → file table is fixed at start: nothing outside these files is ever served.
  const routes = new Map<string, string>([
    ["/", join(STATIC, "index.html")],
    ["/index.html", join(STATIC, "index.html")],
    ["/style.css", join(STATIC, "style.css")],
  ]);
  for (const [role, path] of Object.entries(found.paths)) routes.set(`/data/mnist/${role}`, path);

  const resolve = (pathname: string): string | null => {
    const fixed = routes.get(pathname);
    if (fixed) return fixed;
    // Bundles (and their source maps) and kernel builds, by plain file name: no slashes, no dot-files.
    const bundle = /^\/dist\/([\w-]+\.js(?:\.map)?)$/.exec(pathname);
    if (bundle) return join(dist, bundle[1]!);
    const kernel = /^\/wasm\/([\w-]+\.wasm)$/.exec(pathname);
    return kernel ? join(WASM, kernel[1]!) : null;
  };

  const server = createServer((req, res) => {
    serve(req, res, resolve).catch((err: unknown) => {
      if (!res.headersSent) send(res, 500, `${(err as Error).message}\n`);
      else res.destroy();
    });
  });
  await new Promise<void>((ok, fail) => {
    server.once("error", fail);
    server.listen(options.port ?? 8080, options.host ?? "127.0.0.1", () => ok());
  });
  const { port, address } = server.address() as AddressInfo;
  const host = address.includes(":") ? `[${address}]` : address;
  return {
    url: `http://${host}:${port}/`,
    dataDir: location.dir,
    close: () =>
      new Promise<void>((ok) => {
        server.close(() => ok());
        // Browsers keep connections alive; drop them so close() does not wait for their timeout.
        server.closeAllConnections();
      }),
  };
}

function send(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { ...ISOLATION_HEADERS, "Content-Type": "text/plain; charset=utf-8", "Content-Length": Buffer.byteLength(text) });
  res.end(text);
}

async function serve(req: IncomingMessage, res: ServerResponse, resolve: (pathname: string) => string | null): Promise<void> {
  if (req.method !== "GET" && req.method !== "HEAD") {
    res.setHeader("Allow", "GET, HEAD");
    return send(res, 405, "method not allowed\n");
  }
  const pathname = new URL(req.url ?? "/", "http://localhost").pathname;
  const file = resolve(pathname);
  const info = file ? await stat(file).catch(() => null) : null;
  if (!file || !info?.isFile()) return send(res, 404, `not found: ${pathname}\n`);
  res.writeHead(200, {
    ...ISOLATION_HEADERS,
    "Content-Type": CONTENT_TYPES[extname(file)] ?? "application/octet-stream",
    "Content-Length": info.size,
    // A rebuilt bundle or kernel must never be mixed with a cached older one.
    "Cache-Control": "no-cache",
  });
  if (req.method === "HEAD") return void res.end();
  await new Promise<void>((ok, fail) => {
    const stream = createReadStream(file);
    stream.on("error", fail);
    res.on("close", ok);
    stream.pipe(res);
  });
}
