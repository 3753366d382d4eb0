// The lottery experiment through the library API on real MNIST: pruned weights stay zero,
// strategies start from the right weights, controls run, the store resumes.
import test from "ava";
import { mkdtempSync, rmSync, writeFileSync, readFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defaultsFor, resolveHparams, type Overrides } from "../../src/hparams/resolve.js";
import { runExperiment } from "../../src/lottery/experiment.js";
import { getModel } from "../../src/models/registry.js";
import { ExperimentStore } from "../../src/store/experiment.js";
import { realDataset } from "../helpers/data.js";

const defaults = defaultsFor(getModel("lenet_300_100"));

function hp(overrides: Overrides) {
  return resolveHparams(defaults, {
    training: { iterations: 200, evalEvery: 100, ...overrides.training },
    pruning: { levels: 2, ...overrides.pruning },
    model: overrides.model,
    dataset: { valSize: 1000, ...overrides.dataset },
  });
}

async function withDir<T>(f: (dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), "lottery-exp-"));
  try {
    return await f(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test("reset: each level starts from θ0 on the kept weights, pruned weights stay exactly 0 through training, controls run", (t) =>
  withDir(async (root) => {
    const h = hp({ pruning: { controls: ["reinit", "random-mask"] } });
    const data = await realDataset("mnist", 1000);
    const { store, summaries } = await runExperiment({ hp: h, defaults, root, dataset: data });
    t.deepEqual(
      summaries.map((s) => `${s.level}/${s.branch}`),
      ["0/ticket", "1/ticket", "1/reinit", "1/random-mask", "2/ticket", "2/reinit", "2/random-mask"],
    );
    t.is(summaries[1]!.pm.toFixed(4), (((235200 + 30000) * 0.8 + 900) / 266200).toFixed(4));
    const theta0 = store.loadTrialWeights(0, "theta0")!;
    for (const level of [1, 2]) {
      const id = { trial: 0, kind: "iterative" as const, level, branch: "ticket" as const };
      const mask = store.loadMask(id),
        final = store.loadFinal(id);
      for (const [name, m] of mask) {
        const w = final.get(name)!;
        let nonzeroPruned = 0;
        for (let i = 0; i < m.length; i++) if (!m[i] && !Object.is(w[i], 0)) nonzeroPruned++;
        t.is(nonzeroPruned, 0, `${name} level ${level}: pruned weights are exactly +0 after training`);
      }
      // the random-mask control has the same per-layer counts but a different mask
      const rm = store.loadMask({ ...id, branch: "random-mask" });
      for (const [name, m] of mask) {
        t.is(
          rm.get(name)!.reduce((a, b) => a + b, 0),
          m.reduce((a, b) => a + b, 0),
        );
        t.notDeepEqual(rm.get(name), m);
      }
      t.deepEqual(store.loadMask({ ...id, branch: "reinit" }), mask);
    }
    t.true(theta0.has("fc1.weight"));
    // Each run's first evaluation is of its start weights: level 1 re-evaluates θ0 ⊙ mask1.
    const m0 = store.metrics({ trial: 0, kind: "iterative", level: 0, branch: "ticket" });
    const m1 = store.metrics({ trial: 0, kind: "iterative", level: 1, branch: "ticket" });
    t.is(m0[0]!.iteration, 0);
    t.not(m1.find((m) => m.split === "val")!.loss, m0.find((m) => m.split === "val")!.loss);
  }));

test("reset restores θ0 bit for bit, rewind:K restores the weights of iteration K, continue keeps the trained weights", (t) =>
  withDir(async (root) => {
    const data = await realDataset("mnist", 1000);
    const { Session } = await import("../../src/session.js");
    const { applyMasks, maskWeights } = await import("../../src/prune/masks.js");
    for (const strategy of ["reset", "rewind:50", "continue"]) {
      const h = hp({ pruning: { strategy, levels: 1 } });
      const { store } = await runExperiment({ hp: h, defaults, root, dataset: data });
      const id = { trial: 0, kind: "iterative" as const, level: 1, branch: "ticket" as const };
      const mask = store.loadMask(id);
      const expected =
        strategy === "reset"
          ? store.loadTrialWeights(0, "theta0")!
          : strategy === "continue"
            ? store.loadFinal({ ...id, level: 0 })
            : store.loadTrialWeights(0, "rewind_50")!;
      // Retrain the first evaluation from the expected start: its metrics equal the stored ones.
      const session = await Session.open(h, { dataset: data });
      applyMasks(session.network, mask);
      const start = new Map([...expected].map(([k, v]) => [k, Float32Array.from(v)]));
      maskWeights(start, mask);
      session.network.load(start);
      const r = await session.train({}, { ...h.training, iterations: 1, evalEvery: 1 });
      const stored = store.metrics(id).filter((m) => m.iteration === 0 && m.split === "val")[0]!;
      t.is(r.history[0]!.val.loss, stored.loss, `${strategy}: level 1 started from the expected weights`);
    }
    // rewind:50 saved exactly the weights after 50 iterations of level 0
    const h = hp({ pruning: { strategy: "rewind:50", levels: 1 } });
    const store = ExperimentStore.open(root, h, defaults);
    const rewind = store.loadTrialWeights(0, "rewind_50")!;
    const session = await Session.open(h, { dataset: data });
    session.network.load(store.loadTrialWeights(0, "theta0")!);
    await session.train({}, { ...h.training, iterations: 50, evalEvery: 50 });
    for (const [name, w] of session.network.snapshot()) t.deepEqual(Buffer.from(w.buffer), Buffer.from(rewind.get(name)!.buffer), name);
  }));

test("rerunning resumes: finished runs are skipped, adding levels and controls extends the same experiment", (t) =>
  withDir(async (root) => {
    const data = await realDataset("mnist", 1000);
    const first = await runExperiment({ hp: hp({ pruning: { levels: 1 } }), defaults, root, dataset: data });
    const skipped: string[] = [];
    const second = await runExperiment({
      hp: hp({ pruning: { levels: 2, controls: ["reinit"] } }),
      defaults,
      root,
      dataset: data,
      events: { onRunDone: (id, _s, wasSkipped) => wasSkipped && skipped.push(`${id.level}/${id.branch}`) },
    });
    t.is(first.store.dir, second.store.dir, "extent settings do not change the experiment's directory");
    t.deepEqual(skipped, ["0/ticket", "1/ticket"]);
    t.deepEqual(second.summaries.slice(0, 2), first.summaries);
    t.deepEqual(
      second.summaries.map((s) => `${s.level}/${s.branch}`),
      ["0/ticket", "1/ticket", "1/reinit", "2/ticket", "2/reinit"],
    );
  }));

test("--eval-test best: the test split only when training ends, on the final and the kept early-stop weights; the same accuracies and weights as every, also across an interruption", (t) =>
  withDir(async (root) => {
    const data = await realDataset("mnist", 1000);
    const settings = (evalTest: "every" | "best") => hp({ pruning: { levels: 1 }, training: { evalEvery: 20, evalTest } });
    const every = await runExperiment({ hp: settings("every"), defaults, root, dataset: data, threads: 1 });
    // Level 1 interrupted after a checkpoint (one at every evaluation), then resumed: the checkpoint keeps the copy.
    const level1 = { trial: 0, kind: "iterative" as const, level: 1, branch: "ticket" as const };
    await t.throwsAsync(
      runExperiment({
        hp: settings("best"),
        defaults,
        root,
        dataset: data,
        threads: 1,
        checkpointSeconds: 0,
        events: {
          onProgress: (id, done) => {
            if (id.level === 1 && done >= 130) throw new Error("interrupted");
          },
        },
      }),
      { message: "interrupted" },
    );
    const store = ExperimentStore.open(root, settings("best"), defaults);
    const checkpoint = store.loadCheckpoint(level1)!;
    t.is(checkpoint.state.best?.size, checkpoint.weights.size, "the checkpoint holds a copy of every parameter for the early-stop point");
    const best = await runExperiment({ hp: settings("best"), defaults, root, dataset: data, threads: 1 });
    t.not(best.store.dir, every.store.dir);
    const strip = (s: object) => ({ ...s, seconds: 0, step_ms: 0 });
    t.deepEqual(best.summaries.map(strip), every.summaries.map(strip));
    t.true(
      best.summaries.every((s) => s.early_stop_iteration < 200),
      "the early stops come before the end, so their test pass is the late one",
    );
    for (const level of [0, 1]) {
      const id = { ...level1, level };
      t.deepEqual(best.store.loadFinal(id), every.store.loadFinal(id), `level ${level}: the final weights are restored after the early-stop test pass`);
      const all = every.store.metrics(id),
        some = best.store.metrics(id);
      t.deepEqual(
        some.filter((m) => m.split !== "test"),
        all.filter((m) => m.split !== "test"),
      );
      const summary = best.summaries[level]!;
      const expected = [...new Set([summary.early_stop_iteration, 200])].sort((a, b) => a - b);
      const testRows = some.filter((m) => m.split === "test");
      t.deepEqual(
        testRows.map((m) => m.iteration),
        expected,
        `level ${level}: the test split at the early stop and the end only`,
      );
      t.deepEqual(
        testRows,
        all.filter((m) => m.split === "test" && expected.includes(m.iteration)),
      );
    }
    // Sparse kernels (CSR values take the kept weights) on two threads (the pool reads them): the same too.
    const onTwo = (evalTest: "every" | "best", out: string) =>
      runExperiment({ hp: settings(evalTest), defaults, root: join(root, out), dataset: data, threads: 2, kernelMode: "sparse" });
    const [sparseEvery, sparseBest] = [await onTwo("every", "a"), await onTwo("best", "b")];
    t.is(
      sparseBest.summaries[1]!.kernels.every((k) => k.kernel === "sparse"),
      true,
    );
    t.deepEqual(sparseBest.summaries.map(strip), sparseEvery.summaries.map(strip));
    t.deepEqual(sparseBest.store.loadFinal(level1), sparseEvery.store.loadFinal(level1));
  }));

test("--control-levels trains the controls only at the listed levels; a rerun adds levels to the same experiment, and a bad list is refused before training", (t) =>
  withDir(async (root) => {
    const data = await realDataset("mnist", 1000);
    const settings = (p: Overrides["pruning"]) => hp({ training: { iterations: 100, evalEvery: 50 }, pruning: { controls: ["reinit"], ...p } });
    const stored = (dir: string) =>
      (JSON.parse(readFileSync(join(dir, "hparams.json"), "utf8")) as { pruning: { controlLevels: number[] } }).pruning.controlLevels;
    const first = await runExperiment({ hp: settings({ controlLevels: [2] }), defaults, root, dataset: data });
    t.deepEqual(
      first.summaries.map((s) => `${s.level}/${s.branch}`),
      ["0/ticket", "1/ticket", "2/ticket", "2/reinit"],
    );
    t.is(
      first.store.dir,
      (await runExperiment({ hp: settings({ controlLevels: [1] }), defaults, root, dataset: data })).store.dir,
      "an extent setting: same experiment",
    );
    t.deepEqual(stored(first.store.dir), [1, 2]);
    t.true(existsSync(join(first.store.dir, "trial_0", "level_1", "branch_reinit", "summary.json")));
    // Without the list, the controls go to every level, and the settings say so.
    await runExperiment({ hp: settings({ levels: 3 }), defaults, root, dataset: data });
    t.deepEqual(stored(first.store.dir), []);
    t.true(existsSync(join(first.store.dir, "trial_0", "level_3", "branch_reinit", "summary.json")));
    await t.throwsAsync(() => runExperiment({ hp: settings({ controls: [], controlLevels: [1] }), defaults, root, dataset: data }), {
      message: /--control-levels 1 needs --controls: name the controls to train at those levels, e\.g\. --controls reinit/,
    });
    await t.throwsAsync(() => runExperiment({ hp: settings({ controlLevels: [2, 5] }), defaults, root, dataset: data }), {
      message: /--control-levels 2,5: level 5 is beyond --levels 2; raise --levels or list levels from 1 to 2/,
    });
  }));

test("bad input: unknown strategy, a rate outside (0,1), a store of another configuration, a corrupt mask", (t) =>
  withDir(async (root) => {
    const data = await realDataset("mnist", 1000);
    t.throws(() => hp({ pruning: { strategy: "rewind" } }), { message: /invalid --strategy "rewind": must be matching|must be reset, continue or rewind:K/ });
    t.throws(() => hp({ pruning: { rateFc: 1.2 } }), { message: /invalid --rate-fc 1\.2: must be a number in \(0, 1\)/ });
    const h = hp({ pruning: { levels: 1 } });
    const { store } = await runExperiment({ hp: h, defaults, root, dataset: data });
    // another configuration pointed at the same directory
    const other = hp({ pruning: { levels: 1 }, training: { lr: 0.01 } });
    const before = readFileSync(join(store.dir, "hparams.json"), "utf8");
    t.throws(() => ExperimentStore.openDir(store.dir, other), {
      message: /holds an experiment with a different configuration \(training\.lr: stored 0\.0012, now 0\.01\)/,
    });
    t.is(readFileSync(join(store.dir, "hparams.json"), "utf8"), before, "nothing was changed");
    // a corrupt mask of a finished level: a clear error naming the file, the other files intact
    const maskFile = join(store.dir, "trial_0", "level_1", "mask.lt");
    const bytes = readFileSync(maskFile);
    bytes[bytes.length - 1] = bytes[bytes.length - 1]! ^ 0xff;
    writeFileSync(maskFile, bytes);
    await t.throwsAsync(() => runExperiment({ hp: hp({ pruning: { levels: 2 } }), defaults, root, dataset: data }), {
      message: /corrupt file .*level_1\/mask\.lt: checksum mismatch; delete it \(or the run directory .*level_1\) and rerun/,
    });
    t.true(existsSync(join(store.dir, "trial_0", "level_1", "final.lt")));
    t.true(existsSync(join(store.dir, "trial_0", "level_0", "summary.json")));
  }));

test("one trial at a time: --trial runs only that trial of the experiment (for parallel processes)", (t) =>
  withDir(async (root) => {
    const data = await realDataset("mnist", 1000);
    const h = hp({ pruning: { levels: 1, trials: 2 } });
    const { store, summaries } = await runExperiment({ hp: h, defaults, root, dataset: data, onlyTrial: 1 });
    t.deepEqual([...new Set(summaries.map((s) => s.trial))], [1]);
    t.deepEqual(store.trials(), [1]);
    await t.throwsAsync(() => runExperiment({ hp: h, defaults, root, dataset: data, onlyTrial: 2 }), {
      message: /invalid --trial 2: must be an integer in \[0, 1\]/,
    });
  }));

test("an in-memory store runs the same experiment as the file store (what the browser demo uses)", (t) =>
  withDir(async (root) => {
    const { MemoryStore } = await import("../../src/store/run-store.js");
    const data = await realDataset("mnist", 1000);
    const h = hp({ pruning: { levels: 1, controls: ["reinit"] } });
    const onDisk = await runExperiment({ hp: h, defaults, root, dataset: data, threads: 1 });
    const inMemory = await runExperiment({ hp: h, defaults, store: new MemoryStore(), dataset: data, threads: 1 });
    const strip = (s: { seconds: number; step_ms: number }) => ({ ...s, seconds: 0, step_ms: 0 });
    t.deepEqual(inMemory.summaries.map(strip), onDisk.summaries.map(strip));
    const id = { trial: 0, kind: "iterative" as const, level: 1, branch: "ticket" as const };
    t.deepEqual(inMemory.store.loadMask(id), onDisk.store.loadMask(id));
    await t.throwsAsync(() => runExperiment({ hp: h, defaults, dataset: data } as never), { message: /give `root` \(a directory\) or a `store`/ });
  }));

test("--eval-test improved: the test split only at new validation minima and at the end; the same weights, early-stop and final accuracies", (t) =>
  withDir(async (root) => {
    const data = await realDataset("mnist", 1000);
    const every = await runExperiment({ hp: hp({ pruning: { levels: 1 }, training: { evalEvery: 20 } }), defaults, root, dataset: data, threads: 1 });
    const improved = await runExperiment({
      hp: hp({ pruning: { levels: 1 }, training: { evalEvery: 20, evalTest: "improved" } }),
      defaults,
      root,
      dataset: data,
      threads: 1,
    });
    t.not(improved.store.dir, every.store.dir);
    const strip = (s: object) => ({ ...s, seconds: 0, step_ms: 0 });
    t.deepEqual(improved.summaries.map(strip), every.summaries.map(strip));
    for (const level of [0, 1]) {
      const id = { trial: 0, kind: "iterative" as const, level, branch: "ticket" as const };
      t.deepEqual(improved.store.loadFinal(id), every.store.loadFinal(id));
      const all = every.store.metrics(id),
        some = improved.store.metrics(id);
      t.deepEqual(
        some.filter((m) => m.split !== "test"),
        all.filter((m) => m.split !== "test"),
      );
      // Where the test split was measured: the first evaluation, each new validation minimum, the last.
      let best = Number.POSITIVE_INFINITY;
      const expected: number[] = [];
      for (const m of all.filter((r) => r.split === "val")) {
        if (m.loss < best || m.iteration === 200) expected.push(m.iteration);
        best = Math.min(best, m.loss);
      }
      const testRows = some.filter((m) => m.split === "test");
      t.deepEqual(
        testRows.map((m) => m.iteration),
        expected,
      );
      t.true(expected.length < all.filter((m) => m.split === "test").length, `level ${level}: some evaluations skip the test split (${expected})`);
      t.deepEqual(
        testRows,
        all.filter((m) => m.split === "test" && expected.includes(m.iteration)),
      );
    }
    // The report plots validation accuracy over training there (the test points are sparse).
    const { writeExperimentReport } = await import("../../src/report/collect.js");
    const html = readFileSync((await writeExperimentReport(improved.store.dir)).html, "utf8");
    t.regex(html, /Validation accuracy over training at selected Pm/);
    t.notRegex(html, /Test accuracy over training/);
    // A checkpoint keeps the evaluations without test metrics as they are (a resumed run goes on from them).
    const id = { trial: 0, kind: "iterative" as const, level: 2, branch: "ticket" as const };
    const history = [
      { iteration: 0, trainLoss: NaN, val: { loss: 2, accuracy: 0.1 }, test: { loss: 2.1, accuracy: 0.1 } },
      { iteration: 20, trainLoss: 1.5, val: { loss: 2.2, accuracy: 0.2 }, test: null },
    ];
    improved.store.saveCheckpoint(id, { iteration: 20, seconds: 1, optimizer: new Map(), history }, improved.store.loadFinal({ ...id, level: 1 }));
    t.deepEqual(improved.store.loadCheckpoint(id)!.state.history, history);
  }));
