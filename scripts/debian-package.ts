// What npm test's pretest step does for a program the tests need beyond npm packages (Chromium,
// redis-server): find it (an environment variable naming it, else the PATH); when it is missing
// and we are root with apt-get, install its Debian package; otherwise say in one line what to install.
import { spawnSync } from "node:child_process";
import { accessSync, constants } from "node:fs";
import { delimiter, join } from "node:path";

export interface EnsureOptions {
  env?: NodeJS.ProcessEnv;
  /** Whether we may install packages (default: running as root). */
  root?: boolean;
  log?: (line: string) => void;
}

export interface ProgramSpec {
  /** The executable's name on the PATH, e.g. "chromium". */
  command: string;
  /** The variable that may name the executable instead, e.g. LOTTERY_CHROMIUM. */
  envVar: string;
  /** The Debian package that provides it. */
  debianPackage: string;
  /** What the tests use it for, in the "installing" line. */
  purpose: string;
  /** One line saying what to install (the pretest step and the tests that need it print it). */
  hint: string;
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The variable's executable if set, else the command on the PATH; null when there is none. */
export function findProgram(spec: ProgramSpec, env: NodeJS.ProcessEnv = process.env): string | null {
  const given = env[spec.envVar];
  if (given) return executable(given) ? given : null;
  for (const dir of (env.PATH ?? "").split(delimiter).filter(Boolean)) {
    if (executable(join(dir, spec.command))) return join(dir, spec.command);
  }
  return null;
}

/** Finds the program, installing its Debian package when allowed; returns its path, or null after one line saying what to install. */
export function ensureProgram(spec: ProgramSpec, o: EnsureOptions = {}): string | null {
  const env = o.env ?? process.env,
    log = o.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const found = findProgram(spec, env);
  if (found) return found;
  if (env[spec.envVar]) {
    log(`${spec.envVar}=${env[spec.envVar]} is not an executable: ${spec.hint}`);
    return null;
  }
  const apt = (env.PATH ?? "")
    .split(delimiter)
    .filter(Boolean)
    .map((dir) => join(dir, "apt-get"))
    .find(executable);
  if (!(o.root ?? process.getuid?.() === 0) || !apt) {
    log(spec.hint);
    return null;
  }
  log(`${spec.command} is missing: installing Debian's package (apt-get install -y ${spec.debianPackage}) for ${spec.purpose}`);
  for (const args of [["update"], ["install", "-y", spec.debianPackage]]) {
    const r = spawnSync(apt, args, { stdio: ["ignore", "inherit", "inherit"], env: { ...env, DEBIAN_FRONTEND: "noninteractive" } });
    if (r.status !== 0) {
      log(`apt-get ${args.join(" ")} failed (exit ${r.status ?? r.signal}): ${spec.hint}`);
      return null;
    }
  }
  const installed = findProgram(spec, env);
  if (!installed) log(`apt-get installed ${spec.debianPackage} but there is no ${spec.command} on the PATH: ${spec.hint}`);
  return installed;
}
