// MNIST from the real files in LOTTERY_DATA_DIR: the paper's 55,000 / 5,000 / 10,000 split, shapes,
// label histogram, the validation split being the tail of the official training order, and stats.
import test from "ava";
import { clearDatasetCache, DataError, loadDataset, type Dataset } from "../../src/data/index.js";
import { realDataDir, realFile } from "./helpers.js";

let cached: Promise<Dataset> | undefined;
const mnist = () => (cached ??= loadDataset("mnist", { dataDir: realDataDir(), env: {} }));

function histogram(labels: Uint8Array): number[] {
  const h = new Array<number>(10).fill(0);
  for (const l of labels) h[l]!++;
  return h;
}

test("split sizes are 55000 train, 5000 validation, 10000 test", async (t) => {
  const d = await mnist();
  t.is(d.name, "mnist");
  t.is(d.train.count, 55000);
  t.is(d.val.count, 5000);
  t.is(d.test.count, 10000);
  for (const split of [d.train, d.val, d.test]) {
    t.is(split.labels.length, split.count);
    t.is(split.images.length, split.count * 28 * 28);
  }
});

test("shape is 1x28x28 with 10 classes named 0..9", async (t) => {
  const d = await mnist();
  t.deepEqual([...d.shape], [1, 28, 28]);
  t.is(d.classes, 10);
  t.deepEqual([...d.classNames], ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"]);
});

test("test label histogram matches the official one", async (t) => {
  const d = await mnist();
  t.deepEqual(histogram(d.test.labels), [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]);
  // Train + validation together is the official training set.
  const trainVal = histogram(d.train.labels).map((n, i) => n + histogram(d.val.labels)[i]!);
  t.deepEqual(trainVal, [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]);
});

test("train then val is the official training order: val is the last 5000", async (t) => {
  const d = await mnist();
  const labels = (await realFile("mnist", "train-labels-idx1-ubyte.gz")).subarray(8);
  const images = (await realFile("mnist", "train-images-idx3-ubyte.gz")).subarray(16);
  t.true(Buffer.from(d.train.labels).equals(labels.subarray(0, 55000)));
  t.true(Buffer.from(d.val.labels).equals(labels.subarray(55000)));
  t.true(Buffer.from(d.train.images).equals(images.subarray(0, 55000 * 784)));
  t.true(Buffer.from(d.val.images).equals(images.subarray(55000 * 784)));
  const testImages = (await realFile("mnist", "t10k-images-idx3-ubyte.gz")).subarray(16);
  t.true(Buffer.from(d.test.images).equals(testImages));
});

test("stats are the train split's pixel mean and std, close to the published 0.1307 / 0.3081", async (t) => {
  const d = await mnist();
  t.is(d.stats.mean.length, 1);
  t.is(d.stats.std.length, 1);
  t.true(Math.abs(d.stats.mean[0]! - 0.1307) < 0.002, `mean ${d.stats.mean[0]}`);
  t.true(Math.abs(d.stats.std[0]! - 0.3081) < 0.002, `std ${d.stats.std[0]}`);
  // Computed directly (a different method from the loader's histogram) over the 55,000 train images.
  let sum = 0,
    sumSq = 0;
  for (const v of d.train.images) {
    sum += v;
    sumSq += v * v;
  }
  const n = d.train.images.length;
  const mean = sum / n / 255;
  t.true(Math.abs(d.stats.mean[0]! - mean) < 1e-9);
  t.true(Math.abs(d.stats.std[0]! - Math.sqrt(sumSq / n / 255 ** 2 - mean * mean)) < 1e-9);
});

test("a second load is the same object; another valSize is a different split", async (t) => {
  const a = await mnist();
  const b = await loadDataset("mnist", { dataDir: realDataDir(), env: {} });
  t.true(a === b, "the second load returned a new Dataset");
  const other = await loadDataset("mnist", { dataDir: realDataDir(), valSize: 10000, env: {} });
  t.true(other !== a);
  t.is(other.train.count, 50000);
  t.is(other.val.count, 10000);
  t.deepEqual([...other.val.labels.subarray(5000)], [...a.val.labels]);
  const none = await loadDataset("mnist", { dataDir: realDataDir(), valSize: 0, env: {} });
  t.is(none.train.count, 60000);
  t.is(none.val.count, 0);
  // The full-60k statistics are the published ones.
  t.true(Math.abs(none.stats.mean[0]! - 0.1307) < 5e-5, `mean ${none.stats.mean[0]}`);
  t.true(Math.abs(none.stats.std[0]! - 0.3081) < 5e-5, `std ${none.stats.std[0]}`);
});

// Serial (ava runs serial tests before the concurrent ones) so the clear cannot hit another test's load.
test.serial("clearDatasetCache makes the next load read the files again", async (t) => {
  const a = await loadDataset("mnist", { dataDir: realDataDir(), valSize: 1234, env: {} });
  clearDatasetCache();
  const b = await loadDataset("mnist", { dataDir: realDataDir(), valSize: 1234, env: {} });
  t.true(a !== b, "the load after clearDatasetCache returned the old Dataset");
  t.deepEqual(b.stats, a.stats);
});

test("a valSize out of range is refused with the allowed range", async (t) => {
  for (const valSize of [-1, 60000, 2.5]) {
    const err = await t.throwsAsync(loadDataset("mnist", { dataDir: realDataDir(), valSize, env: {} }), { instanceOf: DataError });
    t.regex(err!.message, /mnist: valSize must be an integer from 0 to 59999/);
    t.is((err as DataError).code, "INVALID_OPTION");
  }
});
