// A trained network's weights and masks as a ticket file, with no store and no built network: what
// `lottery export` (src/export/ticket.ts) writes from an experiment directory and what the browser
// demo makes of each level it trains in memory. The parameter list comes from the model's
// declaration (models/params.ts), so encoding allocates nothing in wasm memory.
import type { ModelHparams } from "../hparams/schema.js";
import { declaredParams } from "../models/params.js";
import { getModel } from "../models/registry.js";
import { encodeTicket, ticketParams } from "./encode.js";
import type { TrainingRecord, ValueType } from "./format.js";

/** What a ticket records of the dataset its network was trained on (a loaded `Dataset` has all of it). */
export interface TicketDataset {
  name: string;
  /** Per-example input [C, H, W]. */
  shape: readonly [number, number, number];
  classes: number;
  /** One name per class. */
  classNames: readonly string[];
  /** Per-channel mean and std of the training pixels scaled to [0, 1]. */
  stats: { readonly mean: readonly number[]; readonly std: readonly number[] };
}

/** Settings of {@link encodeTrainedTicket}; `valueType` and `training` are optional. */
export interface TrainedTicketOptions {
  /** The model's hyperparameters; `model.model` names a registered model. */
  model: ModelHparams;
  /** The dataset the network was trained on (its shape and classes fix the model's input and output layers). */
  dataset: TicketDataset;
  /** Whether training normalized pixels with the dataset's mean and std (the `normalize` hyperparameter). */
  normalize: boolean;
  /** Every parameter's trained values, by name (pruned entries 0). */
  weights: ReadonlyMap<string, Float32Array>;
  /** Every prunable weight's mask (1 = kept), by name. */
  masks: ReadonlyMap<string, Uint8Array>;
  /** Type of the stored pruned weights' values (default f32). */
  valueType?: ValueType;
  /** The run the ticket came from, for information. */
  training?: TrainingRecord | null;
}

/**
 * A trained network of a registered model as ticket file bytes (load them with {@link loadTicket}):
 * the parameters the model declares on that dataset, in network order, with its weights and masks.
 *
 * @throws Error when the model is not registered, or a weight or mask is missing or of the wrong size.
 */
export async function encodeTrainedTicket(o: TrainedTicketOptions): Promise<Uint8Array> {
  const model = getModel(o.model.model);
  const spec = model.resolve(o.model, o.dataset);
  return encodeTicket({
    model: model.name,
    modelHparams: o.model,
    dataset: o.dataset.name,
    inputShape: o.dataset.shape,
    classes: o.dataset.classes,
    classNames: o.dataset.classNames,
    normalization: { normalize: o.normalize, mean: [...o.dataset.stats.mean], std: [...o.dataset.stats.std] },
    valueType: o.valueType ?? "f32",
    params: ticketParams({ params: declaredParams(spec) }, o.weights, o.masks),
    training: o.training ?? null,
  });
}
