// The demo's lottery experiment: the library's runner (src/lottery/experiment.ts) with an
// in-memory store, so the page trains exactly what `lottery run` trains with the same settings
// (one trial, reset to θ0, the reinit control), and hands each finished ticket to the page as the
// ticket file `lottery export` would write of it (encodeTrainedTicket).
import {
  type Dataset,
  defaultsFor,
  encodeTrainedTicket,
  type EvalRecord,
  getModel,
  type Hparams,
  type Kernels,
  type LayerExecution,
  MemoryStore,
  runExperiment,
  type RunId,
  runRecord,
  type RunRecord,
} from "../../src/index.js";
import type { RunKey, TicketFile } from "./protocol.js";

export interface LotteryEvents {
  onRunStart?(run: RunKey): void;
  onProgress?(run: RunKey, done: number, total: number, last: EvalRecord | null): void;
  onRunDone?(run: RunKey, record: RunRecord, stepMs: number, kernels: LayerExecution[]): void;
  /** A ticket level finished: its trained weights and masks as a ticket file (a copy, free to transfer). */
  onTicket?(ticket: TicketFile): void;
}

/**
 * Runs trial 0 of `hp` on `data` in memory with `threads` training threads (Web Workers over the
 * kernels' shared memory when more than one); `test` may be a head of the official test set, to
 * keep evaluation quick in a tab.
 */
export async function runInMemory(k: Kernels, hp: Hparams, data: Dataset, test: Dataset["test"], threads: number, events: LotteryEvents = {}): Promise<void> {
  const store = new MemoryStore();
  const pms = new Map<number, number>();
  const key = (id: RunId, pm: number): RunKey => ({ level: id.level, branch: id.branch, pm });
  // Tickets are encoded (asynchronously: the checksums use Web Crypto) one after another, so the
  // page receives them in level order; a failure to encode fails the experiment below.
  let tickets = Promise.resolve();
  const sendTicket = (level: number, pm: number, weights: Map<string, Float32Array>, masks: Map<string, Uint8Array>) => {
    tickets = tickets.then(async () => {
      const bytes = await encodeTrainedTicket({ model: hp.model, dataset: data, normalize: hp.dataset.normalize, weights, masks });
      events.onTicket?.({ level, pm, bytes });
    });
    tickets.catch(() => undefined); // awaited after the experiment; not an unhandled rejection meanwhile
  };
  await runExperiment({
    hp: { ...hp, pruning: { ...hp.pruning, trials: 1 } },
    defaults: defaultsFor(getModel(hp.model.model)),
    store,
    dataset: { ...data, test },
    kernels: k,
    threads,
    events: {
      onRunStart: (id, pm) => {
        pms.set(id.level, pm);
        events.onRunStart?.(key(id, pm));
      },
      onProgress: (id, done, total, last) => events.onProgress?.(key(id, pms.get(id.level) ?? 1), done, total, last),
      onRunDone: (id, summary) => {
        events.onRunDone?.(key(id, summary.pm), runRecord(summary, hp.pruning.exclude), summary.step_ms, summary.kernels as LayerExecution[]);
        if (id.branch === "ticket") sendTicket(id.level, summary.pm, store.loadFinal(id), store.loadMask(id));
      },
    },
  });
  await tickets;
}
