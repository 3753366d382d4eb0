// The page: starts the experiment worker and the ticket worker and routes their messages to the
// views. Each finished ticket goes from the experiment to the ticket worker as a ticket file, which then times it
// and classifies whatever is on the drawing pad.
import { formatSeconds, type RunRecord } from "../../src/index.js";
import { type DemoConfig, parseConfig } from "./config.js";
import { DigitPad } from "./digit-pad.js";
import { byId } from "./dom.js";
import { AccuracyPlot } from "./plot.js";
import { PredictionView } from "./prediction-view.js";
import type { ExperimentEvent, ReadyInfo, StartRequest, TicketEvent, TicketRequest } from "./protocol.js";
import { SpeedView } from "./speed-view.js";
import { TrainingView } from "./training-view.js";

function describeEnvironment(info: ReadyInfo): string {
  const isolation = crossOriginIsolated ? "cross-origin isolated, shared wasm memory" : "not cross-origin isolated (no shared memory)";
  const threads = info.threads === 1 ? "1 training thread" : `${info.threads} training threads (Web Workers)`;
  return (
    `Kernels: ${info.simd === "relaxed" ? "relaxed SIMD (FMA)" : "plain SIMD"}; ${isolation}; ${threads}. ` +
    `MNIST fetched, gunzipped and parsed in ${formatSeconds(info.loadSeconds)}: ${info.train.toLocaleString("en-US")} training, ` +
    `${info.val.toLocaleString("en-US")} validation, ${info.test.toLocaleString("en-US")} test images evaluated.`
  );
}

function start(config: DemoConfig): void {
  const training = new TrainingView(config.levels);
  const plot = new AccuracyPlot(byId("plot", HTMLDivElement), {
    title: "Browser demo",
    model: "lenet_300_100",
    dataset: "mnist",
    hparams: { ...config },
  });
  const prediction = new PredictionView();
  const speed = new SpeedView();
  const environment = byId("environment", HTMLParagraphElement);

  const experiment = new Worker(new URL("./experiment-worker.js", import.meta.url), { type: "module", name: "experiment" });
  const tickets = new Worker(new URL("./ticket-worker.js", import.meta.url), { type: "module", name: "ticket" });
  const toTickets = (request: TicketRequest) => tickets.postMessage(request);

  const runs: RunRecord[] = [];
  let digit: Uint8Array | null = null;
  let digitDone = false;
  let ticketLoaded = false;
  let requestId = 0;
  // Every new image is classified once a ticket is loaded, so the latest request's image is always
  // the current one (digit, digitDone).
  const classify = () => {
    if (digit && ticketLoaded) toTickets({ type: "classify", id: ++requestId, pixels: digit });
  };

  experiment.onmessage = (e: MessageEvent<ExperimentEvent>) => {
    const m = e.data;
    switch (m.type) {
      case "status":
        training.setStatus(`${m.text[0]!.toUpperCase()}${m.text.slice(1)}…`);
        break;
      case "ready":
        environment.textContent = describeEnvironment(m.info);
        toTickets({ type: "init", wasmDir: wasmDir(), samples: m.info.samples });
        break;
      case "run-start":
        training.progress(m.run, 0, config.iterations, null);
        break;
      case "progress":
        training.progress(m.run, m.done, m.total, m.valAccuracy);
        break;
      case "run-done":
        runs.push(m.record);
        training.runDone(m.record, m.stepMs, m.kernels);
        plot.update(runs).catch((err: unknown) => training.showError(`plot: ${(err as Error).message}`));
        break;
      case "ticket":
        toTickets({ type: "load", ticket: m.ticket });
        break;
      case "finished":
        training.setStatus(`Done: ${config.levels + 1} levels (${runs.length} runs) in ${formatSeconds(m.seconds)}.`);
        break;
      case "error":
        training.showError(m.message);
        break;
    }
  };
  tickets.onmessage = (e: MessageEvent<TicketEvent>) => {
    const m = e.data;
    switch (m.type) {
      case "loaded":
        ticketLoaded = true;
        prediction.ticket(m.level, m.pm);
        classify();
        break;
      case "prediction":
        // Only the answer to the latest drawing (an older one may arrive after a clear).
        if (m.id === requestId && digit) prediction.show(m.probabilities, digitDone);
        break;
      case "speed":
        speed.add(m.result);
        break;
      case "error":
        training.showError(`ticket worker: ${m.message}`);
        break;
      case "ready":
        break;
    }
  };
  // A worker that fails to load or throws outside its handlers.
  experiment.onerror = (e) => training.showError(`experiment worker: ${e.message || "failed to start"}`);
  tickets.onerror = (e) => training.showError(`ticket worker: ${e.message || "failed to start"}`);

  const pad = new DigitPad(byId("pad", HTMLCanvasElement), byId("preview", HTMLCanvasElement), (pixels, strokeDone) => {
    digit = pixels;
    digitDone = strokeDone;
    if (pixels) classify();
    else prediction.clear();
  });
  byId("clear", HTMLButtonElement).addEventListener("click", () => pad.clear());

  const request: StartRequest = { type: "start", config, wasmDir: wasmDir(), dataUrl: new URL("/data/mnist/", location.href).href };
  experiment.postMessage(request);
}

/** The server serves the kernel builds under /wasm/ (see web/server.ts). */
function wasmDir(): string {
  return new URL("/wasm/", location.href).href;
}

try {
  start(parseConfig(location.search));
} catch (err) {
  const status = document.getElementById("status");
  if (status) {
    status.classList.add("error");
    status.textContent = `Error: ${(err as Error).message}`;
  }
  throw err;
}
