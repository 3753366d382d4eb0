// Exporting tickets from a real (tiny) lottery run on MNIST, and predicting with them: the file
// holds the trained weights, is small at low Pm, records the accuracy predict then prints exactly,
// and classifies as the training network does. The CLI commands end to end.
import test from "ava";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { exportTicket } from "../../src/export/ticket.js";
import { defaultsFor, resolveHparams } from "../../src/hparams/resolve.js";
import { runExperiment } from "../../src/lottery/experiment.js";
import { getModel } from "../../src/models/registry.js";
import { enableNodeRelaxedSimd } from "../../src/kernels/index.js";
import { applyMasks } from "../../src/prune/masks.js";
import { ExperimentStore } from "../../src/store/experiment.js";
import { InputPipeline } from "../../src/train/input.js";
import { Session } from "../../src/session.js";
import { readContainer } from "../../src/ticket/container.js";
import { loadTicket } from "../../src/ticket/load.js";
import { lastJson, runCli } from "../helpers/cli.js";
import { dataDir, realDataset } from "../helpers/data.js";

// The CLI runs relaxed SIMD (it opts in on Node 20); the library here must too, so that the file
// the CLI writes can be compared with the library's byte for byte.
await enableNodeRelaxedSimd();
const defaults = defaultsFor(getModel("lenet_300_100"));
const hp = resolveHparams(defaults, {
  training: { iterations: 300, evalEvery: 100 },
  pruning: { levels: 2, oneShot: [0.036] },
  dataset: { valSize: 1000 },
});
const root = mkdtempSync(join(tmpdir(), "lottery-ticket-"));
const data = await realDataset("mnist", 1000);
const { store } = await runExperiment({ hp, defaults, root, dataset: data });
const deepest = await exportTicket({ dir: store.dir, dataset: data });

test.after.always(() => rmSync(root, { recursive: true, force: true }));

test("the default export is trial 0's deepest level; the file holds its final weights at kept positions and zeros elsewhere", async (t) => {
  t.deepEqual(deepest.run, { trial: 0, kind: "iterative", level: 2, branch: "ticket" });
  const m = deepest.manifest;
  t.is(m.pm, deepest.summary.pm);
  t.like(m.training, { trial: 0, level: 2, branch: "ticket", iterations: 300, final_test_accuracy: deepest.summary.final_test_accuracy });
  t.deepEqual(m.input.normalization, { normalize: false, mean: [...data.stats.mean], std: [...data.stats.std] });
  const ticket = await loadTicket(deepest.bytes);
  const stored = store.loadFinal(deepest.run),
    masks = store.loadMask(deepest.run);
  const loaded = ticket.network.snapshot();
  for (const [name, w] of stored) {
    const got = loaded.get(name)!,
      mask = masks.get(name);
    let wrong = 0;
    for (let i = 0; i < w.length; i++) if (!Object.is(got[i], mask && !mask[i] ? 0 : w[i])) wrong++;
    t.is(wrong, 0, `${name}: ${wrong} entries differ`);
  }
});

test("a ticket at low Pm is much smaller than the dense model", async (t) => {
  const r = await exportTicket({ dir: store.dir, oneShot: 0.036, dataset: data });
  t.deepEqual(r.run, { trial: 0, kind: "oneshot", level: 0.036, branch: "ticket" });
  const ratio = r.denseBytes / r.bytes.length;
  t.log(`Pm ${r.manifest.pm.toFixed(4)}: ${r.bytes.length} bytes vs ${r.denseBytes} dense (${ratio.toFixed(1)}x)`);
  t.true(ratio > 12, `only ${ratio.toFixed(1)}x smaller`);
  t.true(deepest.bytes.length < r.denseBytes, "even at Pm 64% the f32 ticket is smaller than dense");
});

test("predict on the test split gives exactly the accuracy recorded at export", async (t) => {
  const rec = deepest.manifest.accuracy!;
  t.like(rec, { split: "test", count: 10000, kernels: "sparse", batch_size: 256 });
  const ticket = await loadTicket(deepest.bytes);
  const acc = ticket.evaluate(data.test.images, data.test.labels);
  t.is(acc.correct, rec.correct);
  t.is(acc.accuracy, rec.accuracy);
  t.log(`ticket ${rec.accuracy}, training recorded ${deepest.summary.final_test_accuracy}`);
  t.true(Math.abs(rec.accuracy - deepest.summary.final_test_accuracy) <= 0.001, "the same network as training evaluated, up to rounding");
});

test("an f16 export records its own accuracy, which predict reproduces", async (t) => {
  const half = await exportTicket({ dir: store.dir, dataset: data, valueType: "f16" });
  t.is(half.manifest.value_type, "f16");
  t.true(half.bytes.length < 0.75 * deepest.bytes.length);
  const ticket = await loadTicket(half.bytes);
  const acc = ticket.evaluate(data.test.images, data.test.labels);
  t.is(acc.correct, half.manifest.accuracy!.correct);
  t.true(Math.abs(acc.accuracy - deepest.manifest.accuracy!.accuracy) < 0.005);
});

test("the ticket classifies as the training network does", async (t) => {
  const session = await Session.open(hp, { dataset: data });
  const net = session.network;
  applyMasks(net, store.loadMask(deepest.run));
  net.load(store.loadFinal(deepest.run));
  const N = 256;
  const input = new InputPipeline(data, { normalize: hp.dataset.normalize, augment: false, dataSeed: 0, batchSize: N });
  const indices = Array.from({ length: N }, (_, i) => i);
  const ctx = { training: false, step: 0, colOffset: 0, totalCols: N, seed: 0 };
  const ticket = await loadTicket(deepest.bytes);
  const mine = ticket.classify(data.test.images.subarray(0, N * 784));
  const logitsOf = (mode: "sparse" | "auto") => {
    // Headroom so prepare() does not grow the memory (see the note in conv.test.ts).
    const mark = session.k.arena.mark();
    session.k.alloc([4 * 2 ** 20], "f32", "headroom");
    session.k.arena.release(mark);
    const plan = net.prepare(mode);
    const replica = net.replica(N, false, plan);
    input.fill(data.test, indices, replica.input, replica.labels);
    const l = Float32Array.from(replica.forward(ctx).data);
    plan.commit();
    return l;
  };
  // Same kernels, same batch: the same logits bit for bit.
  const sparse = logitsOf("sparse");
  let differ = 0;
  for (let c = 0; c < 10; c++) for (let j = 0; j < N; j++) if (!Object.is(sparse[c * N + j], mine.logits[j * 10 + c])) differ++;
  t.is(differ, 0);
  // Training's own choice of kernels (dense here): the same classes except at near-ties.
  const auto = logitsOf("auto");
  for (let j = 0; j < N; j++) {
    const col = Array.from({ length: 10 }, (_, c) => auto[c * N + j]!);
    const best = col.indexOf(Math.max(...col));
    if (best !== mine.classes[j]) t.true(Math.abs(col[best]! - col[mine.classes[j]!]!) < 1e-4, `image ${j}: ${best} vs ${mine.classes[j]}`);
  }
  await session.close();
});

test("CLI: export, predict on the dataset directory and on an IDX file, and clear errors", async (t) => {
  const out = join(root, "cli.ltk"),
    corrupt = join(root, "corrupt.ltk");
  writeFileSync(corrupt, deepest.bytes.subarray(0, deepest.bytes.length - 1000));
  const env = { LOTTERY_DATA_DIR: dataDir() };
  const [exported, bad, badLevel] = await Promise.all([
    runCli(["export", store.dir, "--out", out, "--json"], env),
    runCli(["predict", corrupt, dataDir()], env),
    runCli(["export", store.dir, "--level", "7", "--out", join(root, "x.ltk")], env),
  ]);
  t.is(exported.code, 0, exported.stderr);
  t.regex(exported.stdout, /size: [\d.]+ KiB \(dense f32 model: 1\.02 MiB; [\d.]+x smaller\)/);
  const ej = lastJson(exported.stdout);
  t.like(ej, { model: "lenet_300_100", correct: deepest.manifest.accuracy!.correct, dense_bytes: deepest.denseBytes });
  t.deepEqual(new Uint8Array(readFileSync(out)), deepest.bytes, "the CLI writes the same file as the library");
  t.is(bad.code, 1);
  t.regex(bad.stderr, /^lottery: .*corrupt\.ltk: truncated: .* export it again with `lottery export`/);
  t.is(badLevel.code, 1);
  t.regex(badLevel.stderr, /level 7 is not finished \(finished in trial 0: levels 0, 1, 2; one-shot Pm 0\.036\)/);

  const [dir, file] = await Promise.all([
    runCli(["predict", out, dataDir(), "--json"], env),
    runCli(["predict", out, join(dataDir(), "mnist", "t10k-images-idx3-ubyte.gz"), "--limit", "30"], env),
  ]);
  t.is(dir.code, 0, dir.stderr);
  const dj = lastJson(dir.stdout);
  t.is(dj.count, 10000);
  t.is(dj.correct, deepest.manifest.accuracy!.correct);
  t.is(dj.accuracy, deepest.manifest.accuracy!.accuracy);
  t.is((dj.predictions as number[]).length, 10000);
  t.regex(dir.stdout, /accuracy: [\d.]+% \((\d+)\/10000\); recorded at export on the 10000-image test split: [\d.]+% \(\1\/10000\)/);
  t.is(file.code, 0, file.stderr);
  t.regex(file.stdout, /labels from t10k-labels-idx1-ubyte\.gz\), first 30/);
  t.regex(file.stdout, /predicted \(first 20 of 30\): (\d ){19}\d\n/);
  t.regex(file.stdout, /accuracy: [\d.]+% \(\d+\/30\)/);
  const { manifest } = await readContainer(new Uint8Array(readFileSync(out)));
  t.is(manifest.accuracy!.simd, (await loadTicket(deepest.bytes)).k.simd);
});

test("export names what is missing: a directory that is not an experiment, a branch that was not run", async (t) => {
  await t.throwsAsync(exportTicket({ dir: root, dataset: data }), { message: /is not an experiment directory \(no hparams\.json\)/ });
  await t.throwsAsync(exportTicket({ dir: store.dir, dataset: data, branch: "reinit" }), { message: /no finished reinit run .*--controls reinit/ });
  await t.throwsAsync(exportTicket({ dir: store.dir, dataset: data, oneShot: 0.5 }), {
    message: /no finished one-shot run at Pm 0\.5 \(finished in trial 0: levels 0, 1, 2; one-shot Pm 0\.036\)/,
  });
  await t.throwsAsync(exportTicket({ dir: store.dir, dataset: data, trial: 3 }), { message: /has no trial 3 \(it has 0\)/ });
  t.truthy(ExperimentStore.read(store.dir));
});
