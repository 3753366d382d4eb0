// Entry point of the report: ReportData → figures (SVG) and a self-contained HTML page, and
// writing them into a directory. Each file is written atomically so a reader (or a crash
// mid-write) never sees a half-written report.
import { join } from "node:path";
import { writeFileAtomic } from "../store/atomic.js";
import { buildFigures } from "./figures.js";
import { renderHtml } from "./html.js";
import { renderSvg } from "./svg.js";
import type { ReportData } from "./types.js";

/** A report in memory: the HTML page and one SVG per figure. */
export interface RenderedReport {
  /** The whole report page, one file: the figures are inlined as SVG. */
  html: string;
  /** `name` is the file stem: the figure is written as `<name>.svg`. */
  figures: { name: string; svg: string }[];
}

/**
 * Draws the report's figures (accuracy and early-stop iteration against Pm, training curves, magnitudes)
 * with Vega-Lite and renders the HTML page; writes nothing. Needs the optional vega and vega-lite packages.
 */
export async function renderReport(data: ReportData): Promise<RenderedReport> {
  const figures = await Promise.all(buildFigures(data).map(async (f) => ({ name: f.name, title: f.title, caption: f.caption, svg: await renderSvg(f.spec) })));
  return { html: renderHtml(data, figures), figures: figures.map(({ name, svg }) => ({ name, svg })) };
}

/** Writes `dir/<figure>.svg` for every figure, then `dir/report.html`; returns the paths written. */
export async function writeReport(data: ReportData, dir: string): Promise<{ html: string; svgs: string[] }> {
  const report = await renderReport(data);
  const svgs = report.figures.map((f) => {
    const path = join(dir, `${f.name}.svg`);
    writeFileAtomic(path, f.svg);
    return path;
  });
  // The page last, so once report.html exists the figure files next to it are complete too.
  const html = join(dir, "report.html");
  writeFileAtomic(html, report.html);
  return { html, svgs };
}
