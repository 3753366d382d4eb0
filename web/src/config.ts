// The demo's experiment settings, from the page's query string (?levels=5&iterations=500...).
// Defaults keep a run to about a minute on a 2-core laptop while still showing the ticket effect:
// 500 iterations per level (the ticket's faster learning shows early), 10 levels down to Pm 10.7%,
// where the sparse kernels run well below their crossover density (0.3). Everything else is the paper's LeNet-300-100 setting (Adam 1.2e-3, batch 60, fc 20% / output 10%
// per level, reset to θ0, the reinit control).

export interface DemoConfig {
  /** Pruning levels after the dense level 0. */
  levels: number;
  /** Training iterations per level (and per control run). */
  iterations: number;
  /** Evaluate validation and test every this many iterations. */
  evalEvery: number;
  /** Test images evaluated (the first ones of the official test set); fewer keeps evaluation quick. */
  testImages: number;
  seed: number;
  /**
   * Training threads: Web Workers sharing the kernels' wasm memory (needs a cross-origin isolated
   * page). 1 trains bit for bit what `lottery run --threads 1` trains; more threads sum the batch
   * gradient in another order, so the numbers match `lottery run --threads N` instead.
   */
  threads: number;
}

interface Field {
  key: keyof DemoConfig;
  fallback: number;
  min: number;
  max: number;
  text: string;
}

const FIELDS: readonly Field[] = [
  { key: "levels", fallback: 10, min: 1, max: 30, text: "pruning levels after the dense one" },
  { key: "iterations", fallback: 500, min: 100, max: 50_000, text: "training iterations per level" },
  { key: "evalEvery", fallback: 100, min: 10, max: 50_000, text: "iterations between evaluations" },
  { key: "testImages", fallback: 10_000, min: 100, max: 10_000, text: "test images evaluated" },
  { key: "seed", fallback: 0, min: 0, max: 2 ** 31 - 1, text: "seed of θ0" },
  { key: "threads", fallback: 1, min: 1, max: 16, text: "training threads (Web Workers sharing one wasm memory)" },
];

export const DEFAULT_CONFIG: DemoConfig = Object.fromEntries(FIELDS.map((f) => [f.key, f.fallback])) as unknown as DemoConfig;

/** Parses the query string; an invalid value is an error naming the parameter and its range. */
export function parseConfig(search: string): DemoConfig {
  const params = new URLSearchParams(search);
  const out = { ...DEFAULT_CONFIG };
  for (const f of FIELDS) {
    const raw = params.get(f.key);
    if (raw === null || raw === "") continue;
    const v = Number(raw);
    if (!Number.isInteger(v) || v < f.min || v > f.max) {
      throw new Error(`?${f.key}=${raw} is not valid: ${f.text}, an integer in [${f.min}, ${f.max}]`);
    }
    out[f.key] = v;
  }
  return out;
}
