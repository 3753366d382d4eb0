// Times each pruning criterion choosing one-shot masks for trial 0 of an experiment's settings
// (what `lottery run` does before a pruned run trains): the scoring cost the run times leave out.
//   node --import=tsx scripts/criteria-timing.ts [--pm 0.108279,0.035826,0.018509] [--scope global]
import { enableNodeRelaxedSimd } from "../src/kernels/index.js";
import { defaultsFor, resolveHparams } from "../src/hparams/resolve.js";
import { getModel } from "../src/models/registry.js";
import { CRITERIA } from "../src/prune/criteria/index.js";
import { fullMasks } from "../src/prune/masks.js";
import { levelForPm } from "../src/prune/plan.js";
import { pruneTarget, trialTraining } from "../src/lottery/settings.js";
import { Session } from "../src/session.js";

await enableNodeRelaxedSimd();
const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1]! : fallback;
};
const pms = arg("pm", "0.108279,0.035826,0.018509").split(",").map(Number);
const model = getModel(arg("model", "lenet_300_100"));
const defaults = defaultsFor(model);
for (const criterion of CRITERIA) {
  const scope = criterion.name === "magnitude" || criterion.name === "random" ? "layerwise" : arg("scope", "global");
  const hp = resolveHparams(defaults, { pruning: { criterion: criterion.name, scope } });
  const session = await Session.open(hp, { threads: 1 });
  try {
    const training = trialTraining(hp, 0);
    const theta0 = session.initialize(training.seed);
    const input = session.input(training),
      one = new Uint32Array(1),
      data = session.data;
    const target = pruneTarget(hp);
    for (const pm of pms) {
      const t0 = performance.now();
      criterion.prune({
        network: session.network,
        target,
        masks: fullMasks(session.network),
        level: levelForPm(session.network, target, pm),
        trained: theta0,
        start: theta0,
        data: {
          split: data.train,
          classes: data.classes,
          indexAt: (p) => input.batchIndices(p, one)[0]!,
          fill: (idx, x, l) => input.fill(data.train, idx, x, l),
        },
        trialSeed: training.seed,
        tag: `oneshot-${pm}`,
      });
      console.log(`${criterion.name} (${scope}) to Pm ${pm}: ${((performance.now() - t0) / 1000).toFixed(2)} s`);
    }
  } finally {
    await session.close();
  }
}
