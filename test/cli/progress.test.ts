// Progress display (issue 20 item 10): on a terminal, lines written while the bar draws appear
// whole above it; not on a terminal, plain periodic progress lines instead of silence. The
// terminal is emulated (the escape sequences readline and cli-progress write), so the test sees
// the screen a person would.
import test from "ava";
import { formatDuration, Progress, progressSecondsFromEnv } from "../../src/cli/progress.js";
import { runCli } from "../helpers/cli.js";
import { dataDir } from "../helpers/data.js";

/** A minimal terminal: text overwrites at the cursor; \n, CSI n G/A/B/C/D, K (0-2) and J move and erase. */
class FakeTerminal {
  readonly isTTY = true;
  readonly columns = 120;
  private screen: string[] = [""];
  private row = 0;
  private col = 0;

  write(text: string): boolean {
    for (let i = 0; i < text.length; i++) {
      const ch = text[i]!;
      if (ch === "\x1b") {
        // biome-ignore lint/suspicious/noControlCharactersInRegex: the test parses terminal escape sequences
        const m = /^\x1b(?:\[(\??)(\d*)([A-Za-z])|[78])/.exec(text.slice(i));
        if (!m) throw new Error(`unknown escape ${JSON.stringify(text.slice(i, i + 8))}`);
        i += m[0].length - 1;
        if (m[1] === "?" || m[3] === undefined) continue; // cursor visibility, line wrapping; save/restore unused
        this.csi(m[3], m[2] === "" ? null : Number(m[2]));
      } else if (ch === "\n") {
        this.row++;
        this.col = 0;
      } else if (ch === "\r") {
        this.col = 0;
      } else {
        const line = this.line().padEnd(this.col, " ");
        this.screen[this.row] = line.slice(0, this.col) + ch + line.slice(this.col + 1);
        this.col++;
      }
    }
    return true;
  }

  private line(): string {
    while (this.screen.length <= this.row) this.screen.push("");
    return this.screen[this.row]!;
  }

  private csi(op: string, n: number | null): void {
    const line = this.line();
    switch (op) {
      case "G":
        this.col = (n ?? 1) - 1;
        break;
      case "A":
        this.row = Math.max(0, this.row - (n ?? 1));
        break;
      case "B":
        this.row += n ?? 1;
        break;
      case "C":
        this.col += n ?? 1;
        break;
      case "D":
        this.col = Math.max(0, this.col - (n ?? 1));
        break;
      case "K":
        if ((n ?? 0) === 0) this.screen[this.row] = line.slice(0, this.col);
        else if (n === 1) this.screen[this.row] = " ".repeat(this.col) + line.slice(this.col);
        else this.screen[this.row] = "";
        break;
      case "J":
        this.screen[this.row] = line.slice(0, this.col);
        this.screen.length = this.row + 1;
        break;
      default:
        throw new Error(`unknown CSI ${op}`);
    }
  }

  /** The screen's lines, trailing spaces and the empty line under the cursor dropped. */
  lines(): string[] {
    const out = this.screen.map((l) => l.trimEnd());
    while (out.length && out.at(-1) === "") out.pop();
    return out;
  }
}

test("on a terminal, log lines and table rows written while the bar draws appear whole above it, and the bar is cleared at the end", (t) => {
  const term = new FakeTerminal();
  let now = 0;
  const p = new Progress({ stream: term, now: () => now });
  p.log("MNIST: loaded");
  p.start(1000, "t0 level 1 ticket Pm 80.00%");
  now = 1000;
  p.update(100, { valAcc: "95.00%" });
  p.log("  kernels: all dense; 2 threads");
  now = 2000;
  p.update(300, { valAcc: "96.00%" });
  p.print("0  level 1  80.00%  ticket", term); // stdout on the same terminal
  p.log("waiting: trial 1 level 0 is being trained by pid 1 on host");
  const screen = term.lines();
  t.deepEqual(screen.slice(0, -1), [
    "MNIST: loaded",
    "  kernels: all dense; 2 threads",
    "0  level 1  80.00%  ticket",
    "waiting: trial 1 level 0 is being trained by pid 1 on host",
  ]);
  t.regex(screen.at(-1)!, /^t0 level 1 ticket Pm 80\.00% .* 30% \| 300\/1000 it \| 200 it\/s \| val acc 96\.00% \| ETA /);
  p.end();
  t.deepEqual(term.lines(), screen.slice(0, -1), "the bar is gone; every line written is intact");
  p.log("experiment: /tmp/x");
  t.is(term.lines().at(-1), "experiment: /tmp/x");
});

test("not on a terminal, a plain progress line (run, iteration, speed, ETA) at most every LOTTERY_PROGRESS_SECONDS, across runs", (t) => {
  const out: string[] = [];
  let now = 0;
  const p = new Progress({ stream: { write: (s) => out.push(s) > 0, isTTY: false }, plainEverySeconds: 30, now: () => now });
  p.start(2000, "t0 level 2 ticket Pm 64.00%");
  now = 1000;
  p.update(100, { valAcc: "-" }); // the first update only starts the speed measurement
  p.log("  kernels: all dense; 1 thread");
  now = 29_000;
  p.update(300, { valAcc: "97.00%" });
  t.deepEqual(out, ["  kernels: all dense; 1 thread\n"], "nothing before 30 s");
  now = 31_000;
  p.update(700, { valAcc: "97.10%" });
  t.is(out.at(-1), "t0 level 2 ticket Pm 64.00%: iteration 700/2000 (35%), 20 it/s, val acc 97.10%, ETA 1m05s\n");
  now = 45_000;
  p.update(980);
  t.is(out.length, 2, "at most one line per 30 s");
  p.end();
  p.start(2000, "t0 level 3 ticket Pm 51.20%"); // the spacing carries over to the next run
  now = 50_000;
  p.update(0);
  now = 61_000;
  p.update(1100);
  t.is(out.at(-1), "t0 level 3 ticket Pm 51.20%: iteration 1100/2000 (55%), 100 it/s, ETA 9s\n");
  p.end();
});

test("LOTTERY_PROGRESS_SECONDS is validated, and durations read as people write them", (t) => {
  t.is(progressSecondsFromEnv(undefined), 30);
  t.is(progressSecondsFromEnv("0"), 0);
  t.is(progressSecondsFromEnv("2.5"), 2.5);
  t.throws(() => progressSecondsFromEnv("abc"), { message: /^invalid LOTTERY_PROGRESS_SECONDS "abc": must be a number of seconds >= 0/ });
  t.deepEqual([5, 65, 3599, 7260].map(formatDuration), ["5s", "1m05s", "59m59s", "2h01m"]);
});

test("lottery train with stderr not a terminal prints plain progress lines while it trains", async (t) => {
  // A line needs a second of training behind it (for its speed): 400 iterations took under a
  // second on the Xeon, so the run is long enough for a fast machine too.
  const r = await runCli(["train", "--iterations", "3000", "--eval-every", "1000", "--threads", "1", "--val-size", "1000", "--data-dir", dataDir()], {
    LOTTERY_PROGRESS_SECONDS: "0.2",
  });
  t.is(r.code, 0, r.stderr);
  const lines = r.stderr.split("\n").filter((l) => l.startsWith("lenet_300_100: iteration "));
  t.true(lines.length >= 1, r.stderr);
  for (const l of lines) t.regex(l, /^lenet_300_100: iteration \d+\/3000 \(\d+%\), \d+ it\/s(, val acc [\d.]+%)?, ETA (\d+s|\d+m\d\ds)$/);
});
