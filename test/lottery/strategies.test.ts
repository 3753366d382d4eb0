// The strategy registry is the single source of the strategies: the schema's validation and
// description (so --help) and the experiment's dispatch all come from STRATEGIES.
import test from "ava";
import { defaultsFor, resolveHparams } from "../../src/hparams/resolve.js";
import { PruningHparams } from "../../src/hparams/schema.js";
import { STRATEGIES, STRATEGY_CHOICES, STRATEGY_DESCRIPTIONS, STRATEGY_PATTERN, parseStrategy } from "../../src/lottery/strategies/index.js";
import { getModel } from "../../src/models/registry.js";

const defaults = defaultsFor(getModel("lenet_300_100"));

test("the registry lists reset, continue and rewind:K, and the texts derived from it are the ones --help always printed", (t) => {
  t.deepEqual(
    STRATEGIES.map((s) => [s.name, s.parameter?.name ?? null]),
    [
      ["reset", null],
      ["continue", null],
      ["rewind", "K"],
    ],
  );
  t.is(STRATEGY_CHOICES, "reset, continue or rewind:K (K an iteration)");
  t.is(STRATEGY_DESCRIPTIONS, "reset (to θ0), continue (trained values) or rewind:K (values at iteration K of level 0)");
  t.is(PruningHparams.shape.strategy.description, `what the kept weights start each level from: ${STRATEGY_DESCRIPTIONS}`);
});

test("validation accepts exactly the registered forms and names them when it refuses", (t) => {
  for (const ok of ["reset", "continue", "rewind:0", "rewind:100"]) {
    t.true(STRATEGY_PATTERN.test(ok), ok);
    t.is(resolveHparams(defaults, { pruning: { strategy: ok } }).pruning.strategy, ok);
  }
  for (const bad of ["rewind", "rewind:", "rewind:x", "rewind:-1", "reset:1", "continue:2", "Reset", "late", ""]) {
    t.false(STRATEGY_PATTERN.test(bad), bad);
    t.throws(() => resolveHparams(defaults, { pruning: { strategy: bad } }), { message: /must be reset, continue or rewind:K \(K an iteration\)/ }, bad);
  }
});

test("dispatch: each registered strategy is made from its --strategy value, with rewind's K checked against the iterations", (t) => {
  const weights = (tag: number) => new Map([["w", Float32Array.of(tag)]]);
  const ctx = { theta0: weights(0), previousFinal: weights(1), rewind: weights(2) };
  const reset = parseStrategy("reset");
  t.is(reset.name, "reset");
  t.is(reset.rewindIteration, null);
  t.is(reset.start(ctx), ctx.theta0);
  const cont = parseStrategy("continue");
  t.is(cont.name, "continue");
  t.is(cont.start(ctx), ctx.previousFinal);
  const rewind = parseStrategy("rewind:100", 2000);
  t.is(rewind.name, "rewind:100");
  t.is(rewind.rewindIteration, 100);
  t.is(rewind.start(ctx), ctx.rewind);
  t.throws(() => rewind.start({ ...ctx, rewind: null }), { message: /rewind:100: the weights of iteration 100 were not saved during level 0/ });
  t.throws(() => parseStrategy("rewind:3000", 2000), { message: "invalid --strategy rewind:3000: the rewind iteration must be at most --iterations (2000)" });
  for (const bad of ["rewind", "reset:1", "late"]) {
    t.throws(() => parseStrategy(bad), {
      message: `unknown strategy "${bad}": use reset (to θ0), continue (trained values) or rewind:K (values at iteration K of level 0)`,
    });
  }
});
