// lottery-wasm: the library API.
export * from "./kernels/index.js";
export { Rng, hash32 } from "./util/rng.js";
