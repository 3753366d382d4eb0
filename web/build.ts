// Bundles the browser demo with esbuild into web/dist/: the page script and its module workers
// (the experiment, the ticket and the training threads), each a separate self-contained ES module.
//
// The library is shared with Node, so two rules keep Node-only code out of the bundles:
// - a dynamic import of a Node built-in (`await import("node:fs/promises")` in the kernel loader)
//   stays external: it only runs behind an is-Node check, so the browser never evaluates it;
// - so does a dynamic import of the library's Node-only modules (the dataset files, the file store);
// - a static import of one fails the build, naming the importer, because the browser would refuse
//   to load the whole bundle. The one such import on the demo's path, src/data/read-file.ts (used
//   by the IDX parsers), is replaced by its browser twin web/src/browser/read-file.ts.
import { build, type BuildResult, type Plugin } from "esbuild";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const WEB = dirname(fileURLToPath(import.meta.url));
const ROOT = join(WEB, "..");
export const DIST = join(WEB, "dist");

export const ENTRY_POINTS = {
  main: join(WEB, "src/main.ts"),
  "experiment-worker": join(WEB, "src/experiment-worker.ts"),
  "ticket-worker": join(WEB, "src/ticket-worker.ts"),
  // The training threads' entry: src/parallel/pool.ts starts it as ./web-worker.js next to the
  // bundle that runs the experiment.
  "web-worker": join(ROOT, "src/parallel/web-worker.ts"),
};

/** Library modules replaced by a browser implementation of the same interface. */
const BROWSER_TWINS: Record<string, string> = {
  [join(ROOT, "src/data/read-file.js")]: join(WEB, "src/browser/read-file.ts"),
};

const browserTwins: Plugin = {
  name: "browser-twins",
  setup(b) {
    b.onResolve({ filter: /^\.\.?\// }, (args) => {
      const twin = BROWSER_TWINS[join(args.resolveDir, args.path)];
      return twin ? { path: twin } : undefined;
    });
  },
};

const NODE_ONLY = /^(node:|piscina$)/;

/**
 * Library modules that only Node uses, which the library imports dynamically where it needs them
 * (Session loads the dataset files only when given no dataset; the runner opens the file store
 * only when given no store, and another experiment's store only for --masks-from). Those dynamic
 * imports stay out of the bundle like the built-ins.
 */
const NODE_ONLY_LIBRARY = new Set([join(ROOT, "src/data/index.js"), join(ROOT, "src/store/experiment.js"), join(ROOT, "src/lottery/mask-source.js")]);

const nodeOnlyLibrary: Plugin = {
  name: "node-only-library",
  setup(b) {
    b.onResolve({ filter: /^\.\.?\// }, (args) => {
      if (args.kind === "dynamic-import" && NODE_ONLY_LIBRARY.has(join(args.resolveDir, args.path))) return { path: args.path, external: true };
      return undefined;
    });
  },
};

const nodeOnlyGuard: Plugin = {
  name: "node-only-guard",
  setup(b) {
    b.onResolve({ filter: NODE_ONLY }, (args) => {
      if (args.kind === "dynamic-import") return { path: args.path, external: true };
      return {
        errors: [
          {
            text:
              `${relative(ROOT, args.importer)} imports ${args.path} statically: Node-only code cannot go into the browser bundle ` +
              "(import the module that needs it dynamically behind an is-Node check, or give it a browser twin in web/build.ts)",
          },
        ],
      };
    });
  },
};

/**
 * No library module is imported for its side effects (a registry is module state reached through
 * its own exports), so a module none of whose exports a bundle uses can be left out of it. The demo imports the
 * library through its entry point (src/index.ts), and without this each bundle would carry every
 * module the entry point re-exports (e.g. zod and protobufjs in the page's script).
 */
const SRC = join(ROOT, "src");
const librarySideEffectFree: Plugin = {
  name: "library-side-effect-free",
  setup(b) {
    b.onResolve({ filter: /^\.\.?\// }, async (args) => {
      if (args.pluginData === "library-side-effect-free") return undefined;
      const r = await b.resolve(args.path, { kind: args.kind, importer: args.importer, resolveDir: args.resolveDir, pluginData: "library-side-effect-free" });
      if (r.errors.length > 0 || r.external || !r.path.startsWith(`${SRC}/`)) return undefined; // esbuild resolves (or reports) it as usual
      return { ...r, sideEffects: false };
    });
  },
};

export interface WebBuildOptions {
  outdir?: string;
  minify?: boolean;
}

export async function buildWeb(options: WebBuildOptions = {}): Promise<BuildResult<{ metafile: true }>> {
  return build({
    entryPoints: ENTRY_POINTS,
    outdir: options.outdir ?? DIST,
    bundle: true,
    format: "esm",
    platform: "browser",
    // Relaxed SIMD, shared memory and DecompressionStream already need a 2023+ browser.
    target: "es2022",
    minify: options.minify ?? true,
    sourcemap: true,
    metafile: true,
    logLevel: "silent",
    plugins: [nodeOnlyLibrary, browserTwins, nodeOnlyGuard, librarySideEffectFree],
  });
}

/** Output files and their sizes in bytes (without source maps), for the build log. */
export function bundleSizes(result: BuildResult<{ metafile: true }>): { file: string; bytes: number }[] {
  return Object.entries(result.metafile.outputs)
    .filter(([file]) => file.endsWith(".js"))
    .map(([file, out]) => ({ file: relative(ROOT, join(process.cwd(), file)), bytes: out.bytes }));
}

async function main(): Promise<void> {
  const started = performance.now();
  const result = await buildWeb();
  for (const w of result.warnings) console.warn(`warning: ${w.text}`);
  for (const { file, bytes } of bundleSizes(result)) console.log(`${file}  ${(bytes / 1024).toFixed(1)} KiB`);
  console.log(`built in ${((performance.now() - started) / 1000).toFixed(2)} s`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((err: unknown) => {
    console.error((err as Error).message ?? err);
    process.exit(1);
  });
}
