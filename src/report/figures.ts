// The report's Vega-Lite specs, one builder per figure, modelled on the paper's Figures 3 and 4
// and appendix F.5. Builders take ReportData and return undefined when there is nothing to draw,
// so a report of a partial experiment simply has fewer figures instead of empty axes.
import type { TopLevelSpec } from "vega-lite";
import {
  type CurvePoint,
  type Kind,
  type RunMetric,
  SERIES_ORDER,
  groupRuns,
  levelsOf,
  magnitudeSamples,
  magnitudeStats,
  meanCurve,
  pickSpread,
  seriesName,
  summarizeMetric,
  trialCount,
} from "./aggregate.js";
import { formatMagnitude, formatPm } from "./format.js";
import { firstLayerSpec, layerDensitySpec } from "./masks.js";
import type { Branch, FigureSpec, ReportData } from "./types.js";
import { CONTROLS } from "../lottery/branches/index.js";

/** One report figure: its file name, title, caption and vega-lite spec. */
export interface Figure {
  /** File stem: the figure is written as `<name>.svg`. */
  name: string;
  title: string;
  /** One plain-text sentence (or two) telling the reader what to look for. */
  caption: string;
  spec: FigureSpec;
}

const WIDTH = 560;
const HEIGHT = 340;

/** Fixed colors per series (paper-like: ticket blue, reinit orange, random green), stable across figures. */
const SERIES_COLORS: Record<string, string> = {
  ticket: "#1f77b4",
  "one-shot ticket": "#9467bd",
  ...Object.fromEntries(
    CONTROLS.flatMap((c) => [
      [c.name, c.color],
      [`one-shot ${c.name}`, c.oneShotColor],
    ]),
  ),
};
const SOLID: number[] = [1, 0];
const DASHED: number[] = [6, 4];
/** Distinguishable colors for up to six Pm levels in the accuracy-over-training figure. */
const LEVEL_COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b"];
const PM_AXIS_TITLE = "Weights remaining, Pm (%, log scale)";
/** Closest two Pm ticks may be, so labels of closely spaced levels do not overlap. */
const MIN_TICK_SPACING_PX = 36;
const MAX_CURVE_LEVELS = 6;

export function buildFigures(data: ReportData): Figure[] {
  const figures = [
    accuracyVsPm(data),
    earlyStopVsPm(data),
    accuracyOverTraining(data),
    magnitudes(data),
    finalAccuracyVsPm(data),
    layerDensity(data),
    firstLayerKept(data),
  ];
  return figures.filter((f): f is Figure => f !== undefined);
}

/** Per-layer density per level (trial 0, iterative), from the sparsity records. */
export function layerDensity(data: ReportData): Figure | undefined {
  const rows = data.sparsity
    .filter((r) => r.trial === 0 && r.kind === "iterative")
    .flatMap((r) => r.layers.map((l) => ({ layer: l.name, level: r.level, density: l.total ? l.kept / l.total : NaN })));
  if (new Set(rows.map((r) => r.level)).size < 2) return undefined;
  return {
    name: "layer-density",
    title: "Per-layer density per level",
    caption:
      "Look at how each layer's share of kept weights falls with the level: layerwise pruning follows each layer's rate, global pruning lets the criterion decide which layers thin out fastest.",
    spec: layerDensitySpec(rows) as TopLevelSpec,
  };
}

/** MNIST: per input pixel, the share of first-layer units that keep their weight from it. */
export function firstLayerKept(data: ReportData): Figure | undefined {
  const maps = data.firstLayer ?? [];
  if (maps.length === 0) return undefined;
  return {
    name: "first-layer-kept",
    title: "Which weights survive: the first layer per input pixel",
    caption:
      "Look for the kept weights gathering on the center of the image, where MNIST's strokes are, while the always-black border loses its connections: the pixels the ticket still looks at.",
    spec: firstLayerSpec(maps) as TopLevelSpec,
  };
}

/** The paper's test accuracy at early stop against Pm, one series per branch (undefined when no run is finished). */
export function accuracyVsPm(data: ReportData): Figure | undefined {
  return metricVsPm(data, {
    name: "accuracy-vs-pm",
    title: "Test accuracy at early stop vs. weights remaining",
    yTitle: "Test accuracy at early stop (%)",
    metric: "earlyStopTestAccuracy",
    toPlot: 100,
    caption:
      "Look for the ticket line staying at or above its value at 100% as Pm falls while the reinit and " +
      "random-mask controls drop below it: that gap is the lottery ticket effect.",
  });
}

export function earlyStopVsPm(data: ReportData): Figure | undefined {
  return metricVsPm(data, {
    name: "early-stop-vs-pm",
    title: "Early-stop iteration vs. weights remaining",
    yTitle: "Early-stop iteration (training iterations)",
    metric: "earlyStopIteration",
    toPlot: 1,
    caption:
      "Look for tickets reaching their minimum validation loss sooner (lower) than the dense network over a wide " +
      "range of Pm, while the controls learn more slowly as Pm falls.",
  });
}

export function finalAccuracyVsPm(data: ReportData): Figure | undefined {
  return metricVsPm(data, {
    name: "final-accuracy-vs-pm",
    title: "Test accuracy at end of training vs. weights remaining",
    yTitle: "Test accuracy at end of training (%)",
    metric: "finalTestAccuracy",
    toPlot: 100,
    caption:
      "Look for the same ordering as at early stop: if tickets still beat the controls after the full training " +
      "run, their advantage is not an artifact of choosing the early-stop iteration.",
  });
}

interface MetricFigure {
  name: string;
  title: string;
  yTitle: string;
  metric: RunMetric;
  /** Factor from stored value to plotted value (100 turns accuracy fractions into percent). */
  toPlot: number;
  caption: string;
}

interface MetricRow {
  series: string;
  pm: number;
  mean: number;
  min: number;
  max: number;
}

/**
 * A Figure 3-style chart: one line per series (branch, and kind for one-shot) of the trial mean of
 * `metric` against Pm on a reversed log axis, with a band spanning the min–max over trials.
 */
function metricVsPm(data: ReportData, fig: MetricFigure): Figure | undefined {
  const rows: MetricRow[] = [];
  for (const group of groupRuns(data.runs)) {
    if (!(group.pm > 0 && Number.isFinite(group.pm))) continue; // a log axis cannot place it
    const s = summarizeMetric(group, fig.metric);
    if (s.n === 0) continue;
    rows.push({
      series: seriesName(group.kind, group.branch),
      pm: group.pm * 100,
      mean: s.mean * fig.toPlot,
      min: s.min * fig.toPlot,
      max: s.max * fig.toPlot,
    });
  }
  if (rows.length === 0) return undefined;

  const series = SERIES_ORDER.filter((s) => rows.some((r) => r.series === s));
  const hasOneShot = data.runs.some((r) => r.kind === "oneshot");
  const trials = trialCount(data.runs);
  // One-shot runs are often made for fewer trials than the iterative ones; say so rather than
  // imply every series is a mean over all of them.
  const oneShotTrials = trialCount(data.runs.filter((r) => r.kind === "oneshot"));
  const oneShotNote =
    hasOneShot && oneShotTrials !== trialCount(data.runs.filter((r) => r.kind === "iterative"))
      ? ` (one-shot: ${oneShotTrials === 1 ? "1 trial" : `${oneShotTrials} trials`})`
      : "";
  const pmAxis = pmScale(rows.map((r) => r.pm));
  const yScale = { zero: false, ...flatDomain(rows.flatMap((r) => [r.min, r.max])) };
  const color = {
    field: "series",
    type: "nominal",
    title: "Series",
    scale: { domain: series, range: series.map((s) => SERIES_COLORS[s] ?? "#7f7f7f") },
    // Line swatches at full opacity: by default the legend would copy the faint band's opacity.
    legend: { symbolType: "stroke", symbolOpacity: 1, symbolStrokeWidth: 2 },
  } as const;
  return {
    name: fig.name,
    title: fig.title,
    caption: fig.caption + (trials > 1 ? " Shaded bands span the min–max over trials." : ""),
    spec: {
      $schema: "https://vega.github.io/schema/vega-lite/v6.json",
      width: WIDTH,
      height: HEIGHT,
      title: {
        text: fig.title,
        subtitle: (trials > 1 ? `Mean over ${trials} trials; shaded band spans min–max` : "Single trial") + oneShotNote,
        anchor: "start",
      },
      data: { values: rows },
      encoding: {
        x: {
          field: "pm",
          type: "quantitative",
          title: PM_AXIS_TITLE,
          // Reversed like the paper: training starts dense on the left and prunes to the right.
          scale: { type: "log", reverse: true, domain: pmAxis.domain, nice: false },
          axis: { values: pmAxis.ticks, format: ".1~f", grid: true },
        },
        color,
      },
      layer: [
        {
          mark: { type: "area", opacity: 0.15 },
          encoding: {
            y: { field: "min", type: "quantitative", scale: yScale },
            y2: { field: "max" },
          },
        },
        {
          mark: { type: "line", point: true, strokeWidth: 2 },
          encoding: {
            y: { field: "mean", type: "quantitative", title: fig.yTitle, scale: yScale },
            // Same field and title as color, so Vega-Lite merges both into one legend whose
            // swatches show one-shot series dashed.
            ...(hasOneShot
              ? {
                  strokeDash: {
                    field: "series",
                    type: "nominal",
                    title: "Series",
                    scale: { domain: series, range: series.map((s) => (s.startsWith("one-shot") ? DASHED : SOLID)) },
                  },
                }
              : {}),
          },
        },
      ],
    },
  };
}

/**
 * Log-axis domain and ticks for Pm values in percent. The domain is padded so end points are not
 * drawn on the frame, and widened for a single level so it still gets a sensible axis. Ticks are
 * the levels themselves (as in the paper), taken greedily from 100% down and skipping any level
 * too close (in pixels) to the previous tick for its label to fit.
 */
function pmScale(pms: readonly number[]): { domain: [number, number]; ticks: number[] } {
  const distinct = [...new Set(pms.map((p) => Number(p.toPrecision(6))))].sort((a, b) => b - a);
  const hi = distinct[0] ?? 100;
  const lo = distinct[distinct.length - 1] ?? hi;
  const minRatio = 4; // narrowest span, hi/lo, worth a log axis
  const pad = Math.max(1.15, Math.sqrt(minRatio / (hi / lo)));
  const domain: [number, number] = [lo / pad, hi * pad];
  const minGap = (Math.log(domain[1] / domain[0]) * MIN_TICK_SPACING_PX) / WIDTH;
  const ticks: number[] = [];
  for (const pm of distinct) {
    const last = ticks[ticks.length - 1];
    if (last === undefined || Math.log(last / pm) >= minGap) ticks.push(pm);
  }
  return { domain, ticks };
}

/**
 * An explicit domain around a single value (one level and one trial, or identical results):
 * left to itself, Vega would collapse the axis to that value and label it with every digit.
 */
function flatDomain(values: readonly number[]): { domain: [number, number] } | undefined {
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  if (lo !== hi || !Number.isFinite(lo)) return undefined;
  const pad = Math.max(1, Math.abs(lo) * 0.02);
  return { domain: [lo - pad, lo + pad] };
}

interface CurveRow {
  iteration: number;
  accuracy: number;
  level: string;
  branch: Branch;
}

/**
 * Figure 4-style chart: test accuracy over training for up to six ticket levels spread over the
 * Pm range (trial mean), with reinit at the same levels dashed in the same color. Validation
 * accuracy instead where the experiment evaluated the test split only at new validation minima
 * or only at the end (--eval-test improved or best).
 */
export function accuracyOverTraining(data: ReportData): Figure | undefined {
  const kind: Kind = "iterative";
  const evalTest = (data.hparams.training as { evalTest?: string } | undefined)?.evalTest;
  const split = evalTest === undefined || evalTest === "every" ? "test" : "val";
  const splitName = split === "test" ? "Test" : "Validation";
  const ticketCurves = data.curves.filter((c) => c.kind === kind && c.branch === "ticket");
  const chosen = pickSpread(levelsOf(ticketCurves, kind), MAX_CURVE_LEVELS);
  const rows: CurveRow[] = [];
  const branches: Branch[] = ["ticket", "reinit"];
  for (const { level, pm } of chosen) {
    for (const branch of branches) {
      const curves = data.curves.filter((c) => c.kind === kind && c.branch === branch && c.level === level);
      const points: CurvePoint[] = meanCurve(curves, split);
      for (const p of points) rows.push({ iteration: p.iteration, accuracy: p.accuracy * 100, level: formatPm(pm), branch });
    }
  }
  if (rows.length === 0) return undefined;

  const levels = chosen.map((l) => formatPm(l.pm)).filter((label) => rows.some((r) => r.level === label));
  const hasReinit = rows.some((r) => r.branch === "reinit");
  // Zoom on where the curves differ (as the paper does): the first evaluations, near chance,
  // would otherwise squeeze the whole of training into a few pixels at the top.
  const lastIteration = Math.max(...rows.map((r) => r.iteration));
  const settled = rows.filter((r) => r.iteration >= 0.1 * lastIteration && Number.isFinite(r.accuracy)).map((r) => r.accuracy);
  const yScale = settled.length
    ? { zero: false, domain: [Math.max(0, Math.floor(Math.min(...settled) - 0.5)), Math.min(100, Math.ceil(Math.max(...settled) + 0.25))] }
    : { zero: false };
  const trials = trialCount(ticketCurves);
  const title = `${splitName} accuracy over training at selected Pm`;
  const subtitle = (hasReinit ? "Ticket solid, reinit dashed; " : "Ticket; ") + (trials > 1 ? `mean over ${trials} trials` : "single trial");
  return {
    name: "accuracy-over-training",
    title,
    caption:
      "Look for sparser tickets learning faster and reaching higher accuracy than the dense network until Pm " +
      "becomes very small" +
      (hasReinit ? ", and for the dashed reinit curves lagging the solid ticket curve of the same color." : "."),
    spec: {
      $schema: "https://vega.github.io/schema/vega-lite/v6.json",
      width: WIDTH,
      height: HEIGHT,
      title: { text: title, subtitle, anchor: "start" },
      data: { values: rows },
      mark: { type: "line", strokeWidth: 1.75, clip: true },
      encoding: {
        x: { field: "iteration", type: "quantitative", title: "Training iteration (minibatches)" },
        y: { field: "accuracy", type: "quantitative", title: `${splitName} accuracy (%)`, scale: yScale },
        color: {
          field: "level",
          type: "nominal",
          title: "Pm",
          scale: { domain: levels, range: LEVEL_COLORS.slice(0, levels.length) },
        },
        ...(hasReinit
          ? {
              strokeDash: {
                field: "branch",
                type: "nominal",
                title: "Branch",
                scale: { domain: branches, range: [SOLID, DASHED] },
              },
            }
          : {}),
      },
    },
  };
}

/**
 * Appendix F.5: for one layer at one level, the magnitude of each sampled weight at
 * initialization vs. after training (points above the diagonal grew), and the distribution of
 * initial values, normalized within kept and within pruned so their shapes compare despite the
 * very different counts.
 */
export function magnitudes(data: ReportData): Figure | undefined {
  const record = data.magnitudes[0];
  if (!record) return undefined;
  const samples = magnitudeSamples(record);
  if (samples.length === 0) return undefined;

  const rows = samples.map((s) => ({
    initial: s.initial,
    absInitial: Math.abs(s.initial),
    absFinal: Math.abs(s.final),
    status: s.kept ? "kept" : "pruned",
  }));
  // The diagonal spans the initial magnitudes, so it never stretches the x axis past the data.
  const maxAbsInitial = rows.reduce((m, r) => Math.max(m, r.absInitial), 0);
  const stats = magnitudeStats(samples);
  const title = "Initial vs. final weight magnitudes, kept vs. pruned";
  const color = {
    field: "status",
    type: "nominal",
    title: "Next pruning",
    scale: { domain: ["kept", "pruned"], range: ["#1f77b4", "#ff7f0e"] },
  } as const;
  const side = (name: string, s: typeof stats.kept) =>
    `${name} (${s.n}): mean |initial| ${formatMagnitude(s.meanAbsInitial)}, mean |final − initial| ${formatMagnitude(s.meanAbsChange)}`;
  return {
    name: "magnitudes",
    title,
    caption:
      `${side("Kept", stats.kept)}; ${side("pruned", stats.pruned)}. ` +
      "Look for kept (winning-ticket) weights starting larger and moving further in training than pruned ones, " +
      "as the paper reports; points above the dashed diagonal grew during training.",
    spec: {
      $schema: "https://vega.github.io/schema/vega-lite/v6.json",
      title: {
        text: title,
        subtitle: `Layer ${record.layer}, level ${record.level} (Pm ${formatPm(record.pm)}), trial ${record.trial}; ${samples.length} sampled weights`,
        anchor: "start",
      },
      data: { values: rows },
      hconcat: [
        {
          width: 300,
          height: 280,
          layer: [
            {
              // No per-point ARIA labels: thousands of them would triple the SVG's size for no reader.
              mark: { type: "circle", size: 14, opacity: 0.5, aria: false },
              encoding: {
                x: { field: "absInitial", type: "quantitative", title: "|Initial weight| (magnitude at init)" },
                y: { field: "absFinal", type: "quantitative", title: "|Final weight| (magnitude after training)" },
                color,
              },
            },
            {
              // y = x: weights on it ended as large as they started.
              data: { values: [{ d: 0 }, { d: maxAbsInitial }] },
              mark: { type: "line", color: "#555555", strokeDash: [4, 4], strokeWidth: 1 },
              encoding: {
                x: { field: "d", type: "quantitative" },
                y: { field: "d", type: "quantitative" },
              },
            },
          ],
        },
        {
          width: 300,
          height: 280,
          transform: [
            { bin: { maxbins: 30 }, field: "initial", as: ["bin0", "bin1"] },
            { aggregate: [{ op: "count", as: "count" }], groupby: ["bin0", "bin1", "status"] },
            { joinaggregate: [{ op: "sum", field: "count", as: "total" }], groupby: ["status"] },
            { calculate: "100 * datum.count / datum.total", as: "percent" },
          ],
          mark: { type: "bar", opacity: 0.55, binSpacing: 0 },
          encoding: {
            x: { field: "bin0", type: "quantitative", bin: { binned: true }, title: "Initial weight value" },
            x2: { field: "bin1" },
            y: { field: "percent", type: "quantitative", stack: null, title: "Share of kept / of pruned weights (%)" },
            color,
          },
        },
      ],
    },
  };
}
