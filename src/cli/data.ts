// `lottery data fetch <name>`: download a registered dataset's official files into the cache,
// verifying each checksum before anything is stored; `lottery data list`: the registry.
import { Command } from "commander";
import { datasetNames, fetchDataset, manifestFor } from "../node.js";

export function dataCommand(): Command {
  const data = new Command("data").description(`manage datasets (${datasetNames().join(", ")})`);
  data
    .command("fetch")
    .argument("<dataset>", datasetNames().join(", "))
    .description("download a dataset's official files into the user cache, verifying each file's checksum (sha256, or the publisher's md5) before storing it")
    .option(
      "--mirror <url>",
      `base URL to download from (default: the official location; env ${datasetNames()
        .map((n) => manifestFor(n).mirrorEnv)
        .filter((v, i, a) => a.indexOf(v) === i)
        .join(" / ")})`,
    )
    .option("--cache-dir <dir>", "cache directory (default: $LOTTERY_CACHE_DIR, else $XDG_CACHE_HOME/lottery-wasm, else ~/.cache/lottery-wasm)")
    .option("--force", "download again even if verified copies are cached")
    .action(async (name: string, opts: { mirror?: string; cacheDir?: string; force?: boolean }) => {
      if (!datasetNames().includes(name))
        throw new Error(
          `unknown dataset "${name}": use one of ${datasetNames().join(", ")} (local directories, idx:DIR, cifar:DIR, folder:DIR, need no fetch)`,
        );
      const result = await fetchDataset(name, { mirror: opts.mirror, cacheDir: opts.cacheDir, force: opts.force });
      console.log(`${name}: ${result.downloaded.length} downloaded, ${result.present.length} already cached, in ${result.dir}`);
    });
  data
    .command("list")
    .description("the registered datasets: shape, classes, files and where they are downloaded from")
    .action(() => {
      for (const name of datasetNames()) {
        const m = manifestFor(name);
        console.log(`${name.padEnd(16)} ${m.shape.join("x").padEnd(8)} ${String(m.classes).padStart(3)} classes  ${m.description}`);
        console.log(
          `${"".padEnd(16)} files in <data dir>/${m.subdir}/: ${m.files.map((f) => f.name).join(", ")}; download ${m.defaultMirror}${m.archive ? m.archive.name : ""} (${m.mirrorEnv})`,
        );
      }
      console.log('Local directories: --dataset idx:DIR, cifar:DIR or folder:DIR (see README "Your own data and model").');
    });
  return data;
}
