// scripts/paper-campaign.sh, the resumable campaign of issue #14's experiments, checked without
// training: every line of both lanes passes `lottery run --dry-run` (flags, settings, control
// levels), the two experiments already running resume under their names instead of starting new
// ones, the long-schedule imports name the experiments their lane trains first, and each trains the
// runs docs/results counts on.
import test from "ava";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
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

test("both lanes: every experiment passes --dry-run, resumes or imports by the right name, and trains the runs docs/results counts", async (t) => {
  const out = mkdtempSync(join(tmpdir(), "lottery-campaign-"));
  try {
    const planned: Planned[] = [];
    for (const lane of ["a", "b"]) {
      const lines = execFileSync("sh", [SCRIPT, "--print", lane], { encoding: "utf8" }).trim().split("\n");
      for (const line of lines) {
        const [label, ...args] = line.split(" ");
        const r = await runCli(["run", ...args, "--out", out, "--data-dir", dataDir("cifar10"), "--dry-run", "--json"]);
        t.is(r.code, 0, `${label}: ${r.stderr}`);
        const d = JSON.parse(r.stdout.trim()) as Omit<Planned, "label" | "args">;
        planned.push({ label: label!, args, ...d, experiment: basename(d.experiment) });
      }
    }
    t.is(planned.length, 12);
    const byLabel = (label: string) => planned.filter((p) => p.label === label);
    const one = (label: string) => byLabel(label)[0]!;
    // The experiments started before the campaign go on in their directories.
    t.is(one("conv2-20k").experiment, "conv2_50fcfab5ad6a94e0");
    t.is(one("conv2-dropout-5k").experiment, "conv2_dropout_a58b5cc1421f39ce");
    // The long-schedule runs import the masks of the 5k experiments their lanes train.
    t.is(one("conv4-25k").changed["pruning.masksFrom"], one("conv4-5k").experiment);
    t.is(one("conv6-30k").changed["pruning.masksFrom"], one("conv6-5k").experiment);
    t.is(one("conv2-20k").changed["pruning.masksFrom"], "conv2_270bf18a6a9943af");
    // The one-shot addition extends the rate-0.1 experiment rather than starting another.
    const vgg = byLabel("vgg19-lr0.1");
    t.is(vgg.length, 2);
    t.is(vgg[0]!.experiment, vgg[1]!.experiment);
    t.deepEqual(Object.fromEntries(planned.map((p, i) => [`${p.label}${planned.findIndex((q) => q.label === p.label) === i ? "" : " (again)"}`, p.runs])), {
      "conv2-20k": 5,
      "resnet20-lr0.03": 15,
      "resnet20-lr0.01": 15,
      "vgg19-lr0.1": 15,
      "vgg19-lr0.01": 15,
      "vgg19-lr0.1 (again)": 17,
      "vgg19-layerwise": 3,
      "conv6-30k": 5,
      "conv2-dropout-5k": 29,
      "conv4-5k": 25,
      "conv4-25k": 5,
      "conv6-5k": 21,
    });
    // Each experiment's own name: no two lines but the one-shot addition share a directory.
    t.is(new Set(planned.map((p) => p.experiment)).size, 11);
    t.true(
      planned.every((p) => !p.exists),
      "a dry run writes nothing: the temporary --out stays empty",
    );
  } finally {
    rmSync(out, { recursive: true, force: true });
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
