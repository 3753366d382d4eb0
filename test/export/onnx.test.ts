// ONNX export checked against a runtime other than ours: onnxruntime-web (wasm, one thread) loads
// each exported model and must classify real test images as `predict` does (at least 99.9% of
// them) with logits within 1e-4 of the largest logit. LeNet-300-100 is a (briefly) trained ticket
// on all 10,000 MNIST test images; Conv-2 and ResNet-20 are initialized networks with random masks
// and random biases and batch-norm statistics (so that a parameter wired wrongly shows), their
// logits centered on other images so that predictions vary, on the first 256 CIFAR-10 test images
// to keep the suite fast. The CLI's errors are checked in process (a spawned CLI costs seconds).
import test from "ava";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { exportCommand } from "../../src/cli/export.js";
import { exportTicket } from "../../src/export/ticket.js";
import { readCifar10Batch } from "../../src/data/index.js";
import { exportOnnx } from "../../src/export/onnx.js";
import { decodeModel } from "../../src/export/onnx-proto.js";
import { defaultsFor, resolveHparams } from "../../src/hparams/resolve.js";
import { Kernels } from "../../src/kernels/index.js";
import { runExperiment } from "../../src/lottery/experiment.js";
import { getModel } from "../../src/models/registry.js";
import { replaceManifest } from "../../src/ticket/container.js";
import { loadTicket } from "../../src/ticket/load.js";
import { lastJson, runCli } from "../helpers/cli.js";
import { dataDir, realDataset } from "../helpers/data.js";
import { agreement, describe, onnxLogits, onnxSession } from "../helpers/onnx.js";
import { memoryTicket } from "../ticket/helpers.js";

const CIFAR_IMAGES = 256;
const MIN_AGREEMENT = 0.999;
const MAX_RELATIVE = 1e-4;

const root = mkdtempSync(join(tmpdir(), "lottery-onnx-"));

const mnist = await realDataset("mnist", 1000);
const defaults = defaultsFor(getModel("lenet_300_100"));
const hp = resolveHparams(defaults, { training: { iterations: 300, evalEvery: 300 }, pruning: { levels: 0, oneShot: [0.1] }, dataset: { valSize: 1000 } });
const { store } = await runExperiment({ hp, defaults, root, dataset: mnist });
const lenet = await exportTicket({ dir: store.dir, oneShot: 0.1, dataset: mnist, evaluate: false });
const k = await Kernels.create({ shared: false });
const cifar = await readCifar10Batch(join(dataDir("cifar10"), "cifar10", "test_batch.bin.gz"));

test.after.always(() => rmSync(root, { recursive: true, force: true }));

test("LeNet-300-100, a trained ticket at Pm 10%: onnxruntime-web agrees with predict on the whole MNIST test split", async (t) => {
  const onnx = await exportOnnx(lenet.bytes);
  t.deepEqual(onnx.sparse, ["fc1.weight", "fc2.weight"], "fc layers below density 1/3 are sparse; the output layer (35% kept) is not");
  const ticket = await loadTicket(lenet.bytes, { kernels: k });
  const images = mnist.test.images;
  const ours = ticket.classify(images);
  const theirs = await onnxLogits(await onnxSession(onnx.bytes), images, [1, 28, 28]);
  const a = agreement(ours, theirs, 10);
  t.log(`LeNet-300-100 Pm ${(100 * lenet.manifest.pm).toFixed(2)}%, ${onnx.bytes.length} bytes: ${describe(a)}`);
  t.is(a.count, 10000);
  t.true(a.agree >= MIN_AGREEMENT * a.count, describe(a));
  t.true(a.maxRelative <= MAX_RELATIVE, describe(a));

  // Dense initializers hold the same numbers: onnxruntime gives the same logits bit for bit.
  const dense = await exportOnnx(lenet.bytes, { initializers: "dense" });
  t.deepEqual(dense.sparse, []);
  t.true(dense.bytes.length > 2.5 * onnx.bytes.length);
  const denseLogits = await onnxLogits(await onnxSession(dense.bytes), images.subarray(0, 1000 * 784), [1, 28, 28]);
  t.deepEqual(denseLogits, theirs.subarray(0, 10 * 1000));
});

test("the model: IR 8, opset 17, u8 input normalized by its first nodes, sparse initializers with int64 indices, metadata", async (t) => {
  const all = await exportOnnx(lenet.bytes, { initializers: "sparse" });
  const m = decodeModel(all.bytes);
  t.is(m.ir_version, 8);
  t.deepEqual(
    m.opset_import.map((o) => [o.domain ?? "", o.version]),
    [["", 17]],
  );
  const g = m.graph;
  t.deepEqual(
    g.node.slice(0, 3).map((n) => n.op_type),
    ["Cast", "Mul", "Add"],
  );
  t.deepEqual(
    g.node.slice(3).map((n) => n.op_type),
    ["Flatten", "Gemm", "Relu", "Gemm", "Relu", "Gemm"],
  );
  t.is(g.input[0]!.name, "image");
  t.is(g.input[0]!.type.tensor_type.elem_type, 2, "uint8");
  t.deepEqual(g.input[0]!.type.tensor_type.shape.dim, [{ dim_param: "batch" }, { dim_value: 1 }, { dim_value: 28 }, { dim_value: 28 }]);
  t.deepEqual(
    g.output.map((o) => o.name),
    ["logits"],
  );
  t.deepEqual(
    g.sparse_initializer.map((s) => [s.values.name, s.dims]),
    [
      ["fc1.weight", [300, 784]],
      ["fc2.weight", [100, 300]],
      ["fc3.weight", [10, 100]],
    ],
  );
  const fc1 = lenet.manifest.params.find((p) => p.name === "fc1.weight")!;
  const s = g.sparse_initializer[0]!;
  t.is(s.indices.data_type, 7, "int64");
  t.deepEqual(s.indices.dims, [fc1.encoding === "csr" ? fc1.nnz : -1]);
  const idx = new BigInt64Array(Uint8Array.from(s.indices.raw_data).buffer);
  t.true(
    idx.every((v, i) => i === 0 || v > idx[i - 1]!),
    "indices ascend",
  );
  // Scale and shift are MNIST's [0, 1] scaling, as the ticket converts.
  const scale = g.initializer.find((i) => i.name === "input.scale")!;
  t.deepEqual(Array.from(new Float32Array(Uint8Array.from(scale.raw_data).buffer)), [Math.fround(1 / 255)]);
  const meta = Object.fromEntries(m.metadata_props.map((p) => [p.key, p.value]));
  t.is(meta["lottery.model"], "lenet_300_100");
  t.is(Number(meta["lottery.pm"]), lenet.manifest.pm);
  t.is(JSON.parse(meta["lottery.class_names"]!).length, 10);
});

// CIFAR-10-like per-channel statistics, distinct per channel so that a mixed-up channel shows.
const cifarNormalization = { normalize: true, mean: [0.4914, 0.4822, 0.4465], std: [0.247, 0.2435, 0.2616] };

for (const [model, pm] of [
  ["conv2", 0.1],
  ["resnet20", 0.33],
] as const) {
  test(`${model}, random masks at Pm ${100 * pm}%: onnxruntime-web agrees with predict on the first ${CIFAR_IMAGES} CIFAR-10 test images`, async (t) => {
    const centerOn = cifar.images.subarray(CIFAR_IMAGES * 3072, (CIFAR_IMAGES + 200) * 3072);
    const mt = await memoryTicket(model, pm, { k, layerwise: true, randomizeOthers: true, normalization: cifarNormalization, centerOn });
    const onnx = await exportOnnx(mt.bytes);
    t.true(onnx.sparse.length > 0);
    const images = cifar.images.subarray(0, CIFAR_IMAGES * 3072);
    const ours = (await loadTicket(mt.bytes, { kernels: k })).classify(images);
    const theirs = await onnxLogits(await onnxSession(onnx.bytes), images, [3, 32, 32]);
    const a = agreement(ours, theirs, 10, mt.centering);
    t.log(
      `${model}: ${onnx.sparse.length} sparse initializers, ${onnx.bytes.length} bytes: ${describe(a)} (of the centered logits: ${agreement(ours, theirs, 10).maxRelative.toExponential(2)})`,
    );
    t.true(a.agree >= MIN_AGREEMENT * a.count, describe(a));
    t.true(a.maxRelative <= MAX_RELATIVE, describe(a));
    // Predictions follow the images rather than one class everywhere (which would agree trivially).
    t.true(new Set(ours.classes).size >= 5, `${new Set(ours.classes).size} classes predicted`);
  });
}

test("exportOnnx rejects damaged or foreign tickets and a spec that does not fit, naming the problem", async (t) => {
  await t.throwsAsync(exportOnnx(lenet.bytes.subarray(0, 100), { source: "cut.ltk" }), { message: /^cut\.ltk: truncated/ });
  const foreign = await replaceManifest(lenet.bytes, (m) => {
    m.model.name = "lenet_9";
    m.model.hparams.model = "lenet_9";
  });
  await t.throwsAsync(exportOnnx(foreign, { source: "x.ltk" }), { message: /x\.ltk: unknown model "lenet_9".*pass its layers as the spec option/ });
  const wider = {
    name: "lenet_300_100",
    layers: [
      { type: "linear" as const, units: 400, relu: true },
      { type: "linear" as const, units: 100, relu: true },
      { type: "linear" as const, units: "classes" as const },
    ],
  };
  await t.throwsAsync(exportOnnx(lenet.bytes, { spec: wider }), {
    message: /parameter fc1\.weight is \[300,784\] in the ticket but the network declares \[400,784\]/,
  });
  const shorter = {
    name: "lenet_300_100",
    layers: [
      { type: "linear" as const, units: 300, relu: true },
      { type: "linear" as const, units: "classes" as const },
    ],
  };
  await t.throwsAsync(exportOnnx(lenet.bytes, { spec: shorter }), {
    message: /parameter fc2\.weight is \[100,300\] in the ticket but the network declares \[10,300\]/,
  });
  // @ts-expect-error: a mode that does not exist, as JavaScript callers might pass
  await t.throwsAsync(exportOnnx(lenet.bytes, { initializers: "coo" }), { message: /initializers must be auto, sparse, dense; got coo/ });
});

test("CLI: export --format onnx from the experiment and from a ticket file", async (t) => {
  const ltk = join(root, "lenet.ltk"),
    fromDir = join(root, "dir.onnx"),
    fromFile = join(root, "file.onnx");
  writeFileSync(ltk, lenet.bytes);
  const [a, b] = await Promise.all([
    runCli(["export", store.dir, "--one-shot", "0.1", "--format", "onnx", "--out", fromDir, "--json"], { LOTTERY_DATA_DIR: dataDir() }),
    runCli(["export", ltk, "--format", "onnx", "--initializers", "dense", "--out", fromFile]),
  ]);
  t.is(a.code, 0, a.stderr);
  t.regex(a.stdout, /wrote .*dir\.onnx: lenet_300_100 trial 0 one-shot Pm 0\.1, Pm 10\.\d\d%, ONNX IR 8 opset 17/);
  t.regex(a.stdout, /pruned weights: fc1\.weight, fc2\.weight as sparse initializers; fc3\.weight dense with zeros/);
  t.regex(a.stdout, /input "image": u8 \[batch, 1, 28, 28\] \(converted to f32 and scaled to \[0, 1\] in the graph\); output "logits": f32 \[batch, 10\]/);
  t.like(lastJson(a.stdout), { format: "onnx", model: "lenet_300_100", sparse_initializers: ["fc1.weight", "fc2.weight"] });
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
  t.deepEqual(
    new Uint8Array(readFileSync(fromDir)),
    (await exportOnnx(lenet.bytes, { source: store.dir, producerVersion: pkg.version })).bytes,
    "the CLI writes what the library gives",
  );
  t.is(b.code, 0, b.stderr);
  t.regex(b.stdout, /pruned weights: none as sparse initializers; fc1\.weight, fc2\.weight, fc3\.weight dense with zeros/);
  t.deepEqual(
    new Uint8Array(readFileSync(fromFile)),
    (await exportOnnx(lenet.bytes, { initializers: "dense", source: ltk, producerVersion: pkg.version })).bytes,
  );
});

test("CLI: export names a missing path, a file that is no ticket, run flags given with a ticket file, an unknown format", async (t) => {
  const ltk = join(root, "errors.ltk");
  writeFileSync(ltk, lenet.bytes);
  const exportCli = (...args: string[]) =>
    exportCommand()
      .exitOverride()
      .configureOutput({ writeErr: () => {}, writeOut: () => {} })
      .parseAsync(args, { from: "user" });
  await t.throwsAsync(exportCli(join(root, "nowhere"), "--format", "onnx", "--out", join(root, "x.onnx")), {
    message: /nowhere does not exist: give an experiment directory written by `lottery run`, or with --format onnx a ticket file/,
  });
  await t.throwsAsync(exportCli(join(dataDir(), "mnist", "t10k-labels-idx1-ubyte.gz"), "--format", "onnx", "--out", join(root, "y.onnx")), {
    message: /t10k-labels-idx1-ubyte\.gz: not a lottery ticket file \(bad magic bytes/,
  });
  await t.throwsAsync(exportCli(ltk, "--format", "onnx", "--level", "1", "--trial", "0", "--out", join(root, "z.onnx")), {
    message: /^--trial, --level select a run of an experiment directory, but .*errors\.ltk is a file: give the experiment directory, or drop them/,
  });
  await t.throwsAsync(exportCli(store.dir, "--format", "tflite", "--out", join(root, "w.tflite")), {
    message: /unknown --format "tflite": use ltk \(the ticket file\) or onnx/,
  });
  await t.throwsAsync(exportCli(ltk, "--out", join(root, "v.ltk")), { message: /errors\.ltk is a file, not an experiment directory: .*add --format onnx/ });
  await t.throwsAsync(exportCli(store.dir, "--initializers", "dense", "--out", join(root, "u.ltk")), { message: /--initializers applies to --format onnx/ });
  t.false(existsSync(join(root, "x.onnx")) || existsSync(join(root, "z.onnx")), "nothing written");
});
