// Timing for benchmarks: warm up (V8 tiers wasm up after the first calls), then time repetitions
// of enough calls to last ~`repMs` each, and report the median per-call time.

export interface TimingOptions {
  warmupMs?: number;
  reps?: number;
  repMs?: number;
}

/**
 * The clock benchmarks read: wall time by default; with LOTTERY_BENCH_CLOCK=cpu, this process's
 * CPU time (user + system), which a machine shared with other jobs inflates far less than wall
 * time (it still counts the cache misses other jobs cause). Only for single-threaded timings.
 */
export const now: () => number =
  process.env.LOTTERY_BENCH_CLOCK === "cpu"
    ? () => {
        const u = process.cpuUsage();
        return (u.user + u.system) / 1000;
      }
    : () => performance.now();

export function medianMs(fn: () => void, options: TimingOptions = {}): number {
  const { warmupMs = 150, reps = 21, repMs = 8 } = options;
  const warmEnd = now() + warmupMs;
  let calls = 0;
  do {
    fn();
    calls++;
  } while (now() < warmEnd || calls < 5);
  const times: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t0 = now();
    let n = 0;
    let t1: number;
    do {
      fn();
      n++;
      t1 = now();
    } while (t1 - t0 < repMs);
    times.push((t1 - t0) / n);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** Prints rows as an aligned text table. */
export function printTable(headers: string[], rows: (string | number)[][], out: (line: string) => void = console.log): void {
  const cells = [headers, ...rows.map((r) => r.map(String))];
  const widths = headers.map((_, c) => Math.max(...cells.map((r) => (r[c] ?? "").length)));
  const line = (r: string[]) => r.map((v, c) => (c === 0 ? v.padEnd(widths[c]!) : v.padStart(widths[c]!))).join("  ");
  out(line(headers));
  out(widths.map((w) => "-".repeat(w)).join("  "));
  for (const r of cells.slice(1)) out(line(r));
}
