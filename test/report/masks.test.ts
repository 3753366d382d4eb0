// Mask analysis: Jaccard overlap and its random-mask expectation, the first layer's per-pixel
// kept counts, and the figures they feed.
import test from "ava";
import { buildFigures } from "../../src/report/figures.js";
import { firstLayerMap, jaccard, randomJaccard } from "../../src/report/masks.js";
import { renderSvg } from "../../src/report/svg.js";
import { makeReportData } from "./fixtures.js";

const m = (bits: string) => Uint8Array.from(bits, (c) => Number(c));

test("jaccard: |A ∩ B| / |A ∪ B| over all layers; random expectation from the per-layer counts", (t) => {
  const a = new Map([
      ["x", m("1100")],
      ["y", m("10")],
    ]),
    b = new Map([
      ["x", m("0110")],
      ["y", m("10")],
    ]);
  t.is(jaccard(a, b), 2 / 4); // shared: x[1], y[0]; union: x[0..2], y[0]
  t.is(jaccard(a, a), 1);
  // x: 2·2/4 = 1 shared expected, union 3; y: 1·1/2 = 0.5 shared, union 1.5
  t.is(randomJaccard(a, b), 1.5 / 4.5);
  t.throws(
    () =>
      jaccard(
        a,
        new Map([
          ["x", m("1")],
          ["y", m("10")],
        ]),
      ),
    { message: /x is missing from one mask set or has another size/ },
  );
});

test("first-layer map counts, per pixel, the units that keep their weight from it; the heatmap renders", async (t) => {
  // 2 units x 4 inputs (a 2x2 image): unit 0 keeps pixels 0 and 3, unit 1 keeps pixel 3.
  const map = firstLayerMap(m("10010001"), 2, [1, 2, 2], 3, 0.375, 0);
  t.deepEqual(map.counts, [1, 0, 0, 2]);
  t.throws(() => firstLayerMap(m("1001"), 2, [1, 2, 2], 3, 0.5, 0), { message: /not 2 x 4/ });
  const data = { ...makeReportData({ levels: 2, trials: 1 }), firstLayer: [map] };
  const fig = buildFigures(data).find((f) => f.name === "first-layer-kept");
  t.truthy(fig);
  const svg = await renderSvg(fig!.spec);
  t.true(svg.includes("Which input pixels the first layer still reads") && svg.includes("level 3, Pm 37.5%"));
});
