// The Chromium the browser tests drive (through playwright-core): Debian's package, found or
// installed by `npm test`'s pretest step (scripts/pretest.ts), so the README's `npm install &&
// npm test` needs no manual step on a Debian machine where the tests run as root.
import { spawnSync } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";

/** What to do when there is no Chromium: one line, for the pretest step and the browser tests. */
export const CHROMIUM_HINT =
  "the browser tests need Chromium: install Debian's package (as root: apt-get update && apt-get install -y chromium), " +
  "or set LOTTERY_CHROMIUM to a Chromium or Chrome executable";

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** LOTTERY_CHROMIUM if set, else `chromium` on the PATH (Debian's package puts it in /usr/bin); null when there is none. */
export function findChromium(env: NodeJS.ProcessEnv = process.env): string | null {
  const given = env.LOTTERY_CHROMIUM;
  if (given) return executable(given) ? given : null;
  for (const dir of (env.PATH ?? "").split(delimiter).filter(Boolean)) {
    if (executable(join(dir, "chromium"))) return join(dir, "chromium");
  }
  return null;
}

export interface EnsureOptions {
  env?: NodeJS.ProcessEnv;
  /** Whether we may install packages (default: running as root). */
  root?: boolean;
  log?: (line: string) => void;
}

/**
 * Finds Chromium, installing Debian's package with apt-get when it is missing and we are root with
 * apt-get on the PATH; returns its path, or null after saying in one line what to install.
 */
export function ensureChromium(o: EnsureOptions = {}): string | null {
  const env = o.env ?? process.env, log = o.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const found = findChromium(env);
  if (found) return found;
  if (env.LOTTERY_CHROMIUM) {
    log(`LOTTERY_CHROMIUM=${env.LOTTERY_CHROMIUM} is not an executable: ${CHROMIUM_HINT}`);
    return null;
  }
  const apt = (env.PATH ?? "").split(delimiter).filter(Boolean).map((dir) => join(dir, "apt-get")).find(executable);
  if (!(o.root ?? process.getuid?.() === 0) || !apt) {
    log(CHROMIUM_HINT);
    return null;
  }
  log("chromium is missing: installing Debian's package (apt-get install -y chromium) for the browser tests");
  for (const args of [["update"], ["install", "-y", "chromium"]]) {
    const r = spawnSync(apt, args, { stdio: ["ignore", "inherit", "inherit"], env: { ...env, DEBIAN_FRONTEND: "noninteractive" } });
    if (r.status !== 0) {
      log(`apt-get ${args.join(" ")} failed (exit ${r.status ?? r.signal}): ${CHROMIUM_HINT}`);
      return null;
    }
  }
  const installed = findChromium(env);
  if (!installed) log(`apt-get installed chromium but there is no chromium on the PATH: ${CHROMIUM_HINT}`);
  return installed;
}
