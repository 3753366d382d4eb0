// `lottery compare DIR1 DIR2 ...`: experiments of one network and dataset side by side (criteria,
// strategies, scopes): a table of test accuracy and wall time at the Pm values they share, and a figure.
import { Command } from "commander";
import { mkdirSync } from "node:fs";
import { comparisonMarkdown, writeComparison } from "../node.js";
import { invalidValue } from "./common.js";

export function compareCommand(): Command {
  return new Command("compare")
    .argument("<dirs...>", "two or more experiment directories (printed by `lottery run`) of the same model and dataset")
    .option(
      "--pm <list>",
      "table columns: of the Pm values the experiments share, those nearest to these (e.g. 0.108,0.036,0.018; default: every shared Pm)",
      (v: string) => {
        const list = v.split(",").map((x) => Number(x.trim()));
        if (list.some((x) => !(x > 0 && x <= 1))) throw invalidValue("Use fractions of weights remaining in (0, 1], comma-separated, e.g. 0.108,0.036,0.018.");
        return list;
      },
    )
    .option("--out <dir>", "where to write compare.md, compare.csv, compare.html and compare-accuracy-vs-pm.svg", "comparison")
    .description(
      "compare experiments of one network and dataset side by side (e.g. pruning criteria, or conv2 against conv2_dropout): test accuracy at early stop and wall time at the Pm values they share (table), and accuracy vs Pm (figure)",
    )
    .action(async (dirs: string[], opts: { out: string; pm?: number[] }) => {
      mkdirSync(opts.out, { recursive: true });
      const { files, comparison } = await writeComparison(dirs, opts.out, opts.pm ?? []);
      process.stdout.write(comparisonMarkdown(comparison));
      for (const f of files) console.log(`wrote ${f}`);
    });
}
