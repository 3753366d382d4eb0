// `npm run bench -- step --model M [--level L | --pm P] [--threads 1,2] [--kernels LIST] [--steps N] [--json]`:
// the median time of a whole training step (batch load, forward, backward, optimizer update; the
// model's batch size and optimizer) with our kernels chosen automatically and forced dense or
// sparse. Masks: `--level L` takes the paper's level-L per-layer counts under the model's default
// pruning target (layerwise conv/fc/output rates for LeNet and Conv-2/4/6, global 20% of the conv
// weights for VGG-19 and ResNet-20) and keeps the largest-magnitude weights of the network's own
// initialization (`--masks random`: random masks with the same per-layer counts); `--pm P` takes
// the fractional level at which the schedule reaches Pm P. Defaults: LeNet at the paper's Pm values
// (auto, dense and sparse on one thread, auto on more) beside tfjs-backend-wasm's dense step (hand-
// written backward, transposes prepared, Adam in tf ops); convolutional nets at levels 0 (Pm 1), 5,
// 10 and 15, auto and dense at every thread count.
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-wasm";
import { Kernels } from "../src/kernels/index.js";
import type { Dataset } from "../src/data/types.js";
import type { Hparams } from "../src/hparams/schema.js";
import { defaultsFor, resolveHparams } from "../src/hparams/resolve.js";
import { getModel, modelNames } from "../src/models/registry.js";
import type { ResolvedSpec } from "../src/models/spec.js";
import type { KernelMode, Network } from "../src/nn/network.js";
import type { ParamKind } from "../src/nn/param.js";
import { applyMasks, countKept, fullMasks, levelForPm, pruneByMagnitude, randomMasksLike, type Masks, type PruneTarget } from "../src/prune/index.js";
import { pruneTarget } from "../src/lottery/settings.js";
import { channelAffine, deviceImages, InputPipeline } from "../src/train/input.js";
import { localStepper } from "../src/train/step.js";
import { LayerProfiler } from "../src/nn/profile.js";
import type { ExecutionPlan } from "../src/nn/plan.js";
import { ThreadTeam } from "../src/parallel/team.js";
import { Rng } from "../src/util/rng.js";
import { median, printTable } from "./timing.js";

export interface StepRow {
  bench: "step";
  model: string;
  impl: "lottery-wasm" | "tfjs-wasm" | "pytorch";
  kernels: KernelMode | "dense-tfjs";
  pm: number;
  /** The pruning level whose masks were timed (rows selected by level; absent for --pm). */
  level?: number;
  threads: number;
  ms: number;
}

export interface BenchArgs {
  json: boolean;
  quick: boolean;
  argv: string[];
}

const LENET_PMS = [1, 0.512, 0.21, 0.086, 0.036, 0.018];
const CONV_LEVELS = [0, 5, 10, 15];
const KERNEL_MODES: readonly KernelMode[] = ["auto", "dense", "sparse"];

/** A usage error (bad flag value): main prints it with the usage and exits 2. */
export class UsageError extends Error {}

export function flag(argv: readonly string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  if (i < 0) return undefined;
  const v = argv[i + 1];
  if (v === undefined || v.startsWith("--")) throw new UsageError(`${name} needs a value`);
  return v;
}

function numberList(argv: readonly string[], name: string, valid: (x: number) => boolean, what: string): number[] | undefined {
  const raw = flag(argv, name);
  if (raw === undefined) return undefined;
  const xs = raw.split(",").map((s) => s.trim());
  const out = xs.map(Number);
  out.forEach((x, i) => {
    if (xs[i] === "" || !Number.isFinite(x) || !valid(x)) throw new UsageError(`${name} "${raw}": each entry must be ${what}`);
  });
  return out;
}

function positiveInt(argv: readonly string[], name: string): number | undefined {
  return numberList(argv, name, (x) => Number.isInteger(x) && x >= 1, "an integer >= 1")?.[0];
}

export interface StepOptions {
  models: string[];
  /** --level: pruning levels (0 = dense). */
  levels?: number[];
  /** --pm: fractions of the prunable weights kept. */
  pms?: number[];
  threads: number[];
  steps?: number;
  warmup?: number;
  /** --kernels: modes timed at every thread count (default: see defaultModes). */
  kernels?: KernelMode[];
  masks: "magnitude" | "random";
  quick: boolean;
  /** --profile: after each one-thread timing, a per-layer table of forward and backward ms. */
  profile: boolean;
  json: boolean;
}

export function stepOptions(args: BenchArgs, defaultModels: readonly string[]): StepOptions {
  const { argv } = args;
  const models = (flag(argv, "--model") ?? defaultModels.join(",")).split(",").map((s) => s.trim());
  const known = modelNames();
  for (const m of models) if (!known.includes(m)) throw new UsageError(`--model "${m}": unknown model; models: ${known.join(", ")}`);
  const levels = numberList(argv, "--level", (x) => x >= 0 && x <= 100, "a level between 0 and 100");
  const pms = numberList(argv, "--pm", (x) => x > 0 && x <= 1, "a fraction in (0, 1]");
  if (levels && pms) throw new UsageError("--level and --pm both choose the masks: give one");
  const threads = numberList(argv, "--threads", (x) => Number.isInteger(x) && x >= 1 && x <= 64, "an integer from 1 to 64") ?? [1, 2];
  const kernelsRaw = flag(argv, "--kernels");
  const kernels = kernelsRaw?.split(",").map((s) => s.trim() as KernelMode);
  for (const m of kernels ?? []) if (!KERNEL_MODES.includes(m)) throw new UsageError(`--kernels "${kernelsRaw}": each entry must be auto, dense or sparse`);
  const masks = flag(argv, "--masks") ?? "magnitude";
  if (masks !== "magnitude" && masks !== "random") throw new UsageError(`--masks "${masks}": magnitude or random`);
  return {
    models,
    levels,
    pms,
    threads,
    steps: positiveInt(argv, "--steps"),
    warmup: numberList(argv, "--warmup", (x) => Number.isInteger(x) && x >= 0, "an integer >= 0")?.[0],
    kernels,
    masks,
    quick: args.quick,
    profile: argv.includes("--profile"),
    json: args.json,
  };
}

function syntheticDataset(shape: [number, number, number], classes: number, count: number): Dataset {
  const rng = new Rng(1, "bench-data");
  const F = shape[0] * shape[1] * shape[2];
  const images = new Uint8Array(count * F);
  for (let i = 0; i < images.length; i++) images[i] = rng.int(256);
  const labels = Uint8Array.from({ length: count }, () => rng.int(classes));
  const split = { images, labels, count };
  return {
    name: shape[0] === 1 ? "mnist" : "cifar10",
    shape,
    classes,
    classNames: [],
    train: split,
    val: split,
    test: split,
    stats: { mean: Array(shape[0]).fill(0.5), std: Array(shape[0]).fill(0.25) },
  };
}

/** Median ms of `steps` steps after `warmup` steps, timing each step. */
async function timeSteps(step: (i: number) => number | Promise<number>, warmup: number, steps: number): Promise<number> {
  for (let i = 0; i < warmup; i++) await step(i);
  const times: number[] = [];
  for (let i = 0; i < steps; i++) {
    const t0 = performance.now();
    await step(warmup + i);
    times.push(performance.now() - t0);
  }
  return median(times);
}

/** One set of masks that the bench times. */
export interface MaskPoint {
  /** Set when the masks were chosen by level. */
  level?: number;
  /** Fraction of the prunable weights kept (the requested value for --pm, the masks' own for --level). */
  pm: number;
  /** Per prunable weight: kept count, and the kernel that `auto` chose for it. */
  layers: { param: string; kind: ParamKind; size: number; kept: number; excluded: boolean; auto?: string }[];
  /** Threads that actually stepped, per `${mode}/${threads}` (a step too small to split stays on one). */
  used: Map<string, number>;
}

export interface OursResult {
  model: string;
  hp: Hparams;
  spec: ResolvedSpec;
  target: PruneTarget;
  /** Every parameter and buffer of our network, for the PyTorch peer's shape check. */
  params: { name: string; shape: number[]; kind: ParamKind; prunable: boolean }[];
  /** The input pipeline's per-channel u8 → f32 affine map. */
  scale: number[];
  shift: number[];
  /** Synthetic training images the steps draw batches from. */
  count: number;
  simd: string;
  conv: boolean;
  masks: "magnitude" | "random";
  byLevel: boolean;
  steps: number;
  warmup: number;
  threads: number[];
  points: MaskPoint[];
  rows: StepRow[];
}

export function isConvNet(network: Network): boolean {
  return network.prunable.some((p) => p.kind === "conv" || p.kind === "shortcut");
}

/** The modes timed by default: conv nets auto and dense everywhere; LeNet all three on one thread, auto on more. */
export function defaultModes(conv: boolean, threads: number): KernelMode[] {
  return conv ? ["auto", "dense"] : threads === 1 ? ["auto", "dense", "sparse"] : ["auto"];
}

/** The masks of level `level` (fractional allowed) from the network's current (initial) weights. */
function masksAtLevel(network: Network, target: PruneTarget, level: number, kind: "magnitude" | "random", rng: Rng): Masks {
  const full = fullMasks(network);
  if (level <= 0) return full;
  const weights = new Map(network.prunable.map((p) => [p.name, Float32Array.from(p.value.data)]));
  const masks = pruneByMagnitude(network, target, weights, full, level);
  return kind === "random" ? randomMasksLike(masks, rng.derive(`mask-${level}`)) : masks;
}

/**
 * Times our training step for one model at each mask point, thread count and kernel mode, one
 * configuration after another (`emit` gets each row as it is measured).
 */
export async function timeOurs(
  modelName: string,
  o: StepOptions,
  modes: (conv: boolean, threads: number) => KernelMode[],
  emit: (row: StepRow) => void,
  log: (line: string) => void,
): Promise<OursResult> {
  const model = getModel(modelName);
  // LeNet steps take ~1 ms: time 200; conv nets take 0.1-4 s a step: fewer (override with --steps).
  const small = model.name === "lenet_300_100";
  const steps = o.steps ?? (o.quick ? (small ? 60 : 5) : small ? 200 : 20);
  const warmup = o.warmup ?? (small ? (o.quick ? 20 : 50) : 3);
  const hp = resolveHparams(defaultsFor(model), { training: { iterations: warmup + steps } });
  const k = await Kernels.create({ memoryLimitBytes: 1536 * 2 ** 20, checks: "once" });
  const networkBase = k.arena.mark();
  const spec = model.resolve(hp.model);
  const network = model.build(k, hp.model);
  const conv = isConvNet(network);
  const shape = network.inputShape as [number, number, number];
  const count = 2048;
  const data = syntheticDataset(shape, network.classes, count);
  const device = deviceImages(k, data, hp.dataset.normalize);
  const { scale, shift } = channelAffine(data, hp.dataset.normalize);
  const target = pruneTarget(hp);
  const rng = new Rng(7, "bench-step");
  const total = network.prunable.reduce((n, p) => n + p.size, 0);

  const chosen: { level?: number; pm?: number }[] = o.levels
    ? o.levels.map((level) => ({ level }))
    : o.pms
      ? o.pms.map((pm) => ({ pm }))
      : conv
        ? CONV_LEVELS.map((level) => ({ level }))
        : LENET_PMS.map((pm) => ({ pm }));

  const teams = new Map<number, ThreadTeam>();
  for (const threads of o.threads) {
    if (threads > 1) teams.set(threads, await ThreadTeam.create(k, { threads, network, networkBase, spec }));
  }
  const rows: StepRow[] = [];
  const points: MaskPoint[] = [];
  const initRng = rng.derive("init");
  try {
    for (const c of chosen) {
      const level = c.level ?? (c.pm! >= 1 ? 0 : levelForPm(network, target, c.pm!));
      // Every point starts from the same initialization, so magnitude masks of deeper levels nest.
      network.init(hp.model.init, initRng);
      const masks = masksAtLevel(network, target, level, o.masks, rng);
      applyMasks(network, masks);
      const layers: MaskPoint["layers"] = network.prunable.map((p) => ({
        param: p.name,
        kind: p.kind,
        size: p.size,
        kept: countKept(masks.get(p.name)!),
        excluded: target.exclude.includes(p.name),
      }));
      const pm = c.pm ?? +(layers.reduce((n, l) => n + l.kept, 0) / total).toPrecision(4);
      const point: MaskPoint = { level: c.level, pm, layers, used: new Map() };
      points.push(point);
      for (const threads of o.threads) {
        for (const mode of modes(conv, threads)) {
          if (pm >= 1 && mode === "sparse") continue; // nothing to skip
          const mark = k.arena.mark();
          const plan = network.prepare(mode);
          if (mode === "auto" && layers.every((l) => !l.auto)) plan.execution.forEach((e, i) => (layers[i]!.auto = e.kernel));
          const input = new InputPipeline(data, { normalize: hp.dataset.normalize, augment: false, dataSeed: 1, batchSize: hp.training.batchSize }, device);
          const team = teams.get(threads);
          const stepper = team ? await team.stepper(network, plan, input, hp.training, []) : localStepper(network, plan, input, hp.training);
          point.used.set(`${mode}/${threads}`, stepper.threads);
          try {
            const ms = await timeSteps((i) => stepper.step(i), warmup, steps);
            const row: StepRow = {
              bench: "step",
              model: model.name,
              impl: "lottery-wasm",
              kernels: mode,
              pm,
              ...(c.level !== undefined ? { level: c.level } : {}),
              threads,
              ms: +ms.toFixed(4),
            };
            rows.push(row);
            emit(row);
            log(
              `${model.name} ${c.level !== undefined ? `level ${c.level} ` : ""}Pm ${pm}, ${threads} thread${threads > 1 ? "s" : ""}${stepper.threads < threads ? ` (stepped on ${stepper.threads})` : ""}, ${mode}: ${ms.toFixed(2)} ms`,
            );
          } finally {
            await stepper.close();
          }
          try {
            if (o.profile && threads === 1) {
              const label = `${model.name} ${c.level !== undefined ? `level ${c.level}` : `Pm ${pm}`}, ${mode}, 1 thread`;
              profileSteps(
                network,
                plan,
                input,
                hp,
                warmup,
                steps,
                label,
                o.json,
                { model: model.name, kernels: mode, pm, ...(c.level !== undefined ? { level: c.level } : {}) },
                log,
              );
            }
          } finally {
            plan.commit();
            k.arena.release(mark);
          }
        }
      }
    }
  } finally {
    for (const team of teams.values()) await team.close();
  }
  const params = network.params.map((p) => ({ name: p.name, shape: [...p.shape], kind: p.kind, prunable: p.prunable }));
  return {
    model: model.name,
    hp,
    spec,
    target,
    params,
    scale: [...scale],
    shift: [...shift],
    count,
    simd: String(k.simd),
    conv,
    masks: o.masks,
    byLevel: chosen.some((c) => c.level !== undefined),
    steps,
    warmup,
    threads: o.threads,
    points,
    rows,
  };
}

/** One layer's row of `--profile --json`. */
export interface ProfileRow {
  bench: "step-profile";
  model: string;
  kernels: KernelMode;
  pm: number;
  level?: number;
  layer: string;
  type: string;
  /** The layer's kernel and weight density at this level (prunable layers only). */
  kernel?: string;
  forwardMs: number;
  backwardMs: number;
}

/**
 * `--profile`: times `steps` more one-thread steps (after `warmup`) with every layer instrumented
 * and prints where a step's milliseconds go, layer by layer (composites' children indented) and by
 * layer type. The wrappers cost two clock reads per layer and pass; the profile's own step total
 * is printed beside the sum of its layers so the remainder (batch fill, loss, optimizer) shows.
 */
function profileSteps(
  network: Network,
  plan: ExecutionPlan,
  input: InputPipeline,
  hp: Hparams,
  warmup: number,
  steps: number,
  label: string,
  json: boolean,
  key: { model: string; kernels: KernelMode; pm: number; level?: number },
  log: (line: string) => void,
): void {
  const profiler = LayerProfiler.attach(network);
  const stepper = localStepper(network, plan, input, hp.training);
  profiler.detach();
  for (let i = 0; i < warmup; i++) stepper.step(i);
  profiler.active = true;
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) stepper.step(warmup + i);
  const stepMs = (performance.now() - t0) / steps;
  profiler.active = false;
  const kernelOf = new Map(plan.execution.map((e) => [e.param.replace(/\.weight$/, ""), `${e.kernel} ${e.density.toFixed(3)}`]));
  const timings = profiler.timings();
  const rows = timings.map((t) => [
    `${"  ".repeat(t.depth)}${t.name}`,
    t.type,
    kernelOf.get(t.name) ?? "",
    fmtMs(t.forwardMs / steps),
    fmtMs(t.backwardMs / steps),
    `${((100 * (t.forwardMs + t.backwardMs)) / steps / stepMs).toFixed(1)}%`,
  ]);
  log(`profiled ${label}: ${fmtMs(stepMs)} ms per step over ${steps} steps`);
  if (json) {
    for (const t of timings) {
      const kernel = kernelOf.get(t.name);
      const row: ProfileRow = {
        bench: "step-profile",
        ...key,
        layer: t.name,
        type: t.type,
        ...(kernel ? { kernel } : {}),
        forwardMs: +(t.forwardMs / steps).toFixed(4),
        backwardMs: +(t.backwardMs / steps).toFixed(4),
      };
      console.log(JSON.stringify(row));
    }
    return;
  }
  const out = (line: string) => console.log(line);
  out(`\nper-layer profile: ${label}; ms per step (mean of ${steps} after ${warmup} warm-up); a composite's row includes its indented children`);
  printTable(["layer", "type", "kernel, density", "forward ms", "backward ms", "share"], rows, out);
  const types = profiler.byType(steps);
  const layersMs = types.reduce((n, t) => n + t.forwardMs + t.backwardMs, 0);
  printTable(
    ["by type", "forward ms", "backward ms", "share"],
    [
      ...types.map((t) => [t.type, fmtMs(t.forwardMs), fmtMs(t.backwardMs), `${((100 * (t.forwardMs + t.backwardMs)) / stepMs).toFixed(1)}%`]),
      ["rest of the step (batch, loss, optimizer)", fmtMs(stepMs - layersMs), "", `${((100 * (stepMs - layersMs)) / stepMs).toFixed(1)}%`],
    ],
    out,
  );
}

/** "conv 10%, fc 20%, output 10% per level" or "global 20% of the conv weights per level". */
export function describeTarget(r: OursResult): string {
  const pct = (x: number) => `${+(x * 100).toFixed(2)}%`;
  const t = r.target;
  const kinds = new Set(r.params.filter((p) => p.prunable && !t.exclude.includes(p.name)).map((p) => (p.kind === "shortcut" ? "conv" : p.kind)));
  const excl = t.exclude.length ? `; kept whole: ${t.exclude.join(", ")}` : "";
  if (t.scope === "global") return `global ${pct(kinds.has("conv") ? t.rates.conv : t.rates.fc)} per level${excl}`;
  const parts = (["conv", "fc", "output"] as const).filter((k) => kinds.has(k)).map((k) => `${k} ${pct(t.rates[k])}`);
  return `layerwise ${parts.join(", ")} per level${excl}`;
}

/** How the optimizer reads in a table title. */
export function describeTraining(hp: Hparams): string {
  const t = hp.training;
  return t.optimizer === "adam"
    ? `batch ${t.batchSize}, Adam`
    : `batch ${t.batchSize}, SGD momentum ${t.momentum}${t.weightDecay ? `, weight decay ${t.weightDecay}` : ""}`;
}

/** Where the masks came from, for a table's title. */
export function describeMasks(r: OursResult): string {
  const counts = r.byLevel ? "the paper's per-layer counts at level L" : "the per-layer counts of the (fractional) level at which the schedule reaches each Pm";
  const where = r.masks === "random" ? "uniformly random positions" : "the largest-magnitude weights of the network's initialization";
  return `${counts} (${describeTarget(r)}), ${where}`;
}

/** Milliseconds to about 4 significant digits. */
export function fmtMs(ms: number): string {
  return ms.toFixed(ms >= 100 ? 1 : ms >= 10 ? 2 : ms >= 1 ? 3 : 4);
}

const density = (l: { kept: number; size: number }) => (l.kept / l.size).toFixed(3);
/** The conv layers that the target prunes (ResNet's shortcuts are kept whole by default). */
const convLayers = (p: MaskPoint) => p.layers.filter((l) => (l.kind === "conv" || l.kind === "shortcut") && !l.excluded);

/** The pruned conv layers' densities in one cell: each one for up to 6 conv layers, else min-max. */
export function convDensityCell(p: MaskPoint): string {
  const c = convLayers(p);
  const each = c.map(density);
  if (c.length > 1 && each.every((d) => d === each[0])) return `${each[0]} (${c.length} layers)`;
  if (c.length <= 6) return each.join("/");
  const ds = c.map((l) => l.kept / l.size);
  return `${Math.min(...ds).toFixed(3)}-${Math.max(...ds).toFixed(3)}`;
}

export function pointLabel(p: MaskPoint): string[] {
  return p.level !== undefined ? [String(p.level), String(p.pm)] : [String(p.pm)];
}

function printStepTables(r: OursResult, out: (line: string) => void): void {
  const byLevel = r.byLevel;
  const find = (p: MaskPoint, mode: string, threads: number) =>
    r.rows.find((row) => row.pm === p.pm && row.level === p.level && row.kernels === mode && row.threads === threads);
  const first = r.points[0]!;
  const modesAt = (t: number) => KERNEL_MODES.filter((m) => r.points.some((p) => find(p, m, t)));
  const lowest = Math.min(...r.threads);
  const headers = [...(byLevel ? ["level", "Pm"] : ["Pm"]), ...(r.conv ? [convLayers(first).length <= 6 ? "conv density" : "conv density min-max"] : [])];
  for (const t of r.threads) {
    const ms = modesAt(t);
    headers.push(...ms.map((m) => `${t}t ${m} ms`));
    if (ms.includes("auto") && ms.includes("dense")) headers.push(`${t}t auto vs dense`);
    if (ms.includes("auto")) headers.push(`${t}t speedup`);
    if (t !== lowest && ms.includes("auto") && modesAt(lowest).includes("auto")) headers.push(`${t}t vs ${lowest}t`);
  }
  let fewer = false;
  const table = r.points.map((p) => {
    const cells = [...pointLabel(p), ...(r.conv ? [convDensityCell(p)] : [])];
    for (const t of r.threads) {
      const ms = modesAt(t);
      for (const m of ms) {
        const row = find(p, m, t);
        const used = p.used.get(`${m}/${t}`);
        if (used !== undefined && used < t) fewer = true;
        cells.push(row ? `${fmtMs(row.ms)}${used !== undefined && used < t ? "*" : ""}` : "-");
      }
      const a = find(p, "auto", t),
        d = find(p, "dense", t),
        a0 = find(first, "auto", t),
        a1 = find(p, "auto", lowest);
      if (ms.includes("auto") && ms.includes("dense")) cells.push(a && d ? `${(d.ms / a.ms).toFixed(2)}x` : "-");
      if (ms.includes("auto")) cells.push(a && a0 ? `${(a0.ms / a.ms).toFixed(1)}x` : "-");
      if (t !== lowest && ms.includes("auto") && modesAt(lowest).includes("auto")) cells.push(a && a1 ? `${(a1.ms / a.ms).toFixed(2)}x` : "-");
    }
    return cells;
  });
  out(`\nstep: ${r.model}, ${describeTraining(r.hp)}, median of ${r.steps} steps after ${r.warmup} warm-up steps (simd ${r.simd})`);
  out(`masks: ${describeMasks(r)}`);
  const legend = [
    `Nt: N threads`,
    `speedup: auto at ${byLevel ? `level ${first.level}` : `Pm ${first.pm}`} / auto, on as many threads`,
    "auto vs dense: dense ms / auto ms",
  ];
  if (r.threads.length > 1) legend.push(`Nt vs ${lowest}t: auto on ${lowest} thread${lowest > 1 ? "s" : ""} / auto on N`);
  out(`${legend.join("; ")}\n`);
  printTable(headers, table, out);
  if (fewer) out("* stepped on fewer threads: the step is too small to pay for splitting it");
  if (r.conv || r.points.length > 1) {
    out(`\nper-layer density (auto's kernel: d dense, s sparse)\n`);
    printTable(
      ["weight", ...r.points.map((p) => (p.level !== undefined ? `level ${p.level}` : `Pm ${p.pm}`))],
      first.layers.map((l, i) => [
        l.param,
        ...r.points.map((p) => {
          const q = p.layers[i]!;
          return `${density(q)}${q.auto ? ` ${q.auto[0]}` : ""}`;
        }),
      ]),
      out,
    );
  }
}

/** tfjs-backend-wasm dense LeNet-style MLP step: forward, hand-written backward, Adam. */
function tfjsMlpStep(layers: number[], batch: number): () => number {
  const rng = new Rng(3, "tfjs");
  const W = layers.slice(1).map((out, i) =>
    tf.variable(
      tf.tensor2d(
        Float32Array.from({ length: layers[i]! * out }, () => rng.normal() * 0.05),
        [layers[i]!, out],
      ),
    ),
  );
  const B = layers.slice(1).map((out) => tf.variable(tf.zeros([out])));
  const params = [...W, ...B];
  const m = params.map((p) => tf.variable(tf.zerosLike(p)));
  const v = params.map((p) => tf.variable(tf.zerosLike(p)));
  const x = tf.tensor2d(
    Float32Array.from({ length: batch * layers[0]! }, () => rng.float()),
    [batch, layers[0]!],
  );
  const labels = tf.cast(
    tf.oneHot(
      tf.tensor1d(
        Int32Array.from({ length: batch }, () => rng.int(10)),
        "int32",
      ),
      10,
    ),
    "float32",
  );
  let t = 0;
  return () => {
    t++;
    const loss = tf.tidy(() => {
      const acts: tf.Tensor2D[] = [x];
      for (let i = 0; i < W.length; i++) {
        const z = tf.add(tf.matMul(acts[i]!, W[i]!), B[i]!) as tf.Tensor2D;
        acts.push(i < W.length - 1 ? tf.relu(z) : z);
      }
      const logits = acts[acts.length - 1]!;
      const probs = tf.softmax(logits);
      const lossValue = tf.mean(tf.neg(tf.sum(tf.mul(labels, tf.logSoftmax(logits)), 1)));
      let dz = tf.div(tf.sub(probs, labels), batch) as tf.Tensor2D;
      const grads: tf.Tensor[] = new Array(params.length);
      for (let i = W.length - 1; i >= 0; i--) {
        const aT = tf.transpose(acts[i]!) as tf.Tensor2D;
        grads[i] = tf.matMul(aT, dz);
        grads[W.length + i] = tf.sum(dz, 0);
        if (i > 0) {
          const wT = tf.transpose(W[i]!) as tf.Tensor2D;
          dz = tf.mul(tf.matMul(dz, wT), tf.step(acts[i]!)) as tf.Tensor2D;
        }
      }
      const b1 = 0.9,
        b2 = 0.999,
        lr = 1.2e-3,
        eps = 1e-8;
      const step = lr / (1 - b1 ** t),
        bc2 = 1 / Math.sqrt(1 - b2 ** t);
      params.forEach((p, i) => {
        const g = grads[i]!;
        const mi = tf.add(tf.mul(m[i]!, b1), tf.mul(g, 1 - b1));
        const vi = tf.add(tf.mul(v[i]!, b2), tf.mul(tf.square(g), 1 - b2));
        m[i]!.assign(mi);
        v[i]!.assign(vi);
        p.assign(tf.sub(p, tf.div(tf.mul(mi, step), tf.add(tf.mul(tf.sqrt(vi), bc2), eps))));
      });
      return lossValue;
    });
    const value = loss.dataSync()[0]!;
    loss.dispose();
    return value;
  };
}

/** Where a benchmark's rows go: collected, printed as JSON lines with --json; progress lines on stderr otherwise. */
export function rowSink(args: BenchArgs): { all: StepRow[]; emit: (row: StepRow) => void; log: (line: string) => void } {
  const all: StepRow[] = [];
  return {
    all,
    emit: (row) => {
      all.push(row);
      if (args.json) console.log(JSON.stringify(row));
    },
    log: (line) => {
      if (!args.json) process.stderr.write(`${line}\n`);
    },
  };
}

export async function benchStep(args: BenchArgs): Promise<StepRow[]> {
  const o = stepOptions(args, ["lenet_300_100"]);
  const { all, emit, log } = rowSink(args);
  for (const name of o.models) {
    const r = await timeOurs(name, o, (conv, threads) => o.kernels ?? defaultModes(conv, threads), emit, log);
    let tfRow: StepRow | undefined;
    if (r.model === "lenet_300_100" && !o.kernels) {
      await tf.setBackend("wasm");
      await tf.ready();
      const step = tfjsMlpStep([784, 300, 100, 10], r.hp.training.batchSize);
      const ms = await timeSteps(() => step(), r.warmup, r.steps);
      tfRow = { bench: "step", model: r.model, impl: "tfjs-wasm", kernels: "dense-tfjs", pm: 1, threads: 1, ms: +ms.toFixed(4) };
      emit(tfRow);
    }
    if (!args.json) {
      printStepTables(r, console.log);
      const ours1 = r.rows.find((x) => x.pm === 1 && x.kernels === "dense" && x.threads === 1);
      if (tfRow)
        console.log(
          `\ntfjs-backend-wasm dense step: ${tfRow.ms.toFixed(4)} ms${ours1 ? ` (our dense step ${ours1.ms.toFixed(4)} ms: ${(tfRow.ms / ours1.ms).toFixed(2)}x faster)` : ""}`,
        );
    }
  }
  return all;
}
