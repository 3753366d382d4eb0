import test from "ava";
import { BASE_DEFAULTS } from "../../src/hparams/schema.js";
import { getModel } from "../../src/models/registry.js";
import { evalChunkSize } from "../../src/train/evaluate.js";
import { kernelsFor } from "../helpers/kernels.js";

test("evaluation chunks: wide for fully connected networks, near the training batch for conv nets, within the memory budget", async (t) => {
  const k = await kernelsFor("plain");
  const lenet = getModel("lenet_300_100").build(k, BASE_DEFAULTS.model);
  const conv2 = getModel("conv2").build(k, BASE_DEFAULTS.model);
  t.is(evalChunkSize(lenet), 1000);
  t.is(evalChunkSize(conv2), 64);
  // Conv-2 keeps about 151K activation floats per example: 8 MB allows 13 examples, rounded down to 12.
  t.is(evalChunkSize(conv2, 8 * 2 ** 20), 12);
  t.is(evalChunkSize(conv2, 1), 4);
});
