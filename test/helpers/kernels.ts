// Kernel instances for tests: one per SIMD build, created once per test file. The relaxed build
// opts in to V8's relaxed SIMD flag (Node 20), as the CLI does; the library never sets it itself.
import { enableNodeRelaxedSimd, Kernels } from "../../src/kernels/index.js";
import type { SimdLevel } from "../../src/kernels/index.js";

export const BUILDS: SimdLevel[] = ["plain", "relaxed"];

const instances = new Map<SimdLevel, Promise<Kernels>>();

export function kernelsFor(simd: SimdLevel): Promise<Kernels> {
  let k = instances.get(simd);
  if (!k) {
    k = (simd === "relaxed" ? enableNodeRelaxedSimd() : Promise.resolve()).then(() => Kernels.create({ simd, memoryLimitBytes: 512 * 2 ** 20 }));
    instances.set(simd, k);
  }
  return k;
}
