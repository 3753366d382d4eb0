// The paper's own numbers for the networks it reports (Frankle & Carbin, "The Lottery Ticket
// Hypothesis", ICLR 2019, arXiv 1803.03635v5; src/report/paper-claims.ts) beside the same quantities
// measured by experiments: the report's "Against the paper" table and `lottery compare`'s. Only the
// quantities, not a verdict: whether a 2.2x against the paper's 3.5x "agrees" depends on the
// protocol, which the table states next to it.
import { groupRuns, type LevelGroup, samePm, summarizeMetric } from "./aggregate.js";
import { formatAccuracy, formatCount, formatPm } from "./format.js";
import { PAPER_CLAIMS, PAPER_DEEP_CLAIMS, PAPER_DROPOUT_CLAIMS, type PaperClaims } from "./paper-claims.js";
import { excludesLayers, withPaperPm } from "./records.js";
import type { RunRecord } from "./types.js";

/** One row of the table: the claim in words, the paper's number, this experiment's. */
export interface PaperRow {
  claim: string;
  paper: string;
  measured: string;
}

/** The table that puts an experiment's measurements beside the paper's claims. */
export interface PaperComparison {
  /** What the claims are about, e.g. "Conv-2" or "Conv-2 with and without dropout". */
  network: string;
  rows: PaperRow[];
  /** The measured column's title (default: "this experiment"). */
  measuredTitle?: string;
  /** How the paper's numbers and these were obtained, and what limits the comparison. */
  notes: string[];
}

/** The settings the paper's numbers assume; an experiment with others gets no table (it did not run the paper's method). */
interface MethodSettings {
  model?: { model?: string; network?: string };
  dataset?: { dataset?: string };
  training?: { iterations?: number; evalEvery?: number };
  pruning?: { strategy?: string; criterion?: string; scope?: string; masksFrom?: string };
}

/**
 * The paper's method on its data: magnitude pruning, reset to θ0, a registered network, CIFAR-10 or
 * MNIST as the claims say, and the scope the paper used for that network (`scope` null: either,
 * for comparing the two scopes).
 */
function paperMethod(hp: MethodSettings, dataset: string, scope: "layerwise" | "global" | null): boolean {
  const p = hp.pruning ?? {};
  return (
    hp.model?.network === undefined &&
    (hp.dataset?.dataset ?? dataset) === dataset &&
    (p.strategy ?? "reset") === "reset" &&
    (p.criterion ?? "magnitude") === "magnitude" &&
    (scope === null || (p.scope ?? "layerwise") === scope)
  );
}

/** Means over trials of what the claims compare. */
const es = (g: LevelGroup) => summarizeMetric(g, "earlyStopIteration").mean;
const acc = (g: LevelGroup) => summarizeMetric(g, "earlyStopTestAccuracy").mean;
const final = (g: LevelGroup) => summarizeMetric(g, "finalTestAccuracy").mean;

/** An experiment's iterative levels reduced to what the claims are about (means over trials). */
interface Tickets {
  /** Every iterative group: tickets and controls. */
  groups: LevelGroup[];
  dense: LevelGroup;
  /** The pruned tickets, densest first. */
  pruned: LevelGroup[];
  /** Test accuracy at early stop over the dense network's. */
  gain: (g: LevelGroup) => number;
  /** The largest dense/ticket early-stop ratio, and every level that reaches it. */
  bestRatio: number;
  fastest: LevelGroup[];
  /** The level of the largest gain. */
  best: LevelGroup;
}

function measureTickets(runs: readonly RunRecord[]): Tickets | null {
  const groups = groupRuns(runs.filter((r) => r.kind === "iterative"));
  const tickets = groups.filter((g) => g.branch === "ticket");
  const dense = tickets.find((g) => g.level === 0);
  const pruned = tickets.filter((g) => g.level > 0).sort((a, b) => b.pm - a.pm);
  if (!dense || pruned.length === 0) return null;
  const gain = (g: LevelGroup) => acc(g) - acc(dense);
  const ratio = (g: LevelGroup) => es(dense) / es(g);
  const bestRatio = Math.max(...pruned.map(ratio));
  return {
    groups,
    dense,
    pruned,
    gain,
    bestRatio,
    fastest: pruned.filter((g) => Math.abs(ratio(g) - bestRatio) < 1e-9),
    best: pruned.reduce((a, b) => (gain(b) > gain(a) ? b : a)),
  };
}

const pp = (x: number) => `${x >= 0 ? "+" : "−"}${Math.abs(100 * x).toFixed(2)} pp`;
const pms = (gs: readonly LevelGroup[]) =>
  gs.length === 1 ? `Pm ${formatPm(gs[0]!.pm)}` : `Pm ${formatPm(gs[0]!.pm)} to ${formatPm(gs[gs.length - 1]!.pm)} (${gs.length} levels)`;

const LOWER_BOUND = "its early-stop iteration, and so every factor against it, is a lower bound. Train longer (--iterations).";

/** A group whose runs had their lowest validation loss at their last evaluation (so its early stop is a lower bound). */
function stillImproving(g: LevelGroup): boolean {
  return g.runs.some((r) => r.earlyStopIteration >= r.iterations);
}

function paperProtocol(claims: PaperClaims): string {
  return `${claims.network}, its section ${claims.section}; means of 5 trials, ${formatCount(claims.iterations)} iterations per level, evaluation every ${claims.evalEvery}`;
}

/** "1 trial, 5,000 iterations per level, evaluation every 250, 14 pruned levels down to Pm 4.6%". */
function protocol(hp: MethodSettings, t: Tickets): string {
  const trials = new Set(t.dense.runs.map((r) => r.trial)).size;
  const levels = [t.dense, ...t.pruned];
  return (
    `${trials === 1 ? "1 trial" : `means of ${trials} trials`}, ${formatCount(hp.training?.iterations ?? t.dense.runs[0]!.iterations)} iterations per level, ` +
    `evaluation every ${formatCount(hp.training?.evalEvery ?? NaN)}, ` +
    (hp.pruning?.masksFrom !== undefined
      ? `masks from ${hp.pruning.masksFrom} (levels ${levels.map((g) => g.level).join(", ")} only)`
      : `${t.pruned.length} pruned level${t.pruned.length === 1 ? "" : "s"} down to Pm ${formatPm(t.pruned[t.pruned.length - 1]!.pm)}`)
  );
}

/** "2.17x at Pm 51.4% to 7.1% (10 levels): dense at 3,250, tickets at 1,500". */
function fastestText(t: Tickets): string {
  return `${t.bestRatio.toFixed(2)}x at ${pms(t.fastest)}: dense at ${formatCount(es(t.dense))}, tickets at ${formatCount(es(t.fastest[0]!))}`;
}

/**
 * The paper's numbers next to this experiment's, for a network of the paper's sections 2-3
 * trained with its method (iterative magnitude pruning, layer-wise, reset to θ0) on its dataset;
 * null for any other experiment, or one without a dense level and a pruned level. Measured values
 * are means over trials, from the ticket runs (and reinit controls) of the iterative levels.
 */
export function paperComparison(hparams: Record<string, unknown>, runs: readonly RunRecord[]): PaperComparison | null {
  const hp = hparams as MethodSettings;
  const claims = PAPER_CLAIMS[hp.model?.model ?? ""];
  if (!claims || !paperMethod(hp, claims.dataset, "layerwise")) return null;
  const t = measureTickets(runs);
  if (!t) return null;
  const { groups, dense, pruned, gain, best } = t;
  const denseAcc = acc(dense);

  // The sparsest level still at or above dense, and the levels below dense on either side of it
  // (a denser level a hair below dense is noise the paper's five-trial means smooth out; say it).
  const atOrAbove = pruned.filter((g) => acc(g) >= denseAcc);
  const lowest = atOrAbove[atOrAbove.length - 1];
  const belowDense = (gs: readonly LevelGroup[]) => gs.map((g) => `Pm ${formatPm(g.pm)} (${pp(gain(g))})`).join(", ");
  let aboveText: string;
  if (!lowest) aboveText = `below dense at every pruned level (${belowDense(pruned.slice(0, 1))} at the first)`;
  else {
    const over = pruned.filter((g) => g.pm > lowest.pm && acc(g) < denseAcc);
    const under = pruned.filter((g) => g.pm < lowest.pm);
    aboveText =
      `at or above dense down to Pm ${formatPm(lowest.pm)}` +
      (over.length ? `, except ${belowDense(over)}` : "") +
      (under.length === 0
        ? " (the sparsest level measured)"
        : under.length === 1
          ? `; below at ${belowDense(under)}`
          : `; below at ${pms(under)}, first ${belowDense(under.slice(0, 1))}`);
  }

  const rows: PaperRow[] = [
    {
      claim: "tickets reach minimum validation loss sooner than the dense network (at best)",
      paper: claims.earlyStop.text,
      measured: fastestText(t),
    },
    {
      claim: "test accuracy at early stop above the dense network's (at best)",
      paper: claims.accuracyGain.text,
      measured: `${pp(gain(best))} at Pm ${formatPm(best.pm)} (dense ${formatAccuracy(denseAcc)}, ticket ${formatAccuracy(acc(best))})`,
    },
    { claim: "tickets at or above the dense network's test accuracy", paper: claims.aboveDense.text, measured: aboveText },
  ];
  const bestFinal = pruned.reduce((a, b) => (final(b) > final(a) ? b : a));
  const iterations = hp.training?.iterations ?? dense.runs[0]!.iterations;
  rows.push({
    claim: "test accuracy at the end of training above the dense network's (at best)",
    paper: claims.finalAccuracy,
    measured:
      `${pp(final(bestFinal) - final(dense))} at Pm ${formatPm(bestFinal.pm)} at iteration ${formatCount(iterations)} (dense ${formatAccuracy(final(dense))}, ticket ${formatAccuracy(final(bestFinal))})` +
      (iterations < claims.iterations ? `; the paper's networks train ${formatCount(claims.iterations)} iterations` : ""),
  });
  // Controls whose ticket finished (a diverged ticket leaves its control without a partner).
  const reinits = groups.filter((g) => g.branch === "reinit" && pruned.some((p) => p.level === g.level));
  if (reinits.length > 0) {
    const near = reinits.reduce((a, b) => (Math.abs(b.pm - claims.reinit.pm) < Math.abs(a.pm - claims.reinit.pm) ? b : a));
    const ticket = pruned.find((g) => g.level === near.level)!;
    rows.push({
      claim: `tickets against randomly reinitialized controls (the level nearest Pm ${formatPm(claims.reinit.pm)})`,
      paper: claims.reinit.text,
      measured:
        `at Pm ${formatPm(near.pm)} tickets stop ${(es(near) / es(ticket)).toFixed(2)}x sooner (${formatCount(es(ticket))} vs ${formatCount(es(near))}` +
        `${stillImproving(near) ? ", the controls still improving at their end: a lower bound" : ""}) ` +
        `and test ${pp(acc(ticket) - acc(near))} higher (${formatAccuracy(acc(ticket))} vs ${formatAccuracy(acc(near))})`,
    });
  }

  const notes = [
    `The paper: ${paperProtocol(claims)}. This experiment: ${protocol(hp, t)}. ` +
      "Early-stop iterations are on the evaluation grid, so a factor can only take the values that grid allows.",
  ];
  if (stillImproving(t.dense)) notes.push(`The dense network was still improving at its last evaluation: ${LOWER_BOUND}`);
  return { network: claims.network, rows, notes };
}

/** The comparison as a markdown table with its notes (for docs/results). */
export function paperComparisonMarkdown(c: PaperComparison): string {
  const cell = (s: string) => s.replace(/\|/g, "\\|");
  return [
    `| claim (${c.network}) | the paper | ${c.measuredTitle ?? "this experiment"} |`,
    "|---|---|---|",
    ...c.rows.map((r) => `| ${cell(r.claim)} | ${cell(r.paper)} | ${cell(r.measured)} |`),
    "",
    c.notes.join("\n\n"),
  ].join("\n");
}

/** One experiment as the comparisons read it: its stored settings and its finished runs. */
export interface ExperimentRuns {
  hparams: Record<string, unknown>;
  runs: readonly RunRecord[];
}

/**
 * The paper's dropout claims (section 3) beside two experiments: a Conv network with dropout and
 * the same network without, both run with the paper's method on CIFAR-10. Null when the two are
 * not such a pair, or either lacks a dense and a pruned level.
 */
export function dropoutComparison(a: ExperimentRuns, b: ExperimentRuns): PaperComparison | null {
  const model = (e: ExperimentRuns) => (e.hparams as MethodSettings).model?.model ?? "";
  const [withDropout, without] = PAPER_DROPOUT_CLAIMS[model(a)] ? [a, b] : [b, a];
  const claims = PAPER_DROPOUT_CLAIMS[model(withDropout)];
  if (!claims || model(without) !== claims.plain) return null;
  if (![withDropout, without].every((e) => paperMethod(e.hparams as MethodSettings, "cifar10", "layerwise"))) return null;
  const d = measureTickets(withDropout.runs),
    n = measureTickets(without.runs);
  if (!d || !n) return null;
  const dDense = acc(d.dense),
    nDense = acc(n.dense);
  const rows: PaperRow[] = [
    {
      claim: "dropout raises the dense network's test accuracy at early stop",
      paper: `${pp(claims.denseGain / 100)} (${claims.network}, mean)`,
      measured: `${pp(dDense - nDense)} (${formatAccuracy(dDense)} with dropout, ${formatAccuracy(nDense)} without)`,
    },
    {
      claim: "iterative pruning raises the accuracy with dropout further (at best, over its own dense network)",
      paper: `up to ${pp(claims.furtherGain / 100)} more (${claims.network}, mean)`,
      measured: `${pp(d.gain(d.best))} at Pm ${formatPm(d.best.pm)} (without dropout: ${pp(n.gain(n.best))} at Pm ${formatPm(n.best.pm)})`,
    },
    {
      claim: "with dropout, tickets still learn faster than the dense network (best early-stop factor)",
      paper: `yes, as without dropout, but less markedly for Conv-2`,
      measured: `with dropout ${fastestText(d)}; without ${fastestText(n)}`,
    },
  ];
  const hpD = withDropout.hparams as MethodSettings,
    hpN = without.hparams as MethodSettings;
  const notes = [
    `The paper: ${claims.network} with dropout 0.5 (Adam ${claims.lr}) against its section-3 runs without; means of 5 trials, evaluation every 100. ` +
      `Here, with dropout: ${protocol(hpD, d)}; without: ${protocol(hpN, n)}.`,
  ];
  if (stillImproving(d.dense)) notes.push(`The dense network with dropout was still improving at its last evaluation: ${LOWER_BOUND}`);
  if (stillImproving(n.dense)) notes.push(`The dense network without dropout was still improving at its last evaluation: ${LOWER_BOUND}`);
  return { network: `${claims.network} with and without dropout`, measuredTitle: "these experiments", rows, notes };
}

/**
 * The paper's section-4 finding for a VGG-19 or ResNet-20 experiment's learning rate and warmup,
 * beside its tickets (global magnitude pruning, reset to θ0): how far down they stay at or above
 * the dense network and above their reinit controls, by test accuracy at the end of training
 * (the paper reports accuracy at fixed iterations, not at early stop, for these networks). Null for
 * other experiments, other methods, or without a dense and a pruned level.
 */
export function deepPaperComparison(hparams: Record<string, unknown>, runs: readonly RunRecord[]): PaperComparison | null {
  const hp = hparams as MethodSettings & { training?: { lr?: number; warmupIterations?: number } };
  const claims = PAPER_DEEP_CLAIMS[hp.model?.model ?? ""];
  if (!claims || !paperMethod(hp, "cifar10", "global")) return null;
  const t = measureTickets(withPaperPm(runs));
  if (!t) return null;
  const lr = hp.training?.lr ?? NaN;
  const warmup = (hp.training?.warmupIterations ?? 0) > 0;
  const claim = claims.rates.find((r) => Math.abs(r.lr - lr) < 1e-12 && r.warmup === warmup);
  const dense = final(t.dense);
  const atOrAbove = t.pruned.filter((g) => final(g) >= dense);
  const lowest = atOrAbove[atOrAbove.length - 1];
  const best = t.pruned.reduce((a, b) => (final(b) > final(a) ? b : a));
  const rows: PaperRow[] = [
    {
      claim: `what iterative pruning finds at rate ${lr}${warmup ? " with warmup" : " without warmup"}`,
      paper:
        claim?.text ??
        `the paper did not train ${claims.network} at this rate (it reports ${claims.rates.map((r) => `${r.lr}${r.warmup ? " with warmup" : ""}`).join(", ")})`,
      measured:
        (lowest
          ? `tickets at or above dense (${formatAccuracy(dense)}) down to Pm ${formatPm(lowest.pm)}` +
            (t.pruned.some((g) => g.pm > lowest.pm && final(g) < dense) ? " (with denser levels below it)" : "")
          : `tickets below dense (${formatAccuracy(dense)}) at every pruned level`) +
        `; the best ${formatAccuracy(final(best))} at Pm ${formatPm(best.pm)} (${pp(final(best) - dense)})`,
    },
  ];
  const reinits = t.groups.filter((g) => g.branch === "reinit" && t.pruned.some((p) => p.level === g.level)).sort((a, b) => b.pm - a.pm);
  if (reinits.length) {
    const diffs = reinits.map((r) => ({ pm: r.pm, d: final(t.pruned.find((g) => g.level === r.level)!) - final(r) }));
    rows.push({
      claim: "tickets against randomly reinitialized controls",
      paper: claim && !claim.warmup && claim.lr === 0.1 ? "no better than reinit" : "above reinit as they are pruned",
      measured: `tickets above their controls at ${diffs.filter((x) => x.d > 0).length} of ${diffs.length} levels (${diffs.map((x) => `Pm ${formatPm(x.pm)}: ${pp(x.d)}`).join(", ")})`,
    });
  }
  if (claim?.best) rows.push({ claim: "the best ticket", paper: claim.best, measured: `${formatAccuracy(final(best))} at Pm ${formatPm(best.pm)}` });
  const iterations = hp.training?.iterations ?? t.dense.runs[0]!.iterations;
  const notes = [
    `The paper: ${claims.network}, its section ${claims.section}; means of 5 trials, ${formatCount(claims.iterations)} iterations per level, test accuracy at ${claims.measuredAt}. ` +
      `This experiment: ${protocol(hp, t)}; test accuracy at the end of training (iteration ${formatCount(iterations)}${iterations < claims.iterations ? ", the paper's schedule shortened with its warmup and decays scaled" : ""}).`,
  ];
  if (excludesLayers(runs)) notes.push(PRUNED_PM_NOTE);
  return { network: claims.network, rows, notes };
}

/** Said under a table whose Pm is of the pruned layers (their claims are read at it: withPaperPm). */
export const PRUNED_PM_NOTE =
  "Pm here is the paper's: the fraction kept of the weights pruning acts on. The layers never pruned (`pruning.exclude`: the output layer, and ResNet's shortcuts) are left out of it; the report's results table shows both.";

/** The table for one experiment, whichever section of the paper covers it (null when none does). */
export function experimentPaperComparison(hparams: Record<string, unknown>, runs: readonly RunRecord[]): PaperComparison | null {
  return paperComparison(hparams, runs) ?? deepPaperComparison(hparams, runs);
}

/**
 * The paper's appendix I.1 (global pruning finds smaller winning tickets than layer-wise pruning for
 * VGG-19 and ResNet) beside two experiments of one of those networks that differ in scope: at each
 * Pm both have a ticket (iterative level or one-shot target), the final test accuracy of each and
 * whether it reaches its dense network's. Null for any other pair.
 */
export function scopeComparison(a: ExperimentRuns, b: ExperimentRuns): PaperComparison | null {
  const hpOf = (e: ExperimentRuns) => e.hparams as MethodSettings;
  const scope = (e: ExperimentRuns) => hpOf(e).pruning?.scope ?? "layerwise";
  const [global, layerwise] = scope(a) === "global" ? [a, b] : [b, a];
  const claims = PAPER_DEEP_CLAIMS[hpOf(global).model?.model ?? ""];
  if (!claims || hpOf(layerwise).model?.model !== hpOf(global).model?.model) return null;
  if (scope(global) !== "global" || scope(layerwise) !== "layerwise") return null;
  if (![global, layerwise].every((e) => paperMethod(hpOf(e), "cifar10", null))) return null;
  const tickets = (e: ExperimentRuns) => groupRuns(withPaperPm(e.runs)).filter((g) => g.branch === "ticket");
  const dense = (e: ExperimentRuns) => tickets(e).find((g) => g.kind === "iterative" && g.level === 0);
  const g = tickets(global).filter((x) => x.pm < 1),
    l = tickets(layerwise).filter((x) => x.pm < 1);
  const pairs = g.flatMap((x) => {
    const y = l.find((z) => samePm(z.pm, x.pm));
    return y ? [{ global: x, layerwise: y }] : [];
  });
  if (pairs.length === 0) return null;
  const dG = dense(global),
    dL = dense(layerwise);
  const versus = (x: LevelGroup, d: LevelGroup | undefined) =>
    `${formatAccuracy(final(x))}${d ? ` (${pp(final(x) - final(d))} against its dense ${formatAccuracy(final(d))})` : ""}`;
  const rows: PaperRow[] = pairs
    .sort((p, q) => q.global.pm - p.global.pm)
    .map(({ global: x, layerwise: y }) => ({
      claim: `at Pm ${formatPm(x.pm)} (${x.kind === "oneshot" ? "one-shot" : `level ${x.level}`}): global against layer-wise pruning, test accuracy at the end of training`,
      paper: "global pruning finds smaller winning tickets than layer-wise pruning (appendix I.1)",
      measured: `global ${versus(x, dG)}; layer-wise ${versus(y, dL)}; difference ${pp(final(x) - final(y))}`,
    }));
  const trials = (e: ExperimentRuns) => new Set(e.runs.map((r) => r.trial)).size;
  const notes = [
    `The paper: ${claims.network}, its appendix I.1 (means of 5 trials). Here: ${trials(global)} trial${trials(global) === 1 ? "" : "s"} global, ${trials(layerwise)} layer-wise, ` +
      `${formatCount(hpOf(global).training?.iterations ?? NaN)} iterations per level; layer-wise pruning removes each layer's own fraction (the paper's layer-wise rates for these networks), global one threshold over all pruned layers.`,
  ];
  if ([global, layerwise].some((e) => excludesLayers(e.runs))) notes.push(PRUNED_PM_NOTE);
  return { network: `${claims.network}, global against layer-wise pruning`, measuredTitle: "these experiments", rows, notes };
}
