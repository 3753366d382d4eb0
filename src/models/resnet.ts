// ResNet-20 for CIFAR-10 (He et al., 2016; as in open_lth): a 3x3 convolution to 16 channels, then
// three stages of three basic residual blocks (16, 32, 64 channels; stages 2 and 3 start with a
// stride-2 block whose shortcut is a 1x1 convolution with batch norm), global average pooling and a
// 64 → 10 output layer (270,896 weights). Paper settings: SGD 0.03, momentum 0.9, weight decay
// 1e-4, batch 128, 30K iterations, ÷10 at 20K and 25K, 20K warmup, flips and crops, global
// pruning of 20% of the conv weights per level (shortcuts and the fc layer are kept).
import type { Kernels } from "../kernels/index.js";
import type { ModelHparams } from "../hparams/schema.js";
import { BatchNorm2d } from "../nn/batchnorm.js";
import { Conv2d } from "../nn/conv.js";
import type { Layer } from "../nn/layer.js";
import { Linear } from "../nn/linear.js";
import { type BuildOptions, Network, ParamFactory } from "../nn/network.js";
import { GlobalAvgPool } from "../nn/pool.js";
import { ResidualBlock } from "../nn/residual.js";
import type { ModelEntry } from "./registry.js";

export function buildResnet20(k: Kernels, _h: ModelHparams, options: BuildOptions = {}): Network {
  const f = new ParamFactory(k, options);
  const stem = new Conv2d(f, "conv", [3, 32, 32], 16, 3, { bias: false });
  const layers: Layer[] = [stem, new BatchNorm2d(f, "bn", 16, true)];
  let shape = stem.outputShape([3, 32, 32]) as [number, number, number];
  [16, 32, 64].forEach((width, stage) => {
    for (let b = 0; b < 3; b++) {
      const block = new ResidualBlock(f, `stage${stage + 1}.block${b + 1}`, shape, width, stage > 0 && b === 0 ? 2 : 1);
      layers.push(block);
      shape = block.outputShape(shape) as [number, number, number];
    }
  });
  layers.push(new GlobalAvgPool("avgpool"), new Linear(f, "fc", 64, 10, "none", "output"));
  return new Network(k, "resnet20", [3, 32, 32], 10, layers, f.params);
}

/** Parameter names excluded from pruning by default: the 1x1 shortcuts and the output layer. */
const EXCLUDED = ["stage2.block1.shortcut.weight", "stage3.block1.shortcut.weight", "fc.weight"];

export const resnet20: ModelEntry = {
  name: "resnet20",
  description: "ResNet-20 on CIFAR-10 (270,896 weights)",
  dataset: "cifar10",
  defaults: {
    dataset: { normalize: true, augment: true },
    training: {
      optimizer: "sgd", lr: 0.03, momentum: 0.9, weightDecay: 1e-4, batchSize: 128, iterations: 30_000,
      warmupIterations: 20_000, milestones: [20_000, 25_000], gamma: 0.1,
    },
    pruning: { scope: "global", rateConv: 0.2, exclude: EXCLUDED },
  },
  build: buildResnet20,
};
