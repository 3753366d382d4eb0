// `lottery report DIR`: the experiment's figures (SVG) and report.html, from what the store holds.
import { Command } from "commander";
import { paperComparisonMarkdown, writeExperimentReport } from "../node.js";

export function reportCommand(): Command {
  return new Command("report")
    .argument("<dir>", "an experiment directory (printed by `lottery run`)")
    .description(
      "write DIR/report.html, DIR/runs.csv (one row per trained network) and one SVG per figure: accuracy and early-stop iteration vs Pm (ticket vs controls, mean and range over trials), accuracy over training, per-layer sparsity, initial vs final magnitudes; for the paper's networks run with its method, its numbers beside the experiment's (\"Against the paper\", also printed)",
    )
    .action(async (dir: string) => {
      const written = await writeExperimentReport(dir);
      if (written.paper) console.log(`Against the paper:\n\n${paperComparisonMarkdown(written.paper)}\n`);
      console.log(`wrote ${written.html}`);
      for (const svg of written.svgs) console.log(`wrote ${svg}`);
      console.log(`wrote ${written.csv}`);
    });
}
