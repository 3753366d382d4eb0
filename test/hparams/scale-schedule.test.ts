// A shortened run of a model's recipe keeps the recipe's shape (issue #14: VGG-19 and ResNet-20 at
// a fraction of the paper's iterations, warmup and decays scaled proportionally): --iterations
// scales the warmup and milestones the user did not give, and the command says what it chose.
import test from "ava";
import { hparamsFor } from "../../src/cli/dataset-defaults.js";
import { defaultsFor, resolveHparams } from "../../src/hparams/resolve.js";
import { getModel } from "../../src/models/registry.js";

const schedule = (model: string, training: Record<string, unknown>) => {
  const t = resolveHparams(defaultsFor(getModel(model)), { training }).training;
  return { iterations: t.iterations, warmupIterations: t.warmupIterations, milestones: t.milestones };
};

test("ResNet-20 and VGG-19 at a tenth and a fortieth of their iterations keep warmup and decays at the same fractions", (t) => {
  t.deepEqual(schedule("resnet20", { iterations: 3000 }), { iterations: 3000, warmupIterations: 2000, milestones: [2000, 2500] });
  // VGG-19: 160 epochs of 703 iterations, warmup 10,000, decays at epochs 80 and 120
  t.deepEqual(schedule("vgg19", { iterations: 2812 }), { iterations: 2812, warmupIterations: 250, milestones: [1406, 2109] });
  t.deepEqual(schedule("resnet20", { iterations: 60_000 }), { iterations: 60_000, warmupIterations: 40_000, milestones: [40_000, 50_000] }, "longer too");
});

test("a warmup or milestones given with --iterations are kept; the other is scaled", (t) => {
  t.deepEqual(schedule("resnet20", { iterations: 3000, warmupIterations: 0 }), { iterations: 3000, warmupIterations: 0, milestones: [2000, 2500] });
  t.deepEqual(schedule("resnet20", { iterations: 3000, milestones: [1500] }), { iterations: 3000, warmupIterations: 2000, milestones: [1500] });
  t.deepEqual(schedule("resnet20", { iterations: 3000, warmupIterations: 100, milestones: [2900] }), {
    iterations: 3000,
    warmupIterations: 100,
    milestones: [2900],
  });
});

test("nothing changes without --iterations, at the model's own count, or for a model with a constant learning rate", (t) => {
  t.deepEqual(schedule("resnet20", {}), { iterations: 30_000, warmupIterations: 20_000, milestones: [20_000, 25_000] });
  t.deepEqual(schedule("resnet20", { iterations: 30_000 }), { iterations: 30_000, warmupIterations: 20_000, milestones: [20_000, 25_000] });
  t.deepEqual(schedule("conv2", { iterations: 5000 }), { iterations: 5000, warmupIterations: 0, milestones: [] });
  t.deepEqual(schedule("lenet_300_100", { iterations: 1000 }), { iterations: 1000, warmupIterations: 0, milestones: [] });
});

test("an invalid --iterations is reported as such, not scaled", (t) => {
  t.throws(() => schedule("resnet20", { iterations: 0 }), { message: /invalid --iterations 0/ });
  t.throws(() => schedule("resnet20", { iterations: 2.5 }), { message: /invalid --iterations 2\.5/ });
});

test("the command says what it scaled and how to set it yourself", async (t) => {
  const said: string[] = [];
  const { hp } = await hparamsFor(getModel("resnet20"), { training: { iterations: 3000 } }, (m) => said.push(m));
  t.deepEqual(hp.training.milestones, [2000, 2500]);
  t.deepEqual(said, [
    "resnet20's learning-rate schedule scaled to --iterations 3,000 (0.1x its 30,000): warmup 2,000 and learning-rate decays at 2,000, 2,500 (give --warmup-iterations or --milestones to set them yourself)",
  ]);
  said.length = 0;
  await hparamsFor(getModel("conv2"), { training: { iterations: 5000 } }, (m) => said.push(m));
  t.deepEqual(said, [], "nothing to say where nothing was scaled");
});
