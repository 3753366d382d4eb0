// The package as consumers get it: packed from this checkout (what `prepack` builds: npm test has
// just run the same build), installed offline from the npm cache into temporary projects, once
// as an inference-only consumer (--omit=optional: no vega) and once in full. There the installed
// `lottery` command runs, both entry points import as ES modules, a ticket predicts exactly as it
// does here, reports either render or name what to install, and a consumer file type-checks
// against the shipped declarations (skipLibCheck off, without vega's types).
import test from "ava";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadTicket } from "../../src/ticket/load.js";
import { repoPackage, ROOT, run, writeConsumer } from "../helpers/pack.js";
import { memoryTicket } from "../ticket/helpers.js";

const BUILD = ["dist/index.js", "dist/node.js", "dist/ticket/index.js", "dist/cli/main.js", "build/kernels-simd.wasm", "build/kernels-relaxed.wasm"];
const missing = BUILD.filter((f) => !existsSync(join(ROOT, f)));
if (missing.length) throw new Error(`${missing.join(", ")} missing: run \`npm run build\` first (npm test does)`);

const dir = mkdtempSync(join(tmpdir(), "lottery-pack-"));
const packed = await run("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", dir], ROOT);
if (packed.code !== 0) throw new Error(`npm pack failed: ${packed.stderr}`);
const tarball = (JSON.parse(packed.stdout) as { filename: string; unpackedSize: number; files: { path: string }[] }[])[0]!;

const consumers = { inference: join(dir, "inference"), full: join(dir, "full") };
for (const c of Object.values(consumers)) {
  mkdirSync(c);
  writeConsumer(c, `../${tarball.filename}`);
}
const [inferenceInstall, fullInstall] = await Promise.all([
  run("npm", ["ci", "--offline", "--omit=optional"], consumers.inference),
  run("npm", ["ci", "--offline"], consumers.full),
]);

const ticket = await memoryTicket("lenet_300_100", 0.1);
const images = Uint8Array.from({ length: 3 * 784 }, (_, i) => (i * 37) % 256);
const expected = Array.from((await loadTicket(ticket.bytes)).predict(images));

test.after.always(() => rmSync(dir, { recursive: true, force: true }));

/** Bytes of the files under a directory (apparent size), and the top-level package names. */
function installed(project: string): { bytes: number; packages: string[] } {
  let bytes = 0;
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name));
      else if (e.isFile()) bytes += statSync(join(d, e.name)).size;
    }
  };
  walk(join(project, "node_modules"));
  const top = readdirSync(join(project, "node_modules")).filter((n) => !n.startsWith("."));
  const packages = top.flatMap((n) => (n.startsWith("@") ? readdirSync(join(project, "node_modules", n)).map((m) => `${n}/${m}`) : [n]));
  return { bytes, packages };
}

const mib = (b: number) => `${(b / 2 ** 20).toFixed(1)} MiB`;

test("the tarball holds the build and no sources, tests, source maps or AssemblyScript", (t) => {
  const paths = tarball.files.map((f) => f.path);
  for (const f of BUILD) t.true(paths.includes(f), f);
  t.deepEqual(
    paths.filter((p) => /^(src|test|assembly|bench|web|scripts|docs)\/|\.map$|\.ts$(?<!\.d\.ts$)/.test(p)),
    [],
  );
  const scripts = repoPackage().scripts;
  t.falsy(scripts.prepare ?? scripts.install ?? scripts.postinstall ?? scripts.preinstall, "nothing builds or runs on a consumer's install");
  t.log(`${tarball.filename}: ${paths.length} files, ${mib(tarball.unpackedSize)} unpacked`);
});

test("inference-only consumer (--omit=optional): lottery --help, ESM imports, a ticket predicts as here, reports name what to install, tsc type-checks", async (t) => {
  t.is(inferenceInstall.code, 0, inferenceInstall.stderr);
  const size = installed(consumers.inference);
  t.log(`inference-only install: ${mib(size.bytes)} in ${size.packages.length} packages: ${size.packages.join(", ")}`);
  for (const heavy of ["vega", "vega-lite", "bullmq", "ioredis", "assemblyscript", "binaryen", "typescript"]) t.false(size.packages.includes(heavy), heavy);
  t.true(size.bytes < 20 * 2 ** 20, mib(size.bytes));

  writeFileSync(join(consumers.inference, "t.ltk"), ticket.bytes);
  writeFileSync(
    join(consumers.inference, "use.mjs"),
    `
import { readFileSync } from "node:fs";
import { loadTicket } from "lottery-wasm/ticket";
import * as library from "lottery-wasm/node";
import * as main from "lottery-wasm";
const ticket = await loadTicket(new Uint8Array(readFileSync("t.ltk")));
const images = Uint8Array.from({ length: 3 * 784 }, (_, i) => (i * 37) % 256);
let report;
try {
  await library.renderReport({ title: "t", model: "m", dataset: "d", hparams: {}, runs: [${JSON.stringify(RUN)}], curves: [], sparsity: [], magnitudes: [] });
  report = "rendered";
} catch (err) {
  report = err.message;
}
console.log(JSON.stringify({ predictions: Array.from(ticket.predict(images)), exportOnnx: typeof library.exportOnnx, mainInNode: typeof main.loadDataset, report }));
`,
  );
  writeFileSync(join(consumers.inference, "consumer.ts"), CONSUMER_TS);
  writeFileSync(
    join(consumers.inference, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: {
        module: "nodenext",
        moduleResolution: "nodenext",
        target: "es2022",
        strict: true,
        noEmit: true,
        skipLibCheck: false,
        types: ["node"],
        typeRoots: [join(ROOT, "node_modules/@types")],
      },
      files: ["consumer.ts"],
    }),
  );
  const [help, queue, use, tsc] = await Promise.all([
    run("npx", ["lottery", "--help"], consumers.inference),
    run("npx", ["lottery", "status", "--queue", "redis://127.0.0.1:9"], consumers.inference),
    run("node", ["use.mjs"], consumers.inference),
    run(process.execPath, [join(ROOT, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.json"], consumers.inference),
  ]);
  t.is(help.code, 0, help.stderr);
  t.regex(help.stdout, /Usage: lottery \[options\] \[command\][\s\S]*export \[options\] <source>/);
  t.is(queue.code, 1, queue.stdout + queue.stderr);
  t.regex(
    queue.stderr,
    /the job queue \(--queue, lottery worker, lottery status\) needs the optional packages bullmq and ioredis, which are not installed: run `npm install bullmq ioredis`/,
  );
  t.is(use.code, 0, use.stderr);
  const out = JSON.parse(use.stdout) as { predictions: number[]; exportOnnx: string; mainInNode: string; report: string };
  // In Node, "lottery-wasm" resolves to the Node entry (a superset of the browser-safe one), so
  // Node code that imported the Node-only parts from the package root keeps working.
  t.is(out.mainInNode, "function");
  t.deepEqual(out.predictions, expected);
  t.is(out.exportOnnx, "function");
  t.regex(out.report, /report figures need the optional packages vega and vega-lite, which are not installed: run `npm install vega vega-lite`/);
  t.is(tsc.code, 0, tsc.stdout + tsc.stderr);
});

test("full consumer: the report renders with the optional packages, and lottery runs", async (t) => {
  t.is(fullInstall.code, 0, fullInstall.stderr);
  const size = installed(consumers.full);
  t.log(`full install: ${mib(size.bytes)} in ${size.packages.length} packages`);
  t.true(size.packages.includes("vega") && size.packages.includes("vega-lite"));
  t.false(size.packages.includes("assemblyscript"));
  t.true(size.bytes < 60 * 2 ** 20, mib(size.bytes));
  writeFileSync(
    join(consumers.full, "report.mjs"),
    `
import { renderReport } from "lottery-wasm/node";
const r = await renderReport({ title: "t", model: "m", dataset: "d", hparams: {}, runs: [${JSON.stringify(RUN)}], curves: [], sparsity: [], magnitudes: [] });
console.log(r.figures.map((f) => f.svg.slice(0, 4)).join(","));
`,
  );
  const [report, info] = await Promise.all([run("node", ["report.mjs"], consumers.full), run("npx", ["lottery", "info"], consumers.full)]);
  t.is(report.code, 0, report.stderr);
  t.regex(report.stdout, /^<svg/);
  t.is(info.code, 0, info.stderr);
  t.regex(info.stdout, /simd: (relaxed|plain)/);
});

const RUN = {
  trial: 0,
  level: 0,
  kind: "iterative",
  branch: "ticket",
  pm: 1,
  iterations: 10,
  earlyStopIteration: 10,
  earlyStopValLoss: 1,
  earlyStopValAccuracy: 0.5,
  earlyStopTestAccuracy: 0.5,
  finalValAccuracy: 0.5,
  finalTestAccuracy: 0.5,
  seconds: 1,
  stepMs: 1,
  threads: 1,
  sparseLayers: [],
};

const CONSUMER_TS = `
import { loadTicket, softmax, type Ticket, TicketError } from "lottery-wasm/ticket";
import { exportOnnx, getModel, defaultsFor, resolveHparams, type NetworkSpec, type InitializerMode } from "lottery-wasm";

export async function classify(bytes: Uint8Array, images: Uint8Array): Promise<{ classes: Int32Array; probabilities: Float32Array }> {
  const ticket: Ticket = await loadTicket(bytes, { kernelMode: "auto" });
  const { classes, logits } = ticket.classify(images);
  return { classes, probabilities: softmax(logits, ticket.manifest.classes) };
}

export async function toOnnx(bytes: Uint8Array, initializers: InitializerMode = "dense"): Promise<Uint8Array> {
  try {
    return (await exportOnnx(bytes, { initializers })).bytes;
  } catch (err) {
    if (err instanceof TicketError) throw new Error(\`bad ticket: \${err.code}\`);
    throw err;
  }
}

export const spec: NetworkSpec = { name: "tiny", layers: [{ type: "linear", units: "classes" }] };
export const hp = resolveHparams(defaultsFor(getModel("lenet_300_100")), { training: { iterations: 10 } });
`;
