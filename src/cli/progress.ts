// Progress of long work on stderr, and every other line the command prints while it runs.
// On a terminal: a bar (iterations, it/s, validation accuracy, ETA) that stays on the last line;
// log lines and table rows are written above it (the bar's line is cleared, the line written, the
// bar redrawn below), so neither breaks the other. Not on a terminal (CI, nohup, a log file): a
// plain line (run, iteration, speed, ETA) every LOTTERY_PROGRESS_SECONDS (default 30), so a long
// run is never silent for hours, and never floods a log either.
import cliProgress from "cli-progress";
import { clearLine, cursorTo } from "node:readline";

/** The part of a stream the display uses (a fake one in tests). */
export interface OutStream {
  write(text: string): boolean;
  isTTY?: boolean;
  columns?: number;
}

export interface ProgressOptions {
  /** Where the bar, the plain progress lines and the log lines go (default stderr). */
  stream?: OutStream;
  /** Draw a bar (default: whether `stream` is a terminal); else plain lines. */
  tty?: boolean;
  /** Seconds between plain progress lines (default 30; 0 = none). */
  plainEverySeconds?: number;
  /** The clock, in ms (tests pass their own). */
  now?: () => number;
}

export const DEFAULT_PROGRESS_SECONDS = 30;

/** For the commands' --help. */
export const PROGRESS_ENV_HELP = `  LOTTERY_PROGRESS_SECONDS    when stderr is not a terminal: seconds between plain progress lines (default ${DEFAULT_PROGRESS_SECONDS}; 0 = none)`;

/** LOTTERY_PROGRESS_SECONDS, validated: a typo must not silently stop the progress lines. */
export function progressSecondsFromEnv(raw: string | undefined): number {
  if (raw === undefined) return DEFAULT_PROGRESS_SECONDS;
  const n = Number(raw);
  if (raw.trim() === "" || !Number.isFinite(n) || n < 0) {
    throw new Error(
      `invalid LOTTERY_PROGRESS_SECONDS ${JSON.stringify(raw)}: must be a number of seconds >= 0 (0 = no progress lines when stderr is not a terminal); unset it for the default ${DEFAULT_PROGRESS_SECONDS}`,
    );
  }
  return n;
}

/** 42s, 3m05s, 2h07m. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "-";
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}

interface Current {
  label: string;
  total: number;
  /** Iterations done and the time at the first update (a resumed run starts past 0), for the speed. */
  first: { done: number; at: number } | null;
  /** On a terminal: the bars (cli-progress's MultiBar, which can redraw below other output) and its one bar. */
  bar: { all: cliProgress.MultiBar; one: cliProgress.SingleBar } | null;
}

export class Progress {
  private readonly stream: OutStream;
  private readonly tty: boolean;
  private readonly everyMs: number;
  private readonly now: () => number;
  private current: Current | null = null;
  /** The last plain progress line (or the start): lines are spaced across runs, not per run. */
  private lastPlain: number;

  constructor(options: ProgressOptions = {}) {
    this.stream = options.stream ?? process.stderr;
    this.tty = options.tty ?? this.stream.isTTY === true;
    this.everyMs = 1000 * (options.plainEverySeconds ?? DEFAULT_PROGRESS_SECONDS);
    this.now = options.now ?? (() => performance.now());
    this.lastPlain = this.now();
  }

  /** Starts showing one piece of work (ending the previous one's bar). */
  start(total: number, label: string): void {
    this.end();
    let bar: Current["bar"] = null;
    if (this.tty) {
      const all = new cliProgress.MultiBar(
        {
          stream: this.stream as NodeJS.WritableStream,
          format: `${label} {bar} {percentage}% | {value}/{total} it | {speed} it/s | val acc {valAcc} | ETA {eta_formatted}`,
          // The cursor stays visible: a Ctrl-C mid-run must not leave the terminal without one.
          hideCursor: false,
          // Redraw even when the text is unchanged: a line written above has just cleared it.
          forceRedraw: true,
          clearOnComplete: true,
          etaBuffer: 200,
          fps: 5,
        },
        cliProgress.Presets.shades_classic,
      );
      bar = { all, one: all.create(total, 0, { speed: "-", valAcc: "-" }) };
    }
    this.current = { label, total, first: null, bar };
  }

  update(done: number, fields: { valAcc?: string } = {}): void {
    const c = this.current;
    if (!c) return;
    c.first ??= { done, at: this.now() };
    const seconds = (this.now() - c.first.at) / 1000;
    const speed = seconds > 0 ? (done - c.first.done) / seconds : NaN;
    if (c.bar) {
      c.bar.one.update(done, { speed: Number.isFinite(speed) ? speed.toFixed(0) : "-", ...fields });
      return;
    }
    // A line waits for a speed measured over a second at least: "0 it/s, ETA -" would say nothing.
    if (this.everyMs <= 0 || this.now() - this.lastPlain < this.everyMs || seconds < 1) return;
    this.lastPlain = this.now();
    const eta = speed > 0 ? formatDuration((c.total - done) / speed) : "-";
    const acc = fields.valAcc && fields.valAcc !== "-" ? `, val acc ${fields.valAcc}` : "";
    this.stream.write(
      `${c.label}: iteration ${done}/${c.total} (${Math.floor((100 * done) / c.total)}%), ${Number.isFinite(speed) ? speed.toFixed(0) : "-"} it/s${acc}, ETA ${eta}\n`,
    );
  }

  /** Ends the current bar; it is cleared (the line printed next says how the work ended). */
  end(): void {
    this.current?.bar?.all.stop();
    this.current = null;
  }

  /** A line of text for people on the progress stream (stderr), above the bar. */
  log(line: string): void {
    this.print(line, this.stream);
  }

  /** A line for `stream` (stdout, say), written above the bar when both share the terminal. */
  print(line: string, stream: OutStream): void {
    const bar = this.current?.bar;
    if (!bar) {
      stream.write(`${line}\n`);
      return;
    }
    // Clear the bar's line, write the line there, and redraw the bar on the line below.
    cursorTo(this.stream as NodeJS.WritableStream, 0);
    clearLine(this.stream as NodeJS.WritableStream, 0);
    stream.write(`${line}\n`);
    bar.all.update();
  }
}
