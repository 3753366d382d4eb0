// Module worker holding the latest finished ticket: classifies drawn digits and times the same
// network's forward pass with its pruned layers dense and sparse. Requests are handled one at a
// time, in arrival order (a classification sent while a ticket loads waits for it).
import type { TicketEvent, TicketRequest } from "./protocol.js";
import { TicketModel } from "./ticket-model.js";

/** 9 rounds of 20 forwards of a 100-image batch after 10 warm-up forwards (V8 tiers wasm up first). */
const TIMING = { forwards: 20, rounds: 9, warmup: 10 };

const post = (event: TicketEvent) => self.postMessage(event);

let model: TicketModel | null = null;

function ready(): TicketModel {
  if (!model) throw new Error("ticket worker: not initialized");
  return model;
}

async function handle(request: TicketRequest): Promise<void> {
  switch (request.type) {
    case "init":
      model = await TicketModel.create(request);
      post({ type: "ready", simd: model.simd });
      return;
    case "load": {
      const m = ready();
      m.load(request.ticket);
      post({ type: "loaded", level: request.ticket.level, pm: request.ticket.pm });
      post({ type: "speed", result: m.speed(TIMING) });
      return;
    }
    case "classify": {
      const m = ready();
      const ticket = m.loaded;
      if (!ticket) throw new Error("classify: no ticket has finished training yet");
      post({ type: "prediction", id: request.id, ...ticket, probabilities: m.classify(request.pixels) });
      return;
    }
  }
}

let queue = Promise.resolve();
self.onmessage = (e: MessageEvent<TicketRequest>) => {
  queue = queue.then(() => handle(e.data)).catch((err: unknown) => post({ type: "error", message: (err as Error)?.message ?? String(err) }));
};
