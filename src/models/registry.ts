// Models by name. Each entry declares its network as a layer list (src/models/spec.ts, the same
// form as `--model-file`) and carries the paper's hyperparameters as its defaults (DESIGN.md §3).
// The registry imports the entries; they import only define.ts and spec.ts, never this module.
import { convModels } from "./conv.js";
import { defineModel, type ModelDeclaration, type ModelEntry } from "./define.js";
import { lenet300100 } from "./lenet.js";
import { resnet20 } from "./resnet.js";
import { vgg19 } from "./vgg.js";

const MODELS: ModelEntry[] = [lenet300100, ...convModels, vgg19, resnet20].map(defineModel);

/** The names of the registered models, built-in ones first. */
export function modelNames(): string[] {
  return MODELS.map((m) => m.name);
}

/**
 * The registered model of that name.
 *
 * @throws Error naming the known models when there is none.
 */
export function getModel(name: string): ModelEntry {
  const m = MODELS.find((e) => e.name === name);
  if (!m) throw new Error(`unknown model "${name}": choose one of ${modelNames().join(", ")}`);
  return m;
}

/** Adds a model (a declaration with its layer list); it trains on any thread count, since workers get its spec. */
export function registerModel(entry: ModelDeclaration): ModelEntry {
  if (MODELS.some((m) => m.name === entry.name)) throw new Error(`model ${entry.name} is already registered`);
  const m = defineModel(entry);
  MODELS.push(m);
  return m;
}
