// The source's import graph runs one way: kernels at the bottom, then nn, models, train (the
// single-thread loop), parallel (threads), the session that composes them, the lottery
// experiments and the CLI on top. A module that imports one above it (or a new cycle) makes every
// later change cost more, so this test reads every static import, type-only ones included.
import test from "ava";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, normalize, relative } from "node:path";
import { fileURLToPath } from "node:url";

const SRC = join(dirname(fileURLToPath(import.meta.url)), "../../src");

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : path.endsWith(".ts") ? [path] : [];
  });
}

/** Module (path relative to src/) → the src modules it imports statically. */
function importGraph(): Map<string, Set<string>> {
  const graph = new Map<string, Set<string>>();
  for (const file of sources(SRC)) {
    const text = readFileSync(file, "utf8");
    const deps = new Set<string>();
    for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+"(\.[^"]+)"/g)) {
      deps.add(relative(SRC, normalize(join(dirname(file), m[1]!.replace(/\.js$/, ".ts")))));
    }
    graph.set(relative(SRC, file), deps);
  }
  return graph;
}

/** Strongly connected components of more than one module (Tarjan). */
function cycles(graph: Map<string, Set<string>>): string[][] {
  let counter = 0;
  const index = new Map<string, number>(),
    low = new Map<string, number>(),
    stack: string[] = [],
    onStack = new Set<string>(),
    out: string[][] = [];
  const visit = (v: string) => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!graph.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const component: string[] = [];
      for (;;) {
        const w = stack.pop()!;
        onStack.delete(w);
        component.push(w);
        if (w === v) break;
      }
      if (component.length > 1) out.push(component.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return out;
}

/**
 * Cycles still to be taken apart, each as its sorted module list. None are left (the last one, the
 * model registry and its entries, went when the declaration types and defineModel moved to
 * models/define.ts); keep it empty: a new cycle fails the test below.
 */
const KNOWN_CYCLES: string[] = [];

test("no import cycles in src/ (the known list is empty and may only stay so)", (t) => {
  const found = cycles(importGraph()).map((c) => c.join(" "));
  const fresh = found.filter((c) => !KNOWN_CYCLES.some((k) => k.includes(c) || c === k));
  t.deepEqual(fresh, [], `new import cycles:\n${fresh.join("\n")}`);
});

test("layers import downward only: kernels import nothing above them, train/ never imports parallel/ or the session", (t) => {
  const graph = importGraph();
  const bad: string[] = [];
  for (const [from, deps] of graph) {
    for (const to of deps) {
      if (from.startsWith("kernels/") && !to.startsWith("kernels/")) bad.push(`${from} → ${to}`);
      if (from.startsWith("train/") && (to.startsWith("parallel/") || to === "session.ts" || to.startsWith("lottery/") || to.startsWith("cli/")))
        bad.push(`${from} → ${to}`);
      if (from.startsWith("parallel/") && (to === "session.ts" || to.startsWith("lottery/") || to.startsWith("cli/"))) bad.push(`${from} → ${to}`);
      if (!from.startsWith("cli/") && to.startsWith("cli/")) bad.push(`${from} → ${to}`);
    }
  }
  t.deepEqual(bad, []);
});

const ROOT = join(SRC, "..");

/** Every module path a file names: static imports and re-exports (types included), dynamic imports and `typeof import(...)`. */
function specifiers(file: string): string[] {
  const text = readFileSync(file, "utf8");
  const out: string[] = [];
  for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+"([^"]+)"/g)) out.push(m[1]!);
  for (const m of text.matchAll(/\bimport\(\s*"([^"]+)"\s*\)/g)) out.push(m[1]!);
  return out;
}

/** Relative imports of the .ts files under `dir` that resolve outside `dir` to anything but `allowed` (paths relative to the repository). */
function importsBeyond(dir: string, allowed: readonly string[], skip: (file: string) => boolean = () => false): string[] {
  const bad: string[] = [];
  for (const file of sources(join(ROOT, dir))) {
    if (skip(file)) continue;
    for (const spec of specifiers(file)) {
      if (!spec.startsWith(".")) continue;
      const target = relative(ROOT, normalize(join(dirname(file), spec.replace(/\.js$/, ".ts"))));
      if (target.startsWith(`${dir}/`) || allowed.includes(target)) continue;
      bad.push(`${relative(ROOT, file)} → ${target}`);
    }
  }
  return bad;
}

test("the CLI imports the library only through its entry points (src/index.ts, src/node.ts)", (t) => {
  // Besides the job queue's loader: its types name bullmq's, an optional package, so the entry
  // points cannot export it (an install with --omit=optional would not type-check).
  t.deepEqual(importsBeyond("src/cli", ["src/index.ts", "src/node.ts", "src/queue/load.ts", "package.json"]), []);
});

test("the web demo imports the library only through its entry points (src/index.ts, src/ticket/index.ts)", (t) => {
  // web/src/browser/ holds browser twins of library modules (web/build.ts swaps them in for the
  // Node implementations), so they are the library's internals, not a consumer of it.
  const twin = (file: string) => relative(join(ROOT, "web/src"), file).startsWith("browser/");
  const found = importsBeyond("web/src", ["src/index.ts", "src/ticket/index.ts"], twin);
  t.deepEqual(found, []);
});

test("only the entry points and the CLI import an entry point (they sit on top: no cycle through them)", (t) => {
  const ENTRIES = ["index.ts", "node.ts", "ticket/index.ts"];
  const bad: string[] = [];
  for (const [from, deps] of importGraph()) {
    if (from.startsWith("cli/") || ENTRIES.includes(from)) continue;
    for (const to of deps) if (ENTRIES.includes(to)) bad.push(`${from} → ${to}`);
  }
  t.deepEqual(bad, []);
});

test("the browser-safe main entry point imports no Node module statically (Node's are imported dynamically where they run)", (t) => {
  const seen = new Set<string>();
  const found: string[] = [];
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const text = readFileSync(file, "utf8");
    // Static imports and re-exports of values; `import type` and `export type` are erased at compile time.
    for (const m of text.matchAll(/^(?:import|export)\s+(type\s+)?[^;]*?\bfrom\s+"([^"]+)";/gms)) {
      if (m[1]) continue;
      const spec = m[2]!;
      if (/^(node:|piscina$)/.test(spec)) found.push(`${relative(SRC, file)} imports ${spec}`);
      else if (spec.startsWith(".")) visit(normalize(join(dirname(file), spec.replace(/\.js$/, ".ts"))));
    }
  };
  visit(join(SRC, "index.ts"));
  t.deepEqual(found, []);
  t.true(seen.size > 50, `followed ${seen.size} modules`);
});
