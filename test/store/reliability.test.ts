// The store under faults: damaged tensor headers, deleted run files, widest extent, stale temp
// files, a full disk, run locks, divergence, and resuming on other threads (issue 17; issue 20
// items 2, 4-6).
import test from "ava";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { defaultsFor, resolveHparams, type Overrides } from "../../src/hparams/resolve.js";
import { runExperiment } from "../../src/lottery/experiment.js";
import { getModel } from "../../src/models/registry.js";
import { runRecord } from "../../src/report/records.js";
import { ExperimentStore, type RunSummary } from "../../src/store/experiment.js";
import { storageIo, removeStaleTempFiles, writeFileAtomic } from "../../src/store/atomic.js";
import { decodeTensors, encodeTensors } from "../../src/store/tensors.js";
import { realDataset } from "../helpers/data.js";

const defaults = defaultsFor(getModel("lenet_300_100"));
const hp = (o: Overrides = {}) =>
  resolveHparams(defaults, {
    training: { iterations: 40, evalEvery: 20, ...o.training },
    pruning: { levels: 1, ...o.pruning },
    dataset: { valSize: 500, ...o.dataset },
  });

function tmp(): string {
  return mkdtempSync(join(tmpdir(), "lottery-rel-"));
}

test("a damaged tensor header is an error naming the file, never a TypeError; a changed offset is caught by the header checksum", (t) => {
  const bytes = encodeTensors(
    new Map<string, Float32Array | Uint8Array>([
      ["a", Float32Array.of(1, 2, 3)],
      ["b", Uint8Array.of(1, 0)],
    ]),
  );
  const headerLength = new DataView(bytes.buffer).getUint32(12, true);
  const header = new TextDecoder().decode(bytes.subarray(48, 48 + headerLength));
  // Same length, different offset: without a header checksum this would read the wrong slice.
  const moved = header.replace('"offset":16', '"offset":17');
  t.not(moved, header);
  const b2 = Uint8Array.from(bytes);
  b2.set(new TextEncoder().encode(moved), 48);
  t.throws(() => decodeTensors(b2, "x/mask.lt"), { message: /corrupt file x\/mask\.lt: header checksum mismatch/ });
  // A header with no tensor list (the old TypeError), checksummed as if written so.
  const noList = JSON.stringify({ ...JSON.parse(header), tensors: undefined });
  const v1 = new Uint8Array(16 + noList.length + 8);
  v1.set(bytes.subarray(0, 8));
  new DataView(v1.buffer).setUint32(8, 1, true);
  new DataView(v1.buffer).setUint32(12, noList.length, true);
  v1.set(new TextEncoder().encode(noList), 16);
  t.throws(() => decodeTensors(v1, "y.lt"), { message: /corrupt file y\.lt: header has no tensor list/ });
});

test("writes name the file on a full disk, leave the old file and no temp file; stale temp files of dead writers are removed", (t) => {
  const dir = tmp();
  try {
    const file = join(dir, "summary.json");
    writeFileAtomic(file, "old");
    const write = storageIo.write;
    storageIo.write = () => {
      throw Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" });
    };
    try {
      t.throws(() => writeFileAtomic(file, "new"), { message: new RegExp(`cannot write ${file.replaceAll("/", "\\/")}: no space left on the device`) });
    } finally {
      storageIo.write = write;
    }
    t.is(readFileSync(file, "utf8"), "old");
    t.deepEqual(readdirSync(dir), ["summary.json"]);
    // pid 2^22+ does not exist on Linux (pid_max is at most 2^22).
    writeFileSync(join(dir, ".final.lt.4194999.0.tmp"), "x");
    writeFileSync(join(dir, `.final.lt.${process.pid}.7.tmp`), "mine");
    t.deepEqual(removeStaleTempFiles(dir), [join(dir, ".final.lt.4194999.0.tmp")]);
    t.true(existsSync(join(dir, `.final.lt.${process.pid}.7.tmp`)));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("hparams.json keeps the widest extent; a deleted mask.lt (the corrupt-file fix) is retrained to the same bits; a corrupt checkpoint restarts the run", async (t) => {
  const root = tmp();
  try {
    const data = await realDataset("mnist", 500);
    const first = await runExperiment({ hp: hp({ pruning: { levels: 1 } }), defaults, root, dataset: data });
    const store = first.store;
    const level1 = { trial: 0, kind: "iterative" as const, level: 1, branch: "ticket" as const };
    const mask = readFileSync(join(store.runDir(level1), "mask.lt"));
    const final = readFileSync(join(store.runDir(level1), "final.lt"));
    // Corrupt the mask: the error names it and says what to delete.
    const bad = Uint8Array.from(mask);
    bad[bad.length - 1] = bad[bad.length - 1]! ^ 1;
    writeFileSync(join(store.runDir(level1), "mask.lt"), bad);
    t.throws(() => store.loadMask(level1), { message: /corrupt file .*mask\.lt: checksum mismatch; delete it \(or the run directory .*level_1\)/ });
    // Following the hint works: the run is retrained, identically.
    rmSync(join(store.runDir(level1), "mask.lt"));
    const log: string[] = [];
    await runExperiment({ hp: hp({ pruning: { levels: 0 } }), defaults, root, dataset: data });
    t.is(
      (JSON.parse(readFileSync(join(store.dir, "hparams.json"), "utf8")) as { pruning: { levels: number } }).pruning.levels,
      1,
      "levels 0 does not shrink the recorded extent",
    );
    const again = await runExperiment({ hp: hp({ pruning: { levels: 1 } }), defaults, root, dataset: data, log: (m) => log.push(m) });
    t.deepEqual(readFileSync(join(store.runDir(level1), "mask.lt")), mask);
    t.deepEqual(readFileSync(join(store.runDir(level1), "final.lt")), final);
    t.is(again.summaries.length, 2);
    // A damaged checkpoint is dropped and the run restarts (same result).
    mkdirSync(store.runDir({ ...level1, level: 2 }), { recursive: true });
    writeFileSync(join(store.runDir({ ...level1, level: 2 }), "checkpoint.lt"), "garbage");
    await runExperiment({ hp: hp({ pruning: { levels: 2 } }), defaults, root, dataset: data, log: (m) => log.push(m) });
    t.true(
      log.some((m) => /checkpoint\.lt: .*removed it; the run restarts/.test(m)),
      log.join("\n"),
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("a diverging learning rate stops the run naming run, iteration and fix; recorded, other trials go on; --on-divergence stop ends it", async (t) => {
  const root = tmp();
  try {
    const data = await realDataset("mnist", 500);
    const h = hp({ training: { lr: 9 }, pruning: { levels: 1, trials: 2 } });
    await t.throwsAsync(runExperiment({ hp: h, defaults, root, dataset: data, onDivergence: "stop" }), {
      message: /run trial 0 level 0 diverged at iteration \d+: .*lower the learning rate \(--lr\)/,
    });
    const log: string[] = [];
    const { store, summaries } = await runExperiment({ hp: h, defaults, root, dataset: data, log: (m) => log.push(m) });
    t.deepEqual(
      summaries.map((s) => `${s.trial}/${s.level}/${Boolean(s.diverged)}`),
      ["0/0/true", "1/0/true"],
    );
    t.true(log.some((m) => /going on with the runs that do not depend on it/.test(m)));
    const s = store.summary({ trial: 1, kind: "iterative", level: 0, branch: "ticket" })!;
    t.regex(s.diverged!.reason, /loss/);
    const { writeExperimentReport } = await import("../../src/report/collect.js");
    const written = await writeExperimentReport(store.dir);
    t.regex(readFileSync(written.csv, "utf8"), /,"iteration \d+: .*loss/);
    t.regex(readFileSync(written.html, "utf8"), /Diverged runs \(2\)/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("a process waiting for another's run reports each finished run once, not at every poll", async (t) => {
  const root = tmp();
  try {
    const data = await realDataset("mnist", 500);
    const { store } = await runExperiment({ hp: hp({ pruning: { levels: 0 } }), defaults, root, dataset: data });
    // Level 1 held by a live process (the parent of this one).
    const level1 = { trial: 0, kind: "iterative" as const, level: 1, branch: "ticket" as const };
    const lock = store.tryLock(level1);
    if (!("release" in lock)) throw new Error("level 1 should be free");
    const lockFile = join(store.runDir(level1), "lock.json");
    const host = (JSON.parse(readFileSync(lockFile, "utf8")) as { host: string }).host;
    writeFileSync(lockFile, JSON.stringify({ pid: process.ppid, host, started: new Date().toISOString() }));
    const done: string[] = [];
    const waits: string[] = [];
    await runExperiment({
      hp: hp({ pruning: { levels: 1 } }),
      defaults,
      root,
      dataset: data,
      lockPollMs: 20,
      // Given up a few polls after this process starts waiting for it.
      log: (m) => {
        waits.push(m);
        if (m.startsWith("waiting: ")) setTimeout(() => rmSync(lockFile, { force: true }), 100);
      },
      events: { onRunDone: (id, _s, skipped) => done.push(`level ${id.level} ${skipped ? "stored" : "trained"}`) },
    });
    t.true(
      waits.some((m) => m.startsWith("waiting: ")),
      waits.join("\n"),
    );
    t.deepEqual(done, ["level 0 stored", "level 1 trained"]);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("a held run lock of a live process is respected; a dead process's lock is taken over", (t) => {
  const root = tmp();
  try {
    const store = ExperimentStore.open(root, hp(), defaults);
    const id = { trial: 0, kind: "iterative" as const, level: 0, branch: "ticket" as const };
    const lock = store.tryLock(id);
    t.true("release" in lock);
    const dir = store.runDir(id);
    // Held by a live process (the parent of this one).
    writeFileSync(
      join(dir, "lock.json"),
      JSON.stringify({ pid: process.ppid, host: (JSON.parse(readFileSync(join(dir, "lock.json"), "utf8")) as { host: string }).host, started: "now" }),
    );
    const held = store.tryLock(id);
    t.true("heldBy" in held && held.heldBy.pid === process.ppid);
    writeFileSync(
      join(dir, "lock.json"),
      JSON.stringify({ pid: 4194999, host: JSON.parse(readFileSync(join(dir, "lock.json"), "utf8")).host, started: "then" }),
    );
    const taken = store.tryLock(id);
    t.true("release" in taken);
    if ("release" in taken) taken.release();
    t.false(existsSync(join(dir, "lock.json")));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("a reused pid does not keep a dead writer's lock or temp file: a live process that started after the file was written is not its writer", (t) => {
  const root = tmp();
  try {
    const store = ExperimentStore.open(root, hp(), defaults);
    const id = { trial: 0, kind: "iterative" as const, level: 0, branch: "ticket" as const };
    const dir = store.runDir(id);
    const lock = store.tryLock(id);
    if ("release" in lock) lock.release();
    const host = hostname();
    // The parent of this process is alive, but it started long after 2000: the pid was reused.
    writeFileSync(join(dir, "lock.json"), JSON.stringify({ pid: process.ppid, host, started: "2000-01-01T00:00:00.000Z" }));
    const taken = store.tryLock(id);
    t.true("release" in taken, "the lock of the pid's earlier owner is taken over");
    if ("release" in taken) taken.release();
    // A lock written after the live process started is still its own.
    writeFileSync(join(dir, "lock.json"), JSON.stringify({ pid: process.ppid, host, started: new Date().toISOString() }));
    t.true("heldBy" in store.tryLock(id));
    const temp = join(dir, `.final.lt.${process.ppid}.0.tmp`),
      fresh = join(dir, `.mask.lt.${process.ppid}.1.tmp`);
    writeFileSync(temp, "x");
    writeFileSync(fresh, "y");
    utimesSync(temp, new Date("2000-01-01"), new Date("2000-01-01"));
    t.deepEqual(removeStaleTempFiles(dir), [temp]);
    t.true(existsSync(fresh));
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("a checkpoint left in a finished run (killed between its summary and the checkpoint's removal) is removed when the experiment is opened", (t) => {
  const root = tmp();
  try {
    const store = ExperimentStore.open(root, hp(), defaults);
    const finished = store.runDir({ trial: 0, kind: "iterative", level: 0, branch: "ticket" });
    const unfinished = store.runDir({ trial: 0, kind: "iterative", level: 1, branch: "ticket" });
    for (const [dir, files] of [
      [finished, ["summary.json", "mask.lt", "checkpoint.lt"]],
      [unfinished, ["checkpoint.lt"]],
    ] as const) {
      mkdirSync(dir, { recursive: true });
      for (const f of files) writeFileSync(join(dir, f), "x");
    }
    ExperimentStore.open(root, hp(), defaults);
    t.false(existsSync(join(finished, "checkpoint.lt")));
    t.true(existsSync(join(unfinished, "checkpoint.lt")), "an unfinished run keeps its checkpoint");
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test("a run resumed on another thread count goes on, says so naming both settings and the flag, and records it in its summary; runs trained from a finished run on other arithmetic are warned about", async (t) => {
  const root = tmp();
  try {
    const data = await realDataset("mnist", 500);
    const h = (levels: number) => hp({ training: { iterations: 100, evalEvery: 25 }, pruning: { levels } });
    // Level 0 on 2 threads, checkpointed at every evaluation and interrupted after its checkpoint at 50.
    await t.throwsAsync(
      runExperiment({
        hp: h(0),
        defaults,
        root,
        dataset: data,
        threads: 2,
        checkpointSeconds: 0,
        events: {
          onProgress: (_id, done) => {
            if (done >= 60) throw new Error("interrupted");
          },
        },
      }),
      { message: "interrupted" },
    );

    // Resumed on 1 thread: it goes on, warns naming both settings and the fix, and records the mix.
    const log: string[] = [];
    const resumed = await runExperiment({ hp: h(1), defaults, root, dataset: data, threads: 1, log: (m) => log.push(m) });
    const warnings = log.filter((m) => m.startsWith("warning:"));
    t.is(warnings.length, 1, log.join("\n"));
    const m =
      /^warning: trial 0 level 0 was checkpointed at iteration (\d+) on 2 threads, --kernels auto, (relaxed|plain) SIMD and continues on 1 thread, --kernels auto, \2 SIMD: from here it runs on different arithmetic, so its results will differ from an uninterrupted run's \(recorded as mixed_arithmetic in its summary\)\. To keep it reproducible, stop it before its next checkpoint and rerun with --threads 2\.$/.exec(
        warnings[0]!,
      );
    t.truthy(m, warnings[0]);
    const at = Number(m![1]),
      simd = m![2];
    t.true(at >= 50 && at < 100, `checkpoint at ${at}`);
    const level0 = resumed.summaries[0]!;
    t.like(level0, { level: 0, threads: 1, kernel_mode: "auto", simd });
    t.deepEqual(level0.mixed_arithmetic, [
      { from_iteration: 0, threads: 2, kernel_mode: "auto", simd },
      { from_iteration: at, threads: 1, kernel_mode: "auto", simd },
    ]);
    const stored = JSON.parse(
      readFileSync(join(resumed.store.runDir({ trial: 0, kind: "iterative", level: 0, branch: "ticket" }), "summary.json"), "utf8"),
    ) as RunSummary;
    t.deepEqual(stored.mixed_arithmetic, level0.mixed_arithmetic, "summary.json records it");
    t.regex(
      runRecord(stored).mixedArithmetic!,
      new RegExp(`^from iteration 0: 2 threads, --kernels auto, ${simd} SIMD; from iteration ${at}: 1 thread, --kernels auto, ${simd} SIMD$`),
      "and so does runs.csv",
    );
    // Level 1 trained on one setting throughout: its summary says which, and nothing is mixed.
    t.like(resumed.summaries[1]!, { level: 1, threads: 1, kernel_mode: "auto", simd });
    t.is(resumed.summaries[1]!.mixed_arithmetic, undefined);

    // Level 2 on 2 threads derives from levels trained on 1 thread: said once, with the flag that matches them.
    const more: string[] = [];
    const extended = await runExperiment({ hp: h(2), defaults, root, dataset: data, threads: 2, log: (m) => more.push(m) });
    const cross = more.filter((l) => l.startsWith("warning:"));
    t.deepEqual(cross, [
      `warning: trial 0 level 0 was trained on 1 thread, --kernels auto, ${simd} SIMD, and this process trains on 2 threads, --kernels auto, ${simd} SIMD: ` +
        "the runs of trial 0 trained from here derive from it on different arithmetic, so they will differ from an experiment run on one setting throughout. " +
        "To keep trial 0 reproducible, stop and rerun with --threads 1.",
    ]);
    t.like(extended.summaries[2]!, { level: 2, threads: 2 });
    // The same settings again: nothing to say.
    const same: string[] = [];
    await runExperiment({ hp: h(2), defaults, root, dataset: data, threads: 1, log: (m) => same.push(m) });
    t.deepEqual(
      same.filter((l) => l.startsWith("warning:")),
      [],
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
