import test from "ava";
import { accuracyOverTraining, accuracyVsPm, buildFigures, earlyStopVsPm, finalAccuracyVsPm, magnitudes } from "../../src/report/figures.js";
import { renderSvg } from "../../src/report/svg.js";
import { compileToVega } from "../../src/report/vega.js";
import { makeMagnitudes, makeReportData } from "./fixtures.js";
import { assertBalancedXml, xAxisLabels } from "./svg-helpers.js";

const PM_AXIS = "Weights remaining, Pm (%, log scale)";

/** Title and axis titles each figure must show. */
const EXPECTED: Record<string, string[]> = {
  "accuracy-vs-pm": ["Test accuracy at early stop vs. weights remaining", PM_AXIS, "Test accuracy at early stop (%)"],
  "early-stop-vs-pm": ["Early-stop iteration vs. weights remaining", PM_AXIS, "Early-stop iteration (training iterations)"],
  "accuracy-over-training": ["Test accuracy over training at selected Pm", "Training iteration (minibatches)", "Test accuracy (%)"],
  magnitudes: [
    "Initial vs. final weight magnitudes, kept vs. pruned",
    "|Initial weight| (magnitude at init)",
    "|Final weight| (magnitude after training)",
    "Initial weight value",
    "Share of kept / of pruned weights (%)",
  ],
  "final-accuracy-vs-pm": ["Test accuracy at end of training vs. weights remaining", PM_AXIS, "Test accuracy at end of training (%)"],
  "layer-density": ["Per-layer density per level", "Level", "Weights kept (%, log scale)"],
};

test("every figure renders to well-formed SVG with its title, axis titles and legend", async (t) => {
  const figures = buildFigures(makeReportData());
  t.deepEqual(
    figures.map((f) => f.name),
    ["accuracy-vs-pm", "early-stop-vs-pm", "accuracy-over-training", "magnitudes", "final-accuracy-vs-pm", "layer-density"],
  );
  for (const figure of figures) {
    const svg = await renderSvg(figure.spec);
    t.true(svg.startsWith("<svg"), figure.name);
    t.true(svg.trimEnd().endsWith("</svg>"), figure.name);
    t.notThrows(() => assertBalancedXml(svg), figure.name);
    for (const text of EXPECTED[figure.name]!) t.true(svg.includes(`>${text}</text>`), `${figure.name}: ${text}`);
    t.true(figure.caption.length > 0);
  }
});

test("Pm figures use a reversed log x scale: 100% on the left, decreasing to the right", async (t) => {
  const data = makeReportData();
  for (const figure of [accuracyVsPm(data), earlyStopVsPm(data), finalAccuracyVsPm(data)]) {
    const x = (await compileToVega(figure!.spec)).scales?.find((s) => s.name === "x");
    t.like(x, { type: "log", reverse: true }, figure!.name);
    const labels = xAxisLabels(await renderSvg(figure!.spec));
    t.true(labels.length >= 3, figure!.name);
    t.is(labels[0]!.label, "100");
    const values = labels.map((l) => Number(l.label));
    t.deepEqual(
      values,
      [...values].sort((a, b) => b - a),
      figure!.name,
    );
  }
});

test("Pm figures draw one series per branch, trial means with a min–max band", async (t) => {
  const figure = accuracyVsPm(makeReportData())!;
  const svg = await renderSvg(figure.spec);
  for (const series of ["ticket", "reinit", "random-mask"]) t.true(svg.includes(`>${series}</text>`), series);
  t.true(svg.includes('aria-roledescription="area mark"'), "band");
  t.true(svg.includes("Mean over 2 trials"));
  t.false(svg.includes("one-shot"));
});

test("one-shot runs become a dashed 'one-shot ticket' series", async (t) => {
  const svg = await renderSvg(accuracyVsPm(makeReportData({ oneShot: true }))!.spec);
  t.true(svg.includes(">one-shot ticket</text>"));
  t.regex(svg, /aria-roledescription="line mark"[^>]*stroke-dasharray="6,4"/);
  t.true(svg.includes(">Mean over 2 trials; shaded band spans min–max</text>"), "as many one-shot as iterative trials: no note");

  const data = makeReportData({ oneShot: true, trials: 3 });
  data.runs = data.runs.filter((r) => r.kind === "iterative" || r.trial === 0);
  const fewer = await renderSvg(accuracyVsPm(data)!.spec);
  t.true(fewer.includes(">Mean over 3 trials; shaded band spans min–max (one-shot: 1 trial)</text>"), "one-shot made for one trial of three");
});

test("accuracy over training shows up to six ticket levels spread over Pm, with reinit dashed", async (t) => {
  const figure = accuracyOverTraining(makeReportData({ levels: 12 }))!;
  const svg = await renderSvg(figure.spec);
  const labels = [...svg.matchAll(/>(\d+\.\d%)<\/text>/g)].map((m) => m[1]);
  t.is(new Set(labels).size, 6);
  t.true(labels.includes("100.0%"));
  t.true(labels.includes(`${(100 * 0.8 ** 11).toFixed(1)}%`), "sparsest level");
  t.true(svg.includes(">reinit</text>"));
  t.regex(svg, /stroke-dasharray="6,4"/);

  const ticketOnly = accuracyOverTraining(makeReportData({ branches: ["ticket"], levels: 3 }))!;
  t.false((await renderSvg(ticketOnly.spec)).includes(">reinit</text>"));
});

test("magnitudes figure plots the first magnitude record and summarizes kept vs. pruned", async (t) => {
  const data = makeReportData();
  data.magnitudes = [makeMagnitudes(500, "<b>fc1</b>"), makeMagnitudes(10, "fc2")];
  const figure = magnitudes(data)!;
  t.regex(figure.caption, /^Kept \(400\): mean \|initial\| [\d.]+, mean \|final − initial\| [\d.]+; pruned \(100\)/);
  const svg = await renderSvg(figure.spec);
  t.notThrows(() => assertBalancedXml(svg));
  t.true(svg.includes("Layer &lt;b&gt;fc1&lt;/b&gt;, level 2 (Pm 64.0%), trial 0; 500 sampled weights"));
  t.is(svg.match(/aria-roledescription="circle"/g)?.length ?? 0, 0, "points carry no ARIA labels");
  const start = svg.indexOf('class="mark-symbol role-mark');
  const points = svg.slice(start, svg.indexOf("</g>", start));
  t.is(points.match(/fill="#1f77b4"/g)?.length, 400, "one circle per kept weight");
  t.is(points.match(/fill="#ff7f0e"/g)?.length, 100, "one circle per pruned weight");
});

test("figures without data are left out instead of drawn empty", (t) => {
  const data = makeReportData({ magnitudes: false });
  data.magnitudes = [{ ...makeMagnitudes(0), layer: "empty" }];
  t.is(magnitudes(data), undefined);
  data.curves = [];
  t.is(accuracyOverTraining(data), undefined);
  for (const run of data.runs) run.finalTestAccuracy = NaN;
  t.is(finalAccuracyVsPm(data), undefined);
  t.truthy(accuracyVsPm(data));
});

test("NaN values are skipped in plotted data", (t) => {
  const data = makeReportData();
  for (const run of data.runs) if (run.level === 3) run.earlyStopTestAccuracy = NaN;
  const rows = (accuracyVsPm(data)!.spec as { data: { values: Record<string, number>[] } }).data.values;
  t.true(rows.length > 0);
  t.false(rows.some((r) => Math.abs(r.pm! - 51.2) < 1e-9));
  t.true(rows.every((r) => [r.pm, r.mean, r.min, r.max].every(Number.isFinite)));
});

test("a single value gets a padded y domain instead of a collapsed axis", async (t) => {
  const figure = accuracyVsPm(makeReportData({ levels: 1, trials: 1, branches: ["ticket"] }))!;
  const y = (await compileToVega(figure.spec)).scales?.find((s) => s.name === "y") as { domain?: unknown } | undefined;
  t.true(Array.isArray(y?.domain));
  const [lo, hi] = y!.domain as number[];
  t.true(hi! - lo! > 1);
  const x = (await compileToVega(figure.spec)).scales?.find((s) => s.name === "x") as { domain?: number[] } | undefined;
  t.true(x!.domain![0]! < 100 && x!.domain![1]! > 100, "the lone Pm sits inside the x domain");
});
