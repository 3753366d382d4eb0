// `lottery status --queue URL`: what the queue's experiments have done and are doing.
import { Command } from "commander";
import { describeRun } from "../node.js";
import { loadQueueModules } from "../queue/load.js";
import { pct } from "./common.js";

export function statusCommand(): Command {
  return new Command("status")
    .description(
      "show each queued experiment's runs: done, running (with a progress bar each), queued, waiting for the run they start from, blocked (that run failed or diverged) and failed (with the error)",
    )
    .requiredOption("--queue <url>", "the Redis of the queue: redis://HOST:PORT")
    .option("--json", "print one JSON object per experiment (counts and every run's state) instead of the text")
    .action(async (opts: { queue: string; json?: boolean }) => {
      const { connectQueue, queueStatus, progressBar } = await loadQueueModules();
      const conn = await connectQueue(opts.queue);
      try {
        const all = await queueStatus(conn);
        if (opts.json) {
          for (const e of all) process.stdout.write(`${JSON.stringify(e)}\n`);
          return;
        }
        if (!all.length) console.log(`no experiment on the queue at ${opts.queue} (enqueue one with lottery run ... --queue ${opts.queue})`);
        for (const e of all) {
          const c = e.counts;
          console.log(
            `${e.experiment} (${e.root}): ${e.runs.length} runs: ${c.done} done, ${c.running} running, ${c.queued} queued, ${c.waiting} waiting for the run they start from, ${c.blocked} blocked, ${c.failed} failed`,
          );
          for (const r of e.runs) {
            if (r.state === "running") {
              const p = r.progress;
              const detail =
                p && p.total > 0
                  ? `${progressBar(p.done, p.total)} iteration ${p.done}/${p.total}${p.valAccuracy !== null ? `, val acc ${pct(p.valAccuracy)}` : ""}`
                  : progressBar(0, 1);
              console.log(`  running  ${describeRun(r.run).padEnd(36)} ${detail}${p ? `  (Pm ${pct(p.pm)}, worker ${p.worker})` : ""}`);
            } else if (r.state === "failed") {
              console.log(`  failed   ${describeRun(r.run)} after ${r.attempts} attempts: ${r.error}`);
            }
          }
        }
      } finally {
        await conn.close();
      }
    });
}
