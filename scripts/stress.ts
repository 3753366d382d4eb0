// `npm run stress`: the long fault-injection run of issue 17. A LeNet-300-100 experiment (2 levels of
// 300 iterations with the reinit control, one thread, a checkpoint at every evaluation) is SIGKILLed
// at seeded random moments (mid-training, or inside a write of hparams.json, θ0, a checkpoint, a
// mask, final weights, metrics or a summary) and resumed each time, round after round, until at
// least --kills kills; every round must end byte for byte as the uninterrupted run. Prints the
// figures README "Reliability" reports. Needs a built CLI (npm run build) and LOTTERY_DATA_DIR.
//
//   npm run stress [-- --kills 32 --per-round 8 --seed 1]
import { parseArgs } from "node:util";
import { type Kill, killAndResume, tally } from "../test/helpers/kill-resume.js";
import type { Rng } from "../src/util/rng.js";

const { values } = parseArgs({
  options: {
    kills: { type: "string", default: "32" },
    "per-round": { type: "string", default: "8" },
    seed: { type: "string", default: "1" },
  },
});
const target = Number(values.kills),
  perRound = Number(values["per-round"]),
  seed = Number(values.seed);
for (const [name, v] of [
  ["--kills", target],
  ["--per-round", perRound],
  ["--seed", seed],
] as const) {
  if (!Number.isInteger(v) || v < (name === "--seed" ? 0 : 1)) throw new Error(`invalid ${name} ${v}: must be a positive integer`);
}
const dataDir = process.env.LOTTERY_DATA_DIR;
if (!dataDir) throw new Error("LOTTERY_DATA_DIR is not set: point it at the directory holding mnist/");

const ARGS = ["--levels", "2", "--iterations", "300", "--eval-every", "50", "--controls", "reinit", "--val-size", "500", "--threads", "1"];
const PHASES = ["partial", "unrenamed", "renamed"] as const;
/** Files written once per run (n = 1..2 reaches the current or the next run) and how often a checkpoint is (5 per run here). */
const FINAL_FILES = ["mask.lt", "final.lt", "metrics.jsonl", "summary.json"];

/** Where each process is killed: a round starts with θ0's write half the time (it is written once). */
const KINDS = ["timed", "timed", "timed", "checkpoint", "checkpoint", "final", "final", "hparams"] as const;

function plan(_round: number, index: number, rng: Rng): Kill | null {
  if (index >= perRound) return null;
  const phase = PHASES[rng.int(PHASES.length)]!;
  const fallbackMs = 120_000;
  if (index === 0 && rng.int(2) === 0) return { how: "write", file: "theta0.lt", n: 1, phase, fallbackMs };
  switch (KINDS[rng.int(KINDS.length)]!) {
    case "timed":
      return { how: "timed", afterMs: rng.int(4000) };
    case "checkpoint":
      return { how: "write", file: "checkpoint.lt", n: 1 + rng.int(5), phase, fallbackMs };
    case "final":
      return { how: "write", file: FINAL_FILES[rng.int(FINAL_FILES.length)]!, n: 1 + rng.int(2), phase, fallbackMs };
    case "hparams":
      return { how: "write", file: "hparams.json", n: 1, phase, fallbackMs };
  }
}

const killsIn = (rounds: readonly { kills: readonly { landed: string }[] }[]) =>
  rounds.reduce((n, r) => n + r.kills.filter((k) => k.landed !== "finished").length, 0);
const started = performance.now();
const { rounds, referenceSeconds } = await killAndResume({
  args: ARGS,
  dataDir,
  seed,
  rounds: 1000,
  plan,
  log: (m) => console.error(m),
  enough: (done) => killsIn(done) >= target,
});
const identical = rounds.filter((r) => r.differences.length === 0).length;
console.log(`\nlottery run ${ARGS.join(" ")} (LOTTERY_CHECKPOINT_SECONDS=0), seed ${seed}`);
console.log(`uninterrupted run: ${referenceSeconds.toFixed(1)} s; stress wall time ${((performance.now() - started) / 1000).toFixed(0)} s`);
console.log(`kills survived: ${killsIn(rounds)} in ${rounds.length} rounds (${rounds.reduce((n, r) => n + r.processes, 0)} processes)`);
console.log(`rounds resumed to byte-identical files: ${identical} of ${rounds.length}`);
console.log("\n| where the kill landed | kills |\n|---|---|");
for (const [where, n] of [...tally(rounds)].sort((a, b) => b[1] - a[1])) console.log(`| ${where} | ${n} |`);
for (const [i, r] of rounds.entries()) if (r.differences.length) console.log(`round ${i} DIFFERS: ${r.differences.join(", ")}`);
process.exitCode = identical === rounds.length ? 0 : 1;
