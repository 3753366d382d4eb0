// `lottery export DIR`: one trained network of an experiment as a ticket file (.ltk, see
// src/ticket/format.ts; exportTicket), or with --format onnx as an ONNX model (src/export/onnx.ts).
import { Command } from "commander";
import { readFileSync } from "node:fs";
import {
  type Branch,
  denseBytes,
  describeRun,
  exportOnnx,
  type ExportOptions,
  exportTicket,
  type InitializerMode,
  type RunId,
  RUN_BRANCHES,
  writeFileAtomic,
} from "../node.js";
import { integerFlag, invalidValue, pct } from "./common.js";
import { type ExportFormat, onnxSummary, parseFormat, parseInitializers, sourceKind } from "./export-onnx.js";

export function formatBytes(n: number): string {
  if (n >= 2 ** 20) return `${(n / 2 ** 20).toFixed(2)} MiB`;
  if (n >= 2 ** 10) return `${(n / 2 ** 10).toFixed(1)} KiB`;
  return `${n} B`;
}

/** "0.4 MiB (dense f32: 1.02 MiB; 17.1x smaller)". */
export function sizeLine(bytes: number, dense: number): string {
  const ratio = dense / bytes;
  return `${formatBytes(bytes)} (dense f32 model: ${formatBytes(dense)}; ${ratio >= 1 ? `${ratio.toFixed(ratio < 10 ? 2 : 1)}x smaller` : `${(1 / ratio).toFixed(2)}x larger`})`;
}

function parsePm(v: string): number {
  const n = Number(v);
  if (!(n > 0 && n < 1)) throw invalidValue("Use a Pm in (0, 1), as given to `lottery run --one-shot`.");
  return n;
}

interface ExportCliOptions {
  out: string;
  format: ExportFormat;
  initializers?: InitializerMode;
  trial: number;
  level?: number;
  oneShot?: number;
  branch: string;
  fp16?: boolean;
  dataDir?: string;
  json?: boolean;
}

/** Flags that pick a run of an experiment (or its value type), meaningless for a ticket file. */
const RUN_FLAGS = [
  ["trial", "--trial"],
  ["level", "--level"],
  ["oneShot", "--one-shot"],
  ["branch", "--branch"],
  ["fp16", "--fp16"],
] as const;

function packageVersion(): string {
  return (JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string }).version;
}

/** The run of the experiment in `source` that the flags pick, as exportTicket takes it. */
function runOptions(source: string, opts: ExportCliOptions, log: (m: string) => void): ExportOptions {
  const { trial, level, oneShot, dataDir } = opts;
  return { dir: source, trial, level, oneShot, branch: opts.branch as Branch, valueType: opts.fp16 ? "f16" : "f32", dataDir, log };
}

/** `--format onnx`: from the experiment's run (its ticket, not evaluated) or from a ticket file. */
async function exportOnnxCommand(source: string, opts: ExportCliOptions, cmd: Command, log: (m: string) => void): Promise<void> {
  let ticket: Uint8Array,
    run: RunId | null = null;
  if (sourceKind(source) === "file") {
    const given = RUN_FLAGS.filter(([key]) => cmd.getOptionValueSource(key) === "cli").map(([, flag]) => flag);
    if (given.length) {
      throw new Error(
        `${given.join(", ")} ${given.length > 1 ? "select" : "selects"} a run of an experiment directory, but ${source} is a file: give the experiment directory, or drop ${given.length > 1 ? "them" : "it"} to convert ${source} as a ticket file`,
      );
    }
    ticket = new Uint8Array(readFileSync(source));
  } else {
    // ONNX runtimes measure their own accuracy; the export does not spend a pass over the test split.
    const r = await exportTicket({ ...runOptions(source, opts, log), evaluate: false });
    ticket = r.bytes;
    run = r.run;
  }
  const r = await exportOnnx(ticket, { initializers: opts.initializers, source, producerVersion: packageVersion() });
  writeFileAtomic(opts.out, r.bytes);
  const dense = denseBytes(r.manifest);
  for (const line of onnxSummary(opts.out, r, sizeLine(r.bytes.length, dense), run ? describeRun(run) : null)) console.log(line);
  if (opts.json) {
    const m = r.manifest;
    console.log(
      JSON.stringify({
        file: opts.out,
        format: "onnx",
        bytes: r.bytes.length,
        dense_bytes: dense,
        model: m.model.name,
        run,
        pm: m.pm,
        value_type: m.value_type,
        input: r.input,
        output: r.output,
        sparse_initializers: r.sparse,
      }),
    );
  }
}

export function exportCommand(): Command {
  return new Command("export")
    .argument("<source>", "an experiment directory (printed by `lottery run`); with --format onnx also a ticket file (.ltk)")
    .description(
      "write one trained network of an experiment as a ticket file (.ltk) for inference: pruned weights in CSR (f32 or f16 values), other parameters dense, the input normalization, and the test accuracy the file itself gives (measured now); or, with --format onnx, as a standard ONNX model (IR 8, opset 17) taking the same u8 images",
    )
    .requiredOption("--out <file>", "the file to write (e.g. model.ltk, model.onnx)")
    .option("--format <format>", "ltk (the ticket file) or onnx (ONNX model: u8 image input normalized in the graph, logits output)", parseFormat, "ltk")
    .option(
      "--initializers <mode>",
      "onnx: how pruned weights are stored: auto (sparse initializers where smaller, below density 1/3), sparse (all), dense (zeros kept; for runtimes without sparse initializers)",
      parseInitializers,
    )
    .option("--trial <t>", "trial", integerFlag(0), 0)
    .option("--level <L>", "iterative level (default: the deepest finished level)", integerFlag(0))
    .option("--one-shot <pm>", "the one-shot run to this Pm instead of an iterative level", parsePm)
    .option("--branch <branch>", `which network of the run: ${RUN_BRANCHES.join(", ")} (the controls need \`lottery run --controls\`)`, "ticket")
    .option("--fp16", "store the kept weights' values as f16 (half the bytes; the recorded accuracy is measured with the rounded values)")
    .option(
      "--data-dir <dir>",
      "directory holding mnist/ and cifar10/, for the normalization statistics and the test split (default: $LOTTERY_DATA_DIR, else the user cache)",
    )
    .option("--json", "end stdout with one JSON object: file, bytes, dense_bytes, ratio, pm, accuracy, ...")
    .action(async (source: string, opts: ExportCliOptions, cmd: Command) => {
      const log = (m: string) => process.stderr.write(`${m}\n`);
      if (opts.format === "onnx") return exportOnnxCommand(source, opts, cmd, log);
      if (opts.initializers !== undefined) throw new Error("--initializers applies to --format onnx; a .ltk ticket always stores pruned weights in CSR");
      if (sourceKind(source) === "file")
        throw new Error(
          `${source} is a file, not an experiment directory: a .ltk export reads the run from its experiment (to convert a ticket file to ONNX, add --format onnx)`,
        );
      const r = await exportTicket(runOptions(source, opts, log));
      writeFileAtomic(opts.out, r.bytes);
      const m = r.manifest,
        a = m.accuracy!;
      console.log(`wrote ${opts.out}: ${m.model.name} ${describeRun(r.run)}, Pm ${pct(m.pm)}, ${m.value_type} values`);
      console.log(`  size: ${sizeLine(r.bytes.length, r.denseBytes)}`);
      console.log(`  test accuracy of the file: ${pct(a.accuracy)} (${a.correct}/${a.count}; ${a.kernels} kernels, ${a.simd} SIMD, batch ${a.batch_size})`);
      console.log(
        `  training recorded: ${pct(r.summary.final_test_accuracy)} at the end, ${pct(r.summary.early_stop_test_accuracy)} at early stop (iteration ${r.summary.early_stop_iteration})`,
      );
      if (opts.json) {
        console.log(
          JSON.stringify({
            file: opts.out,
            bytes: r.bytes.length,
            dense_bytes: r.denseBytes,
            ratio: +(r.denseBytes / r.bytes.length).toFixed(3),
            model: m.model.name,
            run: r.run,
            pm: m.pm,
            value_type: m.value_type,
            accuracy: a.accuracy,
            correct: a.correct,
            count: a.count,
            training_final_test_accuracy: r.summary.final_test_accuracy,
          }),
        );
      }
    });
}
