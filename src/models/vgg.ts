// VGG-19 for CIFAR-10 as in the paper (and open_lth): 3x3 convolutions with batch norm and ReLU,
// 2x64, pool, 2x128, pool, 4x256, pool, 4x512, pool, 4x512, then 2x2 average pooling and a
// 512 → 10 output layer (20,024,000 weights). Paper settings: SGD 0.1, momentum 0.9, weight decay
// 1e-4, batch 64, 112,480 iterations (160 epochs), ÷10 at epochs 80 and 120, 10K warmup, random
// flips and crops, global pruning of 20% of the conv weights per level (the fc layer is kept).
import type { ModelDeclaration } from "./define.js";
import type { LayerSpec, NetworkSpec } from "./spec.js";

const PLAN: (number | "P")[] = [64, 64, "P", 128, 128, "P", 256, 256, 256, 256, "P", 512, 512, 512, 512, "P", 512, 512, 512, 512];
const ITERATIONS_PER_EPOCH = 45_000 / 64;

/** VGG-19 is declared for CIFAR-10's shape only (the final 2x2 average needs a 32x32 input). */
export function vgg19Spec(): NetworkSpec {
  const layers: LayerSpec[] = [];
  let conv = 0;
  for (const step of PLAN) {
    if (step === "P") layers.push({ type: "maxpool" });
    else layers.push({ type: "conv", name: `conv${++conv}`, channels: step, bias: false }, { type: "batchnorm", name: `bn${conv}`, relu: true });
  }
  // The last block is 2x2: its average is open_lth's nn.AvgPool2d(2).
  layers.push({ type: "avgpool", name: "avgpool" }, { type: "linear", name: "fc", units: "classes" });
  return { name: "vgg19", input: [3, 32, 32], classes: 10, layers };
}

export const vgg19: ModelDeclaration = {
  name: "vgg19",
  description: "VGG-19 (with batch norm) on CIFAR-10 (20,024,000 weights)",
  dataset: "cifar10",
  defaults: {
    dataset: { normalize: true, augment: true },
    training: {
      optimizer: "sgd",
      lr: 0.1,
      momentum: 0.9,
      weightDecay: 1e-4,
      batchSize: 64,
      iterations: 112_480,
      warmupIterations: 10_000,
      milestones: [80, 120].map((e) => Math.round(e * ITERATIONS_PER_EPOCH)),
      gamma: 0.1,
    },
    pruning: { scope: "global", rateConv: 0.2, exclude: ["fc.weight"] },
  },
  spec: vgg19Spec,
};
