// A progress bar on stderr for long work: iterations, it/s, ETA and the latest validation
// accuracy. Silent when stderr is not a terminal (logs, CI, pipes).
import cliProgress from "cli-progress";

export interface Progress {
  update(done: number, fields?: Record<string, string>): void;
  stop(): void;
}

export function progressBar(total: number, label: string, enabled = process.stderr.isTTY === true): Progress {
  if (!enabled) return { update() {}, stop() {} };
  const bar = new cliProgress.SingleBar(
    {
      stream: process.stderr,
      format: `${label} {bar} {percentage}% | {value}/{total} it | {speed} it/s | val acc {valAcc} | ETA {eta_formatted}`,
      hideCursor: true,
      etaBuffer: 200,
      fps: 5,
    },
    cliProgress.Presets.shades_classic,
  );
  const started = performance.now();
  let startDone = -1;
  bar.start(total, 0, { speed: "-", valAcc: "-" });
  return {
    update(done, fields = {}) {
      if (startDone < 0) startDone = done;
      const seconds = (performance.now() - started) / 1000;
      const speed = seconds > 0 ? ((done - startDone) / seconds).toFixed(0) : "-";
      bar.update(done, { speed, ...fields });
    },
    stop() {
      bar.stop();
    },
  };
}
