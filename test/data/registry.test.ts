// The dataset registry: registered IDX and CIFAR-style entries downloaded from a local mirror and
// verified by md5 (of each file, or of the whole archive before any member is stored), then loaded;
// the built-in entries' shapes; and experiment names: the paper's keep theirs, another dataset
// changes the name, and an hparams.json written before datasets were a setting still opens.
import test from "ava";
import { createHash } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { DataError, datasetNames, type DatasetManifest, fetchDataset, loadDataset, manifestFor, registerDataset } from "../../src/data/index.js";
import { defaultsFor, resolveHparams } from "../../src/hparams/resolve.js";
import { getModel } from "../../src/models/registry.js";
import { ExperimentStore } from "../../src/store/experiment.js";
import { sealJson } from "../../src/store/sealed-json.js";
import { filesHandler, listFiles, serve, tarChunks, tempDir } from "./helpers.js";

const md5 = (b: Uint8Array) => createHash("md5").update(b).digest("hex");

function idx(magic: number, dims: number[], payload: Uint8Array): Uint8Array {
  const h = Buffer.alloc(4 + 4 * dims.length);
  h.writeUInt32BE(magic, 0);
  dims.forEach((d, i) => h.writeUInt32BE(d, 4 + 4 * i));
  return gzipSync(Buffer.concat([h, Buffer.from(payload)]));
}

test("built-in entries: shapes, classes and checksums of the registry", (t) => {
  t.deepEqual(datasetNames(), ["mnist", "cifar10", "fashion-mnist", "kmnist", "cifar100", "cifar100-coarse"]);
  for (const name of datasetNames()) {
    const m = manifestFor(name);
    t.is(m.classNames.length, m.classes, name);
    t.true(
      m.files.every((f) => /^[0-9a-f]{64}$/.test(f.sha256 ?? "") || /^[0-9a-f]{32}$/.test(f.md5 ?? "") || (m.archive?.md5 && f.bytes)),
      name,
    );
  }
  t.is(manifestFor("cifar100").classes, 100);
  t.is(manifestFor("cifar100-coarse").classes, 20);
  t.is(manifestFor("cifar100-coarse").cifar!.labelIndex, 0);
  t.is(manifestFor("fashion-mnist").classNames[9], "Ankle boot");
  t.throws(() => manifestFor("imagenet"), {
    message: /unknown dataset "imagenet": choose one of mnist, .* or a directory as idx:DIR, cifar:DIR or folder:DIR/,
  });
});

test("an IDX entry checked by md5: downloaded from a mirror, verified, loaded with its class names; a wrong md5 stores nothing", async (t) => {
  const images = new Uint8Array(50 * 36).map((_, i) => i % 251),
    labels = new Uint8Array(50).map((_, i) => i % 4);
  const files = new Map<string, Uint8Array>([
    ["train-images-idx3-ubyte.gz", idx(2051, [50, 6, 6], images)],
    ["train-labels-idx1-ubyte.gz", idx(2049, [50], labels)],
    ["t10k-images-idx3-ubyte.gz", idx(2051, [10, 6, 6], images.subarray(0, 360))],
    ["t10k-labels-idx1-ubyte.gz", idx(2049, [10], labels.subarray(0, 10))],
  ]);
  const { url } = await serve(t, filesHandler(files));
  const roles = ["train-images", "train-labels", "test-images", "test-labels"];
  const entry = (name: string, corrupt = false): DatasetManifest => ({
    ...manifestFor("kmnist"),
    name,
    title: name,
    subdir: name,
    shape: [1, 6, 6],
    classes: 4,
    classNames: ["w", "x", "y", "z"],
    trainCount: 50,
    testCount: 10,
    defaultMirror: url,
    files: [...files.keys()].map((f, i) => ({ role: roles[i]!, name: f, alternatives: [], md5: corrupt && i === 2 ? "0".repeat(32) : md5(files.get(f)!) })),
  });
  registerDataset(entry("tiny-idx"));
  const cache = await tempDir(t, "cache");
  const r = await fetchDataset("tiny-idx", { cacheDir: cache, log: () => {}, env: {} });
  t.is(r.downloaded.length, 4);
  const d = await loadDataset("tiny-idx", { cacheDir: cache, valSize: 5, env: {} });
  t.deepEqual([d.train.count, d.val.count, d.test.count], [45, 5, 10]);
  t.deepEqual(d.classNames, ["w", "x", "y", "z"]);
  t.deepEqual(d.shape, [1, 6, 6]);

  registerDataset(entry("tiny-idx-bad", true));
  const bad = await tempDir(t, "cache");
  const err = await t.throwsAsync(() => fetchDataset("tiny-idx-bad", { cacheDir: bad, log: () => {}, env: {} }));
  t.true(err instanceof DataError && err.code === "CHECKSUM_MISMATCH");
  t.regex(err!.message, /^t10k-images-idx3-ubyte\.gz: md5 mismatch for the file downloaded from .*: expected 0{32}/);
  t.false(listFiles(bad).includes("tiny-idx-bad/t10k-images-idx3-ubyte.gz"));
});

test("a CIFAR-100-style archive checked by its md5: members are stored only after the whole archive matched; coarse and fine labels", async (t) => {
  const record = (n: number, fine: number, coarse: number) => {
    const out = Buffer.alloc(n * 3074);
    for (let r = 0; r < n; r++) {
      out[r * 3074] = coarse;
      out[r * 3074 + 1] = fine + (r % 2);
      out.fill(r, r * 3074 + 2, (r + 1) * 3074);
    }
    return out;
  };
  const train = record(20, 3, 1),
    testFile = record(6, 0, 0);
  const archive = gzipSync(
    Buffer.concat(
      tarChunks([
        { name: "pack/train.bin", data: train },
        { name: "pack/test.bin", data: testFile },
      ]),
    ),
  );
  const { url } = await serve(t, filesHandler(new Map([["tiny.tar.gz", archive]])));
  const entry = (name: string, archiveMd5: string, labelIndex: number, classes: number): DatasetManifest => ({
    ...manifestFor("cifar100"),
    name,
    title: name,
    subdir: name,
    classes,
    classNames: Array.from({ length: classes }, (_, c) => `c${c}`),
    trainCount: 20,
    testCount: 6,
    cifar: { labelBytes: 2, labelIndex, train: ["train"], test: ["test"] },
    archive: { name: "tiny.tar.gz", dir: "pack", md5: archiveMd5 },
    defaultMirror: url,
    files: [
      { role: "train", name: "train.bin", alternatives: [], bytes: train.length },
      { role: "test", name: "test.bin", alternatives: [], bytes: testFile.length },
    ],
  });
  registerDataset(entry("tiny-cifar-bad", "f".repeat(32), 1, 10));
  const bad = await tempDir(t, "cache");
  const err = await t.throwsAsync(() => fetchDataset("tiny-cifar-bad", { cacheDir: bad, log: () => {}, env: {} }));
  t.regex(err!.message, /^tiny\.tar\.gz: md5 mismatch for the archive downloaded from .*: expected f{32} .*Nothing was stored/);
  t.deepEqual(listFiles(bad), []);

  registerDataset(entry("tiny-cifar", md5(archive), 1, 10));
  const cache = await tempDir(t, "cache");
  const r = await fetchDataset("tiny-cifar", { cacheDir: cache, log: () => {}, env: {} });
  t.deepEqual([...r.downloaded].sort(), ["test.bin", "train.bin"]);
  const again = await fetchDataset("tiny-cifar", { cacheDir: cache, log: () => {}, env: {} });
  t.deepEqual([...again.present].sort(), ["test.bin", "train.bin"]); // size-checked members of a verified archive
  const fine = await loadDataset("tiny-cifar", { cacheDir: cache, valSize: 4, env: {} });
  t.deepEqual([...fine.test.labels], [0, 1, 0, 1, 0, 1]);
  t.is(fine.train.images[3072 * 2], 2); // record 2's pixels, label bytes dropped

  // The same files with the coarse label byte; a label beyond the entry's classes names the file.
  const cacheDir = await tempDir(t, "coarse");
  mkdirSync(join(cacheDir, "tiny-cifar-coarse"), { recursive: true });
  writeFileSync(join(cacheDir, "tiny-cifar-coarse", "train.bin"), train);
  writeFileSync(join(cacheDir, "tiny-cifar-coarse", "test.bin"), testFile);
  registerDataset(entry("tiny-cifar-coarse", md5(archive), 0, 2));
  const coarse = await loadDataset("tiny-cifar-coarse", { cacheDir, valSize: 4, env: {} });
  t.deepEqual([...coarse.train.labels].slice(0, 3), [1, 1, 1]);
  registerDataset({ ...entry("tiny-cifar-narrow", md5(archive), 1, 4), subdir: "tiny-cifar-coarse" });
  await t.throwsAsync(() => loadDataset("tiny-cifar-narrow", { cacheDir, valSize: 4, env: {} }), {
    message: /train\.bin: record 1 \(byte offset 3074\) has label 4, but labels must be 0\.\.3/,
  });
});

test("experiment names: the model's own dataset keeps the paper's name; another dataset changes it; an old hparams.json without the dataset opens", async (t) => {
  const lenet = getModel("lenet_300_100");
  const plain = defaultsFor(lenet);
  t.is(plain.dataset.dataset, "mnist");
  const paper = ExperimentStore.experimentName(resolveHparams(plain, {}), plain);
  t.is(ExperimentStore.experimentName(resolveHparams(plain, { dataset: { dataset: "mnist" } }), plain), paper);
  const fashionDefaults = defaultsFor(lenet, { name: "fashion-mnist", valSize: 5000, normalize: false });
  const fashion = resolveHparams(fashionDefaults, { dataset: { dataset: "fashion-mnist" } });
  t.not(ExperimentStore.experimentName(fashion, fashionDefaults), paper);
  // A dataset's own defaults: normalization of colour datasets, a tenth of a small one held out.
  const local = defaultsFor(lenet, { name: "folder:x", valSize: 30, normalize: true });
  t.deepEqual([local.dataset.valSize, local.dataset.normalize, local.dataset.dataset], [30, true, "mnist"]);

  // Conv-x adapts its output layer to CIFAR-100; ResNet-20's fixed classes are refused naming both.
  const c100 = { name: "cifar100", shape: manifestFor("cifar100").shape, classes: 100 };
  t.is(getModel("conv2").resolve(defaultsFor(getModel("conv2")).model, c100).classes, 100);
  t.throws(() => getModel("resnet20").resolve(defaultsFor(getModel("resnet20")).model, c100), { message: /resnet20 has 10 classes, but cifar100 has 100/ });

  const root = await tempDir(t, "exp");
  const hp = resolveHparams(plain, { training: { iterations: 10 } });
  const dir = join(root, ExperimentStore.experimentName(hp, plain));
  mkdirSync(dir, { recursive: true });
  const old = JSON.parse(JSON.stringify(hp));
  delete old.dataset.dataset;
  writeFileSync(join(dir, "hparams.json"), JSON.stringify(sealJson(old)));
  const store = ExperimentStore.open(root, hp, plain);
  t.is(store.dir, dir);
  t.is(store.hp.dataset.dataset, "mnist");
});
