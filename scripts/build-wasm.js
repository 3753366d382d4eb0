#!/usr/bin/env node
// Builds every kernel variant declared in asconfig.json (plain / relaxed SIMD, unshared / shared
// memory) into build/. Run by `npm run build:wasm`, and so by `npm ci` (prepare) and `npm test`.
import asc from "assemblyscript/asc";
import { readFileSync } from "node:fs";

const config = JSON.parse(readFileSync(new URL("../asconfig.json", import.meta.url), "utf8"));
const targets = Object.keys(config.targets);
const started = Date.now();
const results = await Promise.all(
  targets.map(async (target) => {
    const { error, stderr } = await asc.main(["--config", "asconfig.json", "--target", target]);
    return { target, error, log: stderr.toString() };
  }),
);
let failed = false;
for (const { target, error, log } of results) {
  if (error || /ERROR/.test(log)) {
    failed = true;
    console.error(`asc --target ${target} failed:\n${log}${error ? `\n${error.message}` : ""}`);
  } else if (log.trim()) {
    console.error(`asc --target ${target} warnings:\n${log}`);
  }
}
if (failed) process.exit(1);
console.log(`built ${targets.length} kernel variants (${targets.join(", ")}) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
