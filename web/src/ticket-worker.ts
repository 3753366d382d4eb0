// Module worker holding the latest finished ticket: classifies drawn digits and times the same
// ticket's forward passes with its pruned layers dense and sparse. Each ticket arrives as a ticket
// file (what `lottery export` writes) and is loaded with the library's inference API, the code
// `lottery predict` runs. Requests are handled one at a time, in arrival order (a classification
// sent while a ticket loads waits for it).
import { loadTicket, softmax, type Ticket } from "../../src/ticket/index.js";
import type { ImageBatch, SpeedResult, Throughput, TicketEvent, TicketFile, TicketRequest } from "./protocol.js";

/** 9 rounds of 20 passes over a 100-image batch after 10 warm-up passes (V8 tiers wasm up first). */
const TIMING = { passes: 20, rounds: 9, warmup: 10 };

const post = (event: TicketEvent) => self.postMessage(event);

interface State {
  /** Directory URL of the kernel .wasm files. */
  wasmDir: string;
  /** The timing batch (test images). */
  samples: ImageBatch;
  ticket: { level: number; pm: number; ticket: Ticket } | null;
}

let state: State | null = null;

function ready(): State {
  if (!state) throw new Error("ticket worker: not initialized");
  return state;
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/**
 * Images per second of the timing batch with the pruned layers run dense and sparse: both forms of
 * the one ticket (Ticket.withKernels) side by side, their rounds alternating, so a change in the
 * machine's load, or V8 tiering the wasm up mid-measurement, hits both alike instead of favouring
 * whichever form was timed last. A pass is what inference costs a caller: the batch's pixels
 * converted as in training, the forward pass and the predicted classes.
 */
function speed(s: State, loaded: NonNullable<State["ticket"]>): SpeedResult {
  const images = s.samples.images;
  const batch = s.samples.count;
  const forms = [loaded.ticket.withKernels("dense"), loaded.ticket.withKernels("sparse")].map((ticket) => ({ ticket, rounds: [] as number[] }));
  for (const f of forms) for (let i = 0; i < TIMING.warmup; i++) f.ticket.predict(images);
  for (let r = 0; r < TIMING.rounds; r++) {
    for (const f of forms) {
      const t0 = performance.now();
      for (let i = 0; i < TIMING.passes; i++) f.ticket.predict(images);
      f.rounds.push((performance.now() - t0) / TIMING.passes);
    }
  }
  // The median round: the experiment trains on the other core, and one slow round must not decide.
  const throughput = (rounds: number[]): Throughput => {
    const ms = median(rounds);
    return { msPerPass: ms, imagesPerSecond: (batch * 1000) / ms };
  };
  return {
    level: loaded.level,
    pm: loaded.pm,
    batch,
    passes: TIMING.passes * TIMING.rounds,
    dense: throughput(forms[0]!.rounds),
    sparse: throughput(forms[1]!.rounds),
  };
}

async function load(s: State, file: TicketFile): Promise<NonNullable<State["ticket"]>> {
  // Each ticket in its own kernels' memory (unshared, so it grows only as needed), dropped with the
  // ticket when the next one arrives. Passes of the timing batch's size; the pruned layers run as
  // training chooses (auto) for classification.
  s.ticket = null;
  const ticket = await loadTicket(file.bytes, { wasmDir: s.wasmDir, kernelMode: "auto", batchSize: s.samples.count, source: `ticket of level ${file.level}` });
  s.ticket = { level: file.level, pm: file.pm, ticket };
  return s.ticket;
}

async function handle(request: TicketRequest): Promise<void> {
  switch (request.type) {
    case "init":
      state = { wasmDir: request.wasmDir, samples: request.samples, ticket: null };
      post({ type: "ready" });
      return;
    case "load": {
      const s = ready();
      const loaded = await load(s, request.ticket);
      post({ type: "loaded", level: loaded.level, pm: loaded.pm });
      post({ type: "speed", result: speed(s, loaded) });
      return;
    }
    case "classify": {
      const loaded = ready().ticket;
      if (!loaded) throw new Error("classify: no ticket has finished training yet");
      const { logits } = loaded.ticket.classify(request.pixels);
      const probabilities = Array.from(softmax(logits, loaded.ticket.manifest.classes));
      post({ type: "prediction", id: request.id, level: loaded.level, pm: loaded.pm, probabilities });
      return;
    }
  }
}

let queue = Promise.resolve();
self.onmessage = (e: MessageEvent<TicketRequest>) => {
  queue = queue.then(() => handle(e.data)).catch((err: unknown) => post({ type: "error", message: (err as Error)?.message ?? String(err) }));
};
