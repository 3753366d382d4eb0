// CIFAR-10 from the real files in LOTTERY_DATA_DIR (loaded once for the file: gunzipping the six
// batches is the slow part): 45,000 / 5,000 / 10,000 split, layout, class balance and stats.
import test from "ava";
import { CIFAR10_CLASS_NAMES, loadDataset, type Dataset } from "../../src/data/index.js";
import { realDataDir, realFile } from "./helpers.js";

let cached: Promise<Dataset> | undefined;
const cifar = () => (cached ??= loadDataset("cifar10", { dataDir: realDataDir(), env: {} }));

function histogram(labels: Uint8Array): number[] {
  const h = new Array<number>(10).fill(0);
  for (const l of labels) h[l]!++;
  return h;
}

test("split sizes are 45000 train, 5000 validation, 10000 test; shape 3x32x32", async (t) => {
  const d = await cifar();
  t.is(d.name, "cifar10");
  t.deepEqual([...d.shape], [3, 32, 32]);
  t.is(d.train.count, 45000);
  t.is(d.val.count, 5000);
  t.is(d.test.count, 10000);
  for (const split of [d.train, d.val, d.test]) {
    t.is(split.labels.length, split.count);
    t.is(split.images.length, split.count * 3072);
  }
});

test("class names in label order", async (t) => {
  const d = await cifar();
  t.is(d.classes, 10);
  t.deepEqual([...d.classNames], ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]);
  t.is(d.classNames, CIFAR10_CLASS_NAMES);
});

test("1000 test images and 5000 train+val images per class", async (t) => {
  const d = await cifar();
  t.deepEqual(histogram(d.test.labels), new Array(10).fill(1000));
  const val = histogram(d.val.labels);
  t.deepEqual(
    histogram(d.train.labels).map((n, i) => n + val[i]!),
    new Array(10).fill(5000),
  );
});

test("val is the last 5000 records of data_batch_5, images channel-major as in the file", async (t) => {
  const d = await cifar();
  const batch5 = await realFile("cifar10", "data_batch_5.bin.gz");
  for (const i of [0, 1, 2500, 4999]) {
    const record = batch5.subarray((5000 + i) * 3073, (5001 + i) * 3073);
    t.is(d.val.labels[i], record[0]);
    t.true(Buffer.from(d.val.images.subarray(i * 3072, (i + 1) * 3072)).equals(record.subarray(1)), `val image ${i}`);
  }
  // The first and last training examples are data_batch_1's first and data_batch_5's 5000th record.
  const batch1 = await realFile("cifar10", "data_batch_1.bin.gz");
  t.is(d.train.labels[0], batch1[0]);
  t.true(Buffer.from(d.train.images.subarray(0, 3072)).equals(batch1.subarray(1, 3073)));
  const last = batch5.subarray(4999 * 3073, 5000 * 3073);
  t.is(d.train.labels[44999], last[0]);
  t.true(Buffer.from(d.train.images.subarray(44999 * 3072)).equals(last.subarray(1)));
});

test("stats are per channel and close to the published values", async (t) => {
  const d = await cifar();
  const published = { mean: [0.4914, 0.4822, 0.4465], std: [0.247, 0.2435, 0.2616] };
  for (let c = 0; c < 3; c++) {
    t.true(Math.abs(d.stats.mean[c]! - published.mean[c]!) < 0.002, `mean[${c}] ${d.stats.mean[c]}`);
    t.true(Math.abs(d.stats.std[c]! - published.std[c]!) < 0.002, `std[${c}] ${d.stats.std[c]}`);
  }
  // Spot check channel 1 (green) directly: planes 1024..2047 of each train image.
  let sum = 0;
  for (let e = 0; e < d.train.count; e++) {
    const base = e * 3072 + 1024;
    for (let p = 0; p < 1024; p++) sum += d.train.images[base + p]!;
  }
  t.true(Math.abs(sum / (d.train.count * 1024) / 255 - d.stats.mean[1]!) < 1e-9);
});

test("a second load is the same object", async (t) => {
  const a = await cifar();
  const b = await loadDataset("cifar10", { dataDir: realDataDir(), env: {} });
  t.true(a === b, "the second load returned a new Dataset");
});
