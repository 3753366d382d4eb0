// Finds, reads and compiles the kernel module. Four builds exist (see asconfig.json): plain SIMD
// and relaxed SIMD (fused multiply-add), each for an unshared or a shared memory. Relaxed SIMD is
// used only when the runtime validates it, else plain SIMD. Node 20's V8 validates it only behind
// --experimental-wasm-relaxed-simd, a process-wide switch: the library never flips it by itself
// (that would change WebAssembly for everything else in an embedding process); the `lottery` CLI,
// or an embedder who wants it, calls enableNodeRelaxedSimd() first (NODE_OPTIONS refuses the flag).

/** Which kernel build runs: relaxed SIMD (fused multiply-add) or plain SIMD. */
export type SimdLevel = "relaxed" | "plain";

/** How to find and compile the kernel module. */
export interface ModuleOptions {
  /** "auto" (default) takes relaxed SIMD where the runtime has it. Env LOTTERY_SIMD overrides. */
  simd?: "auto" | SimdLevel;
  /** A shared memory (needed for worker threads). Default: true in Node, crossOriginIsolated in browsers. */
  shared?: boolean;
  /** Where the .wasm files are (a URL or file path of their directory); default: the package's build/. */
  wasmDir?: string | URL;
}

/** A compiled kernel module and the build it is (one per process and build). */
export interface CompiledKernels {
  module: WebAssembly.Module;
  simd: SimdLevel;
  shared: boolean;
}

const isNode = typeof process !== "undefined" && typeof process.versions?.node === "string";

function variantName(simd: SimdLevel, shared: boolean): string {
  return `kernels-${simd === "relaxed" ? "relaxed" : "simd"}${shared ? "-shared" : ""}.wasm`;
}

function defaultWasmDir(): URL {
  // Both src/kernels/ and dist/kernels/ sit two levels below the package root.
  return new URL("../../build/", import.meta.url);
}

function resolveDir(dir: string | URL): { path: string | null; url: URL | null } {
  if (typeof dir === "string" && !/^[a-z][a-z0-9+.-]*:/i.test(dir)) return { path: dir, url: null };
  const text = String(dir);
  return { path: null, url: new URL(text.endsWith("/") ? text : `${text}/`) };
}

/** Node with a file path or file: URL: read the bytes from disk. */
async function readFileBytes(dir: string | URL, name: string): Promise<Uint8Array<ArrayBuffer>> {
  const { readFile } = await import("node:fs/promises");
  const { join } = await import("node:path");
  const { fileURLToPath } = await import("node:url");
  const { path, url } = resolveDir(dir);
  const file = path !== null ? join(path, name) : fileURLToPath(new URL(name, url!));
  try {
    const bytes = await readFile(file);
    return new Uint8Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
  } catch (err) {
    throw new Error(`kernels: cannot read ${file} (${(err as Error).message}); run \`npm run build:wasm\` to build the kernels`);
  }
}

/** Browsers (and http URLs): compile while downloading; fall back to bytes if the server's MIME type is not application/wasm. */
async function fetchAndCompile(dir: string | URL, name: string): Promise<WebAssembly.Module> {
  const { path, url } = resolveDir(dir);
  const target = new URL(name, url ?? new URL(path!.endsWith("/") ? path! : `${path!}/`, globalThis.location?.href));
  const response = await fetch(target);
  if (!response.ok) throw new Error(`kernels: fetching ${target} failed with HTTP ${response.status}`);
  if (typeof WebAssembly.compileStreaming === "function" && response.headers.get("content-type")?.startsWith("application/wasm")) {
    return WebAssembly.compileStreaming(response);
  }
  return WebAssembly.compile(await response.arrayBuffer());
}

function fromDisk(dir: string | URL): boolean {
  if (!isNode) return false;
  const { url } = resolveDir(dir);
  return url === null || url.protocol === "file:";
}

let relaxedFlagSet = false;

/**
 * Opt-in: switches on V8's --experimental-wasm-relaxed-simd for this whole process, so that Node 20
 * compiles the relaxed SIMD (FMA) kernels; a no-op in browsers and on Node 22 and later, which have
 * relaxed SIMD without it. Call it before the first `Kernels.create` (kernels already compiled as
 * plain SIMD stay so). The `lottery` command calls it at start; the library never does on its own.
 */
export async function enableNodeRelaxedSimd(): Promise<void> {
  if (!isNode || relaxedFlagSet || Number(process.versions.node.split(".")[0]) >= 22) return;
  relaxedFlagSet = true;
  const v8 = await import("node:v8");
  v8.setFlagsFromString("--experimental-wasm-relaxed-simd");
}

function envSimd(): "auto" | SimdLevel | undefined {
  const v = isNode ? process.env.LOTTERY_SIMD : undefined;
  if (v === undefined || v === "") return undefined;
  if (v === "auto" || v === "relaxed" || v === "plain") return v;
  throw new Error(`LOTTERY_SIMD=${v} is not valid: use auto, relaxed or plain`);
}

const RELAXED_MISSING =
  "kernels: relaxed SIMD was requested but this runtime cannot compile it; on Node 20 call enableNodeRelaxedSimd() first " +
  '(it switches on V8\'s --experimental-wasm-relaxed-simd for the whole process) or start node with that flag; otherwise use simd: "plain"';

const cache = new Map<string, Promise<CompiledKernels>>();

/** Finds, reads and compiles the kernel module for `options` (cached per build). @throws Error naming the file when the .wasm is missing (run `npm run build:wasm`). */
export function compileKernels(options: ModuleOptions = {}): Promise<CompiledKernels> {
  const want = envSimd() ?? options.simd ?? "auto";
  const shared = options.shared ?? (isNode || (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true);
  const dir = options.wasmDir ?? defaultWasmDir();
  // Whether the flag is on is part of the key: "auto" compiled before enableNodeRelaxedSimd() was plain.
  const key = `${want}|${shared}|${String(dir)}|${relaxedFlagSet}`;
  let hit = cache.get(key);
  if (!hit) {
    hit = (async () => {
      if (fromDisk(dir)) {
        if (want !== "plain") {
          const bytes = await readFileBytes(dir, variantName("relaxed", shared));
          if (WebAssembly.validate(bytes)) return { module: await WebAssembly.compile(bytes), simd: "relaxed" as const, shared };
          if (want === "relaxed") throw new Error(RELAXED_MISSING);
        }
        const bytes = await readFileBytes(dir, variantName("plain", shared));
        return { module: await WebAssembly.compile(bytes), simd: "plain" as const, shared };
      }
      if (want !== "plain") {
        try {
          return { module: await fetchAndCompile(dir, variantName("relaxed", shared)), simd: "relaxed" as const, shared };
        } catch (err) {
          // A runtime without relaxed SIMD rejects the module with a CompileError: use plain SIMD.
          if (!(err instanceof WebAssembly.CompileError)) throw err;
          if (want === "relaxed") throw new Error(RELAXED_MISSING);
        }
      }
      return { module: await fetchAndCompile(dir, variantName("plain", shared)), simd: "plain" as const, shared };
    })();
    cache.set(key, hit);
    hit.catch(() => cache.delete(key));
  }
  return hit;
}
