// The demo server: cross-origin isolation headers on everything, wasm served as application/wasm,
// MNIST served by role from the data directory, nothing else reachable, and a missing data
// directory reported with the library's fix.
import test from "ava";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { buildWeb } from "../../web/build.js";
import { startWebServer, type WebServer } from "../../web/server.js";
import { dataDir } from "../helpers/data.js";

const distDir = mkdtempSync(join(tmpdir(), "lottery-web-dist-"));
let server: WebServer;

test.before(async () => {
  await buildWeb({ outdir: distDir, minify: false });
  server = await startWebServer({ port: 0, dataDir: dataDir(), distDir });
});

test.after.always(async () => {
  await server?.close();
  rmSync(distDir, { recursive: true, force: true });
});

const get = (path: string, init?: RequestInit) => fetch(new URL(path, server.url), init);

function assertIsolated(t: { is(a: unknown, b: unknown, m?: string): void }, res: Response, what: string): void {
  t.is(res.headers.get("cross-origin-opener-policy"), "same-origin", what);
  t.is(res.headers.get("cross-origin-embedder-policy"), "require-corp", what);
}

test("the page, bundles and kernels are served with cross-origin isolation headers", async (t) => {
  for (const [path, type] of [
    ["/", "text/html"],
    ["/style.css", "text/css"],
    ["/dist/main.js", "text/javascript"],
    ["/dist/experiment-worker.js", "text/javascript"],
    ["/dist/ticket-worker.js", "text/javascript"],
    ["/dist/main.js.map", "application/json"],
    ["/wasm/kernels-simd.wasm", "application/wasm"],
    ["/wasm/kernels-relaxed-shared.wasm", "application/wasm"],
  ] as const) {
    const res = await get(path);
    t.is(res.status, 200, path);
    t.true(res.headers.get("content-type")!.startsWith(type), `${path}: ${res.headers.get("content-type")}`);
    assertIsolated(t, res, path);
    await res.arrayBuffer();
  }
  const wasm = new Uint8Array(await (await get("/wasm/kernels-simd.wasm")).arrayBuffer());
  t.deepEqual([...wasm.subarray(0, 4)], [0x00, 0x61, 0x73, 0x6d], "the wasm magic");
});

test("MNIST files are served by role, byte for byte as stored", async (t) => {
  const res = await get("/data/mnist/train-labels");
  t.is(res.status, 200);
  assertIsolated(t, res, "data");
  const bytes = new Uint8Array(await res.arrayBuffer());
  t.deepEqual(bytes, new Uint8Array(readFileSync(join(server.dataDir, "train-labels-idx1-ubyte.gz"))));
  const head = await get("/data/mnist/t10k-images", { method: "HEAD" });
  t.is(head.status, 404, "only role names are routes");
});

test("nothing outside the route table is reachable", async (t) => {
  for (const path of [
    "/package.json",
    "/dist/../server.ts",
    "/dist/%2e%2e/server.ts",
    "/wasm/../package.json",
    "/wasm/kernels.ts",
    "/data/mnist/../README.md",
    "/static/index.html",
    "/dist/.hidden.js",
  ]) {
    const res = await get(path);
    t.is(res.status, 404, path);
    assertIsolated(t, res, path);
    await res.arrayBuffer();
  }
  const post = await get("/", { method: "POST" });
  t.is(post.status, 405);
  t.is(post.headers.get("allow"), "GET, HEAD");
});

test("a data directory without MNIST fails at start with the fix", async (t) => {
  const empty = mkdtempSync(join(tmpdir(), "lottery-web-nodata-"));
  try {
    const err = await t.throwsAsync(startWebServer({ port: 0, dataDir: empty, distDir }));
    t.regex(err!.message, /MNIST data not found/);
    t.regex(err!.message, /lottery data fetch mnist/);
  } finally {
    rmSync(empty, { recursive: true, force: true });
  }
});
