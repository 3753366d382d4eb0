import test from "ava";
import { mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { formatPm } from "../../src/report/format.js";
import { renderReport, writeReport } from "../../src/report/render.js";
import type { ReportData } from "../../src/report/types.js";
import { LAYERS, makeMagnitudes, makeReportData } from "./fixtures.js";
import { assertBalancedXml } from "./svg-helpers.js";

const FIGURES = ["accuracy-vs-pm", "early-stop-vs-pm", "accuracy-over-training", "magnitudes", "final-accuracy-vs-pm", "layer-density"];

/** The HTML outside the inlined SVGs, so assertions about the page are not satisfied by a figure. */
function pageText(html: string): string {
  return html.replace(/<svg[\s\S]*?<\/svg>/g, "<svg/>");
}

test("report.html holds a results row per level, every figure inline, sparsity and hyperparameters", async (t) => {
  const data = makeReportData();
  const report = await renderReport(data);
  t.deepEqual(
    report.figures.map((f) => f.name),
    FIGURES,
  );
  const html = report.html;
  t.true(html.startsWith("<!doctype html>"));
  t.notThrows(() => assertBalancedXml(html.slice(html.indexOf("<html"))));
  const page = pageText(html);

  t.true(page.includes("<h1>LeNet-300-100 on MNIST — lottery ticket report</h1>"));
  t.true(page.includes("<strong>lenet-300-100</strong>") && page.includes("<strong>mnist</strong>"));
  const results = page.slice(page.indexOf('<table class="results">'), page.indexOf("</table>"));
  for (let level = 0; level < 6; level++) t.true(results.includes(`<tr><td>${level}</td><td>${formatPm(0.8 ** level)}</td>`), `level ${level}`);
  for (const branch of ["ticket", "reinit", "random-mask"]) t.true(results.includes(`>${branch}</th>`));
  // Trials disagree, so cells show the mean and the min–max range.
  t.regex(results, /\d\.\d\d%<span class="range">\d+\.\d\d%–\d+\.\d\d%<\/span>/);
  // Controls start at level 1: the dense row has no reinit values.
  t.regex(results, /<tr><td>0<\/td><td>100\.0%<\/td>(?:<td>[^<–]+<span class="range">[^<]+<\/span><\/td>){5}(?:<td>–<\/td>){10}<\/tr>/);

  for (const f of report.figures) {
    t.true(html.includes(`<figure id="fig-${f.name}">\n${f.svg}\n<figcaption>`), f.name);
  }
  t.is(html.match(/<figcaption>/g)?.length, FIGURES.length);

  const sparsity = page.slice(page.indexOf('<table class="sparsity">'));
  t.is(sparsity.match(/<tr class="first">/g)?.length, 6);
  for (const layer of LAYERS) t.true(sparsity.includes(`<td class="text">${layer.name}</td>`));
  t.true(sparsity.includes("<td>150,528 / 235,200</td><td>64.0%</td>"), "fc1 at level 2");
  t.true(sparsity.includes("<em>all layers</em>"));

  t.true(page.includes("<dt>batchSize</dt><dd><code>60</code></dd>"));
  t.true(page.includes("<dt>optimizer</dt><dd><code>{&quot;name&quot;:&quot;adam&quot;,&quot;lr&quot;:0.0012}</code></dd>"));
});

test("the page is self-contained: no scripts, links or external URLs, and no duplicate ids", async (t) => {
  const { html } = await renderReport(makeReportData({ oneShot: true }));
  // url(#id) references an element of the same inline SVG (clip paths); anything else would load a resource.
  t.false(/<script|<link|<img|<iframe|\bsrc=|@import|url\((?!#)/i.test(html));
  // The only URLs are the SVG namespace declarations.
  const urls = [...html.matchAll(/https?:\/\/[^\s"')]+/g)].map((m) => m[0]);
  t.deepEqual([...new Set(urls)].sort(), ["http://www.w3.org/1999/xlink", "http://www.w3.org/2000/svg"]);
  const ids = [...html.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]);
  t.is(new Set(ids).size, ids.length);
  t.true(pageText(html).includes("<h3>One-shot pruning</h3>"));
});

test("text from the data is escaped everywhere", async (t) => {
  const data = makeReportData({ model: `<script>alert("x")</script>` });
  data.title = "A & B <i>report</i>";
  data.hparams = { "<key>": "<value>" };
  data.sparsity[0]!.layers[0]!.name = "<img src=x onerror=alert(1)>";
  data.magnitudes = [makeMagnitudes(50, "</svg><script>")];
  const { html } = await renderReport(data);
  t.false(html.includes("<script"));
  t.false(html.includes("<img"));
  t.false(html.includes("<i>"));
  t.true(html.includes("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"));
  t.true(html.includes("<title>A &amp; B &lt;i&gt;report&lt;/i&gt;</title>"));
  t.true(html.includes("<dt>&lt;key&gt;</dt><dd><code>&lt;value&gt;</code></dd>"));
  t.notThrows(() => assertBalancedXml(html.slice(html.indexOf("<html"))));
});

test("writeReport writes report.html and one SVG per figure atomically, leaving no temp files", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "lottery-report-"));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const stale = join(dir, "report.html");
  await writeFile(stale, "old");
  const data = makeReportData();
  const written = await writeReport(data, dir);
  t.is(written.html, stale);
  t.deepEqual(
    written.svgs,
    FIGURES.map((f) => join(dir, `${f}.svg`)),
  );
  t.deepEqual((await readdir(dir)).sort(), ["report.html", ...FIGURES.map((f) => `${f}.svg`)].sort());
  const html = await readFile(written.html, "utf8");
  t.true(html.startsWith("<!doctype html>"));
  for (const path of written.svgs) {
    const svg = await readFile(path, "utf8");
    t.true(svg.startsWith("<svg"));
    t.true(html.includes(svg), `${path} is the SVG inlined in the page`);
  }
});

test("writeReport creates a missing output directory", async (t) => {
  const root = await mkdtemp(join(tmpdir(), "lottery-report-"));
  t.teardown(() => rm(root, { recursive: true, force: true }));
  const dir = join(root, "nested", "report");
  await writeReport(makeReportData({ levels: 2, trials: 1, magnitudes: false }), dir);
  t.deepEqual((await readdir(dir)).sort(), [
    "accuracy-over-training.svg",
    "accuracy-vs-pm.svg",
    "early-stop-vs-pm.svg",
    "final-accuracy-vs-pm.svg",
    "layer-density.svg",
    "report.html",
  ]);
});

test("a dense-only experiment (one level, one trial, no controls, no magnitudes) still renders", async (t) => {
  const data = makeReportData({ levels: 1, trials: 1, branches: ["ticket"], magnitudes: false });
  const report = await renderReport(data);
  t.deepEqual(
    report.figures.map((f) => f.name),
    ["accuracy-vs-pm", "early-stop-vs-pm", "accuracy-over-training", "final-accuracy-vs-pm"],
  );
  for (const f of report.figures) t.notThrows(() => assertBalancedXml(f.svg), f.name);
  const page = pageText(report.html);
  t.true(page.includes("One trial."));
  t.true(page.includes("<tr><td>0</td><td>100.0%</td>"));
  t.false(page.includes(">reinit</th>"));
  t.true(report.figures[0]!.svg.includes("Single trial"));
});

test("NaN values show as a dash in tables and are left out of plots", async (t) => {
  const data = makeReportData({ trials: 1 });
  for (const run of data.runs) {
    if (run.level !== 2) continue;
    run.earlyStopTestAccuracy = NaN;
    run.seconds = NaN;
  }
  data.curves[0]!.points[3]!.testAccuracy = NaN;
  data.magnitudes[0]!.final[7] = NaN;
  const report = await renderReport(data);
  const page = pageText(report.html);
  t.false(page.includes("NaN"));
  t.false(report.figures.some((f) => f.svg.includes("NaN")));
  t.regex(page, /<tr><td>2<\/td><td>64\.0%<\/td><td>[\d,]+<\/td><td>[\d.]+%<\/td><td>–<\/td><td>[\d.]+%<\/td><td>–<\/td>/);
  // The sample with a NaN final value is dropped from the magnitude statistics (500 → 499).
  const counts = /Kept \((\d+)\):.*; pruned \((\d+)\)/.exec(page);
  t.is(Number(counts?.[1]) + Number(counts?.[2]), 499);
});

test("an experiment with nothing recorded renders a page that says so", async (t) => {
  const empty: ReportData = {
    title: "Empty",
    model: "lenet-300-100",
    dataset: "mnist",
    hparams: {},
    runs: [],
    curves: [],
    sparsity: [],
    magnitudes: [],
  };
  const report = await renderReport(empty);
  t.deepEqual(report.figures, []);
  const page = pageText(report.html);
  for (const note of ["No runs recorded.", "No figures", "No sparsity records.", "No hyperparameters recorded."]) t.true(page.includes(note), note);
});

test("a magnitude record with empty arrays drops only that figure", async (t) => {
  const data = makeReportData({ levels: 2, trials: 1 });
  data.magnitudes = [{ trial: 0, level: 1, layer: "fc1", pm: 0.8, initial: new Float32Array(0), final: new Float32Array(0), kept: new Uint8Array(0) }];
  const report = await renderReport(data);
  t.false(report.figures.some((f) => f.name === "magnitudes"));
  t.is(report.figures.length, 5, "the other four and the per-layer density");
});

test("runs still improving at their last evaluation are called out under the results table", async (t) => {
  const settled = await renderReport(makeReportData());
  t.false(settled.html.includes("lowest validation loss at the last evaluation"), "no note when every run found its minimum");

  const data = makeReportData({ iterations: 1000 });
  const capped = data.runs.filter((r) => r.branch === "reinit");
  for (const r of capped) r.earlyStopIteration = r.iterations;
  const { html } = await renderReport(data);
  t.true(
    html.includes(`${capped.length} of ${data.runs.length} runs had their lowest validation loss at the last evaluation (iteration 1,000)`),
    "the note counts the runs and names the last iteration",
  );
  t.true(html.includes("<code>--iterations</code>"), "and says how to fix it");
});
