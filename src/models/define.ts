// What a model is: the declaration a model file writes (its layer list and the paper's
// defaults) and the entry `defineModel` makes of it. Kept apart from the registry so the entries
// (src/models/*.ts) and `fileModel` import this module, and the registry imports them: no cycle.
import type { DatasetName } from "../data/types.js";
import type { ModelDefaults, ModelHparams } from "../hparams/schema.js";
import type { Kernels } from "../kernels/index.js";
import type { BuildOptions, Network } from "../nn/network.js";
import { buildNetwork, type NetworkSpec, type ResolvedSpec, resolveSpec } from "./spec.js";

/** What a model entry declares; `defineModel` adds `resolve` and `build`. */
export interface ModelDeclaration {
  name: string;
  description: string;
  dataset: DatasetName;
  defaults: ModelDefaults;
  /** The network as a layer list, given the model hyperparameters (e.g. dropout). */
  spec(h: ModelHparams): NetworkSpec;
}

/** A model the CLI and library can train: its declaration plus ways to resolve and build its network. */
export interface ModelEntry extends ModelDeclaration {
  /** The spec with input shape and classes fixed (by default those of the model's own dataset). */
  resolve(h: ModelHparams, data?: DatasetShape): ResolvedSpec;
  /** A new Network with its parameters allocated in `k`'s memory (initialize them with Network.init). */
  build(k: Kernels, h: ModelHparams, options?: BuildOptions, data?: DatasetShape): Network;
}

/** What a network needs to know of its dataset: per-example [C, H, W] and the class count. */
export interface DatasetShape {
  name: string;
  shape: readonly [number, number, number];
  classes: number;
}

/**
 * The shapes of the datasets the built-in models declare as theirs (kept here rather than read from
 * the dataset registry, so the ticket inference API imports no data code).
 */
const OWN_SHAPES: Record<string, DatasetShape> = {
  mnist: { name: "mnist", shape: [1, 28, 28], classes: 10 },
  cifar10: { name: "cifar10", shape: [3, 32, 32], classes: 10 },
};

function ownShape(name: DatasetName): DatasetShape {
  const s = OWN_SHAPES[name];
  if (!s) throw new Error(`a model declared for ${name} must be given that dataset's shape (resolve(h, data) or build(k, h, options, data))`);
  return s;
}

/** Turns a declaration into a {@link ModelEntry} without registering it (the registry's `registerModel` does both). */
export function defineModel(d: ModelDeclaration): ModelEntry {
  const resolve = (h: ModelHparams, data?: DatasetShape) => resolveSpec(d.spec(h), data ?? ownShape(d.dataset));
  return { ...d, resolve, build: (k, h, options, data) => buildNetwork(k, resolve(h, data), options) };
}
