// `lottery compare`: experiments side by side, labelled by what tells them apart, matched at the
// Pm values they share, with wall times; one model and dataset only.
import test from "ava";
import { defaultsFor, resolveHparams } from "../../src/hparams/resolve.js";
import { getModel } from "../../src/models/registry.js";
import { comparisonCsv, comparisonFigure, comparisonMarkdown, compareReports, selectPms } from "../../src/report/compare.js";
import { renderSvg } from "../../src/report/svg.js";
import type { ReportData } from "../../src/report/types.js";
import { makeReportData } from "./fixtures.js";

const defaults = defaultsFor(getModel("lenet_300_100"));

function experiment(pruning: Record<string, unknown>, oneShotOnly: boolean): ReportData {
  const data = makeReportData({ levels: oneShotOnly ? 0 : 4, trials: 2, branches: ["ticket"], oneShot: oneShotOnly, model: "lenet_300_100" });
  const runs = oneShotOnly ? data.runs.filter((r) => r.kind === "oneshot" || r.level === 0) : data.runs.filter((r) => r.kind === "iterative");
  return { ...data, runs, hparams: resolveHparams(defaults, { pruning }) as unknown as Record<string, unknown> };
}

test("series are labelled by criterion, scope and strategy, matched at shared Pm, and timed", async (t) => {
  const imp = experiment({}, false);
  const raw = experiment({ criterion: "snip", scope: "global" }, true);
  // One-shot targets set from the iterative levels' Pm (as the evidence runs do), up to 0.1% apart.
  const levelPm = (l: number) => imp.runs.find((r) => r.level === l)!.pm;
  const snip = { ...raw, runs: raw.runs.map((r) => (r.kind === "oneshot" ? { ...r, pm: levelPm(r.level) * 1.001 } : r)) };
  const c = compareReports([imp, snip], ["exp/imp", "exp/snip"]);
  t.deepEqual(
    c.series.map((s) => s.label),
    ["magnitude, layerwise, reset, iterative", "snip, global, reset, one-shot"],
  );
  t.true(c.sharedPms.length >= 1, "the one-shot targets match iterative levels");
  const md = comparisonMarkdown(c);
  t.regex(md, /^\| series \| trials \| Pm /);
  t.regex(md, /\| snip, global, reset, one-shot \| 2 \|/);
  // Time to the ticket: iterative sums the levels before it; one-shot at θ0 is the run alone.
  const level1 = c.series[0]!.points.find((p) => p.level === 1)!;
  const dense = c.series[0]!.points.find((p) => p.level === 0)!;
  t.true(Math.abs(level1.secondsToTicket.mean - (level1.seconds.mean + dense.seconds.mean)) < 1e-6);
  const oneShot = c.series[1]!.points[0]!;
  t.is(oneShot.secondsToTicket.mean, oneShot.seconds.mean);
  t.is(
    comparisonCsv(c).split("\n")[0],
    "series,dir,kind,branch,level,pm,trials,early_stop_test_mean,early_stop_test_min,early_stop_test_max,final_test_mean,early_stop_iteration_mean,seconds_mean,seconds_to_ticket_mean",
  );
  const one = selectPms(c, [c.sharedPms[0]! * 0.97]);
  t.deepEqual(one.sharedPms, [c.sharedPms[0]], "--pm picks the nearest shared Pm");
  t.is(comparisonMarkdown(one).split("\n")[0]!.split("|").length, 4 + 2, "series, trials, one Pm and its time (4 cells between 5 bars)");
  const svg = await renderSvg(comparisonFigure(c));
  t.true(svg.includes("snip, global, reset, one-shot") && svg.includes("magnitude, layerwise, reset, iterative"));
});

test("experiments that exclude layers from pruning are compared at the Pm of the pruned layers (the paper's), and the note says so", (t) => {
  const plain = experiment({}, false);
  const withExcluded = (e: ReportData) => ({ ...e, runs: e.runs.map((r) => ({ ...r, pm: 0.05 + 0.95 * r.pm, pmPruned: r.pm })) });
  const a = withExcluded(plain),
    b = withExcluded(experiment({ strategy: "continue" }, false));
  const c = compareReports([a, b], ["a", "b"]);
  t.deepEqual(c.sharedPms, compareReports([plain, experiment({ strategy: "continue" }, false)], ["a", "b"]).sharedPms);
  t.true(c.pmOfPrunedLayers);
  t.regex(comparisonMarkdown(c), /Pm here is the paper's: the fraction kept of the weights pruning acts on\./);
  t.notRegex(comparisonMarkdown(compareReports([plain, plain], ["a", "b"])), /Pm here is the paper's/);
});

test("other differing settings join the label; another model is refused", (t) => {
  const a = experiment({}, false),
    b = { ...experiment({}, false), hparams: resolveHparams(defaults, { training: { lr: 0.01 } }) as unknown as Record<string, unknown> };
  t.deepEqual(
    compareReports([a, b], ["a", "b"]).series.map((s) => s.label),
    ["magnitude, layerwise, reset, lr=0.0012, iterative", "magnitude, layerwise, reset, lr=0.01, iterative"],
  );
  // When the test split is evaluated changes no result: not a label; dropout on one model is.
  const quiet = {
    ...experiment({}, false),
    hparams: resolveHparams(defaults, { training: { evalTest: "improved" }, model: { dropout: 0.5 } }) as unknown as Record<string, unknown>,
  };
  t.deepEqual(
    compareReports([a, quiet], ["a", "c"]).series.map((s) => s.label),
    ["magnitude, layerwise, reset, dropout=0, iterative", "magnitude, layerwise, reset, dropout=0.5, iterative"],
  );
  t.throws(() => compareReports([a, { ...b, model: "conv2", dataset: "cifar10" }], ["a", "b"]), {
    message: /b is conv2 on cifar10, but a is lenet_300_100 on mnist: compare experiments of one dataset and one network/,
  });
});

test("an experiment of another's tickets (--masks-from) is labelled by its source, and its time to a ticket is its run alone", (t) => {
  const own = experiment({}, false);
  const imported = {
    ...experiment({}, false),
    hparams: resolveHparams(defaults, { pruning: { masksFrom: "lenet_300_100_source", maskLevels: [0, 1, 2, 3, 4] } }) as unknown as Record<string, unknown>,
  };
  const c = compareReports([own, imported], ["own", "imported"]);
  t.deepEqual(
    c.series.map((s) => s.label),
    ["magnitude, layerwise, reset, masks found here, iterative", "magnitude, layerwise, reset, masks from lenet_300_100_source, iterative"],
  );
  const level2 = (i: number) => c.series[i]!.points.find((p) => p.level === 2)!;
  t.true(level2(0).secondsToTicket.mean > level2(0).seconds.mean, "found here: the levels before it count");
  t.is(level2(1).secondsToTicket.mean, level2(1).seconds.mean, "imported: the run alone");
  t.regex(comparisonMarkdown(c), /masks from another experiment: the run alone, their finding is the other experiment's/);
  t.notRegex(comparisonMarkdown(compareReports([own, own], ["a", "b"])), /masks from another experiment/);
});

test("a model and its dropout variant (the same weight layers) compare; another network on the same dataset is refused", (t) => {
  const plain = experiment({}, false);
  const withModel = (r: ReportData, model: string): ReportData => {
    const hp = JSON.parse(JSON.stringify(r.hparams)) as { model: { model: string }; dataset: { dataset?: string } };
    hp.model.model = model;
    hp.dataset.dataset = "cifar10"; // the paper's dropout claims are about CIFAR-10
    return { ...r, model, hparams: hp as unknown as Record<string, unknown> };
  };
  const a = withModel(plain, "conv2"),
    b = withModel(experiment({}, false), "conv2_dropout");
  const c = compareReports([a, b], ["a", "b"]);
  t.deepEqual(
    c.series.map((s) => s.label),
    ["magnitude, layerwise, reset, conv2, iterative", "magnitude, layerwise, reset, conv2_dropout, iterative"],
  );
  t.is(c.model, "conv2, conv2_dropout");
  t.true(c.sharedPms.length >= 4, "their levels share their Pm values");
  // The paper's dropout claims come with the pair, whichever is given first, and not with two plain runs.
  t.deepEqual(
    c.paper?.map((p) => p.network),
    ["Conv-2 with and without dropout"],
  );
  t.deepEqual(compareReports([b, a], ["b", "a"]).paper?.[0]?.rows, c.paper?.[0]?.rows);
  t.regex(
    comparisonMarkdown(c),
    /\nAgainst the paper: Conv-2 with and without dropout\.\n\n\| claim \(Conv-2 with and without dropout\) \| the paper \| these experiments \|\n/,
  );
  t.is(compareReports([a, withModel(experiment({ strategy: "continue" }, false), "conv2")], ["a", "c"]).paper, undefined);
  const other = withModel(experiment({}, false), "conv4");
  const wider = { ...other, sparsity: other.sparsity.map((r) => ({ ...r, layers: r.layers.map((l, i) => (i === 0 ? { ...l, total: l.total * 2 } : l)) })) };
  t.throws(() => compareReports([a, wider], ["a", "c"]), {
    message:
      /c is conv4 on mnist, but a is conv2 on mnist: compare experiments of one dataset and one network \(one model, or models with the same weight layers, as conv2 and conv2_dropout\)/,
  });
});
