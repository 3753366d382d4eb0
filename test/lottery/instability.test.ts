// Instability analysis on a tiny real experiment: two copies on the same data order are the same
// network, so the path is flat and the instability exactly 0; different orders give two networks,
// and every point and file of the analysis is stored and read back on rerun.
import test from "ava";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defaultsFor, resolveHparams } from "../../src/hparams/resolve.js";
import { runExperiment } from "../../src/lottery/experiment.js";
import { instabilityDir, runInstability } from "../../src/lottery/instability.js";
import { getModel } from "../../src/models/registry.js";
import { writeInstabilityReport } from "../../src/report/instability.js";
import { dataDir, realDataset } from "../helpers/data.js";

test("same data order: instability exactly 0; different orders: two networks, stored and resumed; plots written", async (t) => {
  const root = mkdtempSync(join(tmpdir(), "lottery-instability-"));
  try {
    const defaults = defaultsFor(getModel("lenet_300_100"));
    const hp = resolveHparams(defaults, { training: { iterations: 60, evalEvery: 60 }, pruning: { levels: 1 }, dataset: { valSize: 1000 } });
    const { store } = await runExperiment({ hp, defaults, root, dataset: await realDataset("mnist", 1000) });
    const base = { dir: store.dir, level: 1, dataDir: dataDir(), threads: 1 };

    const same = await runInstability({ ...base, rewind: 20, sameOrder: true });
    t.false(same.stored);
    t.is(same.result.path.length, 31);
    t.is(same.result.instability, 0, "identical copies: every point of the path is the same network");
    t.is(same.result.endpoint_test_accuracy[0], same.result.endpoint_test_accuracy[1]);
    t.true(same.result.path.every((p) => p.test_error === same.result.path[0]!.test_error));

    const diff = await runInstability({ ...base, rewind: 0 });
    t.not(diff.result.data_seeds[0], diff.result.data_seeds[1]);
    t.not(diff.result.endpoint_test_accuracy[0], diff.result.endpoint_test_accuracy[1], "different data orders train different networks");
    t.true(Number.isFinite(diff.result.instability));
    const dir = instabilityDir(store.dir, 1, 0, 0, false);
    for (const f of ["copy_0.lt", "copy_1.lt", "result.json"]) t.true(existsSync(join(dir, f)), f);
    const again = await runInstability({ ...base, rewind: 0 });
    t.true(again.stored);
    t.deepEqual(again.result, diff.result);

    const written = await writeInstabilityReport(store.dir);
    t.deepEqual(
      written.map((f) => f.split("/").pop()),
      ["instability.csv", "instability-vs-rewind.svg", "ticket-accuracy-vs-rewind.svg"],
    );

    await t.throwsAsync(runInstability({ ...base, rewind: 60 }), { message: /invalid --rewind 60: use an iteration in \[0, 59\]/ });
    await t.throwsAsync(runInstability({ ...base, rewind: 0, points: 10 }), { message: /invalid --points 10: use an integer of at least 30/ });
    await t.throwsAsync(runInstability({ ...base, level: 2, rewind: 0 }), { message: /has no finished trial 0 level 2/ });
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
