// Module worker that runs the demo's lottery experiment: loads MNIST and the wasm kernels, then
// trains level after level, posting progress, finished runs and each finished ticket to the page.
import { defaultsFor, getModel, Kernels, resolveHparams } from "../../src/index.js";
import { installSetImmediate } from "./browser/set-immediate.js";
import type { DemoConfig } from "./config.js";
import { runInMemory } from "./lottery-loop.js";
import { headOf, loadMnist } from "./mnist.js";
import type { ExperimentEvent, StartRequest } from "./protocol.js";

/** Test images handed to the ticket worker for timing inference (one batch). */
const SAMPLE_COUNT = 100;
/**
 * The kernels' memory limit. A shared wasm memory reserves its maximum up front, so the 2 GiB
 * default is needlessly greedy in a tab; the experiment uses about 100 MiB (training images as
 * u8, validation and test sets as f32, the network, a level's replicas).
 */
const MEMORY_LIMIT_BYTES = 512 * 2 ** 20;
/** Progress messages at most this often; the trainer reports every ~100 ms. */
const PROGRESS_INTERVAL_MS = 200;

installSetImmediate();

const post = (event: ExperimentEvent) => self.postMessage(event);

function hparamsFor(config: DemoConfig) {
  const model = getModel("lenet_300_100");
  return resolveHparams(defaultsFor(model), {
    training: { iterations: config.iterations, evalEvery: config.evalEvery, seed: config.seed },
    pruning: { levels: config.levels, strategy: "reset", controls: ["reinit"] },
  });
}

async function start(request: StartRequest): Promise<void> {
  const started = performance.now();
  const hp = hparamsFor(request.config);
  post({ type: "status", text: "compiling the wasm kernels and fetching MNIST" });
  const [k, data] = await Promise.all([
    Kernels.create({ wasmDir: request.wasmDir, memoryLimitBytes: MEMORY_LIMIT_BYTES, checks: "once" }),
    loadMnist(request.dataUrl, hp.dataset.valSize),
  ]);
  const loadSeconds = (performance.now() - started) / 1000;
  const { threads } = request.config;
  if (threads > 1 && !k.shared) {
    throw new Error(
      `?threads=${threads} needs shared wasm memory, which browsers give only to a cross-origin isolated page (served with COOP/COEP headers, as \`npm run web\` does); use ?threads=1`,
    );
  }
  const F = data.shape[0] * data.shape[1] * data.shape[2];
  const samples = headOf(data.test, SAMPLE_COUNT, F);
  post({
    type: "ready",
    info: {
      simd: k.simd,
      sharedMemory: k.shared,
      threads,
      train: data.train.count,
      val: data.val.count,
      test: Math.min(request.config.testImages, data.test.count),
      loadSeconds,
      samples: { images: samples.images.slice(), labels: samples.labels.slice(), count: samples.count },
    },
  });

  let lastProgress = 0;
  await runInMemory(k, hp, data, headOf(data.test, request.config.testImages, F), threads, {
    onRunStart: (run) => post({ type: "run-start", run }),
    onProgress: (run, done, total, last) => {
      const now = performance.now();
      if (done < total && now - lastProgress < PROGRESS_INTERVAL_MS) return;
      lastProgress = now;
      post({ type: "progress", run, done, total, valAccuracy: last ? last.val.accuracy : null });
    },
    onRunDone: (_run, record, stepMs, kernels) => post({ type: "run-done", record, stepMs, kernels }),
    onTicket: (ticket) => post({ type: "ticket", ticket }),
  });
  post({ type: "finished", seconds: (performance.now() - started) / 1000 });
}

let started = false;
self.onmessage = (e: MessageEvent<StartRequest>) => {
  if (e.data.type !== "start" || started) return;
  started = true;
  start(e.data).catch((err: unknown) => post({ type: "error", message: (err as Error)?.message ?? String(err) }));
};
