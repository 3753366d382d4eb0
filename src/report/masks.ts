// Mask analysis for the report: how much the masks of different levels, trials (and, in `lottery
// compare`, criteria) share (Jaccard overlap |A ∩ B| / |A ∪ B| of the kept weights), against what
// two independent random masks of the same densities would share; and, for MNIST, which input
// pixels the ticket's first layer still looks at (per pixel, how many first-layer weights from it
// are kept: a 28x28 map).
import type { TopLevelSpec } from "vega-lite";
import type { Masks } from "../prune/masks.js";
import type { FigureSpec, FirstLayerMap, MaskOverlap } from "./types.js";

/** Jaccard overlap of the kept weights of two mask sets (all prunable layers pooled); 1 when both keep nothing. */
export function jaccard(a: Masks, b: Masks): number {
  let inter = 0,
    union = 0;
  for (const [name, ma] of a) {
    const mb = b.get(name);
    if (!mb || mb.length !== ma.length) throw new Error(`mask overlap: ${name} is missing from one mask set or has another size`);
    for (let i = 0; i < ma.length; i++) {
      const x = ma[i]! !== 0,
        y = mb[i]! !== 0;
      if (x && y) inter++;
      if (x || y) union++;
    }
  }
  return union === 0 ? 1 : inter / union;
}

/**
 * The Jaccard overlap two independent uniformly random masks with these per-layer kept counts
 * would have in expectation (per layer kA·kB/n shared), pooled over layers.
 */
export function randomJaccard(a: Masks, b: Masks): number {
  let inter = 0,
    union = 0;
  for (const [name, ma] of a) {
    const mb = b.get(name)!;
    let ka = 0,
      kb = 0;
    for (let i = 0; i < ma.length; i++) {
      if (ma[i]) ka++;
      if (mb[i]) kb++;
    }
    const shared = (ka * kb) / ma.length;
    inter += shared;
    union += ka + kb - shared;
  }
  return union === 0 ? 1 : inter / union;
}

/** Per input pixel, the kept weights of a [units, C·H·W] first layer that read it (summed over channels). */
export function firstLayerMap(
  mask: Uint8Array,
  units: number,
  shape: readonly [number, number, number],
  level: number,
  pm: number,
  trial: number,
  kind: "iterative" | "oneshot" = "iterative",
): FirstLayerMap {
  const [C, H, W] = shape;
  const inputs = C * H * W;
  if (mask.length !== units * inputs) throw new Error(`first-layer map: mask of ${mask.length} entries is not ${units} x ${inputs}`);
  const counts = new Array<number>(H * W).fill(0);
  for (let u = 0; u < units; u++) for (let f = 0; f < inputs; f++) if (mask[u * inputs + f]) counts[f % (H * W)]! += 1;
  return { trial, kind, level, pm, height: H, width: W, units, counts };
}

export function overlapRowsHtml(rows: readonly MaskOverlap[], esc: (s: string) => string, pct: (x: number) => string): string {
  if (rows.length === 0) return `<p class="note">Fewer than two masks to compare.</p>`;
  return (
    `<div class="scroll"><table><thead><tr><th>Masks compared</th><th>Pm</th><th>Jaccard overlap</th><th>random masks of the same densities</th></tr></thead><tbody>\n` +
    rows.map((r) => `<tr><td class="text">${esc(r.what)}</td><td>${esc(r.pm)}</td><td>${pct(r.jaccard)}</td><td>${pct(r.random)}</td></tr>`).join("\n") +
    `\n</tbody></table></div>`
  );
}

/** Heatmaps of the first layer's kept weights per pixel, one panel per chosen level. */
function panelName(m: FirstLayerMap): string {
  return `${m.kind === "oneshot" ? "one-shot" : `level ${m.level}`}, Pm ${(m.pm * 100).toFixed(1)}%`;
}

export function firstLayerSpec(maps: readonly FirstLayerMap[]): FigureSpec {
  const values = maps.flatMap((m) =>
    m.counts.map((c, i) => ({ panel: panelName(m), x: i % m.width, y: Math.floor(i / m.width), kept: c, share: c / m.units })),
  );
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: {
      text: "Which input pixels the first layer still reads",
      subtitle: `Per pixel, the share of the ${maps[0]?.units ?? 0} first-layer units whose weight from it is kept (trial ${maps[0]?.trial ?? 0})`,
      anchor: "start",
    },
    data: { values },
    facet: { field: "panel", type: "nominal", title: null, sort: maps.map(panelName) },
    columns: 3,
    config: { view: { stroke: null } },
    spec: {
      // Whole pixels per cell and no per-cell aria labels keep the SVG small (28x28 cells per panel).
      width: 7 * (maps[0]?.width ?? 28),
      height: 7 * (maps[0]?.height ?? 28),
      mark: { type: "rect", aria: false },
      encoding: {
        x: { field: "x", type: "ordinal", axis: null, scale: { paddingInner: 0, paddingOuter: 0 } },
        y: { field: "y", type: "ordinal", axis: null, scale: { paddingInner: 0, paddingOuter: 0 } },
        // One color scale for all panels, from 0 to the largest share shown, so sparse levels stay visible.
        color: { field: "share", type: "quantitative", title: "kept share", scale: { scheme: "viridis", domainMin: 0 } },
      },
    },
  } as TopLevelSpec;
}

/** Per-layer % of weights kept against the level (trial 0, iterative), log scale. */
export function layerDensitySpec(rows: readonly { layer: string; level: number; density: number }[]): FigureSpec {
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    width: 520,
    height: 300,
    title: { text: "Per-layer density per level", subtitle: "Weights kept in each pruned layer (trial 0)", anchor: "start" },
    data: { values: rows.map((r) => ({ ...r, density: r.density * 100 })) },
    mark: { type: "line", point: true },
    encoding: {
      x: { field: "level", type: "quantitative", title: "Level" },
      y: { field: "density", type: "quantitative", title: "Weights kept (%, log scale)", scale: { type: "log" } },
      color: { field: "layer", type: "nominal", title: "Layer" },
    },
  } as TopLevelSpec;
}
