// `lottery status DIR...`: where a local experiment stands (runs finished, being trained, interrupted,
// not started), read from its store; `lottery status --queue URL`: what the queue's experiments
// have done and are doing.
import { Command } from "commander";
import { describeRun, ExperimentStore, type RunState, runGraph } from "../node.js";
import { loadQueueModules } from "../queue/load.js";
import { formatDuration, pct } from "./common.js";

export function statusCommand(): Command {
  return new Command("status")
    .description(
      "show where experiments stand: of local experiment directories, each run done (with its early stop and test accuracy), running (with its last checkpoint), interrupted (`lottery resume DIR` resumes it) or not started; of a queue (--queue), each run done, running (with a progress bar), queued, waiting for the run it starts from, blocked (that run failed or diverged) or failed (with the error)",
    )
    .argument("[dirs...]", "experiment directories (printed by `lottery run`) to read instead of a queue")
    .option("--queue <url>", "the Redis of the queue: redis://HOST:PORT")
    .option("--json", "print one JSON object per experiment (counts and every run's state) instead of the text")
    .action(async (dirs: string[], opts: { queue?: string; json?: boolean }) => {
      if (dirs.length > 0 && opts.queue !== undefined) throw new Error("give experiment directories or --queue URL, not both");
      if (dirs.length > 0) return localStatus(dirs, !!opts.json);
      if (opts.queue === undefined)
        throw new Error("give experiment directories (lottery status results/NAME) or --queue URL (lottery status --queue redis://HOST:PORT)");
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

/**
 * One line per run that is not finished, and the counts, for each experiment directory; for
 * several, what they have cost and need in all (a campaign's view).
 */
function localStatus(dirs: readonly string[], json: boolean): void {
  const all = { spent: 0, left: 0, unknown: 0 };
  for (const dir of dirs) {
    const store = ExperimentStore.read(dir);
    const runs = runGraph(store.hp.pruning).map((node) => ({ run: node.id, ...store.runState(node.id) }));
    const count = (state: RunState["state"]) => runs.filter((r) => r.state === state).length;
    const counts = { done: count("done"), running: count("running"), interrupted: count("interrupted"), notStarted: count("not started") };
    const total = store.hp.training.iterations;
    const time = timeAccount(runs, total);
    all.spent += time.spent;
    if (time.left) all.left += time.left.seconds;
    else all.unknown++;
    if (json) {
      process.stdout.write(`${JSON.stringify({ dir, counts, time: { spentSeconds: time.spent, leftSeconds: time.left?.seconds ?? null }, runs })}\n`);
      continue;
    }
    console.log(
      `${dir}: ${runs.length} run${runs.length === 1 ? "" : "s"}: ${counts.done} done, ${counts.running} running, ${counts.interrupted} interrupted, ${counts.notStarted} not started`,
    );
    console.log(`  time         ${timeLine(time, counts.done)}`);
    const at = (iteration: number | null) =>
      iteration === null ? "no checkpoint yet" : `checkpoint at iteration ${iteration}/${total} (${pct(iteration / total)})`;
    for (const r of runs) {
      const what = describeRun(r.run);
      if (r.state === "running")
        console.log(`  running      ${what}: ${at(r.iteration)}, by process ${r.owner.pid} on ${r.owner.host} since ${r.owner.started}`);
      else if (r.state === "interrupted") console.log(`  interrupted  ${what}: ${at(r.iteration)}; \`lottery resume ${dir}\` resumes it there`);
    }
    const waiting = runs.filter((r) => r.state === "not started");
    if (waiting.length > 0) {
      const span = waiting.length === 1 ? describeRun(waiting[0]!.run) : `${describeRun(waiting[0]!.run)} to ${describeRun(waiting[waiting.length - 1]!.run)}`;
      console.log(`  not started  ${waiting.length === 1 ? "1 run" : `${waiting.length} runs`}: ${span}`);
    }
  }
  if (!json && dirs.length > 1) {
    const unknown = all.unknown ? ` (and what ${all.unknown === 1 ? "1 experiment needs" : `${all.unknown} experiments need`}, not yet estimated)` : "";
    console.log(
      `all ${dirs.length} experiments: ${formatDuration(all.spent)} of training so far; about ${formatDuration(all.left)} left${unknown}. ` +
        "These add up runs' own wall times: experiments trained side by side take less wall time than the sum.",
    );
  }
}

/** Training seconds spent so far, and an estimate of what is left. */
interface TimeAccount {
  spent: number;
  /** null when nothing has run long enough to measure a pace. */
  left: { seconds: number; basis: string } | null;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

/**
 * What an experiment has cost and roughly what it still needs: finished runs' wall seconds, plus
 * the seconds of unfinished runs up to their checkpoints; left, each unfinished run at its own
 * pace (seconds per iteration so far) and each not-started run at the median of the finished
 * runs (or, before any finished, at the pace of the partial ones). Pruned levels usually train
 * faster than the dense one, so early estimates run high.
 */
function timeAccount(runs: readonly RunState[], iterations: number): TimeAccount {
  const done = runs.flatMap((r) => (r.state === "done" ? [r.summary.seconds] : []));
  const partial = runs.flatMap((r) =>
    (r.state === "running" || r.state === "interrupted") && r.iteration !== null && r.iteration > 0 && r.seconds !== null
      ? [{ iteration: r.iteration, seconds: r.seconds }]
      : [],
  );
  const spent = done.reduce((a, b) => a + b, 0) + partial.reduce((a, p) => a + p.seconds, 0);
  const perRun = done.length ? median(done) : partial.length ? median(partial.map((p) => p.seconds / p.iteration)) * iterations : null;
  // Runs with no pace of their own yet: not started, or running without a checkpoint.
  const waiting = runs.length - done.length - partial.length;
  if (perRun === null) return { spent, left: waiting ? null : { seconds: 0, basis: "" } };
  const left = partial.reduce((a, p) => a + (p.seconds / p.iteration) * (iterations - p.iteration), 0) + waiting * perRun;
  const basis = done.length
    ? `the median ${formatDuration(perRun)} of the finished runs for ${waiting === 1 ? "the one" : `each of the ${waiting}`} not started`
    : `the pace of the run${partial.length > 1 ? "s" : ""} so far (${formatDuration(perRun)} a run; pruned levels are usually faster)`;
  return { spent, left: { seconds: left, basis } };
}

function timeLine(t: TimeAccount, done: number): string {
  if (t.left?.seconds === 0) return `${formatDuration(t.spent)} of training (wall time of its ${done} run${done === 1 ? "" : "s"}); nothing left`;
  const spent = `${formatDuration(t.spent)} of training so far (wall time, unfinished runs to their last checkpoint)`;
  if (!t.left) return `${spent}; what is left cannot be estimated before a run has a checkpoint`;
  return `${spent}; about ${formatDuration(t.left.seconds)} left at ${t.left.basis}`;
}
