// Vega and Vega-Lite, optional dependencies loaded on first use (see svg.ts). Kept apart from
// svg.ts so that the declarations of the modules the entry points export (svg.ts, figures.ts) never
// name vega's types: a consumer installed without the optional packages still type-checks.
import type * as Vega from "vega";
import type { TopLevelSpec } from "vega-lite";
import type { FigureSpec } from "./types.js";

/** The two packages as loaded. */
export interface Renderer {
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
