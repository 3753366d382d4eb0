// Real datasets for tests, found as the CLI finds them (tests give no --data-dir): LOTTERY_DATA_DIR
// (CI points it at ../shared/data), else the user cache, into which `npm test`'s pretest step
// (scripts/pretest.ts) downloads a missing dataset, verified. A dataset found nowhere fails the
// test with a message naming LOTTERY_DATA_DIR, rather than skipping it.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { loadDataset } from "../../src/data/index.js";
import { manifestFor } from "../../src/data/manifest.js";
import { resolveDataLocation } from "../../src/data/source.js";
import type { Dataset, DatasetName } from "../../src/data/types.js";

/** The directory holding mnist/ and cifar10/ where `name` is found (LOTTERY_DATA_DIR, else the cache). */
export function dataDir(name: DatasetName = "mnist"): string {
  const loc = resolveDataLocation(name);
  const m = manifestFor(name);
  const missing = m.files.filter((f) => ![f.name, ...f.alternatives].some((n) => existsSync(join(loc.dir, n))));
  if (missing.length) {
    const where = loc.origin === "env" ? `LOTTERY_DATA_DIR=${loc.root} lacks` : `LOTTERY_DATA_DIR is not set and the cache ${loc.root} lacks`;
    throw new Error(
      `${where} ${m.title} (${missing.map((f) => f.name).join(", ")}): set LOTTERY_DATA_DIR to the directory holding mnist/ and cifar10/ (e.g. ../shared/data), or run \`npm test\`, whose pretest step downloads it into the cache`,
    );
  }
  return loc.root;
}

const cache = new Map<string, Promise<Dataset>>();

/** A dataset through loadDataset's own lookup (LOTTERY_DATA_DIR, the cache, a verified download). */
export function realDataset(name: DatasetName, valSize = 5000): Promise<Dataset> {
  const key = `${name}/${valSize}`;
  let d = cache.get(key);
  if (!d) {
    d = loadDataset(name, { valSize, fetchIfMissing: true });
    cache.set(key, d);
  }
  return d;
}
