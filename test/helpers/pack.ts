// The package as a consumer installs it: `npm pack` of this checkout, then `npm ci --offline` of
// the tarball in a temporary project. An offline install cannot resolve version ranges (npm keeps
// package metadata out of its cache), so the project gets a lockfile: the tarball, plus the
// package's runtime dependencies at the versions and integrity hashes this repository's lockfile
// pins, which `npm ci` here has put into the cache. Optional dependencies (vega) are marked as
// such, so `--omit=optional` installs what an inference-only consumer gets.
import { execFile } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export const ROOT = new URL("../..", import.meta.url).pathname;

interface LockEntry {
  version: string;
  resolved?: string;
  integrity?: string;
  name?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  dev?: boolean;
  optional?: boolean;
  devOptional?: boolean;
  peer?: boolean;
  [key: string]: unknown;
}

interface PackageJson {
  name: string;
  version: string;
  license: string;
  bin: Record<string, string>;
  engines: Record<string, string>;
  dependencies: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  scripts: Record<string, string>;
}

export function repoPackage(): PackageJson {
  return JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as PackageJson;
}

export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command (no shell), never rejecting: the caller asserts on code and output. */
export function run(cmd: string, args: string[], cwd: string, timeoutMs = 180_000): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      cmd,
      args,
      {
        cwd,
        timeout: timeoutMs,
        maxBuffer: 64 * 2 ** 20,
        env: { ...process.env, npm_config_fund: "false", npm_config_audit: "false", npm_config_update_notifier: "false" },
      },
      (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === "number" ? err.code : -1) : 0, stdout, stderr }),
    );
  });
}

/** Where node would find `name` from the package at lock path `from` (nested node_modules first). */
function resolveIn(lock: Record<string, LockEntry>, from: string, name: string): string {
  let dir = from;
  for (;;) {
    const candidate = `${dir ? `${dir}/` : ""}node_modules/${name}`;
    if (lock[candidate]) return candidate;
    if (!dir) throw new Error(`the lockfile has no ${name} reachable from ${from || "the root"}: run npm install`);
    const up = dir.lastIndexOf("/node_modules/");
    dir = up < 0 ? "" : dir.slice(0, up);
  }
}

/** A consumer project's package-lock.json for the tarball `tgz` (a path relative to the project). */
export function consumerLockfile(tgz: string): string {
  const lock = (JSON.parse(readFileSync(join(ROOT, "package-lock.json"), "utf8")) as { packages: Record<string, LockEntry> }).packages;
  const pkg = repoPackage();
  const closure = (roots: string[]) => {
    const seen = new Set<string>();
    const visit = (path: string) => {
      if (seen.has(path)) return;
      seen.add(path);
      const e = lock[path]!;
      for (const d of Object.keys({ ...e.dependencies, ...e.optionalDependencies })) visit(resolveIn(lock, path, d));
    };
    for (const r of roots) visit(resolveIn(lock, "", r));
    return seen;
  };
  const required = closure(Object.keys(pkg.dependencies));
  const optional = closure(Object.keys(pkg.optionalDependencies ?? {}));
  const packages: Record<string, unknown> = {
    "": { name: "consumer", dependencies: { [pkg.name]: `file:${tgz}` } },
    [`node_modules/${pkg.name}`]: {
      version: pkg.version,
      resolved: `file:${tgz}`,
      license: pkg.license,
      dependencies: pkg.dependencies,
      optionalDependencies: pkg.optionalDependencies,
      bin: pkg.bin,
      engines: pkg.engines,
    },
  };
  for (const path of [...new Set([...required, ...optional])].sort()) {
    // The repository's flags describe its own dev tree; the consumer's are recomputed.
    const entry: LockEntry = { ...lock[path]! };
    for (const flag of ["dev", "optional", "devOptional", "peer"]) delete entry[flag];
    const name = entry.name ?? path.slice(path.lastIndexOf("node_modules/") + "node_modules/".length);
    // Offline, npm finds the tarball in its cache by the integrity hash; the URL is the registry's usual one.
    const resolved = entry.resolved ?? `https://registry.npmjs.org/${name}/-/${name.split("/").pop()}-${entry.version}.tgz`;
    packages[path] = required.has(path) ? { ...entry, resolved } : { ...entry, resolved, optional: true };
  }
  return JSON.stringify({ name: "consumer", lockfileVersion: 3, requires: true, packages }, null, 2);
}

/** A consumer project in `dir` depending on the tarball `tgz` (relative to dir), ready for `npm ci`. */
export function writeConsumer(dir: string, tgz: string): void {
  writeFileSync(
    join(dir, "package.json"),
    JSON.stringify({ name: "consumer", private: true, type: "module", dependencies: { [repoPackage().name]: `file:${tgz}` } }, null, 2),
  );
  writeFileSync(join(dir, "package-lock.json"), consumerLockfile(tgz));
}
