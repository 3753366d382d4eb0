// The paper's Conv-2, Conv-4 and Conv-6 for CIFAR-10 (VGG-like, from Simonyan & Zisserman):
// pairs of 3x3 convolutions (64, then 128, then 256 channels) each followed by 2x2 max-pooling,
// then fully connected 256, 256, 10, all with ReLU. The dropout variants add dropout (p 0.5 by
// default) after each hidden fully connected layer and train longer.
import type { Kernels } from "../kernels/index.js";
import type { ModelHparams, ModelDefaults } from "../hparams/schema.js";
import { Conv2d } from "../nn/conv.js";
import { Dropout } from "../nn/dropout.js";
import { features, type Layer } from "../nn/layer.js";
import { Linear } from "../nn/linear.js";
import { type BuildOptions, Network, ParamFactory } from "../nn/network.js";
import { MaxPool2d } from "../nn/pool.js";
import type { ModelEntry } from "./registry.js";

const CIFAR: [number, number, number] = [3, 32, 32];

export function buildConvNet(name: string, k: Kernels, h: ModelHparams, widths: readonly number[], options: BuildOptions = {}): Network {
  const f = new ParamFactory(k, options);
  const layers: Layer[] = [];
  let shape: readonly number[] = CIFAR;
  widths.forEach((width, i) => {
    for (const j of [1, 2]) {
      const conv = new Conv2d(f, `conv${2 * i + j}`, shape as [number, number, number], width, 3, { relu: true });
      layers.push(conv);
      shape = conv.outputShape(shape);
    }
    const pool = new MaxPool2d(`pool${i + 1}`);
    layers.push(pool);
    shape = pool.outputShape(shape);
  });
  let inF = features(shape);
  for (const [i, units] of [256, 256].entries()) {
    layers.push(new Linear(f, `fc${i + 1}`, inF, units, "relu", "fc"));
    if (h.dropout > 0) layers.push(new Dropout(`dropout${i + 1}`, h.dropout));
    inF = units;
  }
  layers.push(new Linear(f, "fc3", inF, 10, "none", "output"));
  return new Network(k, name, CIFAR, 10, layers, f.params);
}

function convEntry(name: string, widths: number[], description: string, defaults: ModelDefaults): ModelEntry {
  return { name, description, dataset: "cifar10", defaults, build: (k, h, o) => buildConvNet(name, k, h, widths, o) };
}

const CIFAR_DATA = { normalize: true, augment: false };
const rates = (conv: number) => ({ scope: "layerwise" as const, rateConv: conv, rateFc: 0.2, rateOutput: 0.1 });

export const convModels: ModelEntry[] = [
  convEntry("conv2", [64], "Conv-2 on CIFAR-10: 2x conv 64, pool, fc 256, 256, 10 (4,300,992 weights)",
    { dataset: CIFAR_DATA, training: { optimizer: "adam", lr: 2e-4, batchSize: 60, iterations: 20_000 }, pruning: rates(0.1) }),
  convEntry("conv4", [64, 128], "Conv-4 on CIFAR-10: conv 64, 64, pool, 128, 128, pool, fc 256, 256, 10 (2,425,024 weights)",
    { dataset: CIFAR_DATA, training: { optimizer: "adam", lr: 3e-4, batchSize: 60, iterations: 25_000 }, pruning: rates(0.1) }),
  convEntry("conv6", [64, 128, 256], "Conv-6 on CIFAR-10: conv 64, 64, pool, 128, 128, pool, 256, 256, pool, fc 256, 256, 10 (2,261,184 weights)",
    { dataset: CIFAR_DATA, training: { optimizer: "adam", lr: 3e-4, batchSize: 60, iterations: 30_000 }, pruning: rates(0.15) }),
  convEntry("conv2_dropout", [64], "Conv-2 with dropout 0.5 after the hidden fc layers",
    { dataset: CIFAR_DATA, model: { dropout: 0.5 }, training: { optimizer: "adam", lr: 3e-4, batchSize: 60, iterations: 60_000 }, pruning: rates(0.1) }),
  convEntry("conv4_dropout", [64, 128], "Conv-4 with dropout 0.5 after the hidden fc layers",
    { dataset: CIFAR_DATA, model: { dropout: 0.5 }, training: { optimizer: "adam", lr: 2e-4, batchSize: 60, iterations: 75_000 }, pruning: rates(0.1) }),
  convEntry("conv6_dropout", [64, 128, 256], "Conv-6 with dropout 0.5 after the hidden fc layers",
    { dataset: CIFAR_DATA, model: { dropout: 0.5 }, training: { optimizer: "adam", lr: 2e-4, batchSize: 60, iterations: 90_000 }, pruning: rates(0.15) }),
];
