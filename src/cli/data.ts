// `lottery data fetch <mnist|cifar10>`: download the official files into the cache, verifying
// sha256 before anything is stored.
import { Command } from "commander";
import { fetchDataset } from "../data/index.js";
import type { DatasetName } from "../data/types.js";

export function dataCommand(): Command {
  const data = new Command("data").description("manage datasets (MNIST, CIFAR-10)");
  data
    .command("fetch")
    .argument("<dataset>", "mnist or cifar10")
    .description("download a dataset's official files into the user cache, verifying each file's sha256 before storing it")
    .option("--mirror <url>", "base URL to download from (default: the official location; env LOTTERY_MNIST_MIRROR / LOTTERY_CIFAR10_MIRROR)")
    .option("--cache-dir <dir>", "cache directory (default: $LOTTERY_CACHE_DIR, else $XDG_CACHE_HOME/lottery-wasm, else ~/.cache/lottery-wasm)")
    .option("--force", "download again even if verified copies are cached")
    .action(async (name: string, opts: { mirror?: string; cacheDir?: string; force?: boolean }) => {
      if (name !== "mnist" && name !== "cifar10") throw new Error(`unknown dataset "${name}": use mnist or cifar10`);
      const result = await fetchDataset(name as DatasetName, { mirror: opts.mirror, cacheDir: opts.cacheDir, force: opts.force });
      console.log(`${name}: ${result.downloaded.length} downloaded, ${result.present.length} already cached, in ${result.dir}`);
    });
  return data;
}
