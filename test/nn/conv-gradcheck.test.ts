// Finite-difference gradient checks through small convolutional networks: 3x3 convolutions with
// stride 1 and 2, 1x1 strided shortcuts, max-pooling, global average pooling, batch norm and
// residual blocks, with dense and with sparse (pruned) convolutions.
import test from "ava";
import type { Kernels } from "../../src/kernels/index.js";
import { Conv2d } from "../../src/nn/conv.js";
import type { Layer } from "../../src/nn/layer.js";
import { Linear } from "../../src/nn/linear.js";
import { Network, ParamFactory } from "../../src/nn/network.js";
import { MaxPool2d } from "../../src/nn/pool.js";
import { ReLU } from "../../src/nn/relu.js";
import { Rng } from "../../src/util/rng.js";
import { directionalGradCheck, gradMismatches } from "../helpers/gradcheck.js";
import { kernelsFor } from "../helpers/kernels.js";
import { residualNet } from "../helpers/nets.js";

function plainConvNet(k: Kernels): Network {
  const f = new ParamFactory(k);
  const layers: Layer[] = [
    new Conv2d(f, "conv1", [3, 8, 8], 4, 3, { relu: true }),
    new Conv2d(f, "conv2", [4, 8, 8], 4, 3, { stride: 2 }),
    new ReLU("relu2"),
    new MaxPool2d("pool"),
    new Linear(f, "fc", 16, 10, "none", "output"),
  ];
  return new Network(k, "tiny-conv", [3, 8, 8], 10, layers, f.params);
}

test("conv (stride 1 and 2) + fused and standalone ReLU + max-pool + fc: gradients match finite differences", async (t) => {
  const k = await kernelsFor("plain");
  const net = plainConvNet(k);
  net.init("glorot_normal", new Rng(1));
  const results = directionalGradCheck(k, net, "dense", 3, 31);
  t.is(results.length, 6);
  t.deepEqual(gradMismatches(results), []);
});

test("pruned convolutions, dense and direct sparse: gradients match finite differences", async (t) => {
  const k = await kernelsFor("plain");
  const net = plainConvNet(k);
  net.init("glorot_normal", new Rng(2));
  const rng = new Rng(3);
  for (const p of net.prunable) for (let i = 0; i < p.size; i++) p.mask!.data[i] = rng.float() < 0.5 ? 1 : 0;
  t.deepEqual(gradMismatches(directionalGradCheck(k, net, "dense", 3, 32)), []);
  t.deepEqual(gradMismatches(directionalGradCheck(k, net, "sparse", 3, 32)), []);
});

test("batch norm, residual blocks with 1x1 strided shortcuts and global average pooling: gradients match finite differences", async (t) => {
  const k = await kernelsFor("plain");
  const net = residualNet(k);
  net.init("glorot_normal", new Rng(4));
  const results = directionalGradCheck(k, net, "dense", 4, 33);
  t.true(results.some((r) => r.name === "block1.shortcut.weight"));
  t.true(results.some((r) => r.name === "bn.weight"));
  t.deepEqual(gradMismatches(results), []);
});
