// One trained network of an experiment as a ticket file (.ltk, see src/ticket/format.ts): the
// library side of `lottery export`. The accuracy written into the file is measured here, on the
// dataset's full test split, by loading the file's own bytes with the inference code `lottery
// predict` uses, so predict on the same split prints exactly that number.
import { basename, resolve } from "node:path";
import { loadDataset } from "../data/index.js";
import type { Dataset } from "../data/types.js";
import { getModel } from "../models/registry.js";
import { type Branch, ExperimentStore, oneShotTag, type RunId, type RunSummary } from "../store/experiment.js";
import { readContainer, replaceManifest } from "../ticket/container.js";
import { denseBytes } from "../ticket/encode.js";
import type { TicketManifest, ValueType } from "../ticket/format.js";
import { loadTicket } from "../ticket/load.js";
import { encodeTrainedTicket } from "../ticket/trained.js";
import { RUN_BRANCHES } from "../lottery/branches/index.js";
import { describeRun } from "../lottery/experiment.js";

/** Which run {@link exportTicket} exports, and how; all but `dir` are optional. */
export interface ExportOptions {
  /** Experiment directory written by `lottery run`. */
  dir: string;
  /** Trial (default 0). */
  trial?: number;
  /** Iterative level (default: the deepest finished one). */
  level?: number;
  /** Target Pm of a one-shot run (instead of an iterative level). */
  oneShot?: number;
  /** The ticket (default) or one of its control branches. */
  branch?: Branch;
  /** Type of the stored pruned weights' values (default f32). */
  valueType?: ValueType;
  /** Directory holding the datasets (as `--data-dir`); the dataset is downloaded into the cache if found nowhere. */
  dataDir?: string;
  /** An already loaded dataset (tests); else loaded from dataDir / LOTTERY_DATA_DIR / the cache. */
  dataset?: Dataset;
  /** Measure and record the test accuracy (default true). */
  evaluate?: boolean;
  /** Progress and notices of the dataset load (default: standard error). */
  log?: (message: string) => void;
}

/** An exported ticket, in memory (write `bytes` to a .ltk file). */
export interface ExportResult {
  /** The ticket file's bytes. */
  bytes: Uint8Array;
  /** Its manifest, as read back from `bytes`. */
  manifest: TicketManifest;
  /** The run it was exported from. */
  run: RunId;
  /** That run's stored summary. */
  summary: RunSummary;
  /** Bytes of all parameters as dense f32 arrays. */
  denseBytes: number;
}

/** The run to export: the one asked for, or trial T's deepest finished iterative level of the branch. */
export function selectRun(store: ExperimentStore, o: Pick<ExportOptions, "trial" | "level" | "oneShot" | "branch">): { id: RunId; summary: RunSummary } {
  const trial = o.trial ?? 0,
    branch = o.branch ?? "ticket";
  if (!RUN_BRANCHES.includes(branch)) throw new Error(`unknown --branch ${branch}: use ${RUN_BRANCHES.join(", ")}`);
  if (o.level !== undefined && o.oneShot !== undefined) throw new Error("give --level or --one-shot, not both");
  const trials = store.trials();
  if (!trials.includes(trial))
    throw new Error(
      `${store.dir} has no trial ${trial} (it has ${trials.length ? trials.join(", ") : "none"}); run \`lottery run\` first or pick another --trial`,
    );
  const finished = store.finishedRuns(trial);
  const levels = finished.filter((r) => r.kind === "iterative").map((r) => r.level);
  const oneShots = finished.filter((r) => r.kind === "oneshot").map((r) => r.level);
  const available = `finished in trial ${trial}: levels ${levels.length ? levels.join(", ") : "none"}${oneShots.length ? `; one-shot Pm ${oneShots.join(", ")}` : ""}`;
  let candidates: RunId[];
  if (o.oneShot !== undefined) {
    const match = oneShots.find((pm) => oneShotTag(pm) === oneShotTag(o.oneShot!));
    if (match === undefined) throw new Error(`no finished one-shot run at Pm ${o.oneShot} (${available})`);
    candidates = [{ trial, kind: "oneshot", level: match, branch }];
  } else if (o.level !== undefined) {
    if (!levels.includes(o.level)) throw new Error(`level ${o.level} is not finished (${available})`);
    candidates = [{ trial, kind: "iterative", level: o.level, branch }];
  } else {
    if (levels.length === 0) throw new Error(`${store.dir} has no finished level in trial ${trial}; let \`lottery run\` finish at least level 0`);
    candidates = [...levels].sort((a, b) => b - a).map((level) => ({ trial, kind: "iterative" as const, level, branch }));
  }
  for (const id of candidates) {
    const summary = store.summary(id);
    if (summary) return { id, summary };
  }
  throw new Error(
    `no finished ${branch} run for ${o.level !== undefined || o.oneShot !== undefined ? describeRun(candidates[0]!) : `any level of trial ${trial}`}; run \`lottery run\` with --controls ${branch} or pick another --branch`,
  );
}

/**
 * One trained network of an experiment as a ticket file, in memory (`lottery export DIR`). Unless
 * `evaluate` is false, the accuracy written into the file is measured on the dataset's full test split by
 * loading the file's own bytes with the inference code `lottery predict` uses, so predict on the
 * same split prints exactly that number.
 *
 * @throws Error naming the runs that are finished when the asked-for run is not, or the option to fix.
 */
export async function exportTicket(o: ExportOptions): Promise<ExportResult> {
  const store = ExperimentStore.read(o.dir);
  const hp = store.hp;
  if (hp.model.network !== undefined) {
    throw new Error(
      `${store.dir} trained a --model-file network (${hp.model.model}): tickets name a registered model, so they cannot be exported from it yet; register the network in your program (registerModel) to export it`,
    );
  }
  const model = getModel(hp.model.model);
  const { id, summary } = selectRun(store, o);
  const masks = store.loadMask(id),
    final = store.loadFinal(id);
  const datasetName = hp.dataset.dataset ?? model.dataset;
  const data =
    o.dataset ??
    (await loadDataset(datasetName, { dataDir: o.dataDir, valSize: hp.dataset.valSize, imageSize: hp.dataset.imageSize, fetchIfMissing: true, log: o.log }));
  if (data.name !== datasetName) throw new Error(`${store.dir} was trained on ${datasetName} images, but the dataset given is ${data.name}`);
  let bytes = await encodeTrainedTicket({
    model: hp.model,
    dataset: data,
    normalize: hp.dataset.normalize,
    weights: final,
    masks,
    valueType: o.valueType ?? "f32",
    training: {
      experiment: basename(resolve(store.dir)),
      trial: id.trial,
      kind: id.kind,
      level: id.level,
      branch: id.branch,
      iterations: summary.iterations,
      final_test_accuracy: summary.final_test_accuracy,
      early_stop_iteration: summary.early_stop_iteration,
      early_stop_test_accuracy: summary.early_stop_test_accuracy,
    },
  });
  if (o.evaluate ?? true) {
    // The file's own bytes, through the inference code with its defaults: what predict will run.
    const ticket = await loadTicket(bytes);
    const acc = ticket.evaluate(data.test.images, data.test.labels);
    bytes = await replaceManifest(bytes, (m) => {
      m.accuracy = {
        split: "test",
        count: acc.count,
        correct: acc.correct,
        accuracy: acc.accuracy,
        batch_size: ticket.batchSize,
        kernels: ticket.kernelMode,
        simd: ticket.k.simd,
      };
    });
  }
  const { manifest } = await readContainer(bytes);
  return { bytes, manifest, run: id, summary, denseBytes: denseBytes(manifest) };
}
