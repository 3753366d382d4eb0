// Every kind of stored file, truncated and corrupted in turn (issue 17): using the experiment again
// (rerunning the command, its report, reading every run's weights as `lottery export` does)
// either repairs the file (what can be rebuilt: hparams.json, θ0, a checkpoint) and ends with
// exactly the undamaged results, or stops with an error naming the file and the run directory to
// delete, and following that fix ends with exactly the undamaged results. A report read from the
// damaged experiment is either the undamaged report or an error naming the file: never a silently
// different result.
import test from "ava";
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defaultsFor, resolveHparams } from "../../src/hparams/resolve.js";
import { runExperiment } from "../../src/lottery/experiment.js";
import { registerModel } from "../../src/models/registry.js";
import { lenetSpec } from "../../src/models/lenet.js";
import { collectReport } from "../../src/report/collect.js";
import { CorruptFileError } from "../../src/store/errors.js";
import { ExperimentStore } from "../../src/store/experiment.js";
import type { Dataset } from "../../src/data/types.js";
import { makeSplit } from "../../src/data/split.js";
import { realDataset } from "../helpers/data.js";
import { differences, experimentResults } from "../helpers/results.js";

// A small LeNet (784-32-16-10): what is tested is the store, and this trains 10x faster.
const model = registerModel({
  name: "lenet_32_16",
  description: "LeNet 32-16",
  dataset: "mnist",
  defaults: {},
  spec: (h) => lenetSpec(h, [32, 16], "lenet_32_16"),
});
const defaults = defaultsFor(model);
const hp = resolveHparams(defaults, {
  model: { model: "lenet_32_16" },
  training: { iterations: 20, evalEvery: 10 },
  pruning: { levels: 2, controls: ["reinit"] },
  dataset: { valSize: 200 },
});

/** MNIST with 500 test images instead of 10,000: every evaluation reads the test split. */
async function smallMnist(): Promise<Dataset> {
  const d = await realDataset("mnist", 200);
  const n = 500,
    f = 28 * 28;
  return Object.freeze({ ...d, test: makeSplit(d.test.images.subarray(0, n * f), d.test.labels.subarray(0, n), f) });
}

type Damage = "truncated" | "corrupted";

/**
 * Truncation cuts at the last line break before the middle (so metrics.jsonl stays valid JSON
 * lines, only shorter); corruption changes one digit of a JSON file (still valid JSON, a wrong
 * number) or flips one bit in the middle of a binary file.
 */
function damage(path: string, how: Damage): void {
  const bytes = readFileSync(path);
  if (how === "truncated") {
    const cut = bytes.lastIndexOf(0x0a, bytes.length >> 1);
    writeFileSync(path, bytes.subarray(0, cut > 0 ? cut + 1 : bytes.length >> 1));
    return;
  }
  if (path.endsWith(".json") || path.endsWith(".jsonl")) {
    const text = bytes.toString("utf8");
    // The first digit after the middle that is part of a number value.
    let i = text.length >> 1;
    while (!/[0-9]/.test(text[i]!) || !/[0-9.:\-e ]/.test(text[i - 1]!)) i = (i + 1) % text.length;
    writeFileSync(path, text.slice(0, i) + String((Number(text[i]) + 1) % 10) + text.slice(i + 1));
    return;
  }
  bytes[bytes.length >> 1]! ^= 0x10;
  writeFileSync(path, bytes);
}

let data: Dataset;
let pristine = "",
  partial = "";
const scratch = mkdtempSync(join(tmpdir(), "lottery-corrupt-"));
let n = 0;

function copyOf(root: string): string {
  const to = join(scratch, `case-${n++}`);
  cpSync(root, to, { recursive: true });
  return to;
}

const dirOf = (root: string) => join(root, ExperimentStore.experimentName(hp, defaults));

test.before(async () => {
  data = await smallMnist();
  pristine = join(scratch, "pristine");
  await runExperiment({ hp, defaults, root: pristine, dataset: data });
  // The same experiment stopped in level 2 right after its checkpoint at iteration 10.
  partial = copyOf(pristine);
  rmSync(join(dirOf(partial), "trial_0", "level_2"), { recursive: true });
  const store = ExperimentStore.open(partial, hp, defaults);
  const save = store.saveCheckpoint.bind(store);
  store.saveCheckpoint = (id, state, weights) => {
    save(id, state, weights);
    throw new Error("stopped after the first checkpoint");
  };
  await runExperiment({ hp, defaults, store, dataset: data, checkpointSeconds: 0 }).catch(() => undefined);
  if (!existsSync(join(dirOf(partial), "trial_0", "level_2", "checkpoint.lt"))) throw new Error("the partial experiment has no checkpoint");
});

test.after.always(() => rmSync(scratch, { recursive: true, force: true }));

/** Everything that reads the files: rerunning the command, the report, and reading every run's weights as `lottery export` does. */
async function rerun(root: string, log: string[]): Promise<void> {
  const { summaries } = await runExperiment({ hp, defaults, root, dataset: data, log: (m) => log.push(m) });
  collectReport(dirOf(root));
  const store = ExperimentStore.read(dirOf(root));
  for (const s of summaries) {
    store.loadMask(s);
    store.loadFinal(s);
  }
}

interface Case {
  file: string;
  /** What rerunning does: rebuild the file with a message, or stop with an error naming it and the run directory. */
  outcome: "repaired" | "error";
  /** The experiment damaged (default: the finished one). */
  from?: () => string;
}

const CASES: Case[] = [
  { file: "hparams.json", outcome: "repaired" },
  { file: "trial_0/theta0.lt", outcome: "repaired" },
  { file: "trial_0/level_2/checkpoint.lt", outcome: "repaired", from: () => partial },
  { file: "trial_0/level_1/mask.lt", outcome: "error" },
  { file: "trial_0/level_1/final.lt", outcome: "error" },
  { file: "trial_0/level_2/branch_reinit/final.lt", outcome: "error" },
  { file: "trial_0/level_1/metrics.jsonl", outcome: "error" },
  { file: "trial_0/level_1/summary.json", outcome: "error" },
];

for (const c of CASES) {
  for (const how of ["truncated", "corrupted"] as const) {
    test.serial(
      `${c.file} ${how}: ${c.outcome === "repaired" ? "rebuilt with a message" : "an error naming it and the fix; the fix works"}; the results are the undamaged ones`,
      async (t) => {
        const root = copyOf(c.from?.() ?? pristine);
        const dir = dirOf(root),
          path = join(dir, c.file);
        damage(path, how);
        t.notDeepEqual(experimentResults(dir), experimentResults(dirOf(c.from?.() ?? pristine)), "the file was changed");

        // A report of the damaged experiment: the undamaged one, or an error naming the file.
        if (c.from === undefined) {
          try {
            t.deepEqual(collectReport(dir), { ...collectReport(dirOf(pristine)) });
          } catch (err) {
            t.true(err instanceof CorruptFileError && err.path === path, `report: ${(err as Error).message}`);
          }
        }

        const log: string[] = [];
        if (c.outcome === "repaired") {
          await rerun(root, log);
          t.true(
            log.some((m) => m.includes(path) && /damaged|removed it/.test(m)),
            log.join("\n"),
          );
        } else {
          const err = await t.throwsAsync(rerun(root, log));
          t.true(err instanceof CorruptFileError && err.path === path, err?.message);
          const runDir = /run directory (\S+?)\)? and rerun/.exec(err!.message)?.[1];
          t.truthy(runDir, `the message names the run directory to delete: ${err!.message}`);
          rmSync(runDir!, { recursive: true });
          await rerun(root, log);
        }
        t.deepEqual(differences(experimentResults(dir), experimentResults(dirOf(pristine))), []);
      },
    );
  }
}

test.serial("a damaged lock.json is taken over; garbage in place of a checkpoint restarts its run", async (t) => {
  const root = copyOf(partial);
  const run = join(dirOf(root), "trial_0", "level_2");
  writeFileSync(join(run, "lock.json"), '{"pid":');
  writeFileSync(join(run, "checkpoint.lt"), "garbage");
  const log: string[] = [];
  await rerun(root, log);
  t.true(
    log.some((m) => /checkpoint\.lt: not a lottery-wasm tensor file.*removed it; the run restarts/.test(m)),
    log.join("\n"),
  );
  t.deepEqual(differences(experimentResults(dirOf(root)), experimentResults(dirOf(pristine))), []);
});

test("hparams.json that is damaged cannot be guessed by `lottery report`: the error says to rerun the command", (t) => {
  const root = copyOf(pristine);
  const file = join(dirOf(root), "hparams.json");
  damage(file, "corrupted");
  t.throws(() => collectReport(dirOf(root)), {
    instanceOf: CorruptFileError,
    message: /hparams\.json: checksum mismatch.*rerun the `lottery run` command that made this experiment/,
  });
});
