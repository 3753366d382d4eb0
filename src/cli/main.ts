// The `lottery` command line.
import { Command, CommanderError } from "commander";
import { readFileSync } from "node:fs";
import { enableNodeRelaxedSimd, Kernels, SMALL_CONV_BREAK_EVEN, SPARSE_BREAK_EVEN, winogradBreakEven } from "../node.js";
import { compareCommand } from "./compare.js";
import { dataCommand } from "./data.js";
import { modelsCommand } from "./models.js";
import { exportCommand } from "./export.js";
import { instabilityCommand } from "./instability.js";
import { predictCommand } from "./predict.js";
import { reportCommand } from "./report.js";
import { runCommand } from "./run.js";
import { resumeCommand } from "./resume.js";
import { trainCommand } from "./train.js";
import { workerCommand } from "./worker.js";
import { statusCommand } from "./status.js";

// A reader that closed its end (`lottery models | head -1`) ends the command quietly, as SIGPIPE
// ends a Unix tool (exit 141): Node ignores SIGPIPE and would otherwise die on an unhandled EPIPE
// with a stack trace. A run stopped this way resumes from its last checkpoint.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code !== "EPIPE") throw err;
    process.exit(141);
  });
}

// The command owns its process, so it may switch on V8's relaxed SIMD (FMA kernels) on Node 20;
// the library leaves that process-wide flag to whoever embeds it.
await enableNodeRelaxedSimd();

const program = new Command();
program
  .name("lottery")
  .description("Find lottery tickets (Frankle & Carbin, ICLR 2019) with SIMD WebAssembly kernels that skip pruned weights.")
  .version(packageVersion(), "-V, --version", "print the package version")
  .showHelpAfterError()
  // Usage errors exit 2 (as conventional CLIs do), run failures 1; help and --version 0.
  .exitOverride();

function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };
  return pkg.version;
}

program.addCommand(runCommand());
program.addCommand(resumeCommand());
program.addCommand(trainCommand());
program.addCommand(reportCommand());
program.addCommand(compareCommand());
program.addCommand(instabilityCommand());
program.addCommand(dataCommand());
program.addCommand(modelsCommand());
program.addCommand(exportCommand());
program.addCommand(predictCommand());
program.addCommand(workerCommand());
program.addCommand(statusCommand());

program
  .command("info")
  .description("print what this runtime gives the kernels: SIMD level (plain or relaxed/FMA), shared memory, crossover density")
  .action(async () => {
    const k = await Kernels.create();
    console.log(`simd: ${k.simd}${k.simd === "relaxed" ? " (fused multiply-add)" : ""}`);
    console.log(`shared memory: ${k.shared}`);
    console.log(
      `sparse kernels below density: ${Object.entries(SPARSE_BREAK_EVEN)
        .map(([kind, d]) => `${d} (against dense ${kind})`)
        .join(", ")}, ` +
        `against Winograd ${[16, 32, 64, 128, 256, 512].map((c) => `${winogradBreakEven(c).toFixed(2)} (${c} input channels)`).join(", ")}, ` +
        `${SMALL_CONV_BREAK_EVEN} for convolutions under 4,096 weights (3-channel first layers; fully connected ones that small stay dense)`,
    );
  });

for (const sub of program.commands) sub.exitOverride();

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    // Commander has already printed its message (or the help / version).
    process.exitCode = err.exitCode === 0 ? 0 : 2;
  } else {
    // Errors are for people: the message names the problem and the fix; the stack only on request.
    const e = err as Error;
    process.stderr.write(`lottery: ${process.env.LOTTERY_DEBUG ? e.stack : e.message}\n`);
    process.exitCode = 1;
  }
}
