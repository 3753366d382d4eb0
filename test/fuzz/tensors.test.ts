// Fuzzing the store's tensor files (θ0, masks, checkpoints, final weights; issue 17): mutants of a
// checkpoint-like file are rejected with CorruptFileError naming the file, or read back to exactly
// the stored arrays and metadata (a flip in the zero padding after the header changes nothing).
import test from "ava";
import { CorruptFileError } from "../../src/store/errors.js";
import { decodeTensors, encodeTensors, type StoredArray } from "../../src/store/tensors.js";
import { fuzz, mutate, mutationOf, Tally } from "../helpers/mutations.js";

const PATH = "fuzz/checkpoint.lt";

test("mutated tensor files are rejected with a CorruptFileError or read back unchanged", async (t) => {
  const arrays = new Map<string, StoredArray>([
    ["weights/fc1.weight", Float32Array.from({ length: 300 }, (_, i) => Math.sin(i))],
    ["weights/fc1.bias", Float32Array.from({ length: 30 }, (_, i) => i / 7)],
    ["mask/fc1.weight", Uint8Array.from({ length: 301 }, (_, i) => i % 3 && 1)],
    ["optimizer/fc1.weight/m", new Float32Array(300)],
  ]);
  const meta = { iteration: 400, seconds: 12.5, history: [{ iteration: 0, trainLoss: null, val: { loss: 2.3, accuracy: 0.1 } }] };
  const valid = encodeTensors(arrays, meta);
  const expected = JSON.stringify([meta, [...arrays].map(([k, v]) => [k, v.constructor.name, Array.from(v)])]);
  const tally = new Tally();
  const { failed, runs } = await fuzz(
    mutationOf(valid, 400, [
      { name: "format version", at: 8, littleEndian: true },
      { name: "header length", at: 12, littleEndian: true },
    ]),
    (m) => {
      let file: ReturnType<typeof decodeTensors> | null = null;
      try {
        file = decodeTensors(mutate(valid, m), PATH);
        tally.add("read unchanged");
      } catch (err) {
        if (!(err instanceof CorruptFileError && err.path === PATH)) throw err;
        tally.add("rejected");
      }
      if (file && JSON.stringify([file.meta, [...file.arrays].map(([k, v]) => [k, v.constructor.name, Array.from(v)])]) !== expected)
        throw new Error("a damaged file read back different contents");
    },
    2000,
    8,
  );
  t.log(`tensor files: ${tally} (${runs} runs)`);
  t.is(failed, null, failed ?? "");
});
