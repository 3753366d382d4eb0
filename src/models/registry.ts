// Models by name. Each entry builds its network (parameters allocated, not initialized) and
// carries the paper's hyperparameters as its defaults (DESIGN.md §3).
import type { Kernels } from "../kernels/index.js";
import type { DatasetName } from "../data/types.js";
import type { ModelDefaults, ModelHparams } from "../hparams/schema.js";
import type { BuildOptions, Network } from "../nn/network.js";
import { convModels } from "./conv.js";
import { lenet300100 } from "./lenet.js";
import { resnet20 } from "./resnet.js";
import { vgg19 } from "./vgg.js";

export interface ModelEntry {
  name: string;
  description: string;
  dataset: DatasetName;
  defaults: ModelDefaults;
  build(k: Kernels, h: ModelHparams, options?: BuildOptions): Network;
}

const MODELS: ModelEntry[] = [lenet300100, ...convModels, vgg19, resnet20];

export function modelNames(): string[] {
  return MODELS.map((m) => m.name);
}

export function getModel(name: string): ModelEntry {
  const m = MODELS.find((e) => e.name === name);
  if (!m) throw new Error(`unknown model "${name}": choose one of ${modelNames().join(", ")}`);
  return m;
}

export function registerModel(entry: ModelEntry): void {
  if (MODELS.some((m) => m.name === entry.name)) throw new Error(`model ${entry.name} is already registered`);
  MODELS.push(entry);
}
