// ResNet-20 for CIFAR-10 (He et al., 2016; as in open_lth): a 3x3 convolution to 16 channels, then
// three stages of three basic residual blocks (16, 32, 64 channels; stages 2 and 3 start with a
// stride-2 block whose shortcut is a 1x1 convolution with batch norm), global average pooling and a
// 64 → 10 output layer (270,896 weights). Paper settings: SGD 0.03, momentum 0.9, weight decay
// 1e-4, batch 128, 30K iterations, ÷10 at 20K and 25K, 20K warmup, flips and crops, global
// pruning of 20% of the conv weights per level (shortcuts and the fc layer are kept).
import type { ModelDeclaration } from "./define.js";
import type { LayerSpec, NetworkSpec } from "./spec.js";

/** ResNet-20 is declared for CIFAR-10's shape and classes only, as in the paper. */
export function resnet20Spec(): NetworkSpec {
  const layers: LayerSpec[] = [
    { type: "conv", name: "conv", channels: 16, bias: false },
    { type: "batchnorm", name: "bn", relu: true },
  ];
  [16, 32, 64].forEach((width, stage) => {
    for (let b = 0; b < 3; b++)
      layers.push({ type: "residual", name: `stage${stage + 1}.block${b + 1}`, channels: width, stride: stage > 0 && b === 0 ? 2 : 1 });
  });
  layers.push({ type: "avgpool", name: "avgpool" }, { type: "linear", name: "fc", units: "classes" });
  return { name: "resnet20", input: [3, 32, 32], classes: 10, layers };
}

/** Parameter names excluded from pruning by default: the 1x1 shortcuts and the output layer. */
const EXCLUDED = ["stage2.block1.shortcut.weight", "stage3.block1.shortcut.weight", "fc.weight"];

export const resnet20: ModelDeclaration = {
  name: "resnet20",
  description: "ResNet-20 on CIFAR-10 (270,896 weights)",
  dataset: "cifar10",
  defaults: {
    dataset: { normalize: true, augment: true },
    training: {
      optimizer: "sgd",
      lr: 0.03,
      momentum: 0.9,
      weightDecay: 1e-4,
      batchSize: 128,
      iterations: 30_000,
      warmupIterations: 20_000,
      milestones: [20_000, 25_000],
      gamma: 0.1,
    },
    pruning: { scope: "global", rateConv: 0.2, exclude: EXCLUDED },
  },
  spec: resnet20Spec,
};
