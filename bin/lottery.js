#!/usr/bin/env node
// The `lottery` command. The CLI is compiled to dist/ by `npm run build` (run by npm ci/install).
import { existsSync } from "node:fs";

const entry = new URL("../dist/cli/main.js", import.meta.url);
if (!existsSync(entry)) {
  console.error("lottery: dist/ is missing; run `npm run build` in the package directory first");
  process.exit(1);
}
await import(entry.href);
