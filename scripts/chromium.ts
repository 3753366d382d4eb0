// The Chromium the browser tests drive (through playwright-core): Debian's package, found or
// installed by `npm test`'s pretest step (scripts/pretest.ts), so the README's `npm install &&
// npm test` needs no manual step on a Debian machine where the tests run as root.
import { type EnsureOptions, ensureProgram, findProgram, type ProgramSpec } from "./debian-package.js";

export type { EnsureOptions } from "./debian-package.js";

/** What to do when there is no Chromium: one line, for the pretest step and the browser tests. */
export const CHROMIUM_HINT =
  "the browser tests need Chromium: install Debian's package (as root: apt-get update && apt-get install -y chromium), " +
  "or set LOTTERY_CHROMIUM to a Chromium or Chrome executable";

const CHROMIUM: ProgramSpec = { command: "chromium", envVar: "LOTTERY_CHROMIUM", debianPackage: "chromium", purpose: "the browser tests", hint: CHROMIUM_HINT };

/** LOTTERY_CHROMIUM if set, else `chromium` on the PATH (Debian's package puts it in /usr/bin); null when there is none. */
export function findChromium(env: NodeJS.ProcessEnv = process.env): string | null {
  return findProgram(CHROMIUM, env);
}

/**
 * Finds Chromium, installing Debian's package with apt-get when it is missing and we are root with
 * apt-get on the PATH; returns its path, or null after saying in one line what to install.
 */
export function ensureChromium(o: EnsureOptions = {}): string | null {
  return ensureProgram(CHROMIUM, o);
}
