// Where data is looked for (--data-dir, LOTTERY_DATA_DIR, the cache), the accepted file names, and
// the errors for a directory that lacks the files: each names the directory, the file and the fix.
import test from "ava";
import { mkdir, symlink, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { DataError, findDatasetFiles, loadDataset, manifestFor, resolveCacheDir, resolveDataLocation } from "../../src/data/index.js";
import { closedPortUrl, MNIST_GZ, realDataDir, realFile, tempDir, re } from "./helpers.js";

test("the cache directory: option, then LOTTERY_CACHE_DIR, then XDG_CACHE_HOME, then ~/.cache", (t) => {
  const env = { LOTTERY_CACHE_DIR: "/c/env", XDG_CACHE_HOME: "/c/xdg" };
  t.is(resolveCacheDir({ cacheDir: "/c/opt", env }), "/c/opt");
  t.is(resolveCacheDir({ env }), "/c/env");
  t.is(resolveCacheDir({ env: { XDG_CACHE_HOME: "/c/xdg" } }), "/c/xdg/lottery-wasm");
  t.is(resolveCacheDir({ env: {} }), join(homedir(), ".cache", "lottery-wasm"));
  // Empty variables count as unset; a relative XDG_CACHE_HOME is invalid per the XDG spec.
  t.is(resolveCacheDir({ env: { LOTTERY_CACHE_DIR: "", XDG_CACHE_HOME: "rel/cache" } }), join(homedir(), ".cache", "lottery-wasm"));
  t.is(resolveCacheDir({ cacheDir: "rel", env }), resolve("rel"));
});

test("the data directory: dataDir option, then LOTTERY_DATA_DIR, then the cache", (t) => {
  const env = { LOTTERY_DATA_DIR: "/d/env", LOTTERY_CACHE_DIR: "/d/cache" };
  t.deepEqual(resolveDataLocation("mnist", { dataDir: "/d/opt", env }), { name: "mnist", root: "/d/opt", dir: "/d/opt/mnist", origin: "option" });
  t.deepEqual(resolveDataLocation("cifar10", { env }), { name: "cifar10", root: "/d/env", dir: "/d/env/cifar10", origin: "env" });
  t.deepEqual(resolveDataLocation("mnist", { env: { LOTTERY_CACHE_DIR: "/d/cache" } }), {
    name: "mnist",
    root: "/d/cache",
    dir: "/d/cache/mnist",
    origin: "cache",
  });
  t.deepEqual(resolveDataLocation("mnist", { cacheDir: "/d/c2", env: { LOTTERY_DATA_DIR: "" } }).dir, "/d/c2/mnist");
});

test("LOTTERY_DATA_DIR is used when no dataDir is given", async (t) => {
  const d = await loadDataset("mnist", { env: { LOTTERY_DATA_DIR: realDataDir() } });
  t.is(d.test.count, 10000);
});

test("a --data-dir that does not exist: the error names the directory and the fixes", async (t) => {
  const root = join(await tempDir(t), "nowhere");
  const err = await t.throwsAsync(loadDataset("mnist", { dataDir: root, env: {} }), { instanceOf: DataError });
  t.is((err as DataError).code, "DATA_NOT_FOUND");
  t.is((err as DataError).path, join(root, "mnist"));
  t.regex(
    err!.message,
    re`^MNIST data not found: ${join(root, "mnist")} \(the mnist/ subdirectory of --data-dir ${root}\) does not exist \(it should hold train-images-idx3-ubyte\.gz \(or train-images-idx3-ubyte\), train-labels-idx1-ubyte\.gz`,
  );
  t.regex(err!.message, /pass --data-dir DIR or set LOTTERY_DATA_DIR to a directory whose mnist\/ subdirectory holds the official MNIST files/);
  t.regex(err!.message, /drop --data-dir and run `lottery data fetch mnist`/);
});

test("a data dir missing one file names that file and its accepted names", async (t) => {
  const root = await tempDir(t);
  await mkdir(join(root, "mnist"));
  for (const f of MNIST_GZ.slice(0, 3)) await symlink(join(realDataDir(), "mnist", f), join(root, "mnist", f));
  const err = await t.throwsAsync(loadDataset("mnist", { dataDir: root, env: {} }), { instanceOf: DataError });
  t.regex(err!.message, /is missing t10k-labels-idx1-ubyte\.gz \(or t10k-labels-idx1-ubyte\)\./);
  t.notRegex(err!.message, /train-images/);
});

test("LOTTERY_DATA_DIR lacking the files is named as such, and is never replaced by a download", async (t) => {
  const root = await tempDir(t);
  const cache = await tempDir(t, "cache");
  const err = await t.throwsAsync(
    loadDataset("cifar10", { env: { LOTTERY_DATA_DIR: root }, cacheDir: cache, fetchIfMissing: true, mirror: await closedPortUrl(), log: () => {} }),
    { instanceOf: DataError },
  );
  t.regex(err!.message, re`^CIFAR-10 data not found: ${join(root, "cifar10")} \(the cifar10/ subdirectory of LOTTERY_DATA_DIR=${root}\) does not exist`);
  t.regex(err!.message, /drop LOTTERY_DATA_DIR and run `lottery data fetch cifar10` to download them into the cache/);
  t.notRegex(err!.message, /download(ing)? (it|them) from|failed/);
});

test("a data dir pointing at mnist/ itself gets a hint to name its parent", async (t) => {
  const dir = join(realDataDir(), "mnist");
  const err = await t.throwsAsync(loadDataset("mnist", { dataDir: dir, env: {} }), { instanceOf: DataError });
  t.regex(err!.message, re`${dir} itself seems to hold the MNIST files: --data-dir should name the directory above it, ${realDataDir()}`);
});

test("an empty cache without fetchIfMissing says to run `lottery data fetch`", async (t) => {
  const cache = await tempDir(t, "cache");
  const err = await t.throwsAsync(loadDataset("mnist", { cacheDir: cache, env: {} }), { instanceOf: DataError });
  t.regex(
    err!.message,
    /^MNIST data not found: no --data-dir or LOTTERY_DATA_DIR was given, and .*mnist \(the mnist\/ subdirectory of the cache .*\) does not exist \(it should hold train-images-idx3-ubyte\.gz/,
  );
  t.regex(
    err!.message,
    /Fix: run `lottery data fetch mnist` to download it \(add `--mirror URL` if the default mirror is unreachable\), or pass --data-dir DIR or set LOTTERY_DATA_DIR/,
  );
});

test("un-gzipped files are accepted under their official names", async (t) => {
  const root = await tempDir(t);
  await mkdir(join(root, "mnist"));
  for (const f of MNIST_GZ) await writeFile(join(root, "mnist", f.replace(/\.gz$/, "")), await realFile("mnist", f));
  const found = await findDatasetFiles(join(root, "mnist"), manifestFor("mnist"));
  t.deepEqual(found.missing, []);
  t.is(found.paths["train-images"], join(root, "mnist", "train-images-idx3-ubyte"));
  const raw = await loadDataset("mnist", { dataDir: root, env: {} });
  const gz = await loadDataset("mnist", { dataDir: realDataDir(), env: {} });
  t.true(Buffer.from(raw.val.labels).equals(gz.val.labels));
  t.true(Buffer.from(raw.test.images).equals(gz.test.images));
  t.deepEqual(raw.stats, gz.stats);
});

test("the canonical (downloaded) name wins when both variants exist", async (t) => {
  const dir = await tempDir(t);
  for (const name of ["data_batch_1.bin", "data_batch_1.bin.gz", "test_batch.bin.gz"]) await writeFile(join(dir, name), "");
  const found = await findDatasetFiles(dir, manifestFor("cifar10"));
  t.is(found.paths.data_batch_1, join(dir, "data_batch_1.bin"));
  t.is(found.paths.test_batch, join(dir, "test_batch.bin.gz"));
  t.deepEqual(
    found.missing.map((f) => f.role),
    ["data_batch_2", "data_batch_3", "data_batch_4", "data_batch_5"],
  );
});
