// `lottery instability DIR --level L --rewind K`: linear mode connectivity of a level's subnetwork
// rewound to iteration K (Frankle et al., 2020); see src/lottery/instability.ts.
import { Command } from "commander";
import { runInstability, writeInstabilityReport } from "../node.js";
import { checkpointSecondsFromEnv } from "./run.js";
import { addRuntimeOptions, integerFlag, invalidValue, pct, type RuntimeOptions } from "./common.js";

function rewindList(v: string): number[] {
  const list = v.split(",").map((s) => Number(s.trim()));
  if (!list.length || list.some((n) => !Number.isSafeInteger(n) || n < 0))
    throw invalidValue("Use an iteration or a comma-separated list of them, e.g. 0,100,500.");
  return list;
}

export function instabilityCommand(): Command {
  const cmd = new Command("instability")
    .argument("<dir>", "an experiment directory (printed by `lottery run`)")
    .description(
      "instability analysis (linear mode connectivity, Frankle et al. 2020): train two copies of level L's subnetwork from the weights of iteration K with different data orders, measure test error along the line between them, and report the instability (largest error on the path minus the endpoints' mean); results in DIR/instability/ with instability.csv and figures of instability and ticket accuracy vs K; rerunning resumes",
    )
    .requiredOption("--level <L>", "the iterative level whose mask is analysed (must be finished)", integerFlag(0, 100, "a finished iterative level"))
    .requiredOption(
      "--rewind <K>",
      "rewind iteration(s): the copies start from the dense training's weights at iteration K (comma-separated for a sweep, e.g. 0,50,100,500)",
      rewindList,
    )
    .option("--trial <t>", "the trial whose mask and weights are used", integerFlag(0, 99, "a trial index"), 0)
    .option("--points <n>", "points on the path, both endpoints included (at least 30)", integerFlag(30, 10000, "at least 30"), 31)
    .option("--same-order", "train both copies on the trial's own data order (a check: the instability must come out exactly 0)")
    .option("--json", "stdout gets one JSON object per analysis (the whole result, with the path)")
    .addHelpText(
      "after",
      "\nEnvironment:\n  LOTTERY_CHECKPOINT_SECONDS  seconds between mid-copy checkpoints (default 60; 0 = at every evaluation); a killed analysis resumes from them",
    );
  addRuntimeOptions(cmd);
  cmd.action(
    async (dir: string, opts: RuntimeOptions & { level: number; rewind: number[]; trial: number; points: number; sameOrder?: boolean; json?: boolean }) => {
      const text = opts.json ? process.stderr : process.stdout;
      for (const k of opts.rewind) {
        const { result, stored } = await runInstability({
          dir,
          level: opts.level,
          rewind: k,
          trial: opts.trial,
          points: opts.points,
          sameOrder: opts.sameOrder,
          dataDir: opts.dataDir,
          fetchIfMissing: true,
          threads: opts.threads,
          kernelMode: opts.kernels,
          checkpointSeconds: checkpointSecondsFromEnv(process.env.LOTTERY_CHECKPOINT_SECONDS),
          log: (m) => process.stderr.write(`${m}\n`),
        });
        text.write(
          `level ${result.level} (Pm ${pct(result.pm)}), rewind ${result.rewind}, trial ${result.trial}${result.same_order ? ", same data order" : ""}: ` +
            `instability ${pct(result.instability)} (endpoints ${pct(result.endpoint_test_accuracy[0])} and ${pct(result.endpoint_test_accuracy[1])} test accuracy, ` +
            `largest error on the path ${pct(Math.max(...result.path.map((p) => p.test_error)))}, ${result.path.length} points)${stored ? " [stored]" : ""}\n`,
        );
        if (opts.json) process.stdout.write(`${JSON.stringify(result)}\n`);
      }
      for (const f of await writeInstabilityReport(dir)) text.write(`wrote ${f}\n`);
    },
  );
  return cmd;
}
