// Fault injection in the suite (issue 17): a short LeNet experiment through the CLI is SIGKILLed five
// times, at the start of the experiment (writing θ0), mid-checkpoint, mid-training and in the
// final writes of a run, resumed each time, and must end byte for byte as an uninterrupted run
// (summaries without their timings). `npm run stress` does the same with dozens of random kills.
import test from "ava";
import { type Kill, killAndResume } from "../helpers/kill-resume.js";
import { dataDir } from "../helpers/data.js";

const ARGS = ["--levels", "1", "--iterations", "60", "--eval-every", "30", "--controls", "reinit", "--val-size", "200", "--threads", "1"];

/** One round: five kills at chosen places, then a resume that runs to the end. */
const PLAN: (Kill | null)[] = [
  { how: "write", file: "theta0.lt", n: 1, phase: "partial", fallbackMs: 60_000 },
  { how: "write", file: "checkpoint.lt", n: 2, phase: "unrenamed", fallbackMs: 60_000 },
  { how: "timed", afterMs: 300 },
  { how: "write", file: "final.lt", n: 1, phase: "renamed", fallbackMs: 60_000 },
  { how: "write", file: "summary.json", n: 1, phase: "partial", fallbackMs: 60_000 },
  null,
];

test("killed five times (writing θ0, a checkpoint and a run's final files, and mid-training), the experiment resumes to exactly the uninterrupted results", async (t) => {
  const { rounds } = await killAndResume({ args: ARGS, dataDir: dataDir(), rounds: 1, seed: 17, plan: (_round, i) => PLAN[i] ?? null, log: (m) => t.log(m) });
  const [round] = rounds;
  t.deepEqual(
    round!.kills.map((k) => k.landed),
    ["write theta0.lt #1 partial", "write checkpoint.lt #2 unrenamed", "training", "write final.lt #1 renamed", "write summary.json #1 partial"],
  );
  t.deepEqual(round!.differences, [], "every file is identical to the uninterrupted run's");
});
