// Fuzzing the MNIST IDX reader (issue 17): thousands of mutants of real MNIST test files (the labels
// file whole; the images file cut to its first 100 images, header rewritten, so that each case is
// cheap) are rejected with the reader's DataError, or accepted only when the header still describes
// exactly the bytes and every label is a class. Never another error, a hang or a large allocation
// (the reader returns views into the file's bytes: it allocates nothing itself).
import test from "ava";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { decompressDataFile } from "../../src/data/read-file.js";
import { DataError } from "../../src/data/errors.js";
import { parseIdxImages, parseIdxLabels } from "../../src/data/idx.js";
import { dataDir } from "../helpers/data.js";
import { fuzz, mutate, mutationOf, Tally, type U32Field } from "../helpers/mutations.js";

const IMAGES = 100;
const real = (name: string) => new Uint8Array(gunzipSync(readFileSync(join(dataDir(), "mnist", name))));

function smallImagesFile(): Uint8Array {
  const all = real("t10k-images-idx3-ubyte.gz");
  const out = all.slice(0, 16 + IMAGES * 784);
  new DataView(out.buffer).setUint32(4, IMAGES);
  return out;
}

const BE = (name: string, at: number): U32Field => ({ name, at, littleEndian: false });
const ctx = { path: "fuzz/t10k-images-idx3-ubyte", dataset: "mnist" as const };

/** Runs the reader; a DataError (DATA_CORRUPT) naming the file is a rejection, any other error fails the property. */
async function outcome(path: string, read: () => unknown): Promise<"rejected" | "accepted"> {
  try {
    await read();
    return "accepted";
  } catch (err) {
    if (err instanceof DataError && err.code === "DATA_CORRUPT" && err.message.includes(path)) return "rejected";
    throw err;
  }
}

function checkLabels(labels: Uint8Array | null, count: number): void {
  if (labels && (labels.length !== count || labels.some((l) => l > 9))) throw new Error("accepted labels that are not classes");
}

test("mutated MNIST image files are rejected with a DataError or still describe 100 28x28 images", async (t) => {
  const valid = smallImagesFile();
  const tally = new Tally();
  const { failed, runs } = await fuzz(
    mutationOf(valid, 16, [BE("magic", 0), BE("image count", 4), BE("rows", 8), BE("cols", 12)]),
    async (m) => {
      const bytes = mutate(valid, m);
      let images: ReturnType<typeof parseIdxImages> | null = null;
      tally.add(await outcome(ctx.path, () => (images = parseIdxImages(bytes, ctx, { rows: 28, cols: 28 }))));
      if (images) {
        const { count, rows, cols, pixels } = images as ReturnType<typeof parseIdxImages>;
        if (rows !== 28 || cols !== 28 || pixels.length !== count * 784 || bytes.length !== 16 + count * 784)
          throw new Error(`accepted a file whose header does not describe it: ${count} images`);
        if (pixels.buffer !== bytes.buffer) throw new Error("the reader copied the pixels");
      }
    },
    2000,
    8,
  );
  t.log(`images: ${tally} (${runs} runs)`);
  t.is(failed, null, failed ?? "");
  t.true(tally.counts.get("rejected")! > 0 && tally.counts.get("accepted")! > 0, "both outcomes occur (a pixel flip is still a valid file)");
});

test("mutated MNIST label files are rejected with a DataError or still hold only labels 0-9", async (t) => {
  const valid = real("t10k-labels-idx1-ubyte.gz");
  const tally = new Tally();
  const lctx = { ...ctx, path: "fuzz/t10k-labels-idx1-ubyte" };
  const { failed, runs } = await fuzz(
    mutationOf(valid, 8, [BE("magic", 0), BE("label count", 4)]),
    async (m) => {
      const bytes = mutate(valid, m);
      let labels: Uint8Array | null = null;
      tally.add(await outcome(lctx.path, () => (labels = parseIdxLabels(bytes, lctx, { classes: 10 }))));
      checkLabels(labels, bytes.length - 8);
    },
    2000,
    8,
  );
  t.log(`labels: ${tally} (${runs} runs)`);
  t.is(failed, null, failed ?? "");
});

test("mutated gzipped MNIST label files are rejected with a DataError or decompress to labels 0-9", async (t) => {
  const gz = new Uint8Array(readFileSync(join(dataDir(), "mnist", "t10k-labels-idx1-ubyte.gz")));
  const tally = new Tally();
  const gctx = { ...ctx, path: "fuzz/t10k-labels-idx1-ubyte.gz" };
  // The gzip header is 10 bytes; its trailer (CRC-32, length) is the last 8.
  const { failed, runs } = await fuzz(
    mutationOf(gz, 10, [{ name: "gzip trailer length", at: gz.length - 4, littleEndian: true }]),
    async (m) => {
      const bytes = mutate(gz, m);
      let labels: Uint8Array | null = null;
      tally.add(await outcome(gctx.path, async () => (labels = parseIdxLabels(await decompressDataFile(bytes, gctx.path, "mnist"), gctx, { classes: 10 }))));
      checkLabels(labels, 10000);
    },
    1000,
    8,
  );
  t.log(`gzipped labels: ${tally} (${runs} runs)`);
  t.is(failed, null, failed ?? "");
});
