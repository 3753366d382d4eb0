// The paper's Conv-2, Conv-4 and Conv-6 for CIFAR-10 (VGG-like, from Simonyan & Zisserman):
// pairs of 3x3 convolutions (64, then 128, then 256 channels) each followed by 2x2 max-pooling,
// then fully connected 256, 256, 10, all with ReLU. The dropout variants add dropout (p 0.5 by
// default) after each hidden fully connected layer and train longer.
import type { ModelHparams, ModelDefaults } from "../hparams/schema.js";
import type { ModelDeclaration } from "./define.js";
import type { LayerSpec, NetworkSpec } from "./spec.js";

/** Conv-x as a layer list; the input shape and the output layer follow the dataset (CIFAR-10 by default). */
export function convSpec(name: string, h: ModelHparams, widths: readonly number[]): NetworkSpec {
  const layers: LayerSpec[] = [];
  for (const width of widths) layers.push({ type: "conv", channels: width, relu: true }, { type: "conv", channels: width, relu: true }, { type: "maxpool" });
  for (const units of [256, 256]) {
    layers.push({ type: "linear", units, relu: true });
    if (h.dropout > 0) layers.push({ type: "dropout", p: h.dropout });
  }
  layers.push({ type: "linear", units: "classes" });
  return { name, layers };
}

function convEntry(name: string, widths: number[], description: string, defaults: ModelDefaults): ModelDeclaration {
  return { name, description, dataset: "cifar10", defaults, spec: (h) => convSpec(name, h, widths) };
}

const CIFAR_DATA = { normalize: true, augment: false };
const rates = (conv: number) => ({ scope: "layerwise" as const, rateConv: conv, rateFc: 0.2, rateOutput: 0.1 });

export const convModels: ModelDeclaration[] = [
  convEntry("conv2", [64], "Conv-2 on CIFAR-10: 2x conv 64, pool, fc 256, 256, 10 (4,300,992 weights)", {
    dataset: CIFAR_DATA,
    training: { optimizer: "adam", lr: 2e-4, batchSize: 60, iterations: 20_000 },
    pruning: rates(0.1),
  }),
  convEntry("conv4", [64, 128], "Conv-4 on CIFAR-10: conv 64, 64, pool, 128, 128, pool, fc 256, 256, 10 (2,425,024 weights)", {
    dataset: CIFAR_DATA,
    training: { optimizer: "adam", lr: 3e-4, batchSize: 60, iterations: 25_000 },
    pruning: rates(0.1),
  }),
  convEntry("conv6", [64, 128, 256], "Conv-6 on CIFAR-10: conv 64, 64, pool, 128, 128, pool, 256, 256, pool, fc 256, 256, 10 (2,261,184 weights)", {
    dataset: CIFAR_DATA,
    training: { optimizer: "adam", lr: 3e-4, batchSize: 60, iterations: 30_000 },
    pruning: rates(0.15),
  }),
  convEntry("conv2_dropout", [64], "Conv-2 with dropout 0.5 after the hidden fc layers", {
    dataset: CIFAR_DATA,
    model: { dropout: 0.5 },
    training: { optimizer: "adam", lr: 3e-4, batchSize: 60, iterations: 60_000 },
    pruning: rates(0.1),
  }),
  convEntry("conv4_dropout", [64, 128], "Conv-4 with dropout 0.5 after the hidden fc layers", {
    dataset: CIFAR_DATA,
    model: { dropout: 0.5 },
    training: { optimizer: "adam", lr: 2e-4, batchSize: 60, iterations: 75_000 },
    pruning: rates(0.1),
  }),
  convEntry("conv6_dropout", [64, 128, 256], "Conv-6 with dropout 0.5 after the hidden fc layers", {
    dataset: CIFAR_DATA,
    model: { dropout: 0.5 },
    training: { optimizer: "adam", lr: 2e-4, batchSize: 60, iterations: 90_000 },
    pruning: rates(0.15),
  }),
];
