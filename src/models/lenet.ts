// LeNet-300-100 (the paper's MNIST network): 784 → 300 → 100 → 10, ReLU, 266,200 weights.
// Paper settings: Adam 1.2e-3, batch 60, 50K iterations, prune fc 20% / output 10% per level.
// The input size and output layer follow the dataset (784 and 10 on MNIST).
import type { ModelHparams } from "../hparams/schema.js";
import type { ModelDeclaration } from "./define.js";
import type { LayerSpec, NetworkSpec } from "./spec.js";

export function lenetSpec(h: ModelHparams, hidden: readonly number[] = [300, 100], name = "lenet_300_100"): NetworkSpec {
  const layers: LayerSpec[] = [];
  for (const units of hidden) {
    layers.push({ type: "linear", units, relu: true });
    if (h.dropout > 0) layers.push({ type: "dropout", p: h.dropout });
  }
  layers.push({ type: "linear", units: "classes" });
  return { name, layers };
}

export const lenet300100: ModelDeclaration = {
  name: "lenet_300_100",
  description: "LeNet-300-100 on MNIST: fc 300, 100, 10 (266,200 weights)",
  dataset: "mnist",
  defaults: {
    training: { optimizer: "adam", lr: 1.2e-3, batchSize: 60, iterations: 50_000, evalEvery: 100 },
    pruning: { scope: "layerwise", rateFc: 0.2, rateOutput: 0.1 },
  },
  spec: (h) => lenetSpec(h),
};
