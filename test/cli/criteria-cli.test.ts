// Every pruning criterion through `lottery run` on real MNIST (a tiny protocol): it trains,
// names the experiment after the criterion, records it in hparams.json, and prunes to the
// schedule's counts. The default criterion keeps the names of existing experiments, and an
// experiment stored before criteria existed (no criterion in its hparams.json) still opens.
import test from "ava";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defaultsFor, hparamHash, resolveHparams } from "../../src/hparams/resolve.js";
import { getModel } from "../../src/models/registry.js";
import { EXTENT_FIELDS, ExperimentStore } from "../../src/store/experiment.js";
import { sealJson, unsealJson } from "../../src/store/sealed-json.js";
import { runCli } from "../helpers/cli.js";
import { dataDir } from "../helpers/data.js";

const ARGS = ["--levels", "1", "--one-shot", "0.1", "--iterations", "20", "--eval-every", "20", "--val-size", "500", "--threads", "1", "--no-report"];

for (const [criterion, scope] of [
  ["magnitude", "layerwise"],
  ["random", "layerwise"],
  ["snip", "global"],
  ["grasp", "global"],
  ["synflow", "global"],
] as const) {
  test.serial(`lottery run --criterion ${criterion} --scope ${scope} trains and names the experiment after it`, async (t) => {
    const root = mkdtempSync(join(tmpdir(), `lottery-${criterion}-`));
    try {
      const r = await runCli(["run", ...ARGS, "--criterion", criterion, "--scope", scope, "--data-dir", dataDir(), "--out", root, "--json"]);
      t.is(r.code, 0, r.stderr);
      const [dir] = readdirSync(root);
      t.regex(dir!, criterion === "magnitude" ? /^lenet_300_100_[0-9a-f]{16}$/ : new RegExp(`^lenet_300_100_${criterion}_[0-9a-f]{16}$`));
      const hp = unsealJson(readFileSync(join(root, dir!, "hparams.json"), "utf8")) as { pruning: { criterion: string } };
      t.is(hp.pruning.criterion, criterion);
      const lines = r.stdout
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l) as { level: number; kind: string; pm: number; final_test_accuracy: number });
      t.deepEqual(
        lines.map((l) => `${l.kind}/${l.level}`),
        ["iterative/0", "iterative/1", "oneshot/0.1"],
      );
      t.true(Math.abs(lines[2]!.pm - 0.1) < 1e-4, `one-shot Pm ${lines[2]!.pm}`);
      for (const l of lines)
        t.true(l.final_test_accuracy > 0.25, `${l.kind} ${l.level} learned something in 20 iterations (${l.final_test_accuracy}; chance is 0.1)`);
      if (criterion !== "synflow") return;
      // Rerunning resumes: every run is found stored, nothing is pruned or trained again.
      const again = await runCli(["run", ...ARGS, "--criterion", criterion, "--scope", scope, "--data-dir", dataDir(), "--out", root, "--json"]);
      t.is(again.code, 0, again.stderr);
      t.true(
        again.stdout
          .trim()
          .split("\n")
          .every((l) => (JSON.parse(l) as { resumed: boolean }).resumed),
      );
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
}

test("an unknown criterion is refused with the allowed names", async (t) => {
  const r = await runCli(["run", "--criterion", "obd", "--iterations", "10", "--out", join(tmpdir(), "never")]);
  t.not(r.code, 0);
  t.regex(r.stderr, /invalid --criterion "obd": must be one of magnitude, random, snip, grasp, synflow/);
});

test("the default criterion leaves experiment names as they were, and an experiment stored without a criterion opens", (t) => {
  const defaults = defaultsFor(getModel("lenet_300_100"));
  const hp = resolveHparams(defaults, { training: { iterations: 2000 } });
  const withoutCriterion = (h: typeof hp) => ({ ...h, pruning: Object.fromEntries(Object.entries(h.pruning).filter(([k]) => k !== "criterion")) }) as typeof hp;
  t.is(ExperimentStore.experimentName(hp, defaults), `lenet_300_100_${hparamHash(withoutCriterion(hp), withoutCriterion(defaults), EXTENT_FIELDS)}`);
  const root = mkdtempSync(join(tmpdir(), "lottery-legacy-"));
  try {
    const store = ExperimentStore.open(root, hp, defaults);
    const file = join(store.dir, "hparams.json");
    const { checksum: _, ...stored } = unsealJson(readFileSync(file, "utf8")) as Record<string, unknown> & { checksum: string };
    writeFileSync(file, JSON.stringify(sealJson(withoutCriterion(stored as typeof hp))));
    t.notThrows(() => ExperimentStore.open(root, hp, defaults));
    t.is(ExperimentStore.read(store.dir).hp.pruning.criterion, "magnitude");
    t.throws(() => ExperimentStore.openDir(store.dir, resolveHparams(defaults, { training: { iterations: 2000 }, pruning: { criterion: "snip" } })), {
      message: /pruning\.criterion: stored "magnitude", now "snip"/,
    });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
