// The paper's Pm for VGG-19 and ResNet counts only the layers it prunes; the report keeps both.
import test from "ava";
import { runsCsv } from "../../src/report/collect.js";
import { runRecord } from "../../src/report/records.js";
import { renderReport } from "../../src/report/render.js";
import type { RunSummary } from "../../src/store/types.js";
import { makeReportData } from "./fixtures.js";

/** A ResNet-shaped summary: two pruned convs at 10% and an excluded shortcut and output layer kept whole. */
function summary(): RunSummary {
  const sparsity = [
    { name: "conv1.weight", kind: "conv", kept: 300, total: 3000 },
    { name: "conv2.weight", kind: "conv", kept: 700, total: 7000 },
    { name: "shortcut.weight", kind: "shortcut", kept: 500, total: 500 },
    { name: "fc.weight", kind: "output", kept: 500, total: 500 },
  ];
  return {
    trial: 0,
    kind: "iterative",
    level: 3,
    branch: "ticket",
    pm: 2000 / 11000,
    sparsity,
    iterations: 100,
    early_stop_iteration: 100,
    early_stop_val_loss: 0.5,
    early_stop_val_accuracy: 0.8,
    early_stop_test_accuracy: 0.79,
    final_val_loss: 0.5,
    final_val_accuracy: 0.8,
    final_test_accuracy: 0.79,
    seconds: 1,
    step_ms: 2,
    kernels: [],
    threads: 1,
  };
}

test("runRecord: with excluded layers, pmPruned is the kept fraction of the others; without, it is absent", (t) => {
  const excluded = runRecord(summary(), ["shortcut.weight", "fc.weight"]);
  t.is(excluded.pmPruned, 0.1);
  t.is(excluded.pm, 2000 / 11000, "pm still counts every prunable layer");
  t.false("pmPruned" in runRecord(summary()));
  t.false("pmPruned" in runRecord(summary(), ["not.a.layer"]), "a name the summary lacks excludes nothing");
});

test("runs.csv has pm_pruned beside pm (equal to it where nothing is excluded); the results table shows both Pm only with exclusions", async (t) => {
  const data = makeReportData({ levels: 2, trials: 1, branches: ["ticket"] });
  const plain = runsCsv(data).trim().split("\n");
  const header = plain[0]!.split(",");
  t.is(header.indexOf("pm_pruned"), header.indexOf("pm") + 1);
  for (const line of plain.slice(1)) {
    const cells = line.split(",");
    t.is(cells[header.indexOf("pm_pruned")], cells[header.indexOf("pm")]);
  }
  t.false((await renderReport(data)).html.includes("Pm (pruned layers)"));

  const withExcluded = { ...data, runs: [...data.runs, runRecord(summary(), ["shortcut.weight", "fc.weight"])] };
  const row = runsCsv(withExcluded)
    .trim()
    .split("\n")
    .find((l) => l.startsWith("0,iterative,3,ticket,"))!
    .split(",");
  t.is(row[header.indexOf("pm")], (2000 / 11000).toFixed(6));
  t.is(row[header.indexOf("pm_pruned")], "0.100000");
  const html = (await renderReport(withExcluded)).html;
  t.true(html.includes('<th rowspan="2">Pm (all prunable)</th><th rowspan="2">Pm (pruned layers)</th>'));
  t.regex(html, /<tr><td>3<\/td><td>18\.2%<\/td><td>10\.0%<\/td>/);
  t.regex(html, /<tr><td>0<\/td><td>100\.0%<\/td><td>–<\/td>/, "levels whose runs lack it show a dash");
});
