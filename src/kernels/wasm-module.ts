// Finds, reads and compiles the kernel module. Four builds exist (see asconfig.json): plain SIMD
// and relaxed SIMD (fused multiply-add), each for an unshared or a shared memory. Relaxed SIMD is
// used only when the runtime validates it; Node 20 needs V8's --experimental-wasm-relaxed-simd,
// which is switched on here through node:v8 before compiling (NODE_OPTIONS refuses the flag).

export type SimdLevel = "relaxed" | "plain";

export interface ModuleOptions {
  /** "auto" (default) takes relaxed SIMD where the runtime has it. Env LOTTERY_SIMD overrides. */
  simd?: "auto" | SimdLevel;
  /** A shared memory (needed for worker threads). Default: true in Node, crossOriginIsolated in browsers. */
  shared?: boolean;
  /** Where the .wasm files are (a URL or file path of their directory); default: the package's build/. */
  wasmDir?: string | URL;
}

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

async function readBytes(dir: string | URL, name: string): Promise<Uint8Array<ArrayBuffer>> {
  const base = typeof dir === "string" && !/^[a-z]+:/i.test(dir) ? null : new URL(String(dir).endsWith("/") ? String(dir) : `${String(dir)}/`);
  if (isNode && (base === null || base.protocol === "file:")) {
    const { readFile } = await import("node:fs/promises");
    const { join } = await import("node:path");
    const { fileURLToPath } = await import("node:url");
    const path = base === null ? join(dir as string, name) : fileURLToPath(new URL(name, base));
    try {
      const file = await readFile(path);
      return new Uint8Array(file.buffer.slice(file.byteOffset, file.byteOffset + file.byteLength) as ArrayBuffer);
    } catch (err) {
      throw new Error(`kernels: cannot read ${path} (${(err as Error).message}); run \`npm run build:wasm\` to build the kernels`);
    }
  }
  const url = new URL(name, base ?? undefined);
  const response = await fetch(url);
  if (!response.ok) throw new Error(`kernels: fetching ${url} failed with HTTP ${response.status}`);
  return new Uint8Array(await response.arrayBuffer());
}

let relaxedFlagTried = false;

/** Does this runtime compile relaxed SIMD? In Node it first enables V8's flag (Node 20). */
async function relaxedSupported(bytes: Uint8Array<ArrayBuffer>): Promise<boolean> {
  if (WebAssembly.validate(bytes)) return true;
  if (isNode && !relaxedFlagTried) {
    relaxedFlagTried = true;
    const v8 = await import("node:v8");
    v8.setFlagsFromString("--experimental-wasm-relaxed-simd");
    return WebAssembly.validate(bytes);
  }
  return false;
}

function envSimd(): "auto" | SimdLevel | undefined {
  const v = isNode ? process.env.LOTTERY_SIMD : undefined;
  if (v === undefined || v === "") return undefined;
  if (v === "auto" || v === "relaxed" || v === "plain") return v;
  throw new Error(`LOTTERY_SIMD=${v} is not valid: use auto, relaxed or plain`);
}

const cache = new Map<string, Promise<CompiledKernels>>();

export function compileKernels(options: ModuleOptions = {}): Promise<CompiledKernels> {
  const want = envSimd() ?? options.simd ?? "auto";
  const shared = options.shared ?? (isNode || (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true);
  const dir = options.wasmDir ?? defaultWasmDir();
  const key = `${want}|${shared}|${String(dir)}`;
  let hit = cache.get(key);
  if (!hit) {
    hit = (async () => {
      if (want !== "plain") {
        const bytes = await readBytes(dir, variantName("relaxed", shared));
        if (await relaxedSupported(bytes)) {
          return { module: await WebAssembly.compile(bytes as BufferSource), simd: "relaxed" as const, shared };
        }
        if (want === "relaxed") throw new Error("kernels: relaxed SIMD was requested but this runtime cannot compile it; use simd: \"plain\"");
      }
      const bytes = await readBytes(dir, variantName("plain", shared));
      return { module: await WebAssembly.compile(bytes as BufferSource), simd: "plain" as const, shared };
    })();
    cache.set(key, hit);
    hit.catch(() => cache.delete(key));
  }
  return hit;
}
