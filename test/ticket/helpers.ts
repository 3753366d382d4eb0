// In-memory tickets for tests: a model from the registry with its paper initialization and a
// random mask with the paper's per-layer counts at a target Pm (no training needed).
import { defaultsFor, resolveHparams } from "../../src/hparams/resolve.js";
import { Kernels } from "../../src/kernels/index.js";
import { pruneTarget } from "../../src/lottery/experiment.js";
import { getModel } from "../../src/models/registry.js";
import type { Network } from "../../src/nn/network.js";
import { maskWeights, randomMasksAtPm, type Masks } from "../../src/prune/index.js";
import { encodeTicket, ticketParams } from "../../src/ticket/encode.js";
import { loadTicket } from "../../src/ticket/load.js";
import type { Normalization, ValueType } from "../../src/ticket/format.js";
import { Rng } from "../../src/util/rng.js";

export interface MemoryTicket {
  bytes: Uint8Array;
  network: Network;
  weights: Map<string, Float32Array>;
  masks: Masks;
  normalization: Normalization;
  /** What centerOn subtracted from each class's logit (zeros without centerOn). */
  centering: Float32Array;
}

export interface MemoryTicketOptions {
  valueType?: ValueType;
  normalization?: Normalization;
  seed?: number;
  k?: Kernels;
  /**
   * Layerwise random masks even where the model prunes globally: random masks at the counts of a
   * global schedule drawn on equal magnitudes would empty the last layers (ResNet-20).
   */
  layerwise?: boolean;
  /**
   * Random biases and batch-norm parameters and statistics instead of their initial zeros and
   * ones, so that a consumer reading any of them wrongly (a swapped mean and variance, a dropped
   * bias) changes the outputs.
   */
  randomizeOthers?: boolean;
  /**
   * Images (u8, example-major) over which each class's mean logit is made zero, through the output
   * bias. An untrained network's logits are dominated by an image-independent part, so it predicts
   * one class for every image; centered, its predictions follow the images.
   */
  centerOn?: Uint8Array;
}

/** Uniform on [lo, hi) for each non-weight parameter, by its role. */
const OTHER_RANGES: [RegExp, number, number][] = [
  [/running_var$/, 0.5, 2],
  [/running_mean$/, -0.3, 0.3],
  [/^(?=.*bn).*\.weight$/, 0.5, 1.5],
  [/\.bias$/, -0.2, 0.2],
];

export async function memoryTicket(modelName: string, pm: number, options: MemoryTicketOptions = {}): Promise<MemoryTicket> {
  const model = getModel(modelName);
  const hp = resolveHparams(defaultsFor(model), options.layerwise ? { pruning: { scope: "layerwise" } } : {});
  const k = options.k ?? (await Kernels.create({ shared: false }));
  const network = model.build(k, hp.model);
  const rng = new Rng(options.seed ?? 7, "ticket-test");
  network.init(hp.model.init, rng.derive("init"));
  const weights = network.snapshot();
  if (options.randomizeOthers) {
    const r = rng.derive("others");
    for (const p of network.params) {
      if (p.prunable) continue;
      const range = OTHER_RANGES.find(([re]) => re.test(p.name));
      if (!range) throw new Error(`memoryTicket: no random range for ${p.name}`);
      const w = weights.get(p.name)!;
      for (let i = 0; i < w.length; i++) w[i] = range[1] + (range[2] - range[1]) * r.float();
    }
  }
  const masks = randomMasksAtPm(network, pruneTarget(hp), pm, rng.derive("mask"));
  maskWeights(weights, masks);
  const C = network.inputShape[0]!;
  const normalization = options.normalization ?? { normalize: C === 3, mean: Array(C).fill(0.45), std: Array(C).fill(0.25) };
  const encode = () =>
    encodeTicket({
      model: model.name,
      modelHparams: hp.model,
      dataset: model.dataset,
      inputShape: network.inputShape as [number, number, number],
      classes: network.classes,
      classNames: Array.from({ length: network.classes }, (_, i) => `class ${i}`),
      normalization,
      valueType: options.valueType ?? "f32",
      params: ticketParams(network, weights, masks),
    });
  let bytes = await encode();
  const centering = new Float32Array(network.classes);
  if (options.centerOn) {
    // The logits are affine in the output bias: subtracting each class's mean logit centers them exactly.
    const { logits } = (await loadTicket(bytes, { kernels: k })).classify(options.centerOn);
    const classes = network.classes,
      n = logits.length / classes;
    const bias = weights.get(network.params[network.params.length - 1]!.name)!;
    if (bias.length !== classes) throw new Error(`memoryTicket: ${model.name}'s last parameter is not the output bias`);
    for (let c = 0; c < classes; c++) {
      let sum = 0;
      for (let j = 0; j < n; j++) sum += logits[j * classes + c]!;
      centering[c] = sum / n;
      bias[c] = bias[c]! - centering[c]!;
    }
    bytes = await encode();
  }
  return { bytes, network, weights, masks, normalization, centering };
}
