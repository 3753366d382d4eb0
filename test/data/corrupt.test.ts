// Damaged files: copies of real files in a temp directory, truncated, with a flipped magic number,
// garbage gzip or a bad label. Each must fail with a DataError naming the file, the problem and the fix.
import test, { type ExecutionContext } from "ava";
import { mkdir, readFile, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { DataError, loadDataset, readCifar10Batch, readIdxImages, readIdxLabels } from "../../src/data/index.js";
import { CIFAR_BATCHES, MNIST_GZ, realDataDir, realFile, tempDir } from "./helpers.js";

const FIX_MNIST = /delete it and run `lottery data fetch mnist`/;
const FIX_CIFAR = /delete it and run `lottery data fetch cifar10`/;
const images28 = { rows: 28, cols: 28, count: 10000 };
const labels10 = { classes: 10, count: 10000 };

/** Asserts a DATA_CORRUPT DataError about `path` whose message matches every pattern. */
async function corrupt(t: ExecutionContext, promise: Promise<unknown>, path: string, ...patterns: RegExp[]) {
  const err = await t.throwsAsync(promise, { instanceOf: DataError });
  if (!err) return;
  t.is((err as DataError).code, "DATA_CORRUPT");
  t.is((err as DataError).path, path);
  t.true(err.message.startsWith(`${path}: `), err.message);
  for (const p of patterns) t.regex(err.message, p);
}

/** A temp mnist/ directory: symlinks to the real files except `name`, which gets `bytes`. */
async function mnistDirWith(t: ExecutionContext, name: string, bytes: Uint8Array): Promise<{ root: string; path: string }> {
  const root = await tempDir(t, "corrupt");
  const dir = join(root, "mnist");
  await mkdir(dir);
  for (const f of MNIST_GZ) if (f !== name) await symlink(join(realDataDir(), "mnist", f), join(dir, f));
  await writeFile(join(dir, name), bytes);
  return { root, path: join(dir, name) };
}

test("a truncated .gz fails the load with the file, 'not a valid gzip stream' and the fix", async (t) => {
  const gz = await readFile(join(realDataDir(), "mnist", "t10k-images-idx3-ubyte.gz"));
  const { root, path } = await mnistDirWith(t, "t10k-images-idx3-ubyte.gz", gz.subarray(0, gz.length >> 1));
  await corrupt(
    t,
    loadDataset("mnist", { dataDir: root, env: {} }),
    path,
    /not a valid gzip stream \(unexpected end of file\)/,
    /truncated, corrupt/,
    FIX_MNIST,
  );
});

test("garbage after the gzip magic is not a valid gzip stream", async (t) => {
  const dir = await tempDir(t);
  const path = join(dir, "train-labels-idx1-ubyte.gz");
  await writeFile(path, Buffer.concat([Buffer.from([0x1f, 0x8b]), Buffer.from("this is not deflate data at all")]));
  await corrupt(t, readIdxLabels(path, "mnist", labels10), path, /not a valid gzip stream/, FIX_MNIST);
});

test("a flipped bit in the compressed data fails the gzip CRC or inflate", async (t) => {
  const gz = Buffer.from(await readFile(join(realDataDir(), "mnist", "t10k-labels-idx1-ubyte.gz")));
  gz[gz.length >> 1]! ^= 0x10;
  const dir = await tempDir(t);
  const path = join(dir, "t10k-labels-idx1-ubyte.gz");
  await writeFile(path, gz);
  await corrupt(t, readIdxLabels(path, "mnist", labels10), path, /not a valid gzip stream/);
});

test("a wrong magic number is named with the expected one, raw or gzipped", async (t) => {
  const raw = Buffer.from(await realFile("mnist", "t10k-images-idx3-ubyte.gz"));
  raw[3] = 0x04; // 2052
  const dir = await tempDir(t);
  const rawPath = join(dir, "t10k-images-idx3-ubyte");
  const gzPath = join(dir, "t10k-images-idx3-ubyte.gz");
  await writeFile(rawPath, raw);
  await writeFile(gzPath, gzipSync(raw, { level: 1 }));
  for (const path of [rawPath, gzPath]) {
    await corrupt(
      t,
      readIdxImages(path, "mnist", images28),
      path,
      /bad magic number 2052 \(0x00000804\), expected 2051 \(0x00000803\) for an IDX image file/,
      FIX_MNIST,
    );
  }
});

test("a label file where an image file belongs is reported as swapped", async (t) => {
  const { root, path } = await mnistDirWith(t, "t10k-images-idx3-ubyte.gz", await readFile(join(realDataDir(), "mnist", "t10k-labels-idx1-ubyte.gz")));
  await corrupt(
    t,
    loadDataset("mnist", { dataDir: root, env: {} }),
    path,
    /bad magic number 2049/,
    /that is the magic of an IDX label file: are the files swapped\?/,
  );
});

test("the test file in the training file's place is caught by its count", async (t) => {
  const { root, path } = await mnistDirWith(t, "train-labels-idx1-ubyte.gz", await readFile(join(realDataDir(), "mnist", "t10k-labels-idx1-ubyte.gz")));
  await corrupt(t, loadDataset("mnist", { dataDir: root, env: {} }), path, /header says 10000 labels, expected 60000/, FIX_MNIST);
});

test("a truncated or padded IDX file is caught by its length", async (t) => {
  const raw = await realFile("mnist", "t10k-images-idx3-ubyte.gz");
  const dir = await tempDir(t);
  const short = join(dir, "short");
  const long = join(dir, "long");
  const tiny = join(dir, "tiny");
  await writeFile(short, raw.subarray(0, raw.length - 100));
  await writeFile(long, Buffer.concat([raw, Buffer.alloc(3)]));
  await writeFile(tiny, raw.subarray(0, 10));
  await corrupt(
    t,
    readIdxImages(short, "mnist", images28),
    short,
    /truncated: 7839916 bytes, but a 16-byte header plus 10000 images of 28x28 is 7840016 bytes/,
    FIX_MNIST,
  );
  await corrupt(t, readIdxImages(long, "mnist", images28), long, /has trailing bytes: 7840019 bytes/);
  await corrupt(t, readIdxImages(tiny, "mnist", images28), tiny, /10 bytes is too short for an IDX image file header \(16 bytes\)/);
  // A truncated file that was then gzipped is a valid gzip stream, and still caught.
  const gz = join(dir, "short.gz");
  await writeFile(gz, gzipSync(raw.subarray(0, 5000), { level: 1 }));
  await corrupt(t, readIdxImages(gz, "mnist", images28), gz, /truncated: 5000 bytes/);
});

test("images that are not 28x28 are refused", async (t) => {
  const raw = Buffer.from(await realFile("mnist", "t10k-images-idx3-ubyte.gz"));
  raw.writeUInt32BE(32, 8);
  const dir = await tempDir(t);
  const path = join(dir, "t10k-images-idx3-ubyte");
  await writeFile(path, raw);
  await corrupt(t, readIdxImages(path, "mnist", images28), path, /images are 32x28, expected 28x28/);
});

test("a label of 10 or more is named by its index", async (t) => {
  const raw = Buffer.from(await realFile("mnist", "t10k-labels-idx1-ubyte.gz"));
  raw[8 + 123] = 10;
  const { root, path } = await mnistDirWith(t, "t10k-labels-idx1-ubyte.gz", gzipSync(raw));
  await corrupt(t, loadDataset("mnist", { dataDir: root, env: {} }), path, /label 123 is 10, but labels must be 0\.\.9/, FIX_MNIST);
});

test("CIFAR-10: a truncated batch is not a whole number of records", async (t) => {
  const raw = await realFile("cifar10", "test_batch.bin.gz");
  const dir = await tempDir(t);
  const path = join(dir, "test_batch.bin");
  await writeFile(path, raw.subarray(0, raw.length - 1000));
  await corrupt(
    t,
    readCifar10Batch(path, 10000),
    path,
    /30729000 bytes is not a whole number of 3073-byte records \(9999 records and 2073 bytes left over\)/,
    FIX_CIFAR,
  );
});

test("CIFAR-10: a batch with fewer records than the official 10000 is refused", async (t) => {
  const raw = await realFile("cifar10", "test_batch.bin.gz");
  const dir = await tempDir(t);
  const path = join(dir, "test_batch.bin.gz");
  await writeFile(path, gzipSync(raw.subarray(0, 9999 * 3073), { level: 1 }));
  await corrupt(t, readCifar10Batch(path, 10000), path, /holds 9999 records, expected 10000/, FIX_CIFAR);
  // Without the official count, any whole number of records reads.
  const batch = await readCifar10Batch(path);
  t.is(batch.count, 9999);
  t.is(batch.images.length, 9999 * 3072);
});

test("CIFAR-10: a bad label is named by record and offset", async (t) => {
  const raw = Buffer.from(await realFile("cifar10", "test_batch.bin.gz"));
  raw[42 * 3073] = 200;
  const dir = await tempDir(t);
  const path = join(dir, "test_batch.bin");
  await writeFile(path, raw);
  await corrupt(t, readCifar10Batch(path, 10000), path, /record 42 \(byte offset 129066\) has label 200, but labels must be 0\.\.9/, FIX_CIFAR);
});

test("CIFAR-10: a corrupt file fails loadDataset with its path", async (t) => {
  const root = await tempDir(t, "corrupt");
  const dir = join(root, "cifar10");
  await mkdir(dir);
  for (const b of CIFAR_BATCHES.slice(0, 5)) await symlink(join(realDataDir(), "cifar10", `${b}.bin.gz`), join(dir, `${b}.bin.gz`));
  const path = join(dir, "test_batch.bin.gz");
  await writeFile(path, Buffer.concat([Buffer.from([0x1f, 0x8b, 8, 0]), Buffer.alloc(100, 0xff)]));
  await corrupt(t, loadDataset("cifar10", { dataDir: root, env: {} }), path, /not a valid gzip stream/, FIX_CIFAR);
});
