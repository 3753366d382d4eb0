// What the experiment runner needs from a store: finished runs (summary, mask, final weights),
// per-trial weights (θ0, rewind points) and mid-run checkpoints. ExperimentStore keeps them in
// files (Node); MemoryStore keeps them in memory (browsers, tests, throwaway experiments).
import type { Masks } from "../prune/masks.js";
import type { EvalRecord, TrainState } from "../train/trainer.js";
import type { LockOwner, RunId, RunSummary } from "./experiment.js";

export interface RunStore {
  /** Where the experiment is, for messages. */
  readonly location: string;
  summary(id: RunId): RunSummary | null;
  loadMask(id: RunId): Masks;
  loadFinal(id: RunId): Map<string, Float32Array>;
  /** `final` is null for a diverged run (its summary says so). */
  saveRun(id: RunId, masks: Masks, final: ReadonlyMap<string, Float32Array> | null, history: readonly EvalRecord[], summary: RunSummary): void;
  loadTrialWeights(trial: number, name: string): Map<string, Float32Array> | null;
  saveTrialWeights(trial: number, name: string, weights: ReadonlyMap<string, Float32Array>, meta?: Record<string, unknown>): void;
  loadCheckpoint(id: RunId, log?: (message: string) => void): { state: TrainState; weights: Map<string, Float32Array> } | null;
  saveCheckpoint(id: RunId, state: TrainState, weights: ReadonlyMap<string, Float32Array>): void;
  /** Stores shared between processes lock a run while training it; others may leave this out. */
  tryLock?(id: RunId): { release(): void; touch(): void } | { heldBy: LockOwner };
}

export function runKey(id: RunId): string {
  return `${id.trial}/${id.kind}/${id.level}/${id.branch}`;
}

const copy = (w: ReadonlyMap<string, Float32Array>) => new Map([...w].map(([k, v]) => [k, Float32Array.from(v)]));

/** An experiment kept in memory: nothing survives the process, everything else is as on disk. */
export class MemoryStore implements RunStore {
  readonly location = "memory";
  private readonly runs = new Map<string, { masks: Masks; final: Map<string, Float32Array> | null; history: EvalRecord[]; summary: RunSummary }>();
  private readonly trialWeights = new Map<string, Map<string, Float32Array>>();
  private readonly checkpoints = new Map<string, { state: TrainState; weights: Map<string, Float32Array> }>();

  summary(id: RunId): RunSummary | null {
    return this.runs.get(runKey(id))?.summary ?? null;
  }

  /** A finished run's evaluation history (the file store keeps it as metrics.jsonl). */
  history(id: RunId): EvalRecord[] {
    return this.runs.get(runKey(id))?.history ?? [];
  }

  private run(id: RunId) {
    const r = this.runs.get(runKey(id));
    if (!r) throw new Error(`memory store: run ${runKey(id)} is not finished`);
    return r;
  }

  loadMask(id: RunId): Masks {
    return new Map([...this.run(id).masks].map(([k, m]) => [k, Uint8Array.from(m)]));
  }

  loadFinal(id: RunId): Map<string, Float32Array> {
    const final = this.run(id).final;
    if (!final) throw new Error(`memory store: run ${runKey(id)} diverged and has no final weights`);
    return copy(final);
  }

  saveRun(id: RunId, masks: Masks, final: ReadonlyMap<string, Float32Array> | null, history: readonly EvalRecord[], summary: RunSummary): void {
    this.runs.set(runKey(id), { masks: new Map([...masks].map(([k, m]) => [k, Uint8Array.from(m)])), final: final && copy(final), history: [...history], summary });
    this.checkpoints.delete(runKey(id));
  }

  loadTrialWeights(trial: number, name: string): Map<string, Float32Array> | null {
    const w = this.trialWeights.get(`${trial}/${name}`);
    return w ? copy(w) : null;
  }

  saveTrialWeights(trial: number, name: string, weights: ReadonlyMap<string, Float32Array>): void {
    this.trialWeights.set(`${trial}/${name}`, copy(weights));
  }

  loadCheckpoint(id: RunId): { state: TrainState; weights: Map<string, Float32Array> } | null {
    return this.checkpoints.get(runKey(id)) ?? null;
  }

  saveCheckpoint(id: RunId, state: TrainState, weights: ReadonlyMap<string, Float32Array>): void {
    this.checkpoints.set(runKey(id), { state, weights: copy(weights) });
  }
}
