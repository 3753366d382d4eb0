// The report page: one self-contained HTML file (inline CSS, figures inlined as SVG, no scripts,
// no external resources) so it can be archived, mailed or opened offline as is.
import { levelsOf, trialCount } from "./aggregate.js";
import { escapeHtml, formatPm } from "./format.js";
import { overlapRowsHtml } from "./masks.js";
import { experimentPaperComparison } from "./paper.js";
import { hparamsList, resultsTables, sparsityTable } from "./tables.js";
import type { ReportData } from "./types.js";

/** A figure ready for the page. `svg` is markup produced by Vega, which escapes its own text. */
export interface PageFigure {
  name: string;
  title: string;
  caption: string;
  svg: string;
}

const STYLE = `
:root { color-scheme: light; }
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #222; margin: 0; background: #fafafa; }
main { max-width: 1200px; margin: 0 auto; padding: 1.5rem 2rem 4rem; background: #fff; }
h1 { font-size: 1.8rem; margin: 0 0 .25rem; }
h2 { font-size: 1.35rem; margin-top: 2.5rem; border-bottom: 1px solid #ddd; padding-bottom: .25rem; }
h3 { font-size: 1.1rem; margin-top: 1.5rem; }
.meta { color: #555; margin: 0 0 1rem; }
.note { color: #666; font-size: .9rem; }
.note.warning { color: #8a5a00; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; font-size: .85rem; font-variant-numeric: tabular-nums; }
th, td { padding: .3rem .55rem; border: 1px solid #e2e2e2; text-align: right; vertical-align: top; white-space: nowrap; }
th { background: #f3f5f8; font-weight: 600; text-align: center; }
th.group { background: #e6ecf5; }
td.text { text-align: left; }
table.results tbody tr:nth-child(even) td { background: #fbfbfd; }
table.sparsity tr.first td { border-top: 2px solid #c8c8c8; }
.range { display: block; color: #888; font-size: .75rem; }
figure { margin: 2rem 0; }
figure svg { max-width: 100%; height: auto; }
figcaption { color: #444; font-size: .9rem; max-width: 60rem; }
table.paper td { white-space: normal; text-align: left; min-width: 12rem; }
dl.hparams { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; font-size: .9rem; }
dl.hparams dt { font-weight: 600; }
dl.hparams dd { margin: 0; }
code { white-space: pre-wrap; word-break: break-word; font-size: .85rem; }
`;

/** Diverged runs, in plain sight above the results they are missing from. */
function divergedSection(data: ReportData): string {
  const runs = data.diverged ?? [];
  if (runs.length === 0) return "";
  const items = runs.map(
    (r) =>
      `<li>trial ${r.trial} ${r.kind === "iterative" ? `level ${r.level}` : `one-shot Pm ${r.level}`} (${escapeHtml(r.branch)}): diverged at ${escapeHtml(r.diverged ?? "")}</li>`,
  );
  return `<section id="diverged">
<h2>Diverged runs (${runs.length})</h2>
<p class="note">These runs stopped when training diverged; they and the runs that depend on them are not in the results below. Lower the learning rate (--lr) or add a warmup.</p>
<ul>
${items.join("\n")}
</ul>
</section>
`;
}

/** The paper's numbers next to this experiment's, for the networks of its sections 2 and 3 run with its method. */
function paperSection(data: ReportData): string {
  const c = experimentPaperComparison(data.hparams, data.runs);
  if (!c) return "";
  const rows = c.rows.map((r) => `<tr><td>${escapeHtml(r.claim)}</td><td>${escapeHtml(r.paper)}</td><td>${escapeHtml(r.measured)}</td></tr>`);
  return `<section id="paper">
<h2>Against the paper</h2>
<div class="scroll"><table class="paper">
<thead><tr><th>Claim (${escapeHtml(c.network)})</th><th>The paper</th><th>This experiment</th></tr></thead>
<tbody>
${rows.join("\n")}
</tbody></table></div>
${c.notes.map((n) => `<p class="note">${escapeHtml(n)}</p>`).join("\n")}
</section>
`;
}

export function renderHtml(data: ReportData, figures: readonly PageFigure[]): string {
  const trials = trialCount(data.runs);
  const levels = levelsOf(data.runs, "iterative").length;
  const title = escapeHtml(data.title);
  const meta =
    `Model <strong>${escapeHtml(data.model)}</strong> · dataset <strong>${escapeHtml(data.dataset)}</strong>` +
    (data.classNames
      ? ` (${data.datasetShape ? `${data.datasetShape.join("x")} images, ` : ""}${data.classNames.length} classes: ${escapeHtml(classList(data.classNames))})`
      : "") +
    " · " +
    `${pruningOf(data.hparams)} · ` +
    `${trials} trial${trials === 1 ? "" : "s"} · ${levels} iterative level${levels === 1 ? "" : "s"} · ${data.runs.length} runs`;
  const results = resultsTables(data) || `<p class="note">No runs recorded.</p>`;
  const figureHtml =
    figures.length > 0
      ? figures.map((f, i) => figureBlock(f, i + 1)).join("\n")
      : `<p class="note">No figures: the experiment has no finished runs to plot.</p>`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
<h1>${title}</h1>
<p class="meta">${meta}</p>
${divergedSection(data)}<section id="results">
<h2>Results per level</h2>
${results}
</section>
${paperSection(data)}<section id="figures">
<h2>Figures</h2>
${figureHtml}
</section>
<section id="sparsity">
<h2>Per-layer sparsity</h2>
${sparsityTable(data)}
</section>
<section id="masks">
<h2>Mask overlap</h2>
<p class="note">Jaccard overlap |A ∩ B| / |A ∪ B| of the kept weights (all pruned layers pooled), next to what two independent random masks of the same per-layer densities would share. Iterative masks are nested, so consecutive levels share about the ratio of their Pm; between trials, overlap above the random column means the criterion finds the same weights from different seeds.</p>
<h3>Between levels</h3>
${overlapRowsHtml(data.maskOverlap?.levels ?? [], escapeHtml, formatPm)}
<h3>Between trials</h3>
${overlapRowsHtml(data.maskOverlap?.trials ?? [], escapeHtml, formatPm)}
</section>
<section id="hparams">
<h2>Hyperparameters</h2>
${hparamsList(data.hparams)}
</section>
</main>
</body>
</html>
`;
}

/** The experiment's pruning criterion (magnitude for experiments stored before criteria existed). */
/** How the report's masks were made: a criterion here, or another experiment's levels (--masks-from). */
function pruningOf(hparams: Record<string, unknown>): string {
  const pruning = hparams.pruning as { masksFrom?: string; maskLevels?: number[] } | undefined;
  if (pruning?.masksFrom === undefined) return `pruning criterion <strong>${escapeHtml(criterionOf(hparams))}</strong>`;
  const levels = [...(pruning.maskLevels ?? [])].sort((a, b) => a - b).join(", ");
  return `masks <strong>trained from ${escapeHtml(pruning.masksFrom)}</strong> (its level${levels.includes(",") ? "s" : ""} ${levels}, on its θ0)`;
}

export function criterionOf(hparams: Record<string, unknown>): string {
  const pruning = hparams.pruning as { criterion?: string; strategy?: string; scope?: string } | undefined;
  return `${pruning?.criterion ?? "magnitude"} (${pruning?.scope ?? "layerwise"}, ${pruning?.strategy ?? "reset"})`;
}

function figureBlock(figure: PageFigure, number: number): string {
  return (
    `<figure id="fig-${escapeHtml(figure.name)}">\n${figure.svg}\n` +
    `<figcaption><strong>Figure ${number}. ${escapeHtml(figure.title)}.</strong> ${escapeHtml(figure.caption)}</figcaption>\n</figure>`
  );
}

/** Class names for the report's header line: all of them up to 20, else the first 20 and a count. */
function classList(names: readonly string[]): string {
  return names.length <= 20 ? names.join(", ") : `${names.slice(0, 20).join(", ")}, ... (${names.length - 20} more)`;
}
