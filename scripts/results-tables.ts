// Markdown tables and the paper's comparison points from an experiment's runs.csv (written by
// `lottery report`), for docs/results: `node --import=tsx scripts/results-tables.ts DIR/runs.csv`.
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { experimentPaperComparison, paperComparisonMarkdown } from "../src/report/paper.js";
import type { RunRecord } from "../src/report/types.js";

interface Row {
  trial: number;
  iterations: number;
  kind: string;
  level: number;
  branch: string;
  pm: number;
  /** Pm of the pruned layers alone (runs.csv's pm_pruned), only where it differs from pm: where layers are excluded. */
  pmPruned?: number;
  esIter: number;
  esTest: number;
  finalTest: number;
  seconds: number;
  stepMs: number;
  sparseLayers: string;
}

const USAGE = "usage: node --import=tsx scripts/results-tables.ts EXPERIMENT/runs.csv [--compare OTHER/runs.csv]";
const [file, flag, other] = process.argv.slice(2);
if (!file || (flag !== undefined && (flag !== "--compare" || !other))) {
  console.error(USAGE);
  process.exit(1);
}

function readRows(csv: string): Row[] {
  const [head, ...lines] = readFileSync(csv, "utf8").trim().split("\n");
  const cols = head!.split(",");
  const col = (name: string) => {
    const i = cols.indexOf(name);
    if (i < 0) throw new Error(`${csv}: no column ${name} (is it a runs.csv written by \`lottery report\`?)`);
    return i;
  };
  return lines.map((l) => {
    const v = l.split(",");
    return {
      trial: +v[col("trial")]!,
      iterations: +v[col("iterations")]!,
      kind: v[col("kind")]!,
      level: +v[col("level")]!,
      branch: v[col("branch")]!,
      pm: +v[col("pm")]!,
      // Older reports lack pm_pruned; both columns are written with six decimals.
      ...(cols.includes("pm_pruned") && v[col("pm_pruned")] !== v[col("pm")] ? { pmPruned: +v[col("pm_pruned")]! } : {}),
      esIter: +v[col("early_stop_iteration")]!,
      esTest: +v[col("early_stop_test_accuracy")]!,
      finalTest: +v[col("final_test_accuracy")]!,
      seconds: +v[col("seconds")]!,
      // Older reports lack the step columns.
      stepMs: cols.includes("step_ms") ? +v[col("step_ms")]! : NaN,
      sparseLayers: cols.includes("sparse_layers") ? v[col("sparse_layers")]! : "",
    };
  });
}
const rows = readRows(file);

const stats = (xs: number[]) => ({ mean: xs.reduce((a, b) => a + b, 0) / xs.length, min: Math.min(...xs), max: Math.max(...xs), n: xs.length });
const pct = (x: number) => `${(100 * x).toFixed(2)}`;
const fmt = (xs: number[], f: (x: number) => string) => {
  if (!xs.length) return "–";
  const s = stats(xs);
  return s.n > 1 ? `${f(s.mean)} [${f(s.min)}, ${f(s.max)}]` : f(s.mean);
};

/** Median step time of a level's ticket runs (mean over trials) and which layers ran sparse. */
function stepCell(runs: Row[]): string {
  const ms = runs.map((r) => r.stepMs).filter(Number.isFinite);
  if (!ms.length) return "–";
  const sparse = [...new Set(runs.flatMap((r) => r.sparseLayers.split(";").filter(Boolean)))].map((p) => p.replace(/\.weight$/, ""));
  return `${stats(ms).mean.toFixed(ms[0]! < 10 ? 3 : 0)} (${sparse.length ? sparse.join(", ") : "all dense"})`;
}

function table(kind: string): void {
  const levels = [...new Set(rows.filter((r) => r.kind === kind).map((r) => r.level))].sort((a, b) => (kind === "oneshot" ? b - a : a - b));
  if (!levels.length) return;
  const trials = new Set(rows.filter((r) => r.kind === kind).map((r) => r.trial)).size;
  console.log(`\n### ${kind === "iterative" ? "Iterative pruning" : "One-shot pruning"} (${trials > 1 ? `${trials} trials: mean [min, max]` : "1 trial"})\n`);
  // Where layers are excluded from pruning, the paper's Pm counts only the pruned ones: both are shown.
  const excluded = rows.some((r) => r.pmPruned !== undefined);
  console.log(
    `| level | ${excluded ? "Pm (all prunable) | Pm (pruned layers)" : "Pm"} | ticket: early-stop iteration | ticket: test acc. at early stop | ticket: final test acc. | reinit: early-stop iteration | reinit: test acc. at early stop | ticket: median step ms (sparse layers) | wall s (all runs) |`,
  );
  console.log(`|---|---|${excluded ? "---|" : ""}---|---|---|---|---|---|---|`);
  for (const level of levels) {
    const at = rows.filter((r) => r.kind === kind && r.level === level);
    const t = at.filter((r) => r.branch === "ticket"),
      re = at.filter((r) => r.branch === "reinit");
    const seconds = at.reduce((s, r) => s + r.seconds, 0);
    console.log(
      `| ${kind === "iterative" ? level : "–"} | ${(100 * t[0]!.pm).toFixed(1)}%${excluded ? ` | ${(100 * (t[0]!.pmPruned ?? t[0]!.pm)).toFixed(1)}%` : ""} | ${fmt(
        t.map((r) => r.esIter),
        (x) => x.toFixed(0),
      )} | ${fmt(
        t.map((r) => r.esTest),
        pct,
      )} | ${fmt(
        t.map((r) => r.finalTest),
        pct,
      )} | ${fmt(
        re.map((r) => r.esIter),
        (x) => x.toFixed(0),
      )} | ${fmt(
        re.map((r) => r.esTest),
        pct,
      )} | ${stepCell(t)} | ${seconds.toFixed(0)} |`,
    );
  }
}

table("iterative");
table("oneshot");

// The paper's comparison points, from the iterative runs (means over trials).
const mean = (kind: string, branch: string, level: number, f: (r: Row) => number) => {
  const xs = rows.filter((r) => r.kind === kind && r.branch === branch && r.level === level).map(f);
  return xs.length ? stats(xs).mean : NaN;
};
const levels = [...new Set(rows.filter((r) => r.kind === "iterative").map((r) => r.level))].sort((a, b) => a - b);
const dense = mean("iterative", "ticket", 0, (r) => r.esTest);
const denseIter = mean("iterative", "ticket", 0, (r) => r.esIter);
const pmOf = (level: number) => rows.find((r) => r.kind === "iterative" && r.level === level)!.pm;
console.log(`\n### Comparison points\n`);
console.log(`- dense (level 0): test accuracy at early stop ${pct(dense)}%, early-stop iteration ${denseIter.toFixed(0)}`);
let lastAtOrAbove = 0;
for (const l of levels) if (mean("iterative", "ticket", l, (r) => r.esTest) >= dense) lastAtOrAbove = l;
const below = levels.filter((l) => l > 0 && mean("iterative", "ticket", l, (r) => r.esTest) < dense);
console.log(
  `- lowest Pm with tickets at or above dense (mean): ${(100 * pmOf(lastAtOrAbove)).toFixed(1)}% (level ${lastAtOrAbove}); levels below dense: ${below.length ? below.map((l) => `${l} (${(100 * pmOf(l)).toFixed(1)}%)`).join(", ") : "none"}`,
);
for (const l of levels) {
  const pm = pmOf(l);
  if (Math.abs(pm - 0.211) < 0.01 || Math.abs(pm - 0.088) < 0.006 || Math.abs(pm - 0.046) < 0.004) {
    const it = mean("iterative", "ticket", l, (r) => r.esIter);
    console.log(
      `- Pm ${(100 * pm).toFixed(1)}%: ticket early-stop iteration ${it.toFixed(0)} vs dense ${denseIter.toFixed(0)} (${(100 * (1 - it / denseIter)).toFixed(0)}% earlier, ${(denseIter / it).toFixed(2)}x); ticket ${pct(mean("iterative", "ticket", l, (r) => r.esTest))}% vs dense ${pct(dense)}% (${(100 * (mean("iterative", "ticket", l, (r) => r.esTest) - dense)).toFixed(2)} pp)`,
    );
  }
}
const reinitBelow = levels.find((l) => l > 0 && mean("iterative", "reinit", l, (r) => r.esTest) < dense);
if (reinitBelow !== undefined) console.log(`- reinit below dense (mean) from level ${reinitBelow} (Pm ${(100 * pmOf(reinitBelow)).toFixed(1)}%)`);
const oneShot = [...new Set(rows.filter((r) => r.kind === "oneshot").map((r) => r.level))].sort((a, b) => b - a);
if (oneShot.length) {
  // One-shot runs prune their own trial's dense network, so they are compared with that dense run.
  const oneShotTrials = new Set(rows.filter((r) => r.kind === "oneshot").map((r) => r.trial));
  const ownDense = stats(
    rows.filter((r) => r.kind === "iterative" && r.level === 0 && r.branch === "ticket" && oneShotTrials.has(r.trial)).map((r) => r.esTest),
  ).mean;
  const above = (reference: number) =>
    oneShot
      .filter((pm) => mean("oneshot", "ticket", pm, (r) => r.esTest) >= reference)
      .map((pm) => `${(100 * pm).toFixed(1)}%`)
      .join(", ") || "none";
  console.log(
    `- one-shot tickets at or above their own dense run (${pct(ownDense)}%, trial${oneShotTrials.size > 1 ? "s" : ""} ${[...oneShotTrials].join(", ")}) at Pm: ${above(ownDense)}`,
  );
  console.log(`- one-shot tickets at or above the mean dense run (${pct(dense)}%) at Pm: ${above(dense)}`);
}
// The paper's own numbers next to these (src/report/paper.ts; the report has the same table), when
// the experiment's settings sit beside its runs.csv (as in a published folder).
const hparamsFile = join(dirname(file), "hparams.json");
if (existsSync(hparamsFile)) {
  // Only what the table reads comes from runs.csv; the rest of a report record is left unknown.
  const records = rows.map(
    (r): RunRecord => ({
      trial: r.trial,
      kind: r.kind as RunRecord["kind"],
      level: r.level,
      branch: r.branch as RunRecord["branch"],
      pm: r.pm,
      ...(r.pmPruned === undefined ? {} : { pmPruned: r.pmPruned }),
      iterations: r.iterations,
      earlyStopIteration: r.esIter,
      earlyStopTestAccuracy: r.esTest,
      finalTestAccuracy: r.finalTest,
      seconds: r.seconds,
      stepMs: r.stepMs,
      earlyStopValLoss: NaN,
      earlyStopValAccuracy: NaN,
      finalValAccuracy: NaN,
      threads: NaN,
      kernelMode: "",
      simd: "",
      sparseLayers: [],
    }),
  );
  const hparams = JSON.parse(readFileSync(hparamsFile, "utf8"));
  const paper = experimentPaperComparison(hparams, records);
  if (paper) console.log(`\n### Against the paper\n\n${paperComparisonMarkdown(paper)}\n`);
}
const minutes = rows.reduce((s, r) => s + r.seconds, 0) / 60;
console.log(`- total training wall time (sum over runs): ${minutes.toFixed(0)} minutes`);

// Two experiments side by side (e.g. reset vs continued training), tickets of the trials both ran.
if (other) {
  const others = readRows(other);
  const shared = new Set(others.map((r) => r.trial).filter((t) => rows.some((r) => r.trial === t)));
  const ticket = (rs: Row[], level: number) => rs.filter((r) => r.kind === "iterative" && r.branch === "ticket" && r.level === level && shared.has(r.trial));
  const levels = [...new Set(rows.filter((r) => r.kind === "iterative").map((r) => r.level))].filter((l) => ticket(others, l).length).sort((a, b) => a - b);
  console.log(`\n### Tickets of A = ${file} and B = ${other} (trial${shared.size > 1 ? "s" : ""} ${[...shared].join(", ")})\n`);
  console.log(
    "| level | Pm | A: early-stop iteration | B: early-stop iteration | A: test acc. at early stop | B: test acc. at early stop | A: final test acc. | B: final test acc. |",
  );
  console.log("|---|---|---|---|---|---|---|---|");
  for (const l of levels) {
    const a = ticket(rows, l),
      b = ticket(others, l);
    console.log(
      `| ${l} | ${(100 * a[0]!.pm).toFixed(1)}% | ${fmt(
        a.map((r) => r.esIter),
        (x) => x.toFixed(0),
      )} | ${fmt(
        b.map((r) => r.esIter),
        (x) => x.toFixed(0),
      )} | ${fmt(
        a.map((r) => r.esTest),
        pct,
      )} | ${fmt(
        b.map((r) => r.esTest),
        pct,
      )} | ${fmt(
        a.map((r) => r.finalTest),
        pct,
      )} | ${fmt(
        b.map((r) => r.finalTest),
        pct,
      )} |`,
    );
  }
}
