// `npm test`'s pretest step: what the tests need beyond npm's packages, found or fetched before
// any test process starts: Debian's Chromium for the browser tests and redis-server for the
// job-queue test (each installed with apt-get when missing and we are root), and MNIST and
// CIFAR-10 (LOTTERY_DATA_DIR, else the cache, else a verified download). What cannot be had is reported in one line each, and the tests that need it
// then fail with the same line; the other tests still run.
import { ensureChromium } from "./chromium.js";
import { ensureRedisServer } from "./redis.js";
import { ensureTestData, TEST_DATASETS } from "./test-data.js";

const log = (line: string) => process.stderr.write(`pretest: ${line}\n`);
ensureChromium({ log });
ensureRedisServer({ log });
for (const name of TEST_DATASETS) {
  try {
    await ensureTestData(name, { log });
  } catch (err) {
    log((err as Error).message);
  }
}
