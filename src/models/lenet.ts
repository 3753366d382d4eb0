// LeNet-300-100 (the paper's MNIST network): 784 → 300 → 100 → 10, ReLU, 266,200 weights.
// Paper settings: Adam 1.2e-3, batch 60, 50K iterations, prune fc 20% / output 10% per level.
import type { Kernels } from "../kernels/index.js";
import type { ModelHparams } from "../hparams/schema.js";
import { Dropout } from "../nn/dropout.js";
import type { Layer } from "../nn/layer.js";
import { Linear } from "../nn/linear.js";
import { type BuildOptions, Network, ParamFactory } from "../nn/network.js";
import type { ModelEntry } from "./registry.js";

export function buildLenet(k: Kernels, h: ModelHparams, options: BuildOptions = {}, hidden: readonly number[] = [300, 100]): Network {
  const f = new ParamFactory(k, options);
  const layers: Layer[] = [];
  let inF = 28 * 28;
  hidden.forEach((units, i) => {
    layers.push(new Linear(f, `fc${i + 1}`, inF, units, "relu", "fc"));
    if (h.dropout > 0) layers.push(new Dropout(`dropout${i + 1}`, h.dropout));
    inF = units;
  });
  layers.push(new Linear(f, `fc${hidden.length + 1}`, inF, 10, "none", "output"));
  return new Network(k, "lenet_300_100", [1, 28, 28], 10, layers, f.params);
}

export const lenet300100: ModelEntry = {
  name: "lenet_300_100",
  description: "LeNet-300-100 on MNIST: fc 300, 100, 10 (266,200 weights)",
  dataset: "mnist",
  defaults: {
    training: { optimizer: "adam", lr: 1.2e-3, batchSize: 60, iterations: 50_000, evalEvery: 100 },
    pruning: { scope: "layerwise", rateFc: 0.2, rateOutput: 0.1 },
  },
  build: (k, h, options) => buildLenet(k, h, options),
};
