// A model added with registerModel (or read from a file) must train on more than one thread: the
// workers build the network from the spec the main thread sends (issue 20, item 1). Before the fix
// they looked the name up in their own registry and failed with `unknown model "my_lenet"`.
import test from "ava";
import { defaultsFor, resolveHparams } from "../../src/hparams/resolve.js";
import { registerModel } from "../../src/models/registry.js";
import { parseNetworkSpec } from "../../src/models/file.js";
import { fileModel } from "../../src/models/file-model.js";
import { lenetSpec } from "../../src/models/lenet.js";
import { Session } from "../../src/session.js";
import { realDataset } from "../helpers/data.js";

const myLenet = registerModel({
  name: "my_lenet",
  description: "LeNet 64-32",
  dataset: "mnist",
  defaults: {},
  spec: (h) => lenetSpec(h, [64, 32], "my_lenet"),
});

async function train(threads: number) {
  const hp = resolveHparams(defaultsFor(myLenet), {
    model: { model: "my_lenet" },
    training: { iterations: 30, evalEvery: 30, optimizer: "sgd", lr: 0.1 },
    dataset: { valSize: 500 },
  });
  const session = await Session.open(hp, { dataset: await realDataset("mnist", 500), threads });
  try {
    session.initialize();
    const result = await session.train({});
    return { result, weights: session.network.snapshot() };
  } finally {
    await session.close();
  }
}

test("a registered model trains on two threads and matches one thread within f32 rounding", async (t) => {
  const one = await train(1);
  const two = await train(2);
  for (const [name, w1] of one.weights) {
    const w2 = two.weights.get(name)!;
    let diff = 0,
      scale = 0;
    for (let i = 0; i < w1.length; i++) {
      diff = Math.max(diff, Math.abs(w1[i]! - w2[i]!));
      scale = Math.max(scale, Math.abs(w1[i]!));
    }
    t.true(diff <= 1e-4 * scale, `${name}: ${diff} vs scale ${scale}`);
  }
});

test("a file-declared network trains on two threads", async (t) => {
  const model = fileModel(
    {
      name: "tiny_file_net",
      layers: [
        { type: "linear", units: 32, relu: true },
        { type: "linear", units: "classes" },
      ],
    },
    "net.json",
  );
  const hp = resolveHparams(defaultsFor(model), { model: { model: "tiny_file_net" }, training: { iterations: 20, evalEvery: 20 }, dataset: { valSize: 500 } });
  const session = await Session.open(hp, { dataset: await realDataset("mnist", 500), threads: 2, model });
  try {
    session.initialize();
    const r = await session.train({});
    t.true(r.final.test.accuracy > 0.3, `accuracy ${r.final.test.accuracy}`);
  } finally {
    await session.close();
  }
});

test("network spec errors name the layer index and field", (t) => {
  const err = t.throws(() =>
    parseNetworkSpec(
      {
        name: "bad",
        layers: [
          { type: "linear", units: 10 },
          { type: "conv", channels: -1 },
        ],
      },
      "net.json",
    ),
  );
  t.regex(err!.message, /net\.json is not a valid network/);
  t.regex(err!.message, /layer 1 field channels/);
});
