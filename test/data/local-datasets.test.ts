// Datasets from local directories, end to end through the CLI: small IDX, CIFAR-binary and
// image-folder datasets built in a temporary directory, a short lottery on each, a Conv-x network
// adapting to another image size, a network that cannot adapt refused, export and predict with the
// dataset's class names; and every bad input named with its fix.
import test from "ava";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import jpeg from "jpeg-js";
import { PNG } from "pngjs";
import { clearDatasetCache, DataError, loadDataset } from "../../src/data/index.js";
import { runCli } from "../helpers/cli.js";

const root = mkdtempSync(join(tmpdir(), "lottery-local-data-"));
test.after.always(() => rmSync(root, { recursive: true, force: true }));

/** Images whose class is visible: class c lights up row band c, plus a little seeded noise. */
function pixelsOf(count: number, classes: number, side: number, channels: number, seed: number): { images: Uint8Array; labels: Uint8Array } {
  let s = seed >>> 0;
  const rand = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  const images = new Uint8Array(count * channels * side * side),
    labels = new Uint8Array(count);
  for (let n = 0; n < count; n++) {
    const c = n % classes;
    labels[n] = c;
    for (let ch = 0; ch < channels; ch++) {
      for (let y = 0; y < side; y++) {
        for (let x = 0; x < side; x++) {
          const band = Math.floor((y * classes) / side) === c;
          images[((n * channels + ch) * side + y) * side + x] = Math.min(255, (band ? 200 : 20) + Math.floor(rand() * 40));
        }
      }
    }
  }
  return { images, labels };
}

function idxImages(images: Uint8Array, count: number, rows: number, cols: number): Buffer {
  const h = Buffer.alloc(16);
  h.writeUInt32BE(2051, 0);
  h.writeUInt32BE(count, 4);
  h.writeUInt32BE(rows, 8);
  h.writeUInt32BE(cols, 12);
  return Buffer.concat([h, Buffer.from(images)]);
}

function idxLabels(labels: Uint8Array): Buffer {
  const h = Buffer.alloc(8);
  h.writeUInt32BE(2049, 0);
  h.writeUInt32BE(labels.length, 4);
  return Buffer.concat([h, Buffer.from(labels)]);
}

/** An IDX dataset of 10x10 images, 3 classes named in classes.txt; the training images gzipped. */
function makeIdx(dir: string, options: { testSide?: number; badLabel?: boolean; shortLabels?: boolean } = {}): string {
  mkdirSync(dir, { recursive: true });
  const train = pixelsOf(240, 3, 10, 1, 1),
    test = pixelsOf(60, 3, options.testSide ?? 10, 1, 2);
  if (options.badLabel) train.labels[7] = 5;
  writeFileSync(join(dir, "train-images-idx3-ubyte.gz"), gzipSync(idxImages(train.images, 240, 10, 10)));
  writeFileSync(join(dir, "train-labels-idx1-ubyte"), idxLabels(options.shortLabels ? train.labels.subarray(0, 200) : train.labels));
  writeFileSync(join(dir, "t10k-images-idx3-ubyte"), idxImages(test.images, 60, options.testSide ?? 10, options.testSide ?? 10));
  writeFileSync(join(dir, "t10k-labels-idx1-ubyte"), idxLabels(test.labels));
  writeFileSync(join(dir, "classes.txt"), "circle\nsquare\ntriangle\n");
  return dir;
}

/** A CIFAR-100-layout dataset (train.bin, test.bin; coarse and fine label bytes), 4 fine classes by classes.txt. */
function makeCifar(dir: string): string {
  mkdirSync(dir, { recursive: true });
  const records = (count: number, seed: number) => {
    const { images, labels } = pixelsOf(count, 4, 32, 3, seed);
    const out = Buffer.alloc(count * 3074);
    for (let n = 0; n < count; n++) {
      out[n * 3074] = 0; // coarse
      out[n * 3074 + 1] = labels[n]!; // fine
      out.set(images.subarray(n * 3072, (n + 1) * 3072), n * 3074 + 2);
    }
    return out;
  };
  writeFileSync(join(dir, "train.bin"), records(200, 3));
  writeFileSync(join(dir, "test.bin.gz"), gzipSync(records(40, 4)));
  writeFileSync(join(dir, "classes.txt"), "a\nb\nc\nd\n");
  return dir;
}

/** Class folders of PNG and JPEG images (12x9, RGB), split by the loader (no train/ and test/). */
function makeFolder(dir: string, options: { oddSize?: boolean; emptyClass?: boolean } = {}): string {
  const classes = ["cat", "dog", "owl"];
  const { images } = pixelsOf(90, 3, 12, 3, 5);
  classes.forEach((cls, c) => {
    mkdirSync(join(dir, cls), { recursive: true });
    if (options.emptyClass && c === 2) return;
    for (let i = 0; i < 30; i++) {
      const n = i * 3 + c,
        w = options.oddSize && i === 4 && c === 1 ? 11 : 12,
        h = 9;
      const rgba = Buffer.alloc(w * h * 4);
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          for (let ch = 0; ch < 3; ch++) rgba[(y * w + x) * 4 + ch] = images[((n * 3 + ch) * 12 + y) * 12 + Math.min(x, 11)]!;
          rgba[(y * w + x) * 4 + 3] = 255;
        }
      }
      if (i % 2 === 0) {
        const png = new PNG({ width: w, height: h });
        rgba.copy(png.data);
        writeFileSync(join(dir, cls, `${i}.png`), PNG.sync.write(png));
      } else {
        writeFileSync(join(dir, cls, `${i}.jpg`), jpeg.encode({ data: rgba, width: w, height: h }, 95).data);
      }
    }
  });
  return dir;
}

const TINY = ["--levels", "1", "--iterations", "30", "--eval-every", "10", "--batch-size", "20", "--threads", "1", "--json", "--no-report"];

function experimentOf(out: string, model = "lenet_300_100"): string {
  const dirs = readdirSync(out).filter((d) => d.startsWith(`${model}_`));
  if (dirs.length !== 1) throw new Error(`expected one experiment in ${out}, found ${dirs.join(", ")}`);
  return join(out, dirs[0]!);
}

function jsonLines(stdout: string): Record<string, unknown>[] {
  return stdout
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

test("idx:DIR: a short lottery through the CLI; the dataset and its class names are in hparams.json, dataset.json and the report", async (t) => {
  const dir = makeIdx(join(root, "idx"));
  const out = join(root, "out-idx");
  const r = await runCli(["run", "--model", "lenet_300_100", "--dataset", `idx:${dir}`, "--out", out, ...TINY]);
  t.is(r.code, 0, r.stderr);
  const rows = jsonLines(r.stdout);
  t.is(rows.length, 2);
  t.true((rows[1]!.pm as number) < 0.85);
  // Training on visible bands must beat chance (1/3) clearly, or the data did not reach the network.
  t.true((rows[0]!.final_test_accuracy as number) > 0.6, JSON.stringify(rows[0]));
  const exp = experimentOf(out);
  const hp = JSON.parse(readFileSync(join(exp, "hparams.json"), "utf8"));
  t.is(hp.dataset.dataset, `idx:${dir}`);
  t.is(hp.dataset.valSize, 24); // a tenth of the 240 training images
  const info = JSON.parse(readFileSync(join(exp, "dataset.json"), "utf8"));
  t.deepEqual(info.class_names, ["circle", "square", "triangle"]);
  t.deepEqual(info.shape, [1, 10, 10]);
  t.deepEqual([info.train, info.val, info.test], [216, 24, 60]);
  const rep = await runCli(["report", exp]);
  t.is(rep.code, 0, rep.stderr);
  t.regex(readFileSync(join(exp, "report.html"), "utf8"), /dataset <strong>idx:.*<\/strong> \(1x10x10 images, 3 classes: circle, square, triangle\)/);
});

test("cifar:DIR (CIFAR-100 layout, gzipped test file) trains a short lottery; conv2 adapts to a 10x10 IDX dataset; vgg19 is refused naming both shapes", async (t) => {
  const cifar = makeCifar(join(root, "cifar"));
  const out = join(root, "out-cifar");
  const r = await runCli(["run", "--model", "lenet_300_100", "--dataset", `cifar:${cifar}`, "--out", out, ...TINY]);
  t.is(r.code, 0, r.stderr);
  t.is(jsonLines(r.stdout).length, 2);
  const info = JSON.parse(readFileSync(join(experimentOf(out), "dataset.json"), "utf8"));
  t.deepEqual(info.class_names, ["a", "b", "c", "d"]);
  t.deepEqual(info.shape, [3, 32, 32]);
  t.is(info.test, 40);

  const idx = makeIdx(join(root, "idx-conv"));
  const conv = await runCli([
    "train",
    "--model",
    "conv2",
    "--dataset",
    `idx:${idx}`,
    "--iterations",
    "3",
    "--eval-every",
    "3",
    "--batch-size",
    "8",
    "--threads",
    "1",
    "--json",
  ]);
  t.is(conv.code, 0, conv.stderr);
  t.is((JSON.parse(conv.stdout.trim()) as { iterations: number }).iterations, 3);

  const vgg = await runCli(["train", "--model", "vgg19", "--dataset", `idx:${idx}`, "--iterations", "1", "--threads", "1"]);
  t.is(vgg.code, 1);
  t.regex(vgg.stderr, /vgg19 takes input \[3,32,32\], but idx:.* has images \[1,10,10\]/);
});

test("folder:DIR (PNG and JPEG class folders, seeded split, --image-size) trains, exports and predicts with the class names", async (t) => {
  const dir = makeFolder(join(root, "folder"));
  const out = join(root, "out-folder");
  const r = await runCli(["run", "--model", "lenet_300_100", "--dataset", `folder:${dir}`, "--image-size", "8", "--out", out, ...TINY]);
  t.is(r.code, 0, r.stderr);
  const exp = experimentOf(out);
  const info = JSON.parse(readFileSync(join(exp, "dataset.json"), "utf8"));
  t.deepEqual(info.class_names, ["cat", "dog", "owl"]);
  t.deepEqual(info.shape, [3, 8, 8]);
  t.is(info.test, 18); // a fifth of each class of 30
  t.is(info.train + info.val, 72);

  const ticket = join(root, "folder.ltk");
  const e = await runCli(["export", exp, "--out", ticket]);
  t.is(e.code, 0, e.stderr);
  const p = await runCli(["predict", ticket, dir, "--json"]);
  t.is(p.code, 0, p.stderr);
  const last = JSON.parse(p.stdout.trim().split("\n").at(-1)!) as { count: number; class_names: string[]; accuracy: number; recorded_accuracy: number };
  t.is(last.count, 18);
  t.deepEqual(last.class_names, ["cat", "dog", "owl"]);
  t.is(last.accuracy, last.recorded_accuracy);
  t.regex(p.stdout, /predicted \(first 18 of 18\): (cat|dog|owl)( (cat|dog|owl)){17}/);
});

async function loadError(name: string, options: { imageSize?: number } = {}): Promise<DataError> {
  clearDatasetCache();
  const err = await loadDataset(name, { valSize: 10, ...options }).then(
    () => null,
    (e: unknown) => e,
  );
  if (!(err instanceof DataError)) throw new Error(`expected a DataError from ${name}, got ${String(err)}`);
  return err;
}

test("bad local datasets: each error names the file and the fix", async (t) => {
  const missing = makeIdx(join(root, "bad-missing"));
  rmSync(join(missing, "t10k-labels-idx1-ubyte"));
  t.regex(
    (await loadError(`idx:${missing}`)).message,
    /bad-missing has no test-labels file\. Fix: idx:DIR needs train-images-idx3-ubyte, .*t10k-labels-idx1-ubyte/,
  );

  const nodir = join(root, "no-such-dir");
  t.regex((await loadError(`idx:${nodir}`)).message, /no-such-dir does not exist\. Fix: give --dataset idx:DIR with an existing directory/);

  const mismatch = makeIdx(join(root, "bad-count"), { shortLabels: true });
  t.regex(
    (await loadError(`idx:${mismatch}`)).message,
    /train-labels-idx1-ubyte: 200 labels, but .*train-images-idx3-ubyte\.gz holds 240 images\. Fix: give the labels file that belongs to these images/,
  );

  const sizes = makeIdx(join(root, "bad-sizes"), { testSide: 12 });
  t.regex(
    (await loadError(`idx:${sizes}`)).message,
    /t10k-images-idx3-ubyte: images are 12x12, but .*train-images-idx3-ubyte\.gz has 10x10\. Fix: give train and test images of one size/,
  );

  const label = makeIdx(join(root, "bad-label"), { badLabel: true });
  t.regex(
    (await loadError(`idx:${label}`)).message,
    /train-labels-idx1-ubyte: label 7 is 5, but .*classes\.txt names 3 classes \(labels 0\.\.2\)\. Fix: add the missing class names to classes\.txt/,
  );

  const cifar = makeCifar(join(root, "bad-cifar"));
  writeFileSync(join(cifar, "train.bin"), Buffer.alloc(3074 * 3 + 5));
  t.regex((await loadError(`cifar:${cifar}`)).message, /train\.bin: 9227 bytes is not a whole number of 3074-byte records .*Fix: correct or replace the file/);

  const odd = makeFolder(join(root, "bad-odd"), { oddSize: true });
  t.regex((await loadError(`folder:${odd}`)).message, /dog\/4\.png: image is 11x9, but .* is 12x9\. Fix: pass --image-size N to resize every image to NxN/);

  const empty = makeFolder(join(root, "bad-empty"), { emptyClass: true });
  t.regex(
    (await loadError(`folder:${empty}`, { imageSize: 8 })).message,
    /owl holds no PNG or JPEG images \(\.png, \.jpg, \.jpeg\)\. Fix: add the class's images or remove the empty folder/,
  );

  // Through the CLI: the same message, exit status 1, nothing trained.
  const r = await runCli(["train", "--model", "lenet_300_100", "--dataset", `folder:${empty}`, "--image-size", "8", "--iterations", "1", "--threads", "1"]);
  t.is(r.code, 1);
  t.regex(r.stderr, /^lottery: .*owl holds no PNG or JPEG images/);
});

test("--model-file: a JSON network trains and prunes end to end on an idx: dataset, is kept as network.json, and a bad layer is named by index and field", async (t) => {
  const dir = makeIdx(join(root, "idx-net"));
  const net = join(root, "net.json");
  writeFileSync(
    net,
    JSON.stringify({
      name: "tiny_cnn",
      layers: [{ type: "conv", channels: 4, relu: true }, { type: "maxpool" }, { type: "linear", units: 16, relu: true }, { type: "linear", units: "classes" }],
    }),
  );
  const out = join(root, "out-net");
  const r = await runCli(["run", "--model-file", net, "--dataset", `idx:${dir}`, "--out", out, ...TINY]);
  t.is(r.code, 0, r.stderr);
  const rows = jsonLines(r.stdout);
  t.is(rows.length, 2);
  t.true((rows[1]!.pm as number) < 0.9);
  const exp = experimentOf(out, "tiny_cnn");
  const hp = JSON.parse(readFileSync(join(exp, "hparams.json"), "utf8"));
  t.regex(hp.model.network, /^[0-9a-f]{16}$/);
  t.is(JSON.parse(readFileSync(join(exp, "network.json"), "utf8")).name, "tiny_cnn");

  const listed = await runCli(["models", "--model-file", net, "--dataset", `idx:${dir}`]);
  t.is(listed.code, 0, listed.stderr);
  t.regex(
    listed.stdout,
    /^tiny_cnn on idx:.* \(1x10x10 images, 3 classes\): 1,684 prunable weights, 1,707 parameters\n {2}conv1.weight +\[4, 1, 3, 3\] {2}conv/,
  );

  writeFileSync(net, JSON.stringify({ name: "bad", layers: [{ type: "linear", units: 0 }] }));
  const bad = await runCli(["train", "--model-file", net, "--dataset", `idx:${dir}`, "--iterations", "1"]);
  t.is(bad.code, 1);
  t.regex(bad.stderr, /is not a valid network:\n {2}layer 0 field units: /);
});
