// lottery-wasm/node: the whole library in Node. It re-exports the browser-safe main entry point
// (src/index.ts) and adds what needs Node's modules: datasets read from disk and downloaded into
// the cache, the file store of experiments, atomic writes, reports, comparisons, the instability
// analysis and ticket export written to files, and the job queue's loader. The `lottery` command
// (src/cli/) imports only from here and from the main entry.
export * from "./index.js";
export {
  loadDataset,
  clearDatasetCache,
  describeDataset,
  parseLocalName,
  type DatasetInfo,
  type LocalDatasetName,
} from "./data/load.js";
export type { LoadOptions } from "./data/types.js";
export { fetchDataset, type FetchOptions, type FetchResult } from "./data/fetch.js";
export { findDatasetFiles, isDirectory, type FoundFiles } from "./data/source.js";
export { readDataFile } from "./data/read-file.js";
export { ExperimentStore, type RunState } from "./store/experiment.js";
export { writeFileAtomic, writeJsonAtomic, writeJsonLinesAtomic } from "./store/atomic.js";
export { collectReport, writeExperimentReport } from "./report/collect.js";
export { renderReport, writeReport, type RenderedReport } from "./report/render.js";
export { exportTicket, selectRun, type ExportOptions, type ExportResult } from "./export/ticket.js";
export {
  compareExperiments,
  compareReports,
  comparisonMarkdown,
  comparisonCsv,
  comparisonFigure,
  selectPms,
  writeComparison,
  type Comparison,
  type ComparedSeries,
  type ComparedPoint,
} from "./report/compare.js";
export { runInstability, storedInstability, instabilityDir, type InstabilityOptions, type InstabilityResult } from "./lottery/instability.js";
export { openMaskSource, type MaskSource } from "./lottery/mask-source.js";
export { writeInstabilityReport, instabilityFigures } from "./report/instability.js";
