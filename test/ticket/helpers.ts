// In-memory tickets for tests: a model from the registry with its paper initialization and a
// random mask with the paper's per-layer counts at a target Pm (no training needed).
import { defaultsFor, resolveHparams } from "../../src/hparams/resolve.js";
import { Kernels } from "../../src/kernels/index.js";
import { pruneTarget } from "../../src/lottery/experiment.js";
import { getModel } from "../../src/models/registry.js";
import type { Network } from "../../src/nn/network.js";
import { maskWeights, randomMasksAtPm, type Masks } from "../../src/prune/index.js";
import { encodeTicket, ticketParams } from "../../src/ticket/encode.js";
import type { Normalization, ValueType } from "../../src/ticket/format.js";
import { Rng } from "../../src/util/rng.js";

export interface MemoryTicket {
  bytes: Uint8Array;
  network: Network;
  weights: Map<string, Float32Array>;
  masks: Masks;
  normalization: Normalization;
}

export async function memoryTicket(modelName: string, pm: number, options: { valueType?: ValueType; normalization?: Normalization; seed?: number; k?: Kernels } = {}): Promise<MemoryTicket> {
  const model = getModel(modelName);
  const hp = resolveHparams(defaultsFor(model), {});
  const k = options.k ?? (await Kernels.create({ shared: false }));
  const network = model.build(k, hp.model);
  const rng = new Rng(options.seed ?? 7, "ticket-test");
  network.init(hp.model.init, rng.derive("init"));
  const weights = network.snapshot();
  const masks = randomMasksAtPm(network, pruneTarget(hp), pm, rng.derive("mask"));
  maskWeights(weights, masks);
  const C = network.inputShape[0]!;
  const normalization = options.normalization ?? { normalize: C === 3, mean: Array(C).fill(0.45), std: Array(C).fill(0.25) };
  const bytes = await encodeTicket({
    model: model.name, modelHparams: hp.model, dataset: model.dataset, inputShape: network.inputShape as [number, number, number],
    classes: network.classes, classNames: Array.from({ length: network.classes }, (_, i) => `class ${i}`), normalization,
    valueType: options.valueType ?? "f32", params: ticketParams(network, weights, masks),
  });
  return { bytes, network, weights, masks, normalization };
}
