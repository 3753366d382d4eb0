// What the main thread and the worker threads say to each other. Everything large (weights,
// activations, gradients, optimizer state) stays in the one shared WebAssembly.Memory; tasks carry
// only offsets and a few numbers. Synchronization within a step uses Atomics on a small Int32
// area of that memory (the "sync" block).
import type { ResolvedSpec } from "../models/spec.js";
import type { CsrLayout } from "../nn/network.js";
import type { SimdLevel } from "../kernels/index.js";
import type { UpdatePlan } from "../optim/update.js";
import type { PipelineLayout } from "../train/input.js";

/**
 * Int32 slots of the sync block; then, as f64, the step's learning rate at LR_OFFSET and one
 * loss per replica from LOSSES_OFFSET.
 */
export const SYNC = {
  /** Replicas whose gradients are ready (all-to-all barrier before the update). */
  ARRIVED: 0,
  /** Workers that finished the step (the main thread waits for them). */
  DONE: 1,
  /** Set to 1 by a failing thread; everyone waiting gives up. */
  ABORT: 2,
  /** Replica index of the first failure. */
  FAILED: 3,
  /** Workers that picked up a broadcast task (join / level). */
  BROADCAST: 4,
  /** Counter handing out workspace slots at join. */
  CLAIM: 5,
  /** Step generation: the main thread increments it to start a step, sets it to STOP to end a level. */
  GEN: 6,
  /** The iteration of the current step. */
  ITER: 7,
  /** Arrivals at the step's collectives (batch norm statistics), counted up through the step. */
  COLL: 8,
  /** What GEN starts: STEP_MODE (a training step) or EVAL_MODE (evaluating set EVAL_SET). */
  MODE: 9,
  EVAL_SET: 10,
  INTS: 16,
  LR_OFFSET: 64,
  LOSSES_OFFSET: 72,
} as const;

export const STOP = -1;
export const STEP_MODE = 0;
export const EVAL_MODE = 1;

/** Most rows one collective sums (2 x the widest batch norm: 512 channels). */
export const COLLECTIVE_ROWS = 1024;

/** Bytes of the collective exchange area: two alternating [rows, batch] matrices. */
export function exchangeBytes(batchSize: number): number {
  return 2 * COLLECTIVE_ROWS * batchSize * 4;
}

export function syncBytes(replicas: number): number {
  return SYNC.LOSSES_OFFSET + 8 * replicas;
}

/** First task every worker gets: attach to the shared memory and rebuild the network's views. */
export interface JoinTask {
  kind: "join";
  workers: number;
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  simd: SimdLevel;
  limitBytes: number;
  /** The GEMM workspace of each worker; worker i takes the i-th it claims. */
  workspaces: number[];
  /** Where the network's parameters were allocated (replayed, not written). */
  networkBase: number;
  /** The network as the main thread built it (its layer list, input shape and classes). */
  spec: ResolvedSpec;
  sync: number;
}

/**
 * Once per level, one per worker: the sparse forms, the replicas and the update plan of that
 * level. The task then runs the worker's replica for every step the main thread starts (through
 * GEN in the sync block) and returns when the level ends. One Piscina task per step cost ~0.13 ms
 * per step (dispatch, then settling on the main thread's event loop) and capped two threads at
 * 1.2x on LeNet; stepping through Atomics costs a futex wake instead.
 */
export interface LevelTask {
  kind: "level";
  workers: number;
  levelId: number;
  sync: number;
  csr: CsrLayout[];
  /** Every replica's arena base, batch columns and first column; replica 0 is the main thread's. */
  replicas: { base: number; N: number; colOffset: number }[];
  batchSize: number;
  seed: number;
  plan: UpdatePlan;
  /** The collective exchange area (exchangeBytes(batchSize)). */
  exchange: number;
  /**
   * Evaluation: the prepared sets' chunks (inputs [features, n] and labels), this worker's
   * evaluation replicas (arena base and columns, per thread), and the f64 results area (loss and
   * correct count per chunk, sets one after another). Thread r evaluates the chunks c ≡ r (mod T).
   */
  evalSets: { chunks: { x: number; labels: number; n: number }[] }[];
  /**
   * The input pipeline, so each worker fills its own share of every batch (null: the main thread
   * fills every share), and each replica's batch-index buffer (batchSize u32; none for replica 0).
   */
  input: { layout: PipelineLayout; indices: number[] } | null;
  evalReplicas: { base: number; N: number }[][];
  inputFeatures: number;
  results: number;
}

export type Task = JoinTask | LevelTask;
