// The accuracy-vs-Pm figure of the experiment report (src/report/figures.ts), drawn from the runs
// finished so far and rendered by the report's own Vega-Lite → Vega → SVG path, so the page shows
// the same figure `lottery report` writes. Renders are serialized: a level finishing while the
// previous render runs queues one more render with the newest runs.
import { accuracyVsPm, renderSvg, type ReportData, type RunRecord } from "../../src/index.js";

export class AccuracyPlot {
  private rendering: Promise<void> = Promise.resolve();

  constructor(
    private readonly container: HTMLElement,
    private readonly context: { title: string; model: string; dataset: string; hparams: Record<string, unknown> },
  ) {}

  update(runs: readonly RunRecord[]): Promise<void> {
    const snapshot = [...runs];
    this.rendering = this.rendering.then(() => this.render(snapshot));
    return this.rendering;
  }

  private async render(runs: RunRecord[]): Promise<void> {
    const data: ReportData = { ...this.context, runs, curves: [], sparsity: [], magnitudes: [] };
    const figure = accuracyVsPm(data);
    if (!figure) return;
    this.container.innerHTML = await renderSvg(figure.spec);
    this.container.dataset.runs = String(runs.length);
  }
}
