// The RunStore contract and MemoryStore, the store that keeps an experiment in memory.
import type { Masks } from "../prune/masks.js";
import type { EvalRecord, TrainState } from "../train/trainer.js";
import type { LockOwner, RunId, RunSummary } from "./types.js";

/**
 * What the experiment runner needs from a store: finished runs (summary, mask, final weights),
 * per-trial weights (θ0, rewind points) and mid-run checkpoints. `ExperimentStore` (`lottery-wasm/node`) keeps them in
 * files; {@link MemoryStore} keeps them in memory (browsers, tests, throwaway experiments).
 * Weights are maps from parameter name to dense values; masks, from parameter name to 0/1 bytes.
 */
export interface RunStore {
  /** Where the experiment is, for messages. */
  readonly location: string;
  /** The run's summary, or null while it is not finished (a finished run is skipped on rerun). */
  summary(id: RunId): RunSummary | null;
  /**
   * A finished run's mask.
   *
   * @throws Error (or CorruptFileError) naming what to delete to retrain the run, when it is missing or damaged.
   */
  loadMask(id: RunId): Masks;
  /**
   * A finished run's trained weights.
   *
   * @throws Error when they are missing (a diverged run has none) or damaged.
   */
  loadFinal(id: RunId): Map<string, Float32Array>;
  /** `final` is null for a diverged run (its summary says so). */
  saveRun(id: RunId, masks: Masks, final: ReadonlyMap<string, Float32Array> | null, history: readonly EvalRecord[], summary: RunSummary): void;
  /** A trial's named weights ("theta0", or "rewind_K" for a rewind point), or null when not saved. */
  loadTrialWeights(trial: number, name: string): Map<string, Float32Array> | null;
  /** Stores a trial's named weights (see {@link RunStore.loadTrialWeights}), with optional metadata. */
  saveTrialWeights(trial: number, name: string, weights: ReadonlyMap<string, Float32Array>, meta?: Record<string, unknown>): void;
  /** The run's last mid-run checkpoint, or null when there is none (a damaged one may be dropped, with a message to `log`). */
  loadCheckpoint(id: RunId, log?: (message: string) => void): { state: TrainState; weights: Map<string, Float32Array> } | null;
  /** Replaces the run's mid-run checkpoint; {@link RunStore.saveRun} drops it. */
  saveCheckpoint(id: RunId, state: TrainState, weights: ReadonlyMap<string, Float32Array>): void;
  /**
   * Stores shared between processes lock a run while training it; others may leave this out. Returns
   * the lock (release it when done; touch it now and then so other hosts see it is alive) or its owner.
   */
  tryLock?(id: RunId):
    | {
        /** Removes the lock, if this process still holds it. */
        release(): void;
        /** Marks the lock alive (its file's time), so other hosts do not take it over. */
        touch(): void;
      }
    | { heldBy: LockOwner };
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
    this.runs.set(runKey(id), {
      masks: new Map([...masks].map(([k, m]) => [k, Uint8Array.from(m)])),
      final: final && copy(final),
      history: [...history],
      summary,
    });
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
