import type { Command } from "commander";
import type { KernelMode } from "../nn/network.js";

export interface RuntimeOptions {
  dataDir?: string;
  kernels?: KernelMode;
}

/** Options that change where data comes from or how fast it runs, never the results' meaning. */
export function addRuntimeOptions(cmd: Command): void {
  cmd
    .option("--data-dir <dir>", "directory holding mnist/ and cifar10/ (default: $LOTTERY_DATA_DIR, else the user cache, downloading on first use)")
    .option("--kernels <mode>", "pruned layers run on: auto (sparse below the measured crossover density), dense or sparse", parseKernelMode, "auto");
}

function parseKernelMode(v: string): KernelMode {
  if (v === "auto" || v === "dense" || v === "sparse") return v;
  throw new Error(`invalid --kernels ${JSON.stringify(v)}: must be one of auto, dense, sparse`);
}

export function pct(x: number): string {
  return Number.isFinite(x) ? `${(100 * x).toFixed(2)}%` : "-";
}
