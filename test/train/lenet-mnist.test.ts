// LeNet-300-100 on real MNIST through the library API: learning, determinism, early stopping.
import test from "ava";
import { BASE_DEFAULTS } from "../../src/hparams/schema.js";
import { defaultsFor, resolveHparams } from "../../src/hparams/resolve.js";
import { getModel } from "../../src/models/registry.js";
import { Session } from "../../src/session.js";
import { realDataset } from "../helpers/data.js";

function hparams(overrides: { training?: Record<string, unknown>; model?: Record<string, unknown> } = {}) {
  return resolveHparams(defaultsFor(getModel("lenet_300_100")), { training: { iterations: 300, ...overrides.training }, model: overrides.model });
}

test("300 iterations of LeNet-300-100 on real MNIST reach > 85% validation accuracy", async (t) => {
  const hp = hparams();
  const session = await Session.open(hp, { dataset: await realDataset("mnist") });
  session.initialize();
  const result = await session.train();
  t.is(result.iterations, 300);
  t.deepEqual(
    result.history.map((r) => r.iteration),
    [0, 100, 200, 300],
  );
  t.true(result.final.val.accuracy > 0.85, `val accuracy ${result.final.val.accuracy}`);
  t.true(result.final.test.accuracy > 0.85, `test accuracy ${result.final.test.accuracy}`);
  t.true(result.history[0]!.val.accuracy < 0.3, "the untrained network is near chance");
  const best = Math.min(...result.history.map((r) => r.val.loss));
  t.is(result.earlyStop.val.loss, best, "early stop is the evaluation with minimum validation loss");
  t.is(BASE_DEFAULTS.training.evalEvery, 100);
});

test("two runs with the same seeds give bitwise identical weights and metrics (single thread)", async (t) => {
  const data = await realDataset("mnist");
  const runs = [];
  for (let i = 0; i < 2; i++) {
    const hp = hparams({ training: { iterations: 120, evalEvery: 40, seed: 7, dataSeed: 3 }, model: { dropout: 0.2 } });
    const session = await Session.open(hp, { dataset: data });
    session.initialize();
    const result = await session.train();
    runs.push({ weights: session.network.snapshot(), history: result.history });
  }
  t.deepEqual(runs[0]!.history, runs[1]!.history);
  for (const [name, w] of runs[0]!.weights) t.deepEqual(Buffer.from(w.buffer), Buffer.from(runs[1]!.weights.get(name)!.buffer), name);
  // and a different data seed changes the result
  const hp = hparams({ training: { iterations: 120, evalEvery: 40, seed: 7, dataSeed: 4 }, model: { dropout: 0.2 } });
  const session = await Session.open(hp, { dataset: data });
  session.initialize();
  const other = await session.train();
  t.notDeepEqual(other.history, runs[0]!.history);
});
