// `lottery predict MODEL.ltk INPUT`: classifies images with a ticket file. INPUT is an IDX image
// file (MNIST and the other IDX datasets; labels are read from the matching labels file beside it
// when there is one), a CIFAR-10 or CIFAR-100 binary file (labelled), or a directory holding the
// dataset the ticket was trained on (its test split; for idx:, cifar:, folder: datasets a directory
// in the same format). Files are
// recognized by their contents, gzipped or not, with the dataset readers of src/data.
import { Command } from "commander";
import { readFileSync, statSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import {
  CIFAR10_RECORD_BYTES,
  type Dataset,
  findDatasetFiles,
  IDX_IMAGES_MAGIC,
  IDX_LABELS_MAGIC,
  isDirectory,
  loadDataset,
  loadTicket,
  manifestFor,
  parseCifar10Batch,
  parseIdxImages,
  parseIdxLabels,
  parseLocalName,
  readDataFile,
  type TicketManifest,
} from "../node.js";

const CIFAR100_RECORD_BYTES = 2 + 3072;
import { integerFlag, pct } from "./common.js";

export interface PredictInput {
  images: Uint8Array;
  labels: Uint8Array | null;
  count: number;
  /** What was read, for the output. */
  description: string;
}

const TEST_ROLES: Record<string, { images: string; labels: string | null }> = {
  mnist: { images: "test-images", labels: "test-labels" },
  cifar10: { images: "test_batch", labels: null },
};

function shapeText(m: TicketManifest): string {
  return m.input.shape.join("x");
}

/** Reads a file's images (and labels), by content: IDX images or a CIFAR-10 batch. */
async function readImageFile(path: string, m: TicketManifest): Promise<PredictInput> {
  const dataset = m.dataset;
  const bytes = await readDataFile(path, dataset);
  const [C, H, W] = m.input.shape;
  const magic = bytes.length >= 4 ? new DataView(bytes.buffer, bytes.byteOffset, 4).getUint32(0) : -1;
  if (magic === IDX_LABELS_MAGIC) throw new Error(`${path} is an IDX label file: give the images file (its labels are read from the labels file beside it)`);
  if (magic === IDX_IMAGES_MAGIC) {
    if (C !== 1)
      throw new Error(`${path} holds IDX (single-channel) images but the ticket takes ${shapeText(m)} images: give a CIFAR-10 batch file or directory`);
    const idx = parseIdxImages(bytes, { path, dataset }, { rows: H, cols: W });
    const labelsPath = await findIdxLabels(path);
    const labels = labelsPath
      ? parseIdxLabels(await readDataFile(labelsPath, dataset), { path: labelsPath, dataset }, { classes: m.classes, count: idx.count })
      : null;
    return {
      images: idx.pixels,
      labels,
      count: idx.count,
      description: `${path} (${idx.count} images${labelsPath ? `, labels from ${basename(labelsPath)}` : ", no labels file beside it"})`,
    };
  }
  if (bytes.length > 0 && bytes.length % CIFAR10_RECORD_BYTES === 0 && m.classes <= 10) {
    if (C !== 3 || H !== 32 || W !== 32) throw new Error(`${path} is a CIFAR-10 batch (3x32x32 images) but the ticket takes ${shapeText(m)} images`);
    const batch = parseCifar10Batch(bytes, path);
    return { images: batch.images, labels: batch.labels, count: batch.count, description: `${path} (${batch.count} labelled images)` };
  }
  if (bytes.length > 0 && bytes.length % CIFAR100_RECORD_BYTES === 0) {
    // CIFAR-100 layout: a coarse and a fine label byte per record; the ticket says which it learned.
    if (C !== 3 || H !== 32 || W !== 32) throw new Error(`${path} is a CIFAR-100 file (3x32x32 images) but the ticket takes ${shapeText(m)} images`);
    const labelIndex = m.dataset === "cifar100-coarse" ? 0 : 1;
    const count = bytes.length / CIFAR100_RECORD_BYTES;
    const images = new Uint8Array(count * 3072),
      labels = new Uint8Array(count);
    for (let r = 0; r < count; r++) {
      labels[r] = bytes[r * CIFAR100_RECORD_BYTES + labelIndex]!;
      if (labels[r]! >= m.classes) throw new Error(`${path}: record ${r} has label ${labels[r]}, but the ticket has ${m.classes} classes`);
      images.set(bytes.subarray(r * CIFAR100_RECORD_BYTES + 2, (r + 1) * CIFAR100_RECORD_BYTES), r * 3072);
    }
    return { images, labels, count, description: `${path} (${count} labelled images, ${labelIndex === 0 ? "coarse" : "fine"} labels)` };
  }
  throw new Error(
    `${path} is neither an IDX image file nor a CIFAR binary file (.bin, ${CIFAR10_RECORD_BYTES}- or ${CIFAR100_RECORD_BYTES}-byte records), gzipped or not`,
  );
}

/** t10k-images-idx3-ubyte(.gz) → t10k-labels-idx1-ubyte(.gz) beside it, if it exists. */
async function findIdxLabels(imagesPath: string): Promise<string | null> {
  const name = basename(imagesPath);
  if (!name.includes("images-idx3")) return null;
  const base = name.replace("images-idx3", "labels-idx1").replace(/\.gz$/, "");
  for (const candidate of [base, `${base}.gz`]) {
    const p = join(dirname(imagesPath), candidate);
    try {
      if (statSync(p).isFile()) return p;
    } catch {
      // not there
    }
  }
  return null;
}

/** The test split of a directory holding the dataset (DIR/<dataset>/ or DIR itself). */
async function readTestSplit(dir: string, m: TicketManifest): Promise<PredictInput> {
  const dataset = m.dataset;
  const roles = TEST_ROLES[dataset];
  if (!roles) return readOtherTestSplit(dir, m);
  const dm = manifestFor(dataset);
  for (const candidate of [join(dir, dm.subdir), dir]) {
    const found = await findDatasetFiles(candidate, dm);
    const images = found.paths[roles.images];
    if (!images) continue;
    const input = await readImageFile(images, m);
    if (roles.labels && !found.paths[roles.labels]) throw new Error(`${candidate} has ${basename(images)} but not its labels file`);
    return { ...input, description: `${candidate}, test split: ${input.description}` };
  }
  const want = dm.files
    .filter((f) => f.role === roles.images || f.role === roles.labels)
    .map((f) => f.name)
    .join(" and ");
  throw new Error(`${dir} holds no ${dm.title} test split: expected ${want} in ${join(dir, dm.subdir)} or in ${dir} itself`);
}

/**
 * The test split of any other dataset, read with the dataset loaders: a registered one from DIR/<its
 * subdirectory> or DIR itself, a local one (idx:, cifar:, folder:) from DIR in the same format.
 */
async function readOtherTestSplit(dir: string, m: TicketManifest): Promise<PredictInput> {
  const local = parseLocalName(m.dataset);
  let data: Dataset;
  if (local) {
    data = await loadDataset(`${local.kind}:${dir}`, { valSize: 1, imageSize: local.kind === "folder" ? m.input.shape[1] : undefined });
  } else {
    const dm = manifestFor(m.dataset);
    const root = (await isDirectory(join(dir, dm.subdir))) ? dir : basename(resolve(dir)) === dm.subdir ? dirname(resolve(dir)) : null;
    if (root === null) throw new Error(`${dir} holds no ${dm.title} files: expected them in ${join(dir, dm.subdir)} or in a directory named ${dm.subdir}`);
    data = await loadDataset(m.dataset, { dataDir: root, valSize: 1 });
  }
  if (data.shape.join(",") !== m.input.shape.join(","))
    throw new Error(`${dir} holds ${data.shape.join("x")} images, but the ticket takes ${shapeText(m)} images`);
  if (data.classes > m.classes) throw new Error(`${dir} has ${data.classes} classes, but the ticket has ${m.classes}`);
  const t = data.test;
  return { images: t.images, labels: t.labels, count: t.count, description: `${dir}, test split (${t.count} labelled images)` };
}

export async function readPredictInput(path: string, m: TicketManifest): Promise<PredictInput> {
  let isDir: boolean;
  try {
    isDir = statSync(path).isDirectory();
  } catch (err) {
    throw new Error(`cannot read ${path} (${(err as Error).message}): give an IDX image file, a CIFAR-10 batch file or a dataset directory`);
  }
  return isDir ? readTestSplit(path, m) : readImageFile(path, m);
}

const SHOWN = 20;

export function predictCommand(): Command {
  return new Command("predict")
    .argument("<model>", "a ticket file written by `lottery export`")
    .argument("<input>", "an IDX image file (MNIST), a CIFAR-10 batch file (.bin, gzipped or not) or a directory holding the dataset (its test split)")
    .description(
      "classify images with a ticket file; prints the first predictions (all with --json) and, for labelled input, the accuracy beside the one recorded at export",
    )
    .option("--json", "end stdout with one JSON object: predictions (all), count, accuracy, recorded_accuracy, images_per_s, ...")
    .option("--limit <n>", "classify only the first n images", integerFlag(1))
    .action(async (modelPath: string, inputPath: string, opts: { json?: boolean; limit?: number }) => {
      let bytes: Uint8Array;
      try {
        bytes = new Uint8Array(readFileSync(modelPath));
      } catch (err) {
        throw new Error(`cannot read the ticket file ${modelPath} (${(err as Error).message}); write one with \`lottery export DIR --out ${modelPath}\``);
      }
      const ticket = await loadTicket(bytes, { source: modelPath });
      const m = ticket.manifest;
      const input = await readPredictInput(inputPath, m);
      const count = Math.min(input.count, opts.limit ?? Infinity);
      const images = input.images.subarray(0, count * ticket.features);
      const labels = input.labels?.subarray(0, count) ?? null;
      const t0 = performance.now();
      const predictions = ticket.predict(images);
      const seconds = (performance.now() - t0) / 1000;
      let correct = 0;
      if (labels) for (let i = 0; i < count; i++) if (predictions[i] === labels[i]) correct++;
      const rec = m.accuracy;
      const sparse = ticket.execution.filter((e) => e.kernel === "sparse").length;
      console.log(
        `${modelPath}: ${m.model.name}, Pm ${pct(m.pm)}, ${m.value_type} values, ${m.classes} classes; ${sparse} of ${ticket.execution.length} pruned layers on sparse kernels (${ticket.k.simd} SIMD)`,
      );
      console.log(`input: ${input.description}${count < input.count ? `, first ${count}` : ""}`);
      const shown = Array.from(predictions.subarray(0, SHOWN), (c) => m.class_names[c] ?? String(c));
      console.log(`predicted (first ${Math.min(SHOWN, count)} of ${count}): ${shown.join(" ")}`);
      if (labels) {
        const recorded = rec ? `; recorded at export on the ${rec.count}-image test split: ${pct(rec.accuracy)} (${rec.correct}/${rec.count})` : "";
        console.log(`accuracy: ${pct(correct / count)} (${correct}/${count})${recorded}`);
      }
      if (rec && rec.simd !== ticket.k.simd) {
        console.log(
          `note: the recorded accuracy was measured with ${rec.simd} SIMD and this runtime has ${ticket.k.simd}: rounding differs in the last bits, which can change a few predictions`,
        );
      }
      console.log(
        `${count} images in ${seconds.toFixed(3)} s (${Math.round(count / seconds).toLocaleString("en-US")} images/s, batches of ${ticket.batchSize})`,
      );
      if (opts.json) {
        console.log(
          JSON.stringify({
            model: modelPath,
            input: inputPath,
            count,
            predictions: Array.from(predictions),
            class_names: m.class_names,
            labelled: labels !== null,
            correct: labels ? correct : null,
            accuracy: labels ? correct / count : null,
            recorded_accuracy: rec?.accuracy ?? null,
            recorded_correct: rec?.correct ?? null,
            recorded_count: rec?.count ?? null,
            seconds: +seconds.toFixed(4),
            images_per_s: Math.round(count / seconds),
          }),
        );
      }
    });
}
