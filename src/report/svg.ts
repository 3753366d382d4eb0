// Vega-Lite spec → Vega spec → SVG string, headless. The "none" renderer lays the scene out
// without a canvas or DOM, and toSVG serializes it; text widths are then estimated rather than
// measured, which is fine for axis labels and legends.
import * as vega from "vega";
import { compile, type TopLevelSpec } from "vega-lite";

/** The Vega spec a Vega-Lite spec compiles to (exposed so tests can inspect scales). */
export function compileToVega(spec: TopLevelSpec): vega.Spec {
  return compile(spec).spec;
}

export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(compileToVega(spec)), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    // Releases the view's timers and listeners so a long-running process does not accumulate them.
    view.finalize();
  }
}
