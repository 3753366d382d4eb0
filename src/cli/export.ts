// `lottery export DIR`: one trained network of an experiment as a ticket file (.ltk, see
// src/ticket/format.ts; exportTicket), or with --format onnx as an ONNX model (src/export/onnx.ts).
import { Command } from "commander";
import { readFileSync } from "node:fs";
import { basename, resolve } from "node:path";
import { loadDataset } from "../data/index.js";
import type { InitializerMode } from "../export/onnx-graph.js";
import { exportOnnx } from "../export/onnx.js";
import type { Dataset } from "../data/types.js";
import { Kernels } from "../kernels/index.js";
import { getModel } from "../models/registry.js";
import { type Branch, ExperimentStore, oneShotTag, type RunId, type RunSummary } from "../store/experiment.js";
import { writeFileAtomic } from "../store/atomic.js";
import { readContainer, replaceManifest } from "../ticket/container.js";
import { denseBytes, encodeTicket, ticketParams } from "../ticket/encode.js";
import type { TicketManifest, ValueType } from "../ticket/format.js";
import { loadTicket } from "../ticket/load.js";
import { integerFlag, invalidValue, pct } from "./common.js";
import { type ExportFormat, onnxSummary, parseFormat, parseInitializers, sourceKind } from "./export-onnx.js";

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

const BRANCHES: readonly Branch[] = ["ticket", "reinit", "random-mask"];

function describeRun(id: RunId): string {
  const what = id.kind === "iterative" ? `level ${id.level}` : `one-shot Pm ${id.level}`;
  return `trial ${id.trial} ${what}${id.branch === "ticket" ? "" : ` (${id.branch} control)`}`;
}

/** The run to export: the one asked for, or trial T's deepest finished iterative level of the branch. */
export function selectRun(store: ExperimentStore, o: Pick<ExportOptions, "trial" | "level" | "oneShot" | "branch">): { id: RunId; summary: RunSummary } {
  const trial = o.trial ?? 0, branch = o.branch ?? "ticket";
  if (!BRANCHES.includes(branch)) throw new Error(`unknown --branch ${branch}: use ${BRANCHES.join(", ")}`);
  if (o.level !== undefined && o.oneShot !== undefined) throw new Error("give --level or --one-shot, not both");
  const trials = store.trials();
  if (!trials.includes(trial)) throw new Error(`${store.dir} has no trial ${trial} (it has ${trials.length ? trials.join(", ") : "none"}); run \`lottery run\` first or pick another --trial`);
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
  throw new Error(`no finished ${branch} run for ${o.level !== undefined || o.oneShot !== undefined ? describeRun(candidates[0]!) : `any level of trial ${trial}`}; run \`lottery run\` with --controls ${branch} or pick another --branch`);
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
    throw new Error(`${store.dir} trained a --model-file network (${hp.model.model}): tickets name a registered model, so they cannot be exported from it yet; register the network in your program (registerModel) to export it`);
  }
  const model = getModel(hp.model.model);
  const { id, summary } = selectRun(store, o);
  const masks = store.loadMask(id), final = store.loadFinal(id);
  const datasetName = hp.dataset.dataset ?? model.dataset;
  const data = o.dataset ?? (await loadDataset(datasetName, { dataDir: o.dataDir, valSize: hp.dataset.valSize, imageSize: hp.dataset.imageSize, fetchIfMissing: true, log: o.log }));
  if (data.name !== datasetName) throw new Error(`${store.dir} was trained on ${datasetName} images, but the dataset given is ${data.name}`);
  // Unshared memory, as loadTicket uses: the same compiled module serves both.
  const k = await Kernels.create({ shared: false });
  const mark = k.arena.mark();
  const network = model.build(k, hp.model, undefined, data);
  let bytes = await encodeTicket({
    model: model.name,
    modelHparams: hp.model,
    dataset: data.name,
    inputShape: data.shape,
    classes: data.classes,
    classNames: data.classNames,
    normalization: { normalize: hp.dataset.normalize, mean: [...data.stats.mean], std: [...data.stats.std] },
    valueType: o.valueType ?? "f32",
    params: ticketParams(network, final, masks),
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
  k.arena.release(mark);
  if (o.evaluate ?? true) {
    // The file's own bytes, through the inference code with its defaults: what predict will run.
    const ticket = await loadTicket(bytes, { kernels: k });
    const acc = ticket.evaluate(data.test.images, data.test.labels);
    bytes = await replaceManifest(bytes, (m) => {
      m.accuracy = { split: "test", count: acc.count, correct: acc.correct, accuracy: acc.accuracy, batch_size: ticket.batchSize, kernels: ticket.kernelMode, simd: k.simd };
    });
  }
  const { manifest } = await readContainer(bytes);
  return { bytes, manifest, run: id, summary, denseBytes: denseBytes(manifest) };
}

export function formatBytes(n: number): string {
  if (n >= 2 ** 20) return `${(n / 2 ** 20).toFixed(2)} MiB`;
  if (n >= 2 ** 10) return `${(n / 2 ** 10).toFixed(1)} KiB`;
  return `${n} B`;
}

/** "0.4 MiB (dense f32: 1.02 MiB; 17.1x smaller)". */
export function sizeLine(bytes: number, dense: number): string {
  const ratio = dense / bytes;
  return `${formatBytes(bytes)} (dense f32 model: ${formatBytes(dense)}; ${ratio >= 1 ? `${ratio.toFixed(ratio < 10 ? 2 : 1)}x smaller` : `${(1 / ratio).toFixed(2)}x larger`})`;
}

function parsePm(v: string): number {
  const n = Number(v);
  if (!(n > 0 && n < 1)) throw invalidValue("Use a Pm in (0, 1), as given to `lottery run --one-shot`.");
  return n;
}

interface ExportCliOptions {
  out: string;
  format: ExportFormat;
  initializers?: InitializerMode;
  trial: number;
  level?: number;
  oneShot?: number;
  branch: string;
  fp16?: boolean;
  dataDir?: string;
  json?: boolean;
}

/** Flags that pick a run of an experiment (or its value type), meaningless for a ticket file. */
const RUN_FLAGS = [["trial", "--trial"], ["level", "--level"], ["oneShot", "--one-shot"], ["branch", "--branch"], ["fp16", "--fp16"]] as const;

function packageVersion(): string {
  return (JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }).version;
}

/** `--format onnx`: from the experiment's run (its ticket, not evaluated) or from a ticket file. */
async function exportOnnxCommand(source: string, opts: ExportCliOptions, cmd: Command, log: (m: string) => void): Promise<void> {
  let ticket: Uint8Array, run: RunId | null = null;
  if (sourceKind(source) === "file") {
    const given = RUN_FLAGS.filter(([key]) => cmd.getOptionValueSource(key) === "cli").map(([, flag]) => flag);
    if (given.length) {
      throw new Error(`${given.join(", ")} ${given.length > 1 ? "select" : "selects"} a run of an experiment directory, but ${source} is a file: give the experiment directory, or drop ${given.length > 1 ? "them" : "it"} to convert ${source} as a ticket file`);
    }
    ticket = new Uint8Array(readFileSync(source));
  } else {
    // ONNX runtimes measure their own accuracy; the export does not spend a pass over the test split.
    const r = await exportTicket({
      dir: source, trial: opts.trial, level: opts.level, oneShot: opts.oneShot, branch: opts.branch as Branch,
      valueType: opts.fp16 ? "f16" : "f32", dataDir: opts.dataDir, evaluate: false, log,
    });
    ticket = r.bytes;
    run = r.run;
  }
  const r = await exportOnnx(ticket, { initializers: opts.initializers, source, producerVersion: packageVersion() });
  writeFileAtomic(opts.out, r.bytes);
  const dense = denseBytes(r.manifest);
  for (const line of onnxSummary(opts.out, r, sizeLine(r.bytes.length, dense), run ? describeRun(run) : null)) console.log(line);
  if (opts.json) {
    const m = r.manifest;
    console.log(JSON.stringify({
      file: opts.out, format: "onnx", bytes: r.bytes.length, dense_bytes: dense, model: m.model.name, run, pm: m.pm, value_type: m.value_type,
      input: r.input, output: r.output, sparse_initializers: r.sparse,
    }));
  }
}

export function exportCommand(): Command {
  return new Command("export")
    .argument("<source>", "an experiment directory (printed by `lottery run`); with --format onnx also a ticket file (.ltk)")
    .description("write one trained network of an experiment as a ticket file (.ltk) for inference: pruned weights in CSR (f32 or f16 values), other parameters dense, the input normalization, and the test accuracy the file itself gives (measured now); or, with --format onnx, as a standard ONNX model (IR 8, opset 17) taking the same u8 images")
    .requiredOption("--out <file>", "the file to write (e.g. model.ltk, model.onnx)")
    .option("--format <format>", "ltk (the ticket file) or onnx (ONNX model: u8 image input normalized in the graph, logits output)", parseFormat, "ltk")
    .option("--initializers <mode>", "onnx: how pruned weights are stored: auto (sparse initializers where smaller, below density 1/3), sparse (all), dense (zeros kept; for runtimes without sparse initializers)", parseInitializers)
    .option("--trial <t>", "trial", integerFlag(0), 0)
    .option("--level <L>", "iterative level (default: the deepest finished level)", integerFlag(0))
    .option("--one-shot <pm>", "the one-shot run to this Pm instead of an iterative level", parsePm)
    .option("--branch <branch>", `which network of the run: ${BRANCHES.join(", ")} (the controls need \`lottery run --controls\`)`, "ticket")
    .option("--fp16", "store the kept weights' values as f16 (half the bytes; the recorded accuracy is measured with the rounded values)")
    .option("--data-dir <dir>", "directory holding mnist/ and cifar10/, for the normalization statistics and the test split (default: $LOTTERY_DATA_DIR, else the user cache)")
    .option("--json", "end stdout with one JSON object: file, bytes, dense_bytes, ratio, pm, accuracy, ...")
    .action(async (source: string, opts: ExportCliOptions, cmd: Command) => {
      const log = (m: string) => process.stderr.write(`${m}\n`);
      if (opts.format === "onnx") return exportOnnxCommand(source, opts, cmd, log);
      if (opts.initializers !== undefined) throw new Error("--initializers applies to --format onnx; a .ltk ticket always stores pruned weights in CSR");
      if (sourceKind(source) === "file") throw new Error(`${source} is a file, not an experiment directory: a .ltk export reads the run from its experiment (to convert a ticket file to ONNX, add --format onnx)`);
      const r = await exportTicket({
        dir: source, trial: opts.trial, level: opts.level, oneShot: opts.oneShot, branch: opts.branch as Branch,
        valueType: opts.fp16 ? "f16" : "f32", dataDir: opts.dataDir, log,
      });
      writeFileAtomic(opts.out, r.bytes);
      const m = r.manifest, a = m.accuracy!;
      console.log(`wrote ${opts.out}: ${m.model.name} ${describeRun(r.run)}, Pm ${pct(m.pm)}, ${m.value_type} values`);
      console.log(`  size: ${sizeLine(r.bytes.length, r.denseBytes)}`);
      console.log(`  test accuracy of the file: ${pct(a.accuracy)} (${a.correct}/${a.count}; ${a.kernels} kernels, ${a.simd} SIMD, batch ${a.batch_size})`);
      console.log(`  training recorded: ${pct(r.summary.final_test_accuracy)} at the end, ${pct(r.summary.early_stop_test_accuracy)} at early stop (iteration ${r.summary.early_stop_iteration})`);
      if (opts.json) {
        console.log(JSON.stringify({
          file: opts.out, bytes: r.bytes.length, dense_bytes: r.denseBytes, ratio: +(r.denseBytes / r.bytes.length).toFixed(3), model: m.model.name,
          run: r.run, pm: m.pm, value_type: m.value_type, accuracy: a.accuracy, correct: a.correct, count: a.count,
          training_final_test_accuracy: r.summary.final_test_accuracy,
        }));
      }
    });
}
