// Real datasets for tests, found through LOTTERY_DATA_DIR (CI points it at ../shared/data).
// A missing directory fails the test with the fix, rather than skipping it.
import { loadDataset } from "../../src/data/index.js";
import type { Dataset, DatasetName } from "../../src/data/types.js";

export function dataDir(): string {
  const dir = process.env.LOTTERY_DATA_DIR;
  if (!dir) throw new Error("LOTTERY_DATA_DIR is not set: point it at the directory holding mnist/ and cifar10/ (e.g. ../shared/data); .ci/run does");
  return dir;
}

const cache = new Map<string, Promise<Dataset>>();

export function realDataset(name: DatasetName, valSize = 5000): Promise<Dataset> {
  const key = `${name}/${valSize}`;
  let d = cache.get(key);
  if (!d) {
    d = loadDataset(name, { dataDir: dataDir(), valSize });
    cache.set(key, d);
  }
  return d;
}
