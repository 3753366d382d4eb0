// Vega-Lite spec → Vega spec → SVG string, headless. The "none" renderer lays the scene out
// without a canvas or DOM, and toSVG serializes it; text widths are then estimated rather than
// measured, which is fine for axis labels and legends.
//
// Vega and Vega-Lite are optional dependencies loaded on first use: they are most of the package's
// installed size, and only the report needs them, so a consumer that trains or predicts without
// reports can install with --omit=optional and never load them.
import type * as Vega from "vega";
import type { TopLevelSpec } from "vega-lite";
import type { FigureSpec } from "./types.js";

interface Renderer {
  vega: typeof Vega;
  compile: typeof import("vega-lite").compile;
}

let renderer: Promise<Renderer> | undefined;

/** The two packages, imported once; a missing one is an error saying what to install. */
export function loadRenderer(): Promise<Renderer> {
  renderer ??= Promise.all([import("vega"), import("vega-lite")]).then(
    ([vega, vegaLite]) => ({ vega, compile: vegaLite.compile }),
    (err: unknown) => {
      renderer = undefined;
      const code = (err as NodeJS.ErrnoException).code;
      if (code === "ERR_MODULE_NOT_FOUND" || code === "MODULE_NOT_FOUND") {
        throw new Error(
          "report figures need the optional packages vega and vega-lite, which are not installed: run `npm install vega vega-lite` (or install lottery-wasm without --omit=optional)",
          { cause: err },
        );
      }
      throw err;
    },
  );
  return renderer;
}

/** The Vega spec a Vega-Lite spec compiles to (exposed so tests can inspect scales). */
export async function compileToVega(spec: FigureSpec): Promise<Vega.Spec> {
  return (await loadRenderer()).compile(spec as TopLevelSpec).spec;
}

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
