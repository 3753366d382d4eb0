// The datasets the tests read, found as the CLI finds them (tests give no --data-dir):
// LOTTERY_DATA_DIR, else the user cache, into which a missing dataset is downloaded and verified
// (sha256) as `lottery data fetch` does. `npm test`'s pretest step (scripts/pretest.ts) does this
// once before the test processes start, so they never download concurrently.
import { fetchDataset } from "../src/data/fetch.js";
import { manifestFor } from "../src/data/manifest.js";
import { type Env, findDatasetFiles, missingFilesError, resolveDataLocation } from "../src/data/source.js";
import type { DatasetName } from "../src/data/types.js";

export const TEST_DATASETS: readonly DatasetName[] = ["mnist", "cifar10"];

/** The directory holding `name`'s subdirectory (mnist/, cifar10/), downloading into the cache if needed. */
export async function ensureTestData(name: DatasetName, options: { env?: Env; log?: (line: string) => void } = {}): Promise<string> {
  const env = options.env ?? process.env;
  const loc = resolveDataLocation(name, { env });
  const m = manifestFor(name);
  const found = await findDatasetFiles(loc.dir, m);
  if (found.missing.length === 0) return loc.root;
  // A LOTTERY_DATA_DIR that lacks the files is a mistake to report, not to paper over (as in the CLI).
  if (loc.origin !== "cache") throw await missingFilesError(loc, found.missing, env);
  try {
    await fetchDataset(name, { cacheDir: loc.root, env, log: options.log });
  } catch (err) {
    throw new Error(
      `the tests need ${m.title}: LOTTERY_DATA_DIR is not set, the cache ${loc.dir} lacks it, and downloading it failed (${(err as Error).message.split("\n")[0]}). ` +
        "Set LOTTERY_DATA_DIR to a directory holding mnist/ and cifar10/ with the official files (e.g. ../shared/data), " +
        `or run \`lottery data fetch ${name}\` where the internet is reachable (add --mirror URL or set ${m.mirrorEnv} for another mirror)`,
      { cause: err },
    );
  }
  return loc.root;
}
