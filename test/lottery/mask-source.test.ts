// Training another experiment's tickets (--masks-from, --mask-levels) on real MNIST: the levels
// train the source's masks from its θ0, with the same controls; on the source's own settings they
// reproduce its runs bit for bit; bad combinations are refused with the fix.
import test from "ava";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { basename } from "node:path";
import { defaultsFor, resolveHparams, type Overrides } from "../../src/hparams/resolve.js";
import { runExperiment } from "../../src/lottery/experiment.js";
import { getModel } from "../../src/models/registry.js";
import type { RunId } from "../../src/store/experiment.js";
import { realDataset } from "../helpers/data.js";

const defaults = defaultsFor(getModel("lenet_300_100"));

function hp(overrides: Overrides) {
  return resolveHparams(defaults, {
    training: { iterations: 200, evalEvery: 100, ...overrides.training },
    pruning: { ...overrides.pruning },
    model: overrides.model,
    dataset: { valSize: 1000, ...overrides.dataset },
  });
}

async function withDir<T>(f: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), "lottery-masks-from-"));
  try {
    return await f(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const run = (level: number, branch: RunId["branch"] = "ticket"): RunId => ({ trial: 0, kind: "iterative", level, branch });
const bytes = (w: ReadonlyMap<string, Float32Array>) =>
  [...w].map(([name, a]) => `${name}:${Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString("base64")}`);

test("the source's masks on its θ0: on the source's settings its runs come back bit for bit; on more iterations they train longer", (t) =>
  withDir(async (root) => {
    const data = await realDataset("mnist", 1000);
    const source = await runExperiment({ hp: hp({ pruning: { levels: 2, controls: ["reinit"] } }), defaults, root, dataset: data, threads: 1 });
    const name = basename(source.store.dir);

    // Same training settings: level 0 and level 2 (ticket and reinit control) are the source's runs again.
    const same = await runExperiment({
      hp: hp({ pruning: { masksFrom: name, maskLevels: [2, 0], controls: ["reinit"] } }),
      defaults,
      root,
      dataset: data,
      threads: 1,
    });
    t.not(same.store.dir, source.store.dir, "an experiment of its own, named after its settings");
    t.deepEqual(
      same.summaries.map((s) => `${s.level}/${s.branch}`),
      ["0/ticket", "2/ticket", "2/reinit"],
    );
    t.deepEqual(bytes(same.store.loadTrialWeights(0, "theta0")!), bytes(source.store.loadTrialWeights(0, "theta0")!), "θ0 is the source's");
    for (const id of [run(0), run(2), run(2, "reinit")]) {
      t.deepEqual(same.store.loadMask(id), source.store.loadMask(id), `${id.level}/${id.branch}: the source's mask`);
      t.deepEqual(bytes(same.store.loadFinal(id)), bytes(source.store.loadFinal(id)), `${id.level}/${id.branch}: the source's final weights`);
      const strip = (s: object) => ({ ...s, seconds: 0, step_ms: 0 });
      t.deepEqual(strip(same.store.summary(id)!), strip(source.store.summary(id)!));
    }

    // More iterations: the same masks and start, trained longer; level 1 is not trained.
    const longer = await runExperiment({
      hp: hp({ training: { iterations: 300 }, pruning: { masksFrom: name, maskLevels: [2], controls: ["reinit"] } }),
      defaults,
      root,
      dataset: data,
      threads: 1,
    });
    t.deepEqual(
      longer.summaries.map((s) => `${s.level}/${s.branch}/${s.iterations}`),
      ["2/ticket/300", "2/reinit/300"],
    );
    t.deepEqual(longer.store.loadMask(run(2)), source.store.loadMask(run(2)));
    t.is(longer.store.summary(run(2))!.pm, source.store.summary(run(2))!.pm);
    // The first evaluation is of the start weights (θ0 ⊙ mask, and the control's reinitialization): the source's.
    for (const id of [run(2), run(2, "reinit")])
      t.deepEqual(longer.store.metrics(id)[0], source.store.metrics(id)[0], `${id.branch} starts where the source's did`);

    // Rerunning resumes; adding a level extends the same experiment.
    const skipped: string[] = [];
    const again = await runExperiment({
      hp: hp({ training: { iterations: 300 }, pruning: { masksFrom: name, maskLevels: [2, 1], controls: ["reinit"] } }),
      defaults,
      root,
      dataset: data,
      threads: 1,
      events: { onRunDone: (id, _s, wasSkipped) => wasSkipped && skipped.push(`${id.level}/${id.branch}`) },
    });
    t.is(again.store.dir, longer.store.dir);
    t.deepEqual(skipped, ["2/ticket", "2/reinit"]);
    t.deepEqual(
      again.summaries.map((s) => `${s.level}/${s.branch}`),
      ["1/ticket", "1/reinit", "2/ticket", "2/reinit"],
    );
  }));

test("bad input: one flag without the other, pruning or rewinding with imported masks, an unknown or unfinished or different source", (t) =>
  withDir(async (root) => {
    const data = await realDataset("mnist", 1000);
    const go = (o: Overrides) => runExperiment({ hp: hp(o), defaults, root, dataset: data, threads: 1 });
    await t.throwsAsync(() => go({ pruning: { maskLevels: [1] } }), { message: /--mask-levels needs --masks-from/ });
    const source = await go({ pruning: { levels: 1 } });
    const name = basename(source.store.dir);
    await t.throwsAsync(() => go({ pruning: { masksFrom: name } }), { message: /needs --mask-levels: the levels of that experiment/ });
    await t.throwsAsync(() => go({ pruning: { masksFrom: name, maskLevels: [1], levels: 2 } }), { message: /leave out --levels and --one-shot/ });
    await t.throwsAsync(() => go({ pruning: { masksFrom: name, maskLevels: [1], oneShot: [0.5] } }), { message: /leave out --levels and --one-shot/ });
    await t.throwsAsync(() => go({ pruning: { masksFrom: name, maskLevels: [1], strategy: "rewind:50" } }), {
      message: /--strategy rewind:50 would need the source's trained weights/,
    });
    await t.throwsAsync(() => go({ pruning: { masksFrom: "lenet_300_100_0000000000000000", maskLevels: [1] } }), {
      message: /lenet_300_100_0000000000000000 is not an experiment directory \(no hparams\.json\)/,
    });
    await t.throwsAsync(() => go({ pruning: { masksFrom: name, maskLevels: [1, 3] } }), { message: /has no finished trial 0 level 3: finish them/ });
    await t.throwsAsync(() => go({ pruning: { masksFrom: name, maskLevels: [1], trials: 2 } }), { message: /has no finished trial 1 level 1/ });
    await t.throwsAsync(() => go({ training: { seed: 7 }, pruning: { masksFrom: name, maskLevels: [1] } }), {
      message: /trained another network or θ0 \(seed: 0 there, 7 here\)/,
    });
    await t.throwsAsync(() => go({ model: { init: "kaiming_normal" }, pruning: { masksFrom: name, maskLevels: [1] } }), {
      message: /init: "glorot_normal" there, "kaiming_normal" here/,
    });
    t.throws(() => hp({ pruning: { masksFrom: "../elsewhere", maskLevels: [1] } }), { message: /invalid --masks-from "\.\.\/elsewhere"/ });
    const { MemoryStore } = await import("../../src/store/run-store.js");
    await t.throwsAsync(() => runExperiment({ hp: hp({ pruning: { masksFrom: name, maskLevels: [1] } }), defaults, store: new MemoryStore(), dataset: data }), {
      message: /--masks-from reads another experiment's files: give `root`/,
    });
  }));
