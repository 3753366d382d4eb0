// Messages between the page and its two workers. The experiment worker trains; the ticket worker
// holds the latest finished ticket for drawing-pad classification and the sparse/dense timing, so
// neither waits for the other (training never stalls for a drawing, predictions never wait for a
// level to end).
import type { Branch, LayerExecution, RunRecord } from "../../src/index.js";
import type { DemoConfig } from "./config.js";

/** One trained network of the experiment: a level on a branch. */
export interface RunKey {
  level: number;
  branch: Branch;
  /** Fraction of prunable weights remaining. */
  pm: number;
}

/** A finished ticket as a ticket file (.ltk bytes, what `lottery export` writes), for the ticket worker to load. */
export interface TicketFile {
  level: number;
  pm: number;
  bytes: Uint8Array;
}

/** Example-major u8 images (count × 784) with their labels. */
export interface ImageBatch {
  images: Uint8Array;
  labels: Uint8Array;
  count: number;
}

export interface StartRequest {
  type: "start";
  config: DemoConfig;
  /** Directory URL of the kernel .wasm files. */
  wasmDir: string;
  /** Directory URL of the MNIST files (named by role: train-images, ...). */
  dataUrl: string;
}

export interface ReadyInfo {
  simd: string;
  sharedMemory: boolean;
  /** Training threads (the experiment worker and threads − 1 Web Workers). */
  threads: number;
  train: number;
  val: number;
  test: number;
  /** Seconds spent fetching, gunzipping and parsing MNIST. */
  loadSeconds: number;
  /** The first test images, for timing inference. */
  samples: ImageBatch;
}

export type ExperimentEvent =
  | { type: "status"; text: string }
  | { type: "ready"; info: ReadyInfo }
  | { type: "run-start"; run: RunKey }
  | { type: "progress"; run: RunKey; done: number; total: number; valAccuracy: number | null }
  | { type: "run-done"; record: RunRecord; stepMs: number; kernels: LayerExecution[] }
  | { type: "ticket"; ticket: TicketFile }
  | { type: "finished"; seconds: number }
  | { type: "error"; message: string };

export type TicketRequest =
  | { type: "init"; wasmDir: string; samples: ImageBatch }
  | { type: "load"; ticket: TicketFile }
  | { type: "classify"; id: number; pixels: Uint8Array };

/** Inference throughput of one execution form (a pass: input conversion, forward pass, predicted classes). */
export interface Throughput {
  imagesPerSecond: number;
  msPerPass: number;
}

export interface SpeedResult {
  level: number;
  pm: number;
  batch: number;
  /** Timed passes per form. */
  passes: number;
  dense: Throughput;
  sparse: Throughput;
}

export type TicketEvent =
  | { type: "ready" }
  | { type: "loaded"; level: number; pm: number }
  | { type: "prediction"; id: number; level: number; pm: number; probabilities: number[] }
  | { type: "speed"; result: SpeedResult }
  | { type: "error"; message: string };
