// A model from a JSON network (`--model-file`, the library's `fileModel`): the parsed layer list
// (file.ts) made an entry like the built-in ones (define.ts), without registering it.
import type { DatasetName } from "../data/types.js";
import type { ModelDefaults } from "../hparams/schema.js";
import { defineModel, type ModelEntry } from "./define.js";
import { parseNetworkSpec } from "./file.js";

/** A model read from a JSON network (`--model-file`): its input and output layer follow the dataset it is given. */
export function fileModel(json: unknown, source: string, dataset: DatasetName = "mnist", defaults: ModelDefaults = {}): ModelEntry {
  const spec = parseNetworkSpec(json, source);
  return defineModel({ name: spec.name, description: spec.description ?? `${spec.name} (from ${source})`, dataset, defaults, spec: () => spec });
}
