// Fuzzing the CIFAR-10 batch reader (issue 17): mutants of a real batch (the first 50 records of
// test_batch, so that each case is cheap) are rejected with the reader's DataError, or accepted only
// as whole records with labels 0-9 (a flipped pixel is still a valid batch). The reader allocates
// the images of the records the length holds, never more than the file justifies.
import test from "ava";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { CIFAR10_IMAGE_BYTES, CIFAR10_RECORD_BYTES, parseCifar10Batch } from "../../src/data/cifar10.js";
import { DataError } from "../../src/data/errors.js";
import { dataDir } from "../helpers/data.js";
import { fuzz, mutate, mutationOf, Tally } from "../helpers/mutations.js";

const RECORDS = 50;
const PATH = "fuzz/test_batch.bin";

test("mutated CIFAR-10 batches are rejected with a DataError or hold whole records with labels 0-9", async (t) => {
  const valid = new Uint8Array(gunzipSync(readFileSync(join(dataDir(), "cifar10", "test_batch.bin.gz"))).subarray(0, RECORDS * CIFAR10_RECORD_BYTES));
  const tally = new Tally();
  // A batch has no header: its "length field" is the file length, and a record's first byte is its label.
  const { failed, runs } = await fuzz(
    mutationOf(valid, CIFAR10_RECORD_BYTES, []),
    (m) => {
      const bytes = mutate(valid, m);
      for (const expected of [undefined, RECORDS]) {
        let batch: ReturnType<typeof parseCifar10Batch> | null = null;
        try {
          batch = parseCifar10Batch(bytes, PATH, expected);
          tally.add("accepted");
        } catch (err) {
          if (!(err instanceof DataError && err.code === "DATA_CORRUPT" && err.message.includes(PATH))) throw err;
          tally.add("rejected");
        }
        if (!batch) continue;
        if (batch.count * CIFAR10_RECORD_BYTES !== bytes.length || batch.images.length !== batch.count * CIFAR10_IMAGE_BYTES)
          throw new Error(`accepted ${batch.count} records from ${bytes.length} bytes`);
        if (batch.labels.some((l) => l > 9)) throw new Error("accepted a label that is not a class");
        if (expected !== undefined && batch.count !== expected) throw new Error(`accepted ${batch.count} records where ${expected} were required`);
      }
    },
    2000,
    8,
  );
  t.log(`cifar10: ${tally} (${runs} mutants, each read with and without the expected record count)`);
  t.is(failed, null, failed ?? "");
  t.true(tally.counts.get("rejected")! > 0 && tally.counts.get("accepted")! > 0, "both outcomes occur");
});
