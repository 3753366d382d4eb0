// The report's "Against the paper" table: the paper's numbers for LeNet and Conv-2/4/6 beside the
// same quantities computed from an experiment's runs (means over trials): the best early-stop
// factor and every level reaching it, the largest accuracy gain, how far down tickets stay at or
// above dense (with the noisy exceptions named), the reinit gap at the paper's point, and notes on
// what makes a factor a lower bound. Other networks and other methods get no table.
import test from "ava";
import { deepPaperComparison, dropoutComparison, paperComparison, paperComparisonMarkdown, scopeComparison } from "../../src/report/paper.js";
import { PAPER_CLAIMS } from "../../src/report/paper-claims.js";
import { renderHtml } from "../../src/report/html.js";
import type { Branch, RunRecord } from "../../src/report/types.js";
import { makeReportData } from "./fixtures.js";

function run(level: number, branch: Branch, pm: number, earlyStop: number, accuracy: number, trial = 0, iterations = 5000): RunRecord {
  return {
    trial,
    level,
    kind: "iterative",
    branch,
    pm,
    iterations,
    earlyStopIteration: earlyStop,
    earlyStopValLoss: 1,
    earlyStopValAccuracy: accuracy,
    earlyStopTestAccuracy: accuracy,
    finalValAccuracy: accuracy,
    finalTestAccuracy: accuracy,
    seconds: 1,
    stepMs: 1,
    threads: 1,
    kernelMode: "auto",
    simd: "relaxed",
    sparseLayers: [],
  };
}

const CONV2 = { model: { model: "conv2" }, dataset: {}, training: { iterations: 5000, evalEvery: 250 }, pruning: {} };

// Two trials; the dense network stops at 3,000 (mean); two levels tie for the fastest stop; one
// denser level is a hair below dense; the two sparsest are below it.
const RUNS: RunRecord[] = [
  run(0, "ticket", 1, 3000, 0.69, 0),
  run(0, "ticket", 1, 3000, 0.71, 1),
  run(1, "ticket", 0.5, 2000, 0.699, 0),
  run(1, "ticket", 0.5, 2000, 0.699, 1),
  run(2, "ticket", 0.2, 1500, 0.72, 0),
  run(2, "ticket", 0.2, 1500, 0.73, 1),
  run(3, "ticket", 0.09, 1500, 0.71, 0),
  run(3, "ticket", 0.09, 1500, 0.71, 1),
  run(4, "ticket", 0.05, 2500, 0.69, 0),
  run(4, "ticket", 0.05, 2500, 0.69, 1),
  run(5, "ticket", 0.03, 3000, 0.6, 0),
  run(5, "ticket", 0.03, 3000, 0.6, 1),
  run(3, "reinit", 0.09, 5000, 0.6, 0),
  run(3, "reinit", 0.09, 4500, 0.62, 1),
  run(5, "reinit", 0.03, 5000, 0.5, 0),
  run(5, "reinit", 0.03, 5000, 0.5, 1),
];

test("Conv-2's claims beside an experiment's means over trials", (t) => {
  const c = paperComparison(CONV2, RUNS)!;
  t.truthy(c);
  t.is(c.network, "Conv-2");
  t.deepEqual(
    c.rows.map((r) => r.paper),
    [
      "3.5x at Pm 8.8%",
      "+3.4 pp at Pm 4.6%",
      "above dense while Pm > 2% (all three Conv networks)",
      PAPER_CLAIMS.conv2!.finalAccuracy,
      PAPER_CLAIMS.conv2!.reinit.text,
    ],
  );
  t.deepEqual(
    c.rows.map((r) => r.measured),
    [
      "2.00x at Pm 20.0% to 9.0% (2 levels): dense at 3,000, tickets at 1,500",
      "+2.50 pp at Pm 20.0% (dense 70.00%, ticket 72.50%)",
      "at or above dense down to Pm 9.0%, except Pm 50.0% (−0.10 pp); below at Pm 5.0% to 3.0% (2 levels), first Pm 5.0% (−1.00 pp)",
      "+2.50 pp at Pm 20.0% at iteration 5,000 (dense 70.00%, ticket 72.50%); the paper's networks train 20,000 iterations",
      // The reinit level nearest the paper's Pm 8.8% is level 3; one of its controls stopped at its last evaluation.
      "at Pm 9.0% tickets stop 3.17x sooner (1,500 vs 4,750, the controls still improving at their end: a lower bound) and test +10.00 pp higher (71.00% vs 61.00%)",
    ],
  );
  t.regex(
    c.notes[0]!,
    /^The paper: Conv-2, its section 3 and Figure 5; means of 5 trials, 20,000 iterations per level, evaluation every 100\. This experiment: means of 2 trials, 5,000 iterations per level, evaluation every 250, 5 pruned levels down to Pm 3\.0%\./,
  );
  t.is(c.notes.length, 1, "the dense network reached its minimum before the end");
  const md = paperComparisonMarkdown(c);
  t.true(md.startsWith("| claim (Conv-2) | the paper | this experiment |\n|---|---|---|\n| tickets reach minimum validation loss sooner"));
});

test("a dense network still improving at the end, masks from another experiment, and tickets never at dense are said so", (t) => {
  const runs = [run(0, "ticket", 1, 5000, 0.7), run(11, "ticket", 0.088, 2500, 0.65), run(13, "ticket", 0.057, 2500, 0.6)];
  const c = paperComparison({ ...CONV2, pruning: { masksFrom: "conv2_270bf18a6a9943af" } }, runs)!;
  t.is(c.rows[0]!.measured, "2.00x at Pm 8.8% to 5.7% (2 levels): dense at 5,000, tickets at 2,500");
  t.is(c.rows[2]!.measured, "below dense at every pruned level (Pm 8.8% (−5.00 pp) at the first)");
  t.is(c.rows.length, 4, "no reinit row without reinit controls");
  const orphan = paperComparison(CONV2, [...runs, run(12, "reinit", 0.07, 5000, 0.5)])!;
  t.is(orphan.rows.length, 4, "nor for a control whose ticket did not finish (diverged)");
  t.regex(c.notes[0]!, /1 trial, 5,000 iterations per level, evaluation every 250, masks from conv2_270bf18a6a9943af \(levels 0, 11, 13 only\)\./);
  t.regex(
    c.notes[1]!,
    /^The dense network was still improving at its last evaluation: its early-stop iteration, and so every factor against it, is a lower bound/,
  );
});

test("LeNet's claims use its own numbers; every level at or above dense says it reached the sparsest level", (t) => {
  const c = paperComparison({ model: { model: "lenet_300_100" }, training: { iterations: 50000, evalEvery: 100 } }, [
    run(0, "ticket", 1, 5000, 0.98, 0, 50000),
    run(7, "ticket", 0.21, 3000, 0.983, 0, 50000),
    run(7, "reinit", 0.21, 7500, 0.978, 0, 50000),
  ])!;
  t.deepEqual(
    c.rows.map((r) => r.paper),
    [
      "38% sooner (1.61x) at Pm 21%",
      "more than +0.3 pp at Pm 13.5%",
      "back to the dense accuracy at Pm 3.6%",
      "up to +0.35 pp at iteration 50,000, where almost every network has 100% training accuracy",
      "tickets stop 2.51x sooner and test 0.5 pp higher at Pm 21%",
    ],
  );
  t.is(c.rows[2]!.measured, "at or above dense down to Pm 21.0% (the sparsest level measured)");
  t.is(c.rows[3]!.measured, "+0.30 pp at Pm 21.0% at iteration 50,000 (dense 98.00%, ticket 98.30%)", "the paper's length: nothing to add");
  t.is(c.rows[4]!.measured, "at Pm 21.0% tickets stop 2.50x sooner (3,000 vs 7,500) and test +0.50 pp higher (98.30% vs 97.80%)");
});

test("no table for other networks, a --model-file network, another dataset or method, or without a dense and a pruned level", (t) => {
  t.is(paperComparison({ ...CONV2, model: { model: "resnet20" } }, RUNS), null);
  t.is(paperComparison({ ...CONV2, model: { model: "conv2_dropout" } }, RUNS), null, "the dropout claims are relative to the plain network");
  t.is(paperComparison({ ...CONV2, model: { model: "conv2", network: "0123456789abcdef" } }, RUNS), null);
  t.is(paperComparison({ ...CONV2, dataset: { dataset: "cifar100" } }, RUNS), null);
  for (const pruning of [{ strategy: "continue" }, { strategy: "rewind:100" }, { criterion: "snip" }, { scope: "global" }])
    t.is(paperComparison({ ...CONV2, pruning }, RUNS), null, JSON.stringify(pruning));
  t.is(
    paperComparison(
      CONV2,
      RUNS.filter((r) => r.level !== 0),
    ),
    null,
  );
  t.is(
    paperComparison(
      CONV2,
      RUNS.filter((r) => r.level === 0),
    ),
    null,
  );
  t.is(paperComparison(CONV2, []), null);
});

test("the report page has the section for a paper network and not for another", (t) => {
  const lenet = makeReportData({ model: "lenet_300_100" });
  lenet.hparams = { model: { model: "lenet_300_100" }, training: { iterations: 5000, evalEvery: 250 }, pruning: {} };
  const html = renderHtml(lenet, []);
  t.regex(html, /<section id="paper">\n<h2>Against the paper<\/h2>/);
  t.regex(html, /<th>Claim \(LeNet-300-100\)<\/th><th>The paper<\/th><th>This experiment<\/th>/);
  t.regex(html, /<td>38% sooner \(1\.61x\) at Pm 21%<\/td>/);
  const other = makeReportData({ model: "mlp" });
  other.hparams = { model: { model: "mlp" } };
  t.false(renderHtml(other, []).includes('id="paper"'));
});

test("Conv-2 with dropout against Conv-2 without: the paper's section-3 dropout numbers beside both experiments", (t) => {
  const plain = { hparams: CONV2, runs: RUNS };
  const dropout = {
    hparams: { ...CONV2, model: { model: "conv2_dropout" } },
    runs: [run(0, "ticket", 1, 5000, 0.72), run(1, "ticket", 0.5, 4000, 0.735), run(2, "ticket", 0.2, 2500, 0.74), run(3, "ticket", 0.09, 2500, 0.73)],
  };
  const c = dropoutComparison(dropout, plain)!;
  t.deepEqual(dropoutComparison(plain, dropout), c, "either order");
  t.is(c.network, "Conv-2 with and without dropout");
  t.deepEqual(
    c.rows.map((r) => [r.paper, r.measured]),
    [
      ["+2.10 pp (Conv-2, mean)", "+2.00 pp (72.00% with dropout, 70.00% without)"],
      ["up to +2.30 pp more (Conv-2, mean)", "+2.00 pp at Pm 20.0% (without dropout: +2.50 pp at Pm 20.0%)"],
      [
        "yes, as without dropout, but less markedly for Conv-2",
        "with dropout 2.00x at Pm 20.0% to 9.0% (2 levels): dense at 5,000, tickets at 2,500; without 2.00x at Pm 20.0% to 9.0% (2 levels): dense at 3,000, tickets at 1,500",
      ],
    ],
  );
  t.regex(
    c.notes[0]!,
    /^The paper: Conv-2 with dropout 0\.5 \(Adam 0\.0003\) against its section-3 runs without; .* Here, with dropout: 1 trial, 5,000 iterations per level, evaluation every 250, 3 pruned levels down to Pm 9\.0%; without: means of 2 trials, /,
  );
  t.regex(c.notes[1]!, /^The dense network with dropout was still improving at its last evaluation/);
  t.true(paperComparisonMarkdown(c).startsWith("| claim (Conv-2 with and without dropout) | the paper | these experiments |"));
  t.is(dropoutComparison(plain, plain), null);
  t.is(dropoutComparison(dropout, { ...plain, hparams: { ...CONV2, model: { model: "conv4" } } }), null, "Conv-2 with dropout against Conv-4");
  t.is(dropoutComparison(dropout, { ...plain, hparams: { ...CONV2, pruning: { scope: "global" } } }), null);
});

test("ResNet-20 and VGG-19: the paper's section-4 finding for the experiment's rate and warmup, by final test accuracy", (t) => {
  const resnet = (lr: number, warmupIterations: number) => ({
    model: { model: "resnet20" },
    dataset: {},
    training: { lr, warmupIterations, iterations: 3000, evalEvery: 250 },
    pruning: { scope: "global" },
  });
  // Final accuracies: dense 0.90; tickets 0.905 (Pm 51.2%), 0.895 (21.0%), 0.88 (8.6%); reinit 0.9, 0.88, 0.85.
  const runs = [
    run(0, "ticket", 1, 3000, 0.9, 0, 3000),
    run(3, "ticket", 0.512, 2000, 0.905, 0, 3000),
    run(7, "ticket", 0.21, 2000, 0.895, 0, 3000),
    run(11, "ticket", 0.086, 2000, 0.88, 0, 3000),
    run(3, "reinit", 0.512, 3000, 0.9, 0, 3000),
    run(7, "reinit", 0.21, 3000, 0.88, 0, 3000),
    run(11, "reinit", 0.086, 3000, 0.885, 0, 3000),
  ];
  const warm = deepPaperComparison(resnet(0.03, 2000), runs)!;
  t.is(warm.network, "ResNet-20");
  t.deepEqual(
    warm.rows.map((r) => [r.claim, r.paper, r.measured]),
    [
      [
        "what iterative pruning finds at rate 0.03 with warmup",
        "with a 20,000-iteration warmup, winning tickets while Pm ≥ 11.8%",
        "tickets at or above dense (90.00%) down to Pm 51.2%; the best 90.50% at Pm 51.2% (+0.50 pp)",
      ],
      [
        "tickets against randomly reinitialized controls",
        "above reinit as they are pruned",
        "tickets above their controls at 2 of 3 levels (Pm 51.2%: +0.50 pp, Pm 21.0%: +1.50 pp, Pm 8.6%: −0.50 pp)",
      ],
      ["the best ticket", "90.5% at Pm 27.1%", "90.50% at Pm 51.2%"],
    ],
  );
  t.regex(
    warm.notes[0]!,
    /^The paper: ResNet-20, its section 4 and Figure 8; means of 5 trials, 30,000 iterations per level, test accuracy at 10K, 20K and 30K iterations\. This experiment: 1 trial, 3,000 iterations per level, evaluation every 250, 3 pruned levels down to Pm 8\.6%; /,
  );
  t.regex(warm.notes[0]!, /test accuracy at the end of training \(iteration 3,000, the paper's schedule shortened with its warmup and decays scaled\)\.$/);
  t.is(deepPaperComparison(resnet(0.1, 0), runs)!.rows[1]!.paper, "no better than reinit");
  t.is(deepPaperComparison(resnet(0.1, 0), runs)!.rows[0]!.paper, "no winning tickets");
  t.regex(
    deepPaperComparison(resnet(0.05, 0), runs)!.rows[0]!.paper,
    /^the paper did not train ResNet-20 at this rate \(it reports 0\.1, 0\.01, 0\.03 with warmup\)$/,
  );
  const vgg = deepPaperComparison({ ...resnet(0.01, 0), model: { model: "vgg19" } }, runs)!;
  t.is(vgg.rows[0]!.paper, "the subnetworks stay within 1 pp of the dense accuracy while Pm ≥ 3.5% (not winning tickets: they do not reach it)");
  t.is(deepPaperComparison({ ...resnet(0.03, 2000), pruning: { scope: "layerwise" } }, runs), null, "the paper prunes these globally");
  t.is(deepPaperComparison({ ...resnet(0.03, 2000), model: { model: "conv2" } }, runs), null);
  t.is(paperComparison(resnet(0.03, 2000), runs), null, "sections 2-3 do not cover ResNet-20");
  t.is(warm.notes.length, 1, "no Pm note when nothing is excluded");

  // With the shortcuts and output layer excluded, the claims are read at the paper's Pm (of the
  // pruned layers), and a note says so.
  const excluded = runs.map((r) => ({ ...r, pm: r.pm + 0.01, pmPruned: r.pm }));
  const paperPm = deepPaperComparison(resnet(0.03, 2000), excluded)!;
  t.deepEqual(
    paperPm.rows.map((r) => r.measured),
    warm.rows.map((r) => r.measured),
  );
  t.regex(paperPm.notes[1]!, /^Pm here is the paper's: the fraction kept of the weights pruning acts on\./);
});

test("VGG-19 pruned globally against layer-wise at the Pm both reached (one-shot here): the paper's appendix I.1 beside them", (t) => {
  const vgg = (scope: string) => ({ model: { model: "vgg19" }, dataset: {}, training: { iterations: 2812, evalEvery: 250 }, pruning: { scope } });
  const oneShot = (pm: number, accuracy: number): RunRecord => ({ ...run(0, "ticket", pm, 2000, accuracy, 0, 2812), kind: "oneshot", level: pm });
  const global = { hparams: vgg("global"), runs: [run(0, "ticket", 1, 2812, 0.9, 0, 2812), oneShot(0.086, 0.905)] };
  const layerwise = { hparams: vgg("layerwise"), runs: [run(0, "ticket", 1, 2812, 0.9, 0, 2812), oneShot(0.0861, 0.88), oneShot(0.2, 0.9)] };
  const c = scopeComparison(layerwise, global)!;
  t.deepEqual(scopeComparison(global, layerwise), c, "either order");
  t.is(c.network, "VGG-19, global against layer-wise pruning");
  t.deepEqual(
    c.rows.map((r) => [r.claim, r.paper, r.measured]),
    [
      [
        "at Pm 8.6% (one-shot): global against layer-wise pruning, test accuracy at the end of training",
        "global pruning finds smaller winning tickets than layer-wise pruning (appendix I.1)",
        "global 90.50% (+0.50 pp against its dense 90.00%); layer-wise 88.00% (−2.00 pp against its dense 90.00%); difference +2.50 pp",
      ],
    ],
  );
  t.is(scopeComparison(global, global), null, "the same scope");
  t.is(scopeComparison(global, { ...layerwise, hparams: { ...vgg("layerwise"), model: { model: "resnet20" } } }), null, "two networks");
  t.is(
    scopeComparison(
      { ...global, hparams: { ...vgg("global"), model: { model: "conv2" } } },
      { ...layerwise, hparams: { ...vgg("layerwise"), model: { model: "conv2" } } },
    ),
    null,
  );
  t.is(scopeComparison(global, { ...layerwise, runs: layerwise.runs.filter((r) => r.pm > 0.1) }), null, "no Pm in common");
});
