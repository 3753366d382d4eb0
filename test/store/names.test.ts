// Experiment names are a promise to every stored experiment: the same settings must keep naming
// the same directory across versions (a rerun resumes instead of starting over), and an
// experiment written before a hyperparameter field existed must still open.
import test from "ava";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defaultsFor, resolveHparams } from "../../src/hparams/resolve.js";
import { getModel } from "../../src/models/registry.js";
import { ExperimentStore } from "../../src/store/experiment.js";
import { sealJson, unsealJson } from "../../src/store/sealed-json.js";

function named(model: string, overrides: Parameters<typeof resolveHparams>[1]): string {
  const defaults = defaultsFor(getModel(model));
  return ExperimentStore.experimentName(resolveHparams(defaults, overrides), defaults);
}

test("pinned names: the paper's settings and the experiments in docs/results keep their directories", (t) => {
  // conv2_270bf18a… is the Conv-2 5,000-iteration experiment of docs/results (issue 14), in progress across sessions.
  // Extent settings (levels, trials, controls, one-shot targets) are not part of the name.
  t.is(named("lenet_300_100", { pruning: { levels: 18, controls: ["reinit"], trials: 3 } }), named("lenet_300_100", {}));
  t.is(named("lenet_300_100", {}), "lenet_300_100_b6c11660b8c987d3");
  t.is(named("conv2", { training: { iterations: 1000, evalEvery: 200 }, pruning: { levels: 14 } }), "conv2_36e89e9e039ae1dd");
  t.is(named("conv2", { training: { iterations: 5000, evalEvery: 250 } }), "conv2_270bf18a6a9943af");
  t.is(named("lenet_300_100", { pruning: { strategy: "continue" } }), "lenet_300_100_3f78b5002ebc48f0");
});

test("an experiment written before a field existed opens, and still refuses a real difference", (t) => {
  const root = mkdtempSync(join(tmpdir(), "lottery-names-"));
  try {
    const defaults = defaultsFor(getModel("lenet_300_100"));
    const hp = resolveHparams(defaults, { training: { iterations: 10 } });
    const store = ExperimentStore.open(root, hp, defaults);
    // Rewrite hparams.json as an older version would have: without the field training.gamma.
    const file = join(store.dir, "hparams.json");
    const old = unsealJson(readFileSync(file, "utf8")) as { training: Record<string, unknown> };
    delete old.training.gamma;
    writeFileSync(file, JSON.stringify(sealJson(old)));
    const reopened = ExperimentStore.open(root, hp, defaults);
    t.is(reopened.dir, store.dir);
    t.is(reopened.hp.training.gamma, defaults.training.gamma);
    t.is(ExperimentStore.read(store.dir).hp.training.gamma, defaults.training.gamma, "read() fills the missing field too");
    t.throws(() => ExperimentStore.openDir(store.dir, resolveHparams(defaults, { training: { iterations: 10, gamma: 0.5 } })), {
      message: /different configuration \(training\.gamma: stored 0\.1, now 0\.5\)/,
    });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
