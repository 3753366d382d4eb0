import test from "ava";
import { learningRate } from "../../src/optim/index.js";
import { InputPipeline } from "../../src/train/input.js";
import type { Dataset } from "../../src/data/types.js";

test("constant, warmup and multistep learning-rate schedules", (t) => {
  const constant = { lr: 0.1, warmupIterations: 0, milestones: [], gamma: 0.1 };
  t.is(learningRate(constant, 0), 0.1);
  t.is(learningRate(constant, 99999), 0.1);
  const warm = { lr: 0.1, warmupIterations: 10, milestones: [20, 30], gamma: 0.1 };
  const near = (a: number, b: number) => Math.abs(a - b) < 1e-12;
  t.true(near(learningRate(warm, 0), 0.01));
  t.true(near(learningRate(warm, 4), 0.05));
  t.true(near(learningRate(warm, 9), 0.1));
  t.true(near(learningRate(warm, 19), 0.1));
  t.true(Math.abs(learningRate(warm, 20) - 0.01) < 1e-12);
  t.true(Math.abs(learningRate(warm, 30) - 0.001) < 1e-12);
});

function tinyDataset(count: number): Dataset {
  const images = new Uint8Array(count * 4);
  for (let i = 0; i < images.length; i++) images[i] = i % 256;
  const split = { images, labels: new Uint8Array(count).map((_, i) => i % 3), count };
  return {
    name: "mnist",
    shape: [1, 2, 2],
    classes: 3,
    classNames: ["a", "b", "c"],
    train: split,
    val: split,
    test: split,
    stats: { mean: [0.5], std: [0.25] },
  };
}

test("each epoch visits every training example once, in a seeded order that differs per epoch and per data seed", (t) => {
  const data = tinyDataset(10);
  const p = new InputPipeline(data, { normalize: false, augment: false, dataSeed: 1, batchSize: 4 });
  const seen: number[] = [];
  const out = new Uint32Array(4);
  for (let it = 0; it < 5; it++) seen.push(...p.batchIndices(it, out)); // 20 positions = 2 epochs
  t.deepEqual(
    [...seen.slice(0, 10)].sort((a, b) => a - b),
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  );
  t.deepEqual(
    [...seen.slice(10, 20)].sort((a, b) => a - b),
    [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  );
  t.notDeepEqual(seen.slice(0, 10), seen.slice(10, 20));
  const again = new InputPipeline(data, { normalize: false, augment: false, dataSeed: 1, batchSize: 4 });
  t.deepEqual(Array.from(again.batchIndices(3, new Uint32Array(4))), seen.slice(12, 16), "a batch is recomputable from (seed, iteration) alone");
  const other = new InputPipeline(data, { normalize: false, augment: false, dataSeed: 2, batchSize: 4 });
  t.notDeepEqual(Array.from(other.batchIndices(0, new Uint32Array(4))), seen.slice(0, 4));
});

test("the wasm batch conversion equals the JS path bit for bit, with and without normalization", async (t) => {
  const { kernelsFor } = await import("../helpers/kernels.js");
  const { deviceImages } = await import("../../src/train/input.js");
  const k = await kernelsFor("relaxed");
  const count = 37;
  const images = new Uint8Array(count * 3 * 4 * 4);
  for (let i = 0; i < images.length; i++) images[i] = (i * 97 + 13) % 256;
  const split = { images, labels: new Uint8Array(count).map((_, i) => i % 10), count };
  const data: Dataset = {
    name: "cifar10",
    shape: [3, 4, 4],
    classes: 10,
    classNames: [],
    train: split,
    val: split,
    test: split,
    stats: { mean: [0.49, 0.48, 0.45], std: [0.25, 0.24, 0.26] },
  };
  for (const normalize of [false, true]) {
    const mark = k.arena.mark();
    const device = deviceImages(k, data, normalize);
    for (const batch of [1, 4, 7, 13]) {
      const p = new InputPipeline(data, { normalize, augment: false, dataSeed: 5, batchSize: batch }, device);
      const x1 = k.alloc([48, batch]),
        x2 = k.alloc([48, batch]),
        l1 = k.alloc([batch], "i32"),
        l2 = k.alloc([batch], "i32");
      const idx = new Uint32Array(batch);
      p.fillBatch(3, idx, x1, l1);
      p.fill(data.train, idx, x2, l2);
      t.deepEqual(Array.from(x1.data), Array.from(x2.data), `normalize ${normalize} batch ${batch}`);
      t.deepEqual(Array.from(l1.data), Array.from(l2.data));
    }
    k.arena.release(mark);
  }
});

test("a batch split across threads is the one-thread batch: each thread's pipeline (rebuilt from the shared layout) fills its share, with and without augmentation", async (t) => {
  const { kernelsFor } = await import("../helpers/kernels.js");
  const { deviceImages, pipelineFromLayout } = await import("../../src/train/input.js");
  const k = await kernelsFor("relaxed");
  const count = 53;
  const images = new Uint8Array(count * 3 * 8 * 8);
  for (let i = 0; i < images.length; i++) images[i] = (i * 131 + 7) % 256;
  const split = { images, labels: new Uint8Array(count).map((_, i) => (i * 3) % 10), count };
  const data: Dataset = {
    name: "cifar10",
    shape: [3, 8, 8],
    classes: 10,
    classNames: [],
    train: split,
    val: split,
    test: split,
    stats: { mean: [0.49, 0.48, 0.45], std: [0.25, 0.24, 0.26] },
  };
  const F = 3 * 8 * 8,
    B = 21,
    shares = [
      [0, 8],
      [8, 8],
      [16, 5],
    ] as const;
  for (const augment of [false, true]) {
    const mark = k.arena.mark();
    const device = deviceImages(k, data, true);
    const main = new InputPipeline(data, { normalize: true, augment, dataSeed: 9, batchSize: B }, device);
    const layout = main.layout()!;
    for (const iteration of [0, 2, 5]) {
      // iteration 2 crosses into the second epoch (53 examples, 21 per batch)
      const whole = k.alloc([F, B]),
        wholeLabels = k.alloc([B], "i32");
      main.fillBatch(iteration, new Uint32Array(B), whole, wholeLabels);
      for (const [offset, size] of shares) {
        // a fresh pipeline per share, as each worker thread builds from the level task
        const thread = pipelineFromLayout(k, layout, k.alloc([B], "u32").ptr);
        const x = k.alloc([F, size]),
          labels = k.alloc([size], "i32");
        const indices = thread.batchIndices(iteration, new Uint32Array(B));
        thread.fillPart(iteration, indices, offset, size, x, labels);
        for (let f = 0; f < F; f++) {
          const row = Array.from(x.data.subarray(f * size, (f + 1) * size)),
            expected = Array.from(whole.data.subarray(f * B + offset, f * B + offset + size));
          if (JSON.stringify(row) !== JSON.stringify(expected)) {
            t.fail(`augment ${augment} iteration ${iteration} share [${offset}, ${offset + size}) feature ${f} differs`);
            return;
          }
        }
        t.deepEqual(Array.from(labels.data), Array.from(wholeLabels.data.subarray(offset, offset + size)));
      }
    }
    k.arena.release(mark);
  }
});
