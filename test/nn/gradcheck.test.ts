import test from "ava";
import { BASE_DEFAULTS } from "../../src/hparams/schema.js";
import { getModel } from "../../src/models/registry.js";
import { Rng } from "../../src/util/rng.js";
import { directionalGradCheck, gradMismatches } from "../helpers/gradcheck.js";
import { kernelsFor } from "../helpers/kernels.js";
import { wideMlp } from "../helpers/nets.js";
import { TRANSPOSED_WEIGHT_GRAD_MIN_INPUTS } from "../../src/nn/linear.js";

test("LeNet-300-100 gradients match finite differences (dense kernels)", async (t) => {
  const k = await kernelsFor("plain");
  const net = getModel("lenet_300_100").build(k, BASE_DEFAULTS.model);
  net.init("glorot_normal", new Rng(1));
  const results = directionalGradCheck(k, net, "dense", 5, 11);
  t.is(results.length, 6);
  t.deepEqual(gradMismatches(results), []);
});

test("LeNet-300-100 gradients match finite differences with pruned weights, with dense and with sparse kernels", async (t) => {
  const k = await kernelsFor("plain");
  const net = getModel("lenet_300_100").build(k, BASE_DEFAULTS.model);
  net.init("glorot_normal", new Rng(2));
  const rng = new Rng(5, "masks");
  for (const p of net.prunable) for (let i = 0; i < p.size; i++) p.mask!.data[i] = rng.float() < 0.3 ? 1 : 0;
  t.deepEqual(gradMismatches(directionalGradCheck(k, net, "dense", 7, 12)), []);
  t.deepEqual(gradMismatches(directionalGradCheck(k, net, "sparse", 7, 12)), []);
});

test("LeNet with dropout: gradients match finite differences under the same dropout mask", async (t) => {
  const k = await kernelsFor("plain");
  const net = getModel("lenet_300_100").build(k, { ...BASE_DEFAULTS.model, dropout: 0.5 });
  net.init("glorot_normal", new Rng(3));
  t.deepEqual(gradMismatches(directionalGradCheck(k, net, "dense", 6, 13, true)), []);
});

test("a wide fully connected layer (input transposed for the weight gradient) matches finite differences", async (t) => {
  const k = await kernelsFor("plain");
  const net = wideMlp(k);
  t.true(4100 >= TRANSPOSED_WEIGHT_GRAD_MIN_INPUTS, "fc1 takes the transposed path");
  net.init("glorot_normal", new Rng(4));
  // 7 examples: a batch that is no multiple of the GEMM's 4x8 tiles or of the transpose's 4x4 blocks.
  const results = directionalGradCheck(k, net, "dense", 7, 14);
  t.is(results.length, 4);
  t.deepEqual(gradMismatches(results), []);
});
