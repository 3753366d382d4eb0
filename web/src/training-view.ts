// The training panel: a status line, the current run's progress bar, and one table row per
// finished run (the numbers the CLI prints for `lottery run`).
import { formatAccuracy, formatPm, formatSeconds, type LayerExecution, type RunRecord } from "../../src/index.js";
import { byId, row } from "./dom.js";
import type { RunKey } from "./protocol.js";

export class TrainingView {
  private readonly status = byId("status", HTMLParagraphElement);
  private readonly bar = byId("progress-bar", HTMLDivElement);
  private readonly body = byId("runs", HTMLTableElement).tBodies[0]!;

  constructor(private readonly levels: number) {}

  setStatus(text: string): void {
    this.status.classList.remove("error");
    this.status.textContent = text;
  }

  showError(message: string): void {
    this.status.classList.add("error");
    this.status.textContent = `Error: ${message}`;
  }

  progress(run: RunKey, done: number, total: number, valAccuracy: number | null): void {
    const acc = valAccuracy === null ? "" : `, validation accuracy ${formatAccuracy(valAccuracy)}`;
    this.setStatus(`Level ${run.level} of ${this.levels} (${run.branch}, Pm ${formatPm(run.pm)}): iteration ${done} of ${total}${acc}`);
    this.bar.style.width = `${(100 * done) / total}%`;
    this.bar.className = run.branch;
  }

  runDone(record: RunRecord, stepMs: number, kernels: readonly LayerExecution[]): void {
    const sparse = kernels.filter((k) => k.kernel === "sparse").length;
    const tr = row([
      String(record.level),
      { text: record.branch, className: `branch-${record.branch}` },
      formatPm(record.pm),
      String(record.earlyStopIteration),
      formatAccuracy(record.earlyStopValAccuracy),
      formatAccuracy(record.earlyStopTestAccuracy),
      `${stepMs.toFixed(2)} ms`,
      sparse === 0 ? "dense" : `${sparse}/${kernels.length} sparse`,
      formatSeconds(record.seconds),
    ]);
    // The exact validation loss at early stop, for checking the page against the library in Node.
    tr.dataset.valLoss = String(record.earlyStopValLoss);
    this.body.append(tr);
  }
}
