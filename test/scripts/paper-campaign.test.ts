// scripts/paper-campaign.sh, issue #14's experiments as session-sized units, checked without
// training: every unit of every lane passes `lottery run --dry-run` (flags, settings, control
// levels), the published units keep the names their docs/results folders came from, each trains
// the runs docs/results counts on, and a lane skips what is published and publishes what it trains.
import test from "ava";
import { execFileSync } from "node:child_process";
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import { runCli } from "../helpers/cli.js";
import { dataDir } from "../helpers/data.js";

const SCRIPT = fileURLToPath(new URL("../../scripts/paper-campaign.sh", import.meta.url));

interface Planned {
  label: string;
  args: string[];
  experiment: string;
  runs: number;
  exists: boolean;
  changed: Record<string, unknown>;
}

const printLane = (lane: string) => execFileSync("sh", [SCRIPT, "--print", lane], { encoding: "utf8" }).trim().split("\n");

test("every lane: each unit passes --dry-run, keeps its published name, and trains the runs docs/results counts", async (t) => {
  const out = mkdtempSync(join(tmpdir(), "lottery-campaign-"));
  try {
    const planned: Planned[] = [];
    for (const lane of ["a", "b", "w"]) {
      for (const line of printLane(lane)) {
        const [label, ...args] = line.split(" ");
        const r = await runCli(["run", ...args, "--out", out, "--data-dir", dataDir("cifar10"), "--dry-run", "--json"]);
        t.is(r.code, 0, `${label}: ${r.stderr}`);
        const d = JSON.parse(r.stdout.trim()) as Omit<Planned, "label" | "args">;
        planned.push({ label: label!, args, ...d, experiment: basename(d.experiment) });
      }
    }
    const byLabel = Object.fromEntries(planned.map((p) => [p.label, p]));
    // The published units came from exactly these commands (their runs.csv and hparams.json are in
    // docs/results under the label).
    t.is(byLabel["resnet20_3k_lr0.03"]?.experiment, "resnet20_a448116a0db87626");
    t.is(byLabel["resnet20_3k_lr0.01"]?.experiment, "resnet20_dc13743b8700d92c");
    t.is(byLabel["resnet20_3k_lr0.1"]?.experiment, "resnet20_8e3057ee0e19b1a8");
    t.is(byLabel.conv2_dropout_5k_coarse?.experiment, "conv2_dropout_cad3e83b04483d2b");
    t.deepEqual(Object.fromEntries(planned.map((p) => [p.label, p.runs])), {
      "resnet20_3k_lr0.03": 5,
      "resnet20_3k_lr0.1": 5,
      conv2_5k_coarse: 5,
      "resnet20_3k_lr0.01": 5,
      conv2_dropout_5k_coarse: 5,
      conv4_5k_coarse: 5,
      conv6_5k_coarse: 4,
      "vgg19_2812_lr0.1": 4,
      "vgg19_2812_lr0.01": 4,
      vgg19_2812_layerwise: 4,
    });
    // Each unit is its own experiment, and the coarse rates reach the paper's levels (the dry run
    // lists the settings that differ from the model's defaults).
    t.is(new Set(planned.map((p) => p.experiment)).size, planned.length);
    t.is(byLabel.conv2_5k_coarse?.changed["pruning.rateFc"], 0.5588);
    t.is(byLabel.vgg19_2812_layerwise?.changed["pruning.scope"], "layerwise");
    t.true(
      planned.every((p) => !p.exists),
      "a dry run writes nothing: the temporary --out stays empty",
    );
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test("a lane skips the units published in docs/results, trains the others and publishes them", (t) => {
  // A copy of the script in a scratch checkout whose bin/lottery.js and publish-results.sh only
  // record what they are asked to do.
  const root = mkdtempSync(join(tmpdir(), "lottery-campaign-root-"));
  try {
    mkdirSync(join(root, "scripts"));
    mkdirSync(join(root, "bin"));
    copyFileSync(SCRIPT, join(root, "scripts/paper-campaign.sh"));
    const calls = join(root, "calls.txt");
    writeFileSync(
      join(root, "bin/lottery.js"),
      `const fs = require("node:fs");
const args = process.argv.slice(2);
if (args.includes("--dry-run")) console.log(JSON.stringify({ experiment: "/store/" + args[args.indexOf("--model") + 1] + "_x" }));
else fs.appendFileSync(${JSON.stringify(calls)}, args.join(" ") + "\\n");
`,
    );
    writeFileSync(join(root, "package.json"), "{}");
    writeFileSync(
      join(root, "scripts/publish-results.sh"),
      `mkdir -p docs/results/$2 && echo "$1" > docs/results/$2/runs.csv && echo "publish $1 $2" >> ${calls}\n`,
    );
    chmodSync(join(root, "scripts/publish-results.sh"), 0o755);
    const [first, ...rest] = printLane("b").map((line) => line.split(" ")[0]!);
    t.deepEqual(rest, ["conv2_dropout_5k_coarse", "conv2_5k_coarse"]);
    mkdirSync(join(root, "docs/results", first!), { recursive: true });
    writeFileSync(join(root, "docs/results", first!, "runs.csv"), "published\n");
    const lane = () =>
      execFileSync("sh", [join(root, "scripts/paper-campaign.sh"), "b", join(root, "out"), "/data"], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    lane();
    const log = readFileSync(calls, "utf8").trim().split("\n");
    t.is(log.length, 4, log.join("\n"));
    const models = ["conv2_dropout", "conv2"];
    rest.forEach((label, i) => {
      t.regex(log[2 * i]!, new RegExp(`^run --model ${models[i]} .* --eval-test best --out ${root}/out --data-dir /data --json --no-report$`));
      t.is(log[2 * i + 1], `publish /store/${models[i]}_x ${label}`);
      t.true(existsSync(join(root, "docs/results", label, "runs.csv")));
    });
    // The next session's lane finds every unit published and trains nothing.
    lane();
    t.is(readFileSync(calls, "utf8").trim().split("\n").length, 4);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("a dry run of a bad command fails as the run would: --control-levels beyond --levels", async (t) => {
  const r = await runCli([
    "run",
    "--model",
    "resnet20",
    "--levels",
    "5",
    "--controls",
    "reinit",
    "--control-levels",
    "3,7",
    "--data-dir",
    dataDir("cifar10"),
    "--dry-run",
  ]);
  t.is(r.code, 1, r.stderr);
  t.regex(r.stderr, /--control-levels 3,7: level 7 is beyond --levels 5; raise --levels or list levels from 1 to 5/);
});
