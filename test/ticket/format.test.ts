// The ticket file format and the inference API without training: half-precision rounding, SHA-256,
// round trips of in-memory tickets, and the rejection of every kind of damaged file.
import test from "ava";
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { Dataset } from "../../src/data/types.js";
import { Kernels } from "../../src/kernels/index.js";
import { encodeTensors } from "../../src/store/tensors.js";
import { channelAffine } from "../../src/train/input.js";
import { readContainer, replaceManifest, writeContainer } from "../../src/ticket/container.js";
import { roundToHalf, toHalfBits } from "../../src/ticket/f16.js";
import { type CsrEntry, TicketError, type TicketErrorCode } from "../../src/ticket/format.js";
import { inputAffine } from "../../src/ticket/input.js";
import { sha256Hex, sha256Js } from "../../src/ticket/sha256.js";
import { loadTicket } from "../../src/ticket/load.js";
import { encodeTrainedTicket } from "../../src/ticket/trained.js";
import { defaultsFor, resolveHparams } from "../../src/hparams/resolve.js";
import { getModel } from "../../src/models/registry.js";
import { softmax } from "../../src/ticket/ticket.js";
import { Rng } from "../../src/util/rng.js";
import { memoryTicket } from "./helpers.js";

const k = await Kernels.create({ shared: false });
const lenet = await memoryTicket("lenet_300_100", 0.1, { k });

function randomImages(count: number, features: number, seed = 1): Uint8Array {
  const rng = new Rng(seed, "images");
  return Uint8Array.from({ length: count * features }, () => rng.int(256));
}

test("f16: rounding to nearest even, subnormals, overflow, and every half round-trips", (t) => {
  t.is(toHalfBits(1), 0x3c00);
  t.is(toHalfBits(-2), 0xc000);
  t.is(toHalfBits(65504), 0x7bff);
  t.is(toHalfBits(65520), 0x7c00, "halfway above the largest half rounds to infinity");
  t.is(toHalfBits(2 ** -24), 0x0001);
  t.is(toHalfBits(2 ** -25), 0x0000, "a tie between 0 and the smallest subnormal goes to even (0)");
  t.is(toHalfBits(3 * 2 ** -25), 0x0002, "1.5 subnormal steps round to 2 (even)");
  t.is(toHalfBits(1 + 2 ** -11), 0x3c00, "a tie goes to the even significand");
  t.is(toHalfBits(1 + 3 * 2 ** -11), 0x3c02);
  t.is(toHalfBits(-0), 0x8000);
  t.is(toHalfBits(NaN) & 0x7e00, 0x7e00);
  let mismatches = 0;
  for (let h = 0; h < 65536; h++) {
    const nan = (h & 0x7c00) === 0x7c00 && (h & 0x3ff) !== 0;
    if (!nan && (toHalfBits(halfOf(h)) !== h || !Object.is(roundToHalf(halfOf(h)), halfOf(h)))) mismatches++;
  }
  t.is(mismatches, 0);
});

/** The value of half bits h (independent of the module under test). */
function halfOf(h: number): number {
  const s = h & 0x8000 ? -1 : 1,
    e = (h >> 10) & 0x1f,
    m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

test("sha256: the plain implementation and Web Crypto agree with node:crypto", async (t) => {
  const rng = new Rng(3, "sha");
  for (const n of [0, 1, 55, 56, 63, 64, 65, 119, 120, 1000, 100_003]) {
    const data = Uint8Array.from({ length: n }, () => rng.int(256));
    const want = createHash("sha256").update(data).digest("hex");
    t.is(sha256Js(data), want, `${n} bytes (plain)`);
    t.is(await sha256Hex(data), want, `${n} bytes (Web Crypto)`);
    t.is(sha256Js(data.subarray(1)), createHash("sha256").update(data.subarray(1)).digest("hex"), `${n} bytes, unaligned view`);
  }
});

test("input conversion: the manifest's normalization gives training's scale and shift bit for bit", (t) => {
  for (const [shape, stats] of [
    [[1, 28, 28], { mean: [0.1306604762738429], std: [0.30810780717887876] }],
    [[3, 32, 32], { mean: [0.4914, 0.4822, 0.4465], std: [0.247, 0.2435, 0.2616] }],
  ] as const) {
    const data = { shape, stats } as unknown as Dataset;
    for (const normalize of [false, true]) {
      const want = channelAffine(data, normalize);
      // through JSON, as the manifest carries them
      const n = JSON.parse(JSON.stringify({ normalize, mean: stats.mean, std: stats.std }));
      const got = inputAffine(n, shape[0]);
      t.deepEqual(Buffer.from(got.scale.buffer), Buffer.from(want.scale.buffer));
      t.deepEqual(Buffer.from(got.shift.buffer), Buffer.from(want.shift.buffer));
    }
  }
});

test("round trip: the loaded network holds the weights at kept positions and zero elsewhere, and runs sparse", async (t) => {
  const { manifest } = await readContainer(lenet.bytes);
  t.is(manifest.model.name, "lenet_300_100");
  t.true(Math.abs(manifest.pm - 0.1) < 0.001);
  t.deepEqual(
    manifest.params.map((p) => `${p.name}:${p.encoding}`),
    ["fc1.weight:csr", "fc1.bias:dense", "fc2.weight:csr", "fc2.bias:dense", "fc3.weight:csr", "fc3.bias:dense"],
  );
  t.is((manifest.params[0] as CsrEntry).index_type, "u16");
  const ticket = await loadTicket(lenet.bytes, { kernels: k });
  for (const [name, w] of lenet.weights) t.deepEqual(Buffer.from(ticket.network.snapshot().get(name)!.buffer), Buffer.from(w.buffer), name);
  t.deepEqual(
    ticket.execution.map((e) => e.kernel),
    ["sparse", "sparse", "sparse"],
  );
  t.true(ticket.network.prunable.every((p) => ticket.plan.csrOf(p) !== null));
});

test("f16 values: loaded weights are the f16 roundings of the originals", async (t) => {
  const half = await memoryTicket("lenet_300_100", 0.1, { k, valueType: "f16" });
  t.true(half.bytes.length < lenet.bytes.length * 0.75);
  const ticket = await loadTicket(half.bytes, { kernels: k });
  const w = half.weights.get("fc2.weight")!,
    got = ticket.network.snapshot().get("fc2.weight")!;
  let exact = 0;
  for (let i = 0; i < w.length; i++) {
    if (got[i] !== Math.fround(roundToHalf(w[i]!))) t.fail(`fc2.weight[${i}] = ${got[i]}, expected the f16 rounding of ${w[i]}`);
    if (got[i] === w[i]) exact++;
  }
  t.true(exact < w.length, "f16 changes some values");
  t.deepEqual(ticket.network.snapshot().get("fc2.bias"), half.weights.get("fc2.bias"), "biases stay f32");
});

test("predict, classify and evaluate: batches of any size agree, logits are example-major", async (t) => {
  const ticket = await loadTicket(lenet.bytes, { kernels: k, batchSize: 64 });
  const images = randomImages(150, ticket.features);
  const first = ticket.predict(images);
  t.is(first.length, 150);
  ticket.predict(images.subarray(0, 5 * ticket.features)); // a third batch size evicts the cached passes
  t.deepEqual(ticket.predict(images), first);
  const { classes, logits } = ticket.classify(images);
  t.deepEqual(classes, first);
  for (let i = 0; i < 150; i++) {
    const row = logits.subarray(i * 10, i * 10 + 10);
    t.is(classes[i], row.indexOf(Math.max(...row)));
  }
  const p = softmax(logits, 10);
  t.true(Math.abs(p.subarray(0, 10).reduce((a, b) => a + b, 0) - 1) < 1e-5);
  const labels = Uint8Array.from(first, (c, i) => (i < 100 ? c : (c + 1) % 10));
  t.deepEqual(ticket.evaluate(images, labels), { count: 150, correct: 100, accuracy: 100 / 150 });
  t.throws(() => ticket.predict(images.subarray(0, 100)), { message: /100 bytes is not a whole number of 1x28x28 images/ });
  t.deepEqual(ticket.predict(new Uint8Array(0)), new Int32Array(0));
});

test("tickets sharing one Kernels instance never release each other's memory", async (t) => {
  const shared = await Kernels.create({ shared: false });
  const a = await loadTicket(lenet.bytes, { kernels: shared, batchSize: 32 });
  const b = await loadTicket(lenet.bytes, { kernels: shared, batchSize: 32, kernelMode: "dense" });
  const images = randomImages(100, 784, 9);
  const wantA = a.classify(images),
    wantB = b.classify(images);
  for (const n of [1, 7, 13, 2]) a.predict(images.subarray(0, n * 784)); // new pass sizes, one after another
  t.deepEqual(b.classify(images), wantB);
  t.deepEqual(a.classify(images), wantA);
});

test("kernel modes: dense and auto give the same classes as sparse on these images", async (t) => {
  const images = randomImages(64, 784, 5);
  const sparse = await loadTicket(lenet.bytes, { kernels: k });
  const dense = await loadTicket(lenet.bytes, { kernels: k, kernelMode: "dense" });
  const auto = await loadTicket(lenet.bytes, { kernels: k, kernelMode: "auto" });
  t.deepEqual(
    dense.execution.map((e) => e.kernel),
    ["dense", "dense", "dense"],
  );
  t.deepEqual(
    auto.execution.map((e) => e.kernel),
    ["sparse", "sparse", "dense"],
    "fc3 (1,000 weights) is too small for sparse kernels to pay",
  );
  const a = sparse.classify(images),
    b = dense.classify(images);
  for (let i = 0; i < a.logits.length; i++) t.true(Math.abs(a.logits[i]! - b.logits[i]!) < 1e-4 * (1 + Math.abs(b.logits[i]!)));
  t.deepEqual(auto.predict(images), sparse.predict(images));
});

test("withKernels: one loaded ticket's dense and sparse forms side by side, each as loadTicket makes it", async (t) => {
  const shared = await Kernels.create({ shared: false });
  const images = randomImages(50, 784, 11);
  const loaded = await loadTicket(lenet.bytes, { kernels: shared, kernelMode: "auto" });
  const before = loaded.classify(images);
  const dense = loaded.withKernels("dense"),
    sparse = loaded.withKernels("sparse");
  t.is(dense.network, loaded.network, "the forms share the network and its weights");
  t.deepEqual(
    dense.execution.map((e) => e.kernel),
    ["dense", "dense", "dense"],
  );
  t.deepEqual(
    sparse.execution.map((e) => e.kernel),
    ["sparse", "sparse", "sparse"],
  );
  t.deepEqual(
    dense.execution.map((e) => e.density),
    loaded.execution.map((e) => e.density),
  );
  // Alternating passes of both forms (as the demo times them) give what tickets loaded in those modes give, bit for bit.
  const k2 = await Kernels.create({ shared: false });
  const wantDense = (await loadTicket(lenet.bytes, { kernels: k2, kernelMode: "dense" })).classify(images);
  const wantSparse = (await loadTicket(lenet.bytes, { kernels: k2, kernelMode: "sparse" })).classify(images);
  for (let i = 0; i < 2; i++) {
    t.deepEqual(dense.classify(images), wantDense);
    t.deepEqual(sparse.classify(images), wantSparse);
  }
  t.deepEqual(loaded.classify(images), before, "the original form is untouched");
});

test("encodeTrainedTicket writes the bytes encodeTicket writes from a built network", async (t) => {
  const hp = resolveHparams(defaultsFor(getModel("lenet_300_100")), {});
  const dataset = {
    name: "mnist",
    shape: [1, 28, 28] as const,
    classes: 10,
    classNames: Array.from({ length: 10 }, (_, i) => `class ${i}`),
    stats: { mean: lenet.normalization.mean, std: lenet.normalization.std },
  };
  const options = { model: hp.model, dataset, normalize: lenet.normalization.normalize, weights: lenet.weights, masks: lenet.masks };
  t.deepEqual(await encodeTrainedTicket(options), lenet.bytes);
  const masks = new Map(lenet.masks);
  masks.delete("fc2.weight");
  await t.throwsAsync(encodeTrainedTicket({ ...options, masks }), { message: /the masks lack prunable parameter fc2\.weight/ });
  await t.throwsAsync(encodeTrainedTicket({ ...options, model: { ...hp.model, model: "nonesuch" } }), { message: /unknown model "nonesuch"/ });
});

async function rejects(t: import("ava").ExecutionContext, bytes: Uint8Array, code: TicketErrorCode, message: RegExp): Promise<void> {
  const err = await t.throwsAsync(loadTicket(bytes, { kernels: k, source: "model.ltk" }), { instanceOf: TicketError, message });
  t.is((err as TicketError).code, code);
  t.regex(err!.message, /^model\.ltk: /, "the message names the file");
}

function patched(bytes: Uint8Array, at: number, value: number): Uint8Array {
  const copy = Uint8Array.from(bytes);
  copy[at] = value;
  return copy;
}

test("rejects truncated files", async (t) => {
  const b = lenet.bytes;
  await rejects(t, b.subarray(0, b.length - 100), "truncated", /truncated: \d+ bytes, but the manifest describes a \d+-byte file/);
  await rejects(t, b.subarray(0, 20), "truncated", /shorter than the 48-byte header/);
  await rejects(t, b.subarray(0, 200), "truncated", /announces a \d+-byte manifest/);
  await rejects(t, new Uint8Array(0), "truncated", /0 bytes is shorter/);
});

test("rejects other files by their magic bytes, with a hint for experiment tensors", async (t) => {
  await rejects(t, patched(lenet.bytes, 1, 0x4d), "bad-magic", /not a lottery ticket file \(bad magic bytes 894d/);
  await rejects(t, encodeTensors(new Map([["w", new Float32Array(4)]])), "bad-magic", /tensor file of an experiment directory.*lottery export DIR/);
  await rejects(t, Uint8Array.of(0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0), "bad-magic", /gzip-compressed/);
  await rejects(t, patched(lenet.bytes, 4, 0x0a), "bad-magic", /line endings/);
});

test("rejects corrupt files by their checksums", async (t) => {
  const b = lenet.bytes;
  await rejects(
    t,
    patched(b, b.length - 3, b[b.length - 3]! ^ 1),
    "checksum",
    /payload checksum mismatch \(sha256 [0-9a-f]{64}, the manifest says [0-9a-f]{64}\): the file is corrupt/,
  );
  await rejects(t, patched(b, 60, b[60]! ^ 1), "checksum", /manifest checksum mismatch/);
});

test("rejects other format versions, saying which side to upgrade", async (t) => {
  const newer = Uint8Array.from(lenet.bytes);
  new DataView(newer.buffer).setUint32(8, 2, true);
  await rejects(t, newer, "version", /ticket format version 2, but this lottery-wasm reads version 1; .*upgrade lottery-wasm/);
  const older = Uint8Array.from(lenet.bytes);
  new DataView(older.buffer).setUint32(8, 0, true);
  await rejects(t, older, "version", /version 0, .*export the ticket again/);
});

test("rejects malformed manifests and payloads even with valid checksums", async (t) => {
  const b = lenet.bytes;
  await rejects(
    t,
    await replaceManifest(b, (m) => void (m.params[0]!.values.bytes += 4)),
    "malformed",
    /parameter fc1\.weight\.values is \d+ bytes, its shape needs \d+/,
  );
  await rejects(t, await replaceManifest(b, (m) => void (m.input.normalization.std = [])), "malformed", /needs 1 means and stds/);
  await rejects(
    t,
    await replaceManifest(b, (m) => void ((m as { format: string }).format = "onnx")),
    "malformed",
    /format is "onnx", expected "lottery-ticket"/,
  );
  await rejects(t, await replaceManifest(b, (m) => void (m.params[1]!.values.offset = m.params[0]!.values.offset)), "malformed", /overlaps/);
  const withTrailing = new Uint8Array(b.length + 8);
  withTrailing.set(b);
  await rejects(t, withTrailing, "malformed", /8 unexpected bytes after the payload/);
  // A column index out of range, with both checksums recomputed.
  const { manifest, payload } = await readContainer(b);
  const fc1 = manifest.params[0] as CsrEntry;
  const bad = Uint8Array.from(payload);
  new DataView(bad.buffer).setUint16(fc1.col_idx.offset, 60000, true);
  await rejects(
    t,
    await writeContainer(manifest, bad),
    "malformed",
    /parameter fc1\.weight: row 0 has column index 60000 after -1 \(indices must ascend and be < 784\)/,
  );
  await rejects(
    t,
    await replaceManifest(b, (m) => {
      m.model.name = "lenet_9";
      m.model.hparams.model = "lenet_9";
    }),
    "incompatible",
    /unknown model "lenet_9".*a model this lottery-wasm does not have/,
  );
  await rejects(t, await replaceManifest(b, (m) => void m.params.splice(5, 1)), "incompatible", /lacks parameter fc3\.bias/);
});

test("a small file naming a large model is refused before any of the model is allocated", async (t) => {
  // LeNet's parameters (a few hundred KB at Pm 10%) under VGG-19's name, input and classes: before
  // the check came first, loading it built VGG-19 (233 MB) and only then compared the parameters.
  const crafted = await replaceManifest(lenet.bytes, (m) => {
    m.model.name = "vgg19";
    m.model.hparams.model = "vgg19";
    m.input.shape = [3, 32, 32];
    m.input.normalization = { normalize: true, mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] };
  });
  t.true(crafted.length < 1024 * 1024, `${crafted.length} bytes`);
  // Kernels with room for far less than VGG-19: building it here would fail with an arena error.
  const small = await Kernels.create({ shared: false, memoryLimitBytes: 32 * 2 ** 20 });
  const mark = small.arena.mark(),
    bytes = small.memory.buffer.byteLength;
  const err = await t.throwsAsync(loadTicket(crafted, { kernels: small, source: "crafted.ltk" }), { instanceOf: TicketError });
  t.is((err as TicketError).code, "incompatible");
  t.is(err!.message, "crafted.ltk: the file lacks parameter conv1.weight of vgg19; it was not exported from this model (or from another version of it)");
  t.is(small.arena.mark(), mark, "nothing was allocated");
  t.is(small.memory.buffer.byteLength, bytes, "the memory did not grow");
});

test("the inference API imports no training code and no Node modules", (t) => {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
  const seen = new Set<string>();
  const forbidden: string[] = [];
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = readFileSync(file, "utf8");
    // Static imports and re-exports; `import type` and `export type` are erased at compile time.
    for (const m of text.matchAll(/^(?:import|export)\s+(type\s+)?[^;]*?\bfrom\s+"([^"]+)";/gms)) {
      if (m[1]) continue;
      const spec = m[2]!;
      if (!spec.startsWith(".")) {
        forbidden.push(`${relative(root, file)} imports ${spec}`);
        continue;
      }
      const target = resolve(dirname(file), spec.replace(/\.js$/, ".ts"));
      const rel = relative(join(root, "src"), target);
      if (/^(train|lottery|store|data|cli|parallel)\//.test(rel)) forbidden.push(`${relative(root, file)} imports ${rel}`);
      visit(target);
    }
  };
  visit(join(root, "src/ticket/index.ts"));
  t.deepEqual(forbidden, []);
  t.true(seen.size > 10, `followed ${seen.size} modules`);
});
