// Vega-Lite spec → Vega spec → SVG string, headless. The "none" renderer lays the scene out
// without a canvas or DOM, and toSVG serializes it; text widths are then estimated rather than
// measured, which is fine for axis labels and legends.
//
// Vega and Vega-Lite are optional dependencies loaded on first use: they are most of the package's
// installed size, and only the report needs them, so a consumer that trains or predicts without
// reports can install with --omit=optional and never load them.
import type { TopLevelSpec } from "vega-lite";
import type { FigureSpec } from "./types.js";
import { loadRenderer } from "./vega.js";

/**
 * A figure spec rendered to SVG text with vega and vega-lite (optional packages, imported now).
 *
 * @throws Error saying to install vega and vega-lite when they are missing.
 */
export async function renderSvg(spec: FigureSpec): Promise<string> {
  const { vega, compile } = await loadRenderer();
  const view = new vega.View(vega.parse(compile(spec as TopLevelSpec).spec), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    // Releases the view's timers and listeners so a long-running process does not accumulate them.
    view.finalize();
  }
}
