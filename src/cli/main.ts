// The `lottery` command line.
import { Command } from "commander";
import { Kernels, SPARSE_CROSSOVER_DENSITY } from "../kernels/index.js";

const program = new Command();
program
  .name("lottery")
  .description("Find lottery tickets (Frankle & Carbin, ICLR 2019) with SIMD WebAssembly kernels that skip pruned weights.")
  .showHelpAfterError();

program
  .command("info")
  .description("print what this runtime gives the kernels: SIMD level (plain or relaxed/FMA), shared memory, crossover density")
  .action(async () => {
    const k = await Kernels.create();
    console.log(`simd: ${k.simd}${k.simd === "relaxed" ? " (fused multiply-add)" : ""}`);
    console.log(`shared memory: ${k.shared}`);
    console.log(`sparse kernels below density: ${SPARSE_CROSSOVER_DENSITY}`);
  });

await program.parseAsync(process.argv);
