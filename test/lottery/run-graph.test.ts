// The run graph (issue 19): which run starts from which, shared by the local driver and the queue.
import test from "ava";
import { dependentsOf, findRun, runGraph } from "../../src/lottery/run-graph.js";
import { runPath } from "../../src/store/experiment.js";

const name = (id: Parameters<typeof runPath>[0] | null) => (id ? runPath(id) : null);

test("levels follow the level before, controls follow their level's pruning, one-shot runs follow the dense level", (t) => {
  const graph = runGraph({ trials: 2, levels: 2, controls: ["reinit", "random-mask"], oneShot: [0.5] });
  const trial0 = graph.filter((n) => n.id.trial === 0).map((n) => [name(n.id), name(n.after)]);
  t.deepEqual(trial0, [
    ["trial_0/level_0", null],
    ["trial_0/level_1", "trial_0/level_0"],
    ["trial_0/level_1/branch_reinit", "trial_0/level_0"],
    ["trial_0/level_1/branch_random-mask", "trial_0/level_0"],
    ["trial_0/level_2", "trial_0/level_1"],
    ["trial_0/level_2/branch_reinit", "trial_0/level_1"],
    ["trial_0/level_2/branch_random-mask", "trial_0/level_1"],
    ["trial_0/oneshot_0.5", "trial_0/level_0"],
    ["trial_0/oneshot_0.5/branch_reinit", "trial_0/level_0"],
    ["trial_0/oneshot_0.5/branch_random-mask", "trial_0/level_0"],
  ]);
  t.is(graph.length, 20);
  // Every run comes after its dependency (the order one process trains them in), within its own trial.
  graph.forEach((n, i) => {
    if (!n.after) return;
    const j = graph.findIndex((m) => name(m.id) === name(n.after));
    t.true(j >= 0 && j < i && graph[j]!.id.trial === n.id.trial);
  });
  const level0 = { trial: 1, kind: "iterative", level: 0, branch: "ticket" } as const;
  t.deepEqual(
    dependentsOf(graph, level0).map((n) => name(n.id)),
    [
      "trial_1/level_1",
      "trial_1/level_1/branch_reinit",
      "trial_1/level_1/branch_random-mask",
      "trial_1/oneshot_0.5",
      "trial_1/oneshot_0.5/branch_reinit",
      "trial_1/oneshot_0.5/branch_random-mask",
    ],
  );
  t.is(findRun(graph, { ...level0, level: 3 }), null);
  t.deepEqual(
    runGraph({ trials: 2, levels: 0, controls: [], oneShot: [] }, [1]).map((n) => name(n.id)),
    ["trial_1/level_0"],
  );
});

test("imported masks (--masks-from): each listed level and its controls start from nothing here, in level order; level 0 has no controls", (t) => {
  const graph = runGraph({ trials: 2, levels: 0, controls: ["reinit"], oneShot: [], maskLevels: [11, 0, 13, 11] });
  t.deepEqual(
    graph.filter((n) => n.id.trial === 1).map((n) => [name(n.id), name(n.after)]),
    [
      ["trial_1/level_0", null],
      ["trial_1/level_11", null],
      ["trial_1/level_11/branch_reinit", null],
      ["trial_1/level_13", null],
      ["trial_1/level_13/branch_reinit", null],
    ],
  );
  t.is(graph.length, 10);
  // Settings written before imports existed have no maskLevels: the pruning graph.
  t.is(runGraph({ trials: 1, levels: 1, controls: [], oneShot: [] }).length, 2);
});

test("--control-levels: only the listed iterative levels get controls; one-shot targets and imported levels follow the same rule", (t) => {
  const graph = runGraph({ trials: 1, levels: 4, controls: ["reinit"], oneShot: [0.3], controlLevels: [4, 2] });
  t.deepEqual(
    graph.map((n) => [name(n.id), name(n.after)]),
    [
      ["trial_0/level_0", null],
      ["trial_0/level_1", "trial_0/level_0"],
      ["trial_0/level_2", "trial_0/level_1"],
      ["trial_0/level_2/branch_reinit", "trial_0/level_1"],
      ["trial_0/level_3", "trial_0/level_2"],
      ["trial_0/level_4", "trial_0/level_3"],
      ["trial_0/level_4/branch_reinit", "trial_0/level_3"],
      // One-shot targets are not levels: they keep their controls.
      ["trial_0/oneshot_0.3", "trial_0/level_0"],
      ["trial_0/oneshot_0.3/branch_reinit", "trial_0/level_0"],
    ],
  );
  // Empty: every level, as before the setting existed.
  t.is(runGraph({ trials: 1, levels: 4, controls: ["reinit"], oneShot: [], controlLevels: [] }).length, 9);
  t.deepEqual(
    runGraph({ trials: 1, levels: 0, controls: ["reinit"], oneShot: [], maskLevels: [0, 11, 13], controlLevels: [13] }).map((n) => name(n.id)),
    ["trial_0/level_0", "trial_0/level_11", "trial_0/level_13", "trial_0/level_13/branch_reinit"],
  );
});
