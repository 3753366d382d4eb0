// Two real `lottery run` processes on one experiment: the run lock makes each run train once, and
// the second process takes other trials and controls instead of waiting or racing (issue 17).
import test from "ava";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runCli } from "../helpers/cli.js";
import { dataDir } from "../helpers/data.js";

const ARGS = [
  "--trials",
  "2",
  "--levels",
  "1",
  "--iterations",
  "200",
  "--eval-every",
  "100",
  "--controls",
  "reinit",
  "--val-size",
  "500",
  "--no-report",
  "--json",
];

test("two processes on one experiment train every run exactly once, and both finish", async (t) => {
  const root = mkdtempSync(join(tmpdir(), "lottery-two-"));
  try {
    const args = ["run", ...ARGS, "--data-dir", dataDir(), "--out", root];
    const [a, b] = await Promise.all([runCli(args), runCli(args)]);
    t.is(a.code, 0, a.stderr);
    t.is(b.code, 0, b.stderr);
    const trained = new Map<string, number>();
    for (const out of [a.stdout, b.stdout]) {
      for (const line of out.split("\n").filter((l) => l.startsWith("{"))) {
        const r = JSON.parse(line) as { trial: number; level: number; branch: string; resumed: boolean };
        if (!r.resumed) trained.set(`${r.trial}/${r.level}/${r.branch}`, (trained.get(`${r.trial}/${r.level}/${r.branch}`) ?? 0) + 1);
      }
    }
    t.deepEqual([...trained].sort(), [
      ["0/0/ticket", 1],
      ["0/1/reinit", 1],
      ["0/1/ticket", 1],
      ["1/0/ticket", 1],
      ["1/1/reinit", 1],
      ["1/1/ticket", 1],
    ]);
    // No lock or temp file is left behind.
    const dir = join(root, readdirSync(root)[0]!);
    const leftovers = readdirSync(dir, { recursive: true })
      .map(String)
      .filter((f) => f.endsWith("lock.json") || f.endsWith(".tmp") || f.endsWith(".candidate"));
    t.deepEqual(leftovers, []);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
