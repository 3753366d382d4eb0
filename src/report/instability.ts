// Figures and table of an experiment's instability analyses (src/lottery/instability.ts): the
// instability against the rewind iteration K, and the accuracy of the ticket rewound to K (the
// trained copies, i.e. the path's endpoints) against K, one line per level; plus a CSV.
import { join } from "node:path";
import type { TopLevelSpec } from "vega-lite";
import type { FigureSpec } from "./types.js";
import { type InstabilityResult, storedInstability } from "../lottery/instability.js";
import { writeFileAtomic } from "../store/atomic.js";
import { summarize } from "./aggregate.js";
import { renderSvg } from "./svg.js";

interface Row {
  level: string;
  rewind: number;
  mean: number;
  min: number;
  max: number;
}

/** Mean (and range over trials) of a per-result value, per level and K; same-order checks are left out. */
function rows(results: readonly InstabilityResult[], value: (r: InstabilityResult) => number[]): Row[] {
  const groups = new Map<string, InstabilityResult[]>();
  for (const r of results) {
    if (r.same_order) continue;
    const key = `${r.level}/${r.rewind}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  return [...groups.values()]
    .map((g) => {
      const s = summarize(g.flatMap(value));
      return { level: `level ${g[0]!.level} (Pm ${(g[0]!.pm * 100).toFixed(1)}%)`, rewind: g[0]!.rewind, mean: s.mean, min: s.min, max: s.max };
    })
    .sort((a, b) => a.level.localeCompare(b.level) || a.rewind - b.rewind);
}

function spec(title: string, yTitle: string, data: Row[]): TopLevelSpec {
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    width: 520,
    height: 300,
    title: { text: title, subtitle: "Mean over trials; bars span min–max", anchor: "start" },
    data: { values: data },
    encoding: {
      x: { field: "rewind", type: "quantitative", title: "Rewind iteration K" },
      color: { field: "level", type: "nominal", title: "Subnetwork" },
    },
    layer: [
      { mark: { type: "rule" }, encoding: { y: { field: "min", type: "quantitative", scale: { zero: false } }, y2: { field: "max" } } },
      { mark: { type: "line", point: true, strokeWidth: 2 }, encoding: { y: { field: "mean", type: "quantitative", title: yTitle, scale: { zero: false } } } },
    ],
  } as TopLevelSpec;
}

/** Figures of instability results: instability vs rewind K, and the copies' test accuracy vs K. */
export function instabilityFigures(results: readonly InstabilityResult[]): { name: string; spec: FigureSpec }[] {
  const inst = rows(results, (r) => [r.instability * 100]);
  if (inst.length === 0) return [];
  return [
    { name: "instability-vs-rewind", spec: spec("Instability vs. rewind iteration K", "Instability (pp of test error)", inst) },
    {
      name: "ticket-accuracy-vs-rewind",
      spec: spec(
        "Ticket test accuracy vs. rewind iteration K",
        "Test accuracy of the trained copies (%)",
        rows(results, (r) => r.endpoint_test_accuracy.map((a) => a * 100)),
      ),
    },
  ];
}

export function instabilityCsv(results: readonly InstabilityResult[]): string {
  const header =
    "level,pm,rewind,trial,same_order,iterations_per_copy,instability,endpoint_0_test_accuracy,endpoint_1_test_accuracy,max_path_test_error,copy_0_seconds,copy_1_seconds,seconds";
  return `${[
    header,
    ...results.map((r) =>
      [
        r.level,
        r.pm.toFixed(6),
        r.rewind,
        r.trial,
        r.same_order,
        r.iterations_per_copy,
        r.instability,
        ...r.endpoint_test_accuracy,
        Math.max(...r.path.map((p) => p.test_error)),
        r.copy_seconds[0].toFixed(1),
        r.copy_seconds[1].toFixed(1),
        r.seconds,
      ].join(","),
    ),
  ].join("\n")}\n`;
}

/** Writes DIR/instability/instability.csv and the two figures (SVG); returns the paths. */
export async function writeInstabilityReport(dir: string): Promise<string[]> {
  const results = storedInstability(dir);
  const root = join(dir, "instability");
  const written = [join(root, "instability.csv")];
  writeFileAtomic(written[0]!, instabilityCsv(results));
  for (const f of instabilityFigures(results)) {
    const path = join(root, `${f.name}.svg`);
    writeFileAtomic(path, await renderSvg(f.spec));
    written.push(path);
  }
  return written;
}
