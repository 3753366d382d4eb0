// Small networks shared by the tests that run whole conv/residual stacks (gradient checks, the
// layer profiler).
import type { Kernels } from "../../src/kernels/index.js";
import { BatchNorm2d } from "../../src/nn/batchnorm.js";
import { Conv2d } from "../../src/nn/conv.js";
import type { Layer } from "../../src/nn/layer.js";
import { Linear } from "../../src/nn/linear.js";
import { Network, ParamFactory } from "../../src/nn/network.js";
import { GlobalAvgPool } from "../../src/nn/pool.js";
import { ResidualBlock } from "../../src/nn/residual.js";

/** conv + BN(ReLU) + a strided residual block with a 1x1 shortcut + an identity block + global average pooling + fc, on 3x8x8 inputs. */
export function residualNet(k: Kernels): Network {
  const f = new ParamFactory(k);
  const layers: Layer[] = [
    new Conv2d(f, "conv", [3, 8, 8], 4, 3, { bias: false }),
    new BatchNorm2d(f, "bn", 4, true),
    new ResidualBlock(f, "block1", [4, 8, 8], 6, 2),
    new ResidualBlock(f, "block2", [6, 4, 4], 6, 1),
    new GlobalAvgPool("avgpool"),
    new Linear(f, "fc", 6, 10, "none", "output"),
  ];
  return new Network(k, "tiny-resnet", [3, 8, 8], 10, layers, f.params);
}

/**
 * Two fully connected layers whose first is wide enough (4,100 inputs) that its dense weight
 * gradient transposes the input and runs the register-tiled GEMM (TRANSPOSED_WEIGHT_GRAD_MIN_INPUTS).
 */
export function wideMlp(k: Kernels): Network {
  const f = new ParamFactory(k);
  const layers: Layer[] = [new Linear(f, "fc1", 4100, 6, "relu"), new Linear(f, "fc2", 6, 10, "none", "output")];
  return new Network(k, "wide-mlp", [4100], 10, layers, f.params);
}
