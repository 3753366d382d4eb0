import test from "ava";
import { levelsOf, magnitudeSamples, magnitudeStats, meanCurve, pickSpread, summarize } from "../../src/report/aggregate.js";
import { escapeHtml, formatAccuracy, formatCount, formatPm, formatSeconds } from "../../src/report/format.js";
import type { CurveRecord } from "../../src/report/types.js";
import { makeMagnitudes } from "./fixtures.js";

test("formatters: Pm with one decimal, accuracy with two, and a dash for missing values", (t) => {
  t.is(formatPm(0.5129), "51.3%");
  t.is(formatPm(1), "100.0%");
  t.is(formatAccuracy(0.98765), "98.77%");
  t.is(formatCount(12345.4), "12,345");
  t.is(formatSeconds(12.34), "12.3 s");
  for (const f of [formatPm, formatAccuracy, formatCount, formatSeconds]) {
    t.is(f(NaN), "–");
    t.is(f(Infinity), "–");
  }
});

test("escapeHtml escapes markup and quotes", (t) => {
  t.is(escapeHtml(`<a href="x">Tom & 'Jerry'</a>`), "&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt;");
});

test("summarize skips non-finite values and reports an empty summary as NaN", (t) => {
  t.deepEqual(summarize([1, NaN, 3, Infinity]), { mean: 2, min: 1, max: 3, n: 2 });
  const empty = summarize([NaN]);
  t.is(empty.n, 0);
  t.true(Number.isNaN(empty.mean));
});

test("pickSpread takes levels evenly spread in log Pm, densest and sparsest included", (t) => {
  const levels = Array.from({ length: 25 }, (_, level) => ({ level, pm: 0.8 ** level }));
  const picked = pickSpread(levels, 6);
  t.deepEqual(
    picked.map((l) => l.level),
    [0, 5, 10, 14, 19, 24],
  );
  t.deepEqual(pickSpread(levels.slice(0, 3), 6), levels.slice(0, 3));
  // Levels that cannot sit on a log axis are left out rather than breaking the spread.
  t.deepEqual(
    pickSpread(
      [
        { level: 0, pm: 1 },
        { level: 1, pm: NaN },
        { level: 2, pm: 0 },
      ],
      6,
    ),
    [{ level: 0, pm: 1 }],
  );
});

test("levelsOf lists each level once with its mean Pm, densest first", (t) => {
  const records = [
    { kind: "iterative" as const, level: 2, pm: 0.64 },
    { kind: "iterative" as const, level: 0, pm: 1 },
    { kind: "iterative" as const, level: 2, pm: 0.64 },
    { kind: "oneshot" as const, level: 1, pm: 0.1 },
  ];
  t.deepEqual(levelsOf(records, "iterative"), [
    { level: 0, pm: 1 },
    { level: 2, pm: 0.64 },
  ]);
});

function curve(trial: number, points: [number, number][]): CurveRecord {
  return {
    trial,
    level: 1,
    kind: "iterative",
    branch: "ticket",
    pm: 0.8,
    points: points.map(([iteration, testAccuracy]) => ({ iteration, testAccuracy, valAccuracy: testAccuracy, valLoss: 0 })),
  };
}

test("meanCurve averages iterations shared by every trial and falls back to the lowest trial", (t) => {
  const a = curve(0, [
    [100, 0.5],
    [200, 0.7],
    [300, NaN],
  ]);
  const b = curve(1, [
    [100, 0.6],
    [200, 0.9],
    [250, 0.95],
  ]);
  const mean = meanCurve([b, a]);
  t.deepEqual(
    mean.map((p) => p.iteration),
    [100, 200],
  );
  t.true(Math.abs(mean[1]!.accuracy - 0.8) < 1e-12);
  const disjoint = meanCurve([curve(3, [[1, 0.3]]), curve(2, [[2, 0.4]])]);
  t.deepEqual(disjoint, [{ iteration: 2, accuracy: 0.4 }]);
  // The validation curve where the test split was evaluated only at new minima (--eval-test improved).
  const sparseTest = { ...curve(0, []), points: [{ iteration: 1, testAccuracy: NaN, valAccuracy: 0.6, valLoss: 1 }] };
  t.deepEqual(meanCurve([sparseTest], "val"), [{ iteration: 1, accuracy: 0.6 }]);
  t.deepEqual(meanCurve([sparseTest]), [], "no test point there");
  t.deepEqual(meanCurve([]), []);
});

test("magnitude statistics separate kept from pruned weights and drop non-finite samples", (t) => {
  const record = makeMagnitudes(500);
  record.initial[0] = NaN;
  const samples = magnitudeSamples(record);
  t.is(samples.length, 499);
  const stats = magnitudeStats(samples);
  t.is(stats.kept.n + stats.pruned.n, 499);
  // The fixture keeps the largest final magnitudes, which start larger and move further.
  t.true(stats.kept.meanAbsInitial > stats.pruned.meanAbsInitial);
  t.true(stats.kept.meanAbsChange > stats.pruned.meanAbsChange);
});
