// The report's HTML tables: results per level (one column group per branch), per-layer sparsity
// and the hyperparameters. Every piece of text from the data goes through escapeHtml, and every
// number through the shared formatters, so a missing value shows as "–".
import { BRANCHES, type Kind, type LevelGroup, type RunMetric, type Summary, groupRuns, levelsOf, summarizeMetric, trialCount } from "./aggregate.js";
import { MISSING, escapeHtml, formatAccuracy, formatCount, formatPm, formatSeconds } from "./format.js";
import type { ReportData, SparsityRecord } from "./types.js";

interface Column {
  label: string;
  metric: RunMetric;
  format: (value: number) => string;
}

const RESULT_COLUMNS: readonly Column[] = [
  { label: "Early-stop iteration", metric: "earlyStopIteration", format: formatCount },
  { label: "Val. acc. at early stop", metric: "earlyStopValAccuracy", format: formatAccuracy },
  { label: "Test acc. at early stop", metric: "earlyStopTestAccuracy", format: formatAccuracy },
  { label: "Test acc. at end", metric: "finalTestAccuracy", format: formatAccuracy },
  { label: "Wall time", metric: "seconds", format: formatSeconds },
];

const KIND_TITLES: Record<Kind, string> = { iterative: "Iterative pruning", oneshot: "One-shot pruning" };

/** Results tables, one per kind of pruning present (iterative first). Empty string without runs. */
export function resultsTables(data: ReportData): string {
  const groups = groupRuns(data.runs);
  const kinds = (["iterative", "oneshot"] as const).filter((k) => groups.some((g) => g.kind === k));
  const showKindTitles = kinds.length > 1 || kinds[0] === "oneshot";
  return kinds.map((kind) => (showKindTitles ? `<h3>${KIND_TITLES[kind]}</h3>\n` : "") + resultsTable(data, groups, kind)).join("\n");
}

function resultsTable(data: ReportData, groups: readonly LevelGroup[], kind: Kind): string {
  const runs = data.runs.filter((r) => r.kind === kind);
  const trials = trialCount(runs);
  const branches = BRANCHES.filter((b) => groups.some((g) => g.kind === kind && g.branch === b));
  const byKey = new Map(groups.filter((g) => g.kind === kind).map((g) => [`${g.branch}/${g.level}`, g]));
  // With excluded layers, the paper's Pm counts only the pruned ones: both are shown.
  const pmPruned = new Map(runs.filter((r) => r.pmPruned !== undefined).map((r) => [r.level, r.pmPruned!]));
  const pmHead = pmPruned.size ? `<th rowspan="2">Pm (all prunable)</th><th rowspan="2">Pm (pruned layers)</th>` : `<th rowspan="2">Pm</th>`;

  const head1 =
    `<tr><th rowspan="2">Level</th>${pmHead}` +
    branches.map((b) => `<th colspan="${RESULT_COLUMNS.length}" class="group">${escapeHtml(b)}</th>`).join("") +
    `</tr>`;
  const head2 = `<tr>${branches.map(() => RESULT_COLUMNS.map((c) => `<th>${c.label}</th>`).join("")).join("")}</tr>`;
  const body = levelsOf(runs, kind).map(({ level, pm }) => {
    const cells = branches.flatMap((branch) => {
      const group = byKey.get(`${branch}/${level}`);
      return RESULT_COLUMNS.map((c) => `<td>${group ? summaryCell(summarizeMetric(group, c.metric), trials, c.format) : MISSING}</td>`);
    });
    const pmCells = `<td>${formatPm(pm)}</td>` + (pmPruned.size ? `<td>${pmPruned.has(level) ? formatPm(pmPruned.get(level)!) : MISSING}</td>` : "");
    return `<tr><td>${level}</td>${pmCells}${cells.join("")}</tr>`;
  });
  return (
    `<p class="note">${trials > 1 ? `Cells show the mean over ${trials} trials with the min–max range below it.` : "One trial."}</p>\n` +
    `<div class="scroll"><table class="results">\n<thead>${head1}\n${head2}</thead>\n<tbody>\n${body.join("\n")}\n</tbody></table></div>` +
    unfinishedNote(runs)
  );
}

/**
 * Runs whose validation loss was lowest at their last evaluation never reached a minimum: their
 * early-stop iteration is only a lower bound, and comparing it across levels says little. The
 * reader has to know, so the table says how many and what to do about it.
 */
function unfinishedNote(runs: readonly ReportData["runs"][number][]): string {
  const open = runs.filter((r) => Number.isFinite(r.earlyStopIteration) && r.earlyStopIteration >= r.iterations);
  if (open.length === 0) return "";
  const all = open.length === runs.length ? "All" : `${open.length} of ${runs.length}`;
  return (
    `\n<p class="note warning">${all} runs had their lowest validation loss at the last evaluation (iteration ` +
    `${formatCount(Math.max(...open.map((r) => r.iterations)))}): they were still improving, so their early-stop iteration is only a lower ` +
    `bound. Train longer (<code>--iterations</code>) to measure it.</p>`
  );
}

/** Mean, then the range when trials disagree, and the count when some trials lack the value. */
function summaryCell(s: Summary, trials: number, format: (value: number) => string): string {
  if (s.n === 0) return MISSING;
  let cell = format(s.mean);
  if (s.n > 1 && s.min !== s.max) cell += `<span class="range">${format(s.min)}–${format(s.max)}</span>`;
  if (s.n < trials) cell += `<span class="range">n = ${s.n}</span>`;
  return cell;
}

/**
 * Per-layer sparsity, one block of rows per level (of the lowest trial: layer counts follow from
 * the pruning rates, so they agree across trials). The closing row of each block totals the layers.
 */
export function sparsityTable(data: ReportData): string {
  const chosen = new Map<string, SparsityRecord>();
  for (const r of data.sparsity) {
    const key = `${r.kind}/${r.level}`;
    const prev = chosen.get(key);
    if (!prev || r.trial < prev.trial) chosen.set(key, r);
  }
  const records = [...chosen.values()].sort((a, b) => (a.kind === b.kind ? 0 : a.kind === "iterative" ? -1 : 1) || a.level - b.level);
  if (records.length === 0) return `<p class="note">No sparsity records.</p>`;

  const blocks = records.map((r) => {
    const levelLabel = (r.kind === "oneshot" ? "one-shot " : "") + String(r.level);
    const kept = r.layers.reduce((sum, l) => sum + l.kept, 0);
    const total = r.layers.reduce((sum, l) => sum + l.total, 0);
    const span = r.layers.length + 1;
    const lead = `<td rowspan="${span}">${escapeHtml(levelLabel)}</td><td rowspan="${span}">${formatPm(r.pm)}</td>`;
    const layerRows = r.layers.map(
      (l) =>
        `<td class="text">${escapeHtml(l.name)}</td><td class="text">${escapeHtml(l.kind)}</td>` +
        `<td>${formatCount(l.kept)} / ${formatCount(l.total)}</td><td>${l.total > 0 ? formatPm(l.kept / l.total) : MISSING}</td>`,
    );
    const totalRow =
      `<td class="text" colspan="2"><em>all layers</em></td>` +
      `<td>${formatCount(kept)} / ${formatCount(total)}</td><td>${total > 0 ? formatPm(kept / total) : MISSING}</td>`;
    return [...layerRows, totalRow].map((cells, i) => (i === 0 ? `<tr class="first">${lead}${cells}</tr>` : `<tr>${cells}</tr>`)).join("\n");
  });
  return (
    `<div class="scroll"><table class="sparsity">\n<thead><tr><th>Level</th><th>Pm (overall)</th><th>Layer</th><th>Kind</th>` +
    `<th>Kept / total</th><th>% kept</th></tr></thead>\n<tbody>\n${blocks.join("\n")}\n</tbody></table></div>`
  );
}

/** Hyperparameters as a definition list: scalars as text, nested values as compact JSON. */
export function hparamsList(hparams: Record<string, unknown>): string {
  const entries = Object.entries(hparams);
  if (entries.length === 0) return `<p class="note">No hyperparameters recorded.</p>`;
  const items = entries.map(([key, value]) => `<dt>${escapeHtml(key)}</dt><dd><code>${escapeHtml(showValue(value))}</code></dd>`);
  return `<dl class="hparams">\n${items.join("\n")}\n</dl>`;
}

function showValue(value: unknown): string {
  if (typeof value === "string") return value;
  try {
    // JSON.stringify returns undefined for undefined and functions; it throws on BigInt and cycles.
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
