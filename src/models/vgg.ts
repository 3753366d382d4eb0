// VGG-19 for CIFAR-10 as in the paper (and open_lth): 3x3 convolutions with batch norm and ReLU,
// 2x64, pool, 2x128, pool, 4x256, pool, 4x512, pool, 4x512, then 2x2 average pooling and a
// 512 → 10 output layer (20,024,000 weights). Paper settings: SGD 0.1, momentum 0.9, weight decay
// 1e-4, batch 64, 112,480 iterations (160 epochs), ÷10 at epochs 80 and 120, 10K warmup, random
// flips and crops, global pruning of 20% of the conv weights per level (the fc layer is kept).
import type { Kernels } from "../kernels/index.js";
import type { ModelHparams } from "../hparams/schema.js";
import { BatchNorm2d } from "../nn/batchnorm.js";
import { Conv2d } from "../nn/conv.js";
import type { Layer } from "../nn/layer.js";
import { Linear } from "../nn/linear.js";
import { type BuildOptions, Network, ParamFactory } from "../nn/network.js";
import { GlobalAvgPool, MaxPool2d } from "../nn/pool.js";
import type { ModelEntry } from "./registry.js";

const PLAN: (number | "P")[] = [64, 64, "P", 128, 128, "P", 256, 256, 256, 256, "P", 512, 512, 512, 512, "P", 512, 512, 512, 512];
const ITERATIONS_PER_EPOCH = 45_000 / 64;

export function buildVgg19(k: Kernels, _h: ModelHparams, options: BuildOptions = {}): Network {
  const f = new ParamFactory(k, options);
  const layers: Layer[] = [];
  let shape: [number, number, number] = [3, 32, 32];
  let conv = 0, pool = 0;
  for (const step of PLAN) {
    if (step === "P") {
      const p = new MaxPool2d(`pool${++pool}`);
      layers.push(p);
      shape = p.outputShape(shape) as [number, number, number];
      continue;
    }
    const c = new Conv2d(f, `conv${++conv}`, shape, step, 3, { bias: false });
    layers.push(c, new BatchNorm2d(f, `bn${conv}`, step, true));
    shape = c.outputShape(shape) as [number, number, number];
  }
  // The last block is 2x2: its average is open_lth's nn.AvgPool2d(2).
  layers.push(new GlobalAvgPool("avgpool"), new Linear(f, "fc", shape[0], 10, "none", "output"));
  return new Network(k, "vgg19", [3, 32, 32], 10, layers, f.params);
}

export const vgg19: ModelEntry = {
  name: "vgg19",
  description: "VGG-19 (with batch norm) on CIFAR-10 (20,024,000 weights)",
  dataset: "cifar10",
  defaults: {
    dataset: { normalize: true, augment: true },
    training: {
      optimizer: "sgd", lr: 0.1, momentum: 0.9, weightDecay: 1e-4, batchSize: 64, iterations: 112_480,
      warmupIterations: 10_000, milestones: [80, 120].map((e) => Math.round(e * ITERATIONS_PER_EPOCH)), gamma: 0.1,
    },
    pruning: { scope: "global", rateConv: 0.2, exclude: ["fc.weight"] },
  },
  build: buildVgg19,
};
