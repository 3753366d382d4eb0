// Several experiments of one network and dataset side by side (`lottery compare DIR1 DIR2 ...`):
// typically the same network pruned by different criteria or strategies, or a model against its
// dropout variant (the same weight layers). Each experiment's runs
// become series named by the settings that tell the experiments apart; the output is one table
// (markdown, CSV and an HTML page) of test accuracy at the Pm values the series share, with the
// wall time of each, and one figure of accuracy vs Pm.
import { basename, join } from "node:path";
import type { TopLevelSpec } from "vega-lite";
import { nonDefaults } from "../hparams/resolve.js";
import type { Hparams } from "../hparams/schema.js";
import { getCriterion } from "../prune/criteria/index.js";
import { EXTENT_FIELDS, ExperimentStore } from "../store/experiment.js";
import { jaccard, randomJaccard } from "./masks.js";
import { writeFileAtomic } from "../store/atomic.js";
import { groupRuns, samePm, summarize, type Summary } from "./aggregate.js";
import { collectReport } from "./collect.js";
import { escapeHtml, formatAccuracy, formatPm } from "./format.js";
import { dropoutComparison, PRUNED_PM_NOTE, type PaperComparison, paperComparisonMarkdown, scopeComparison } from "./paper.js";
import { excludesLayers, withPaperPm } from "./records.js";
import { renderSvg } from "./svg.js";
import type { FigureSpec, ReportData, RunRecord } from "./types.js";

/** One compared experiment: its label and its tickets by Pm. */
export interface ComparedSeries {
  /** e.g. "snip, global, one-shot" or "magnitude, rewind:100, iterative". */
  label: string;
  dir: string;
  kind: RunRecord["kind"];
  branch: RunRecord["branch"];
  /** Its masks were found by another experiment (--masks-from): its time to a ticket is the run alone. */
  imported?: boolean;
  points: ComparedPoint[];
}

/** One ticket of a compared experiment: its Pm, accuracy and times. */
export interface ComparedPoint {
  pm: number;
  level: number;
  trials: number;
  earlyStopTest: Summary;
  finalTest: Summary;
  earlyStopIteration: Summary;
  /** Wall time of the run itself (training and evaluation), mean over trials. */
  seconds: Summary;
  /**
   * Wall time of everything it took to get this network: for iterative pruning every level up to
   * and including it; for one-shot pruning the run, plus the dense level when the criterion scores
   * trained weights (magnitude). Mean over trials.
   */
  secondsToTicket: Summary;
}

/** Several experiments side by side (what `lottery compare` prints and plots). */
export interface Comparison {
  model: string;
  dataset: string;
  series: ComparedSeries[];
  /** Pm values (clusters within 0.5%) present in at least two series, descending. */
  sharedPms: number[];
  /** The paper's claims about two of the experiments, where it makes some (a Conv network with and without dropout; VGG-19 or ResNet-20 pruned globally and layer-wise). */
  paper?: PaperComparison[];
  /** Set when some experiment excludes layers from pruning: Pm is then of the pruned layers (the paper's, for VGG-19 and ResNet). */
  pmOfPrunedLayers?: boolean;
  /** Jaccard overlap of trial 0's ticket masks between every two series at each shared Pm (filled by compareExperiments). */
  overlaps?: { pm: number; a: string; b: string; jaccard: number; random: number }[];
}

const LABEL_KEYS = ["pruning.criterion", "pruning.strategy", "pruning.scope"];

/**
 * Settings left out of labels: when the test split is evaluated changes no result, and a model's
 * dropout variant is told apart by its name.
 */
const QUIET_KEYS = ["training.evalTest", "model.dropout"];

/** What tells each experiment apart: criterion, strategy and scope always, then any other setting that differs between them. */
function labels(hps: readonly Hparams[]): string[] {
  const differing = new Set<string>();
  for (const a of hps)
    for (const b of hps)
      for (const k of Object.keys(nonDefaults(a, b)))
        if (!(EXTENT_FIELDS as readonly string[]).includes(k) && !LABEL_KEYS.includes(k) && !QUIET_KEYS.includes(k)) differing.add(k);
  // Dropout on one model (not a variant's name) is still a difference worth naming.
  if (!differing.has("model.model") && hps.some((h) => h.model.dropout !== hps[0]!.model.dropout)) differing.add("model.dropout");
  return hps.map((h) => {
    const p = h.pruning as Hparams["pruning"] & { criterion?: string };
    const extra = [...differing].sort().map((k) => {
      const [g, f] = k.split(".") as [keyof Hparams, string];
      const value = (h[g] as Record<string, unknown>)[f];
      if (k === "pruning.masksFrom") return value === undefined ? "masks found here" : `masks from ${String(value)}`;
      if (k === "model.model") return String(value);
      return value === undefined ? `${f} not set` : `${f}=${JSON.stringify(value)}`;
    });
    return [p.criterion ?? "magnitude", p.scope, p.strategy, ...extra].join(", ");
  });
}

/** Clusters Pm values that agree within 0.5% (one-shot targets and the levels they were set from). */
function clusterPms(pms: readonly number[]): number[] {
  const sorted = [...new Set(pms)].filter((p) => p > 0).sort((a, b) => b - a);
  const out: number[] = [];
  for (const p of sorted) if (!out.length || !samePm(out[out.length - 1]!, p)) out.push(p);
  return out;
}

/** Keeps, of the shared Pm values, the one nearest (on a log scale) to each of `wanted`. */
export function selectPms(c: Comparison, wanted: readonly number[]): Comparison {
  if (!wanted.length) return c;
  if (!c.sharedPms.length) throw new Error("--pm: the experiments share no Pm value to choose from");
  const chosen = wanted.map((w) => c.sharedPms.reduce((best, p) => (Math.abs(Math.log(p / w)) < Math.abs(Math.log(best / w)) ? p : best)));
  return { ...c, sharedPms: [...new Set(chosen)].sort((a, b) => b - a) };
}

/** Reads experiment directories of one network and dataset into a Comparison: each as a series labelled by criterion, scope and strategy, with accuracy and wall time at the shared Pm values nearest to `pms` (default: all shared). @throws Error naming a directory that is not an experiment, or experiments of different datasets or networks. */
export function compareExperiments(dirs: readonly string[], pms: readonly number[] = []): Comparison {
  if (dirs.length < 2) throw new Error("lottery compare needs at least two experiment directories");
  const c = selectPms(
    compareReports(
      dirs.map((d) => collectReport(d)),
      dirs,
    ),
    pms,
  );
  const stores = new Map(dirs.map((d) => [d, ExperimentStore.read(d)]));
  const overlaps: NonNullable<Comparison["overlaps"]> = [];
  const tickets = c.series.filter((s) => s.branch === "ticket");
  for (const pm of c.sharedPms) {
    const at = tickets.map((s) => ({ s, p: pointAt(s, pm) })).filter((x) => x.p && x.p.level !== 0);
    const masks = at.map(({ s, p }) => stores.get(s.dir)!.loadMask({ trial: 0, kind: s.kind, level: p!.level, branch: "ticket" }));
    for (let i = 0; i < at.length; i++) {
      for (let j = i + 1; j < at.length; j++)
        overlaps.push({ pm, a: at[i]!.s.label, b: at[j]!.s.label, jaccard: jaccard(masks[i]!, masks[j]!), random: randomJaccard(masks[i]!, masks[j]!) });
    }
  }
  return { ...c, overlaps };
}

/** The comparison of experiments already collected (`dirs` names them in errors and the CSV). */
export function compareReports(reports: readonly ReportData[], dirs: readonly string[]): Comparison {
  const first = reports[0]!;
  for (const [i, r] of reports.entries()) {
    if (r.dataset !== first.dataset || !sameNetwork(r, first)) {
      throw new Error(
        `${dirs[i]} is ${r.model} on ${r.dataset}, but ${dirs[0]} is ${first.model} on ${first.dataset}: compare experiments of one dataset and one network (one model, or models with the same weight layers, as conv2 and conv2_dropout)`,
      );
    }
  }
  const hps = reports.map((r) => r.hparams as unknown as Hparams);
  const names = labels(hps);
  const series: ComparedSeries[] = [];
  reports.forEach((r, i) => {
    // Masks trained from another experiment (--masks-from) were found there: only this run is counted.
    const imported = hps[i]!.pruning.masksFrom !== undefined;
    const criterion = (hps[i]!.pruning as { criterion?: string }).criterion ?? "magnitude";
    const scoresTrained = getCriterion(criterion).scores === "trained";
    const groups = groupRuns(withPaperPm(r.runs));
    const byKind = new Map<string, ComparedSeries>();
    for (const g of groups) {
      if (g.kind === "oneshot" && g.level === 0) continue;
      // The dense level belongs to the iterative series (its first point) in every experiment.
      const key = `${g.kind}/${g.branch}`;
      let s = byKind.get(key);
      if (!s) {
        s = {
          label: `${names[i]}, ${g.kind === "iterative" ? "iterative" : "one-shot"}${g.branch === "ticket" ? "" : `, ${g.branch} control`}`,
          dir: dirs[i]!,
          kind: g.kind,
          branch: g.branch,
          ...(imported ? { imported } : {}),
          points: [],
        };
        byKind.set(key, s);
      }
      const toTicket = g.runs.map((run) => {
        if (imported) return run.seconds;
        if (g.kind === "iterative") {
          return r.runs
            .filter((x) => x.trial === run.trial && x.kind === "iterative" && x.branch === "ticket" && x.level < g.level)
            .reduce((n, x) => n + x.seconds, run.seconds);
        }
        const dense = r.runs.find((x) => x.trial === run.trial && x.kind === "iterative" && x.level === 0 && x.branch === "ticket");
        return run.seconds + (scoresTrained ? (dense?.seconds ?? NaN) : 0);
      });
      s.points.push({
        pm: g.pm,
        level: g.level,
        trials: g.runs.length,
        earlyStopTest: summarize(g.runs.map((x) => x.earlyStopTestAccuracy)),
        finalTest: summarize(g.runs.map((x) => x.finalTestAccuracy)),
        earlyStopIteration: summarize(g.runs.map((x) => x.earlyStopIteration)),
        seconds: summarize(g.runs.map((x) => x.seconds)),
        secondsToTicket: summarize(toTicket),
      });
    }
    // An iterative series of the dense level alone (an experiment of one-shot runs) adds nothing
    // the others' dense levels do not show.
    const kept = [...byKind.values()].filter((s) => !(s.kind === "iterative" && s.points.every((p) => p.level === 0) && byKind.size > 1));
    series.push(...kept.map((s) => ({ ...s, points: s.points.sort((a, b) => b.pm - a.pm) })));
  });
  const clusters = clusterPms(series.flatMap((s) => s.points.map((p) => p.pm)));
  const sharedPms = clusters.filter((c) => series.filter((s) => s.points.some((p) => samePm(p.pm, c))).length >= 2);
  const models = [...new Set(reports.map((r) => r.model))];
  const paper = reports.flatMap((a, i) => reports.slice(i + 1).flatMap((b) => dropoutComparison(a, b) ?? scopeComparison(a, b) ?? []));
  const pmOfPrunedLayers = reports.some((r) => excludesLayers(r.runs));
  return {
    model: models.join(", "),
    dataset: first.dataset,
    series,
    sharedPms,
    ...(paper.length ? { paper } : {}),
    ...(pmOfPrunedLayers ? { pmOfPrunedLayers } : {}),
  };
}

/**
 * One model, or two whose prunable weight layers are the same (names and sizes): a model and its
 * dropout variant (the paper's section 3 compares Conv-2 with and without dropout). Their levels
 * then have the same Pm values and their masks can be overlapped weight by weight.
 */
function sameNetwork(a: ReportData, b: ReportData): boolean {
  if (a.model === b.model) return true;
  const layers = (r: ReportData) => JSON.stringify(r.sparsity[0]?.layers.map((l) => [l.name, l.total]) ?? null);
  return a.sparsity.length > 0 && b.sparsity.length > 0 && layers(a) === layers(b);
}

function pointAt(s: ComparedSeries, pm: number): ComparedPoint | undefined {
  return s.points.find((p) => samePm(p.pm, pm));
}

function cell(p: ComparedPoint | undefined): string {
  if (!p) return "";
  const a = p.earlyStopTest;
  return `${formatAccuracy(a.mean)}${a.n > 1 ? ` (${formatAccuracy(a.min)}–${formatAccuracy(a.max)})` : ""}`;
}

function time(p: ComparedPoint | undefined): string {
  return p && Number.isFinite(p.seconds.mean) ? `${p.seconds.mean.toFixed(0)} s / ${p.secondsToTicket.mean.toFixed(0)} s` : "";
}

/** Markdown: one row per series, per shared Pm the mean test accuracy at early stop (min–max over trials) and the wall times. */
export function comparisonMarkdown(c: Comparison): string {
  const head = ["series", "trials", ...c.sharedPms.flatMap((pm) => [`Pm ${formatPm(pm)}`, `time at ${formatPm(pm)}`])];
  const rows = c.series
    .filter((s) => c.sharedPms.some((pm) => pointAt(s, pm)))
    .map((s) => {
      const trials = Math.max(...s.points.map((p) => p.trials));
      return [s.label, String(trials), ...c.sharedPms.flatMap((pm) => [cell(pointAt(s, pm)), time(pointAt(s, pm))])];
    });
  return [
    `| ${head.join(" | ")} |`,
    `|${head.map(() => "---").join("|")}|`,
    ...rows.map((r) => `| ${r.join(" | ")} |`),
    "",
    `Test accuracy at the early-stop iteration, mean over trials (min–max); time: wall seconds of the run itself / of everything it took to get that network (iterative: all levels up to it; one-shot: the run, plus the dense level when the criterion scores trained weights${c.series.some((s) => s.imported) ? "; masks from another experiment: the run alone, their finding is the other experiment's" : ""}). ${c.model} on ${c.dataset}.${c.pmOfPrunedLayers ? ` ${PRUNED_PM_NOTE}` : ""}`,
    "",
    ...(c.overlaps?.length
      ? [
          "| Pm | series A | series B | Jaccard overlap of the masks | random masks, same densities |",
          "|---|---|---|---|---|",
          ...c.overlaps.map((o) => `| ${formatPm(o.pm)} | ${o.a} | ${o.b} | ${(o.jaccard * 100).toFixed(1)}% | ${(o.random * 100).toFixed(1)}% |`),
          "",
          "Mask overlap between the two series of each row (trial 0's tickets): |A ∩ B| / |A ∪ B| of the kept weights.",
          "",
        ]
      : []),
    ...(c.paper ?? []).flatMap((p) => [`Against the paper: ${p.network}.`, "", paperComparisonMarkdown(p), ""]),
  ].join("\n");
}

/** One row per series and point, for spreadsheets. */
export function comparisonCsv(c: Comparison): string {
  const header =
    "series,dir,kind,branch,level,pm,trials,early_stop_test_mean,early_stop_test_min,early_stop_test_max,final_test_mean,early_stop_iteration_mean,seconds_mean,seconds_to_ticket_mean";
  const q = (t: string) => `"${t.replaceAll('"', '""')}"`;
  const rows = c.series.flatMap((s) =>
    s.points.map((p) =>
      [
        q(s.label),
        q(basename(s.dir)),
        s.kind,
        s.branch,
        p.level,
        p.pm.toFixed(6),
        p.trials,
        p.earlyStopTest.mean,
        p.earlyStopTest.min,
        p.earlyStopTest.max,
        p.finalTest.mean,
        p.earlyStopIteration.mean,
        p.seconds.mean.toFixed(1),
        p.secondsToTicket.mean.toFixed(1),
      ].join(","),
    ),
  );
  return `${[header, ...rows].join("\n")}\n`;
}

/** Test accuracy at early stop vs Pm (reversed log axis), one line per series, bands spanning the trials. */
export function comparisonFigure(c: Comparison): FigureSpec {
  const rows = c.series.flatMap((s) =>
    s.points
      .filter((p) => p.earlyStopTest.n > 0)
      .map((p) => ({
        series: s.label,
        pm: p.pm * 100,
        mean: p.earlyStopTest.mean * 100,
        min: p.earlyStopTest.min * 100,
        max: p.earlyStopTest.max * 100,
      })),
  );
  const pms = rows.map((r) => r.pm);
  const ticks = clusterPms(c.sharedPms.length ? c.sharedPms : pms.map((p) => p / 100)).map((p) => +(p * 100).toPrecision(3));
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    width: 620,
    height: 360,
    title: {
      text: `Test accuracy at early stop vs. weights remaining: ${c.model} on ${c.dataset}`,
      subtitle: "Mean over trials; shaded band spans min–max",
      anchor: "start",
    },
    data: { values: rows },
    encoding: {
      x: {
        field: "pm",
        type: "quantitative",
        title: "Weights remaining, Pm (%, log scale)",
        scale: { type: "log", reverse: true, domain: [Math.min(...pms) / 1.15, Math.max(...pms) * 1.15], nice: false },
        axis: { values: [100, ...ticks.filter((t) => t < 90)], format: ".1~f", grid: true },
      },
      color: {
        field: "series",
        type: "nominal",
        title: "Series",
        legend: { orient: "bottom", columns: 1, symbolType: "stroke", symbolOpacity: 1, labelLimit: 500 },
      },
    },
    layer: [
      { mark: { type: "area", opacity: 0.12 }, encoding: { y: { field: "min", type: "quantitative", scale: { zero: false } }, y2: { field: "max" } } },
      {
        mark: { type: "line", point: true, strokeWidth: 2 },
        encoding: { y: { field: "mean", type: "quantitative", title: "Test accuracy at early stop (%)", scale: { zero: false } } },
      },
    ],
  } as TopLevelSpec;
}

/** Writes compare.md, compare.csv, compare-accuracy-vs-pm.svg and compare.html into `out`. */
export async function writeComparison(dirs: readonly string[], out: string, pms: readonly number[] = []): Promise<{ files: string[]; comparison: Comparison }> {
  const c = compareExperiments(dirs, pms);
  const md = comparisonMarkdown(c),
    csv = comparisonCsv(c),
    svg = await renderSvg(comparisonFigure(c));
  const files = [join(out, "compare.md"), join(out, "compare.csv"), join(out, "compare-accuracy-vs-pm.svg"), join(out, "compare.html")];
  writeFileAtomic(files[0]!, md);
  writeFileAtomic(files[1]!, csv);
  writeFileAtomic(files[2]!, svg);
  const list = dirs.map((d) => `<li><code>${escapeHtml(d)}</code></li>`).join("\n");
  writeFileAtomic(
    files[3]!,
    `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Comparison: ${escapeHtml(c.model)}</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:1200px;margin:0 auto;padding:1.5rem}table{border-collapse:collapse;font-size:.85rem}th,td{border:1px solid #ddd;padding:.3rem .5rem;text-align:right}td:first-child{text-align:left}</style></head>
<body><h1>Comparison: ${escapeHtml(c.model)} on ${escapeHtml(c.dataset)}</h1>
<ul>${list}</ul>
${markdownTableHtml(md)}
<figure>${svg}</figure>
</body></html>
`,
  );
  return { files, comparison: c };
}

/** The markdown table above as an HTML table (its first lines), and its note as a paragraph. */
function markdownTableHtml(md: string): string {
  const cells = (l: string) => l.slice(2, -2).split(" | ").map(escapeHtml);
  // Blocks separated by blank lines: a table (lines starting with |) or a note.
  return md
    .trim()
    .split("\n\n")
    .map((block) => {
      const lines = block.split("\n");
      if (!lines[0]!.startsWith("|")) return `<p>${escapeHtml(block)}</p>`;
      const [head, , ...body] = lines;
      return `<table><thead><tr>${cells(head!)
        .map((c) => `<th>${c}</th>`)
        .join("")}</tr></thead><tbody>
${body
  .map(
    (r) =>
      `<tr>${cells(r)
        .map((c) => `<td>${c}</td>`)
        .join("")}</tr>`,
  )
  .join("\n")}
</tbody></table>`;
    })
    .join("\n");
}
