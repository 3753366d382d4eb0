// What must be identical between two experiment directories that ran the same command: every file's
// bytes, except that a summary's timings (and so its checksum) depend on the machine's load. Leftover
// files (a checkpoint, a lock, a temp file) show up as extra entries, so they fail the comparison.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** Reports are derived from the rest and rewritten at will. */
const DERIVED = /^(report\.html|runs\.csv|.*\.svg)$/;

export function experimentResults(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      const key = p.slice(dir.length + 1);
      if (e.isDirectory()) walk(p);
      else if (DERIVED.test(e.name) && d === dir) continue;
      else if (e.name === "summary.json") out[key] = withoutTimings(readFileSync(p, "utf8"));
      else out[key] = readFileSync(p).toString("base64");
    }
  };
  walk(dir);
  return out;
}

function withoutTimings(text: string): string {
  let s: Record<string, unknown>;
  try {
    s = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return text; // damaged: compared as it is
  }
  delete s.seconds;
  delete s.step_ms;
  delete s.checksum;
  return JSON.stringify(s);
}

/** The keys whose values differ (or exist on one side only), for a readable failure message. */
export function differences(a: Record<string, string>, b: Record<string, string>): string[] {
  return [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((k) => a[k] !== b[k]).sort();
}

/** The one experiment directory under a root (the CLI names it after the settings), besides `except` if given. */
export function onlyExperiment(root: string, except?: string): string {
  const dirs = readdirSync(root, { withFileTypes: true })
    .filter((e) => e.isDirectory() && e.name !== except)
    .map((e) => e.name);
  if (dirs.length !== 1) throw new Error(`expected one experiment in ${root}${except ? ` besides ${except}` : ""}, found ${dirs.join(", ") || "none"}`);
  return join(root, dirs[0]!);
}
