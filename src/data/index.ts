// The dataset module's public API: load MNIST / CIFAR-10 as u8 Datasets, download them into the
// cache, and the helpers that say where data is looked for.

export type { Dataset, DatasetName, LoadOptions, Split } from "./types.js";
export { loadDataset, clearDatasetCache, describeDataset, parseLocalName, type DatasetInfo, type LocalDatasetName } from "./load.js";
export { assembleDataset, defaultValSize, type DatasetParts } from "./assemble.js";
export { FOLDER_TEST_FRACTION } from "./folder.js";
export { fetchDataset, resolveMirror, type FetchOptions, type FetchResult } from "./fetch.js";
export {
  resolveCacheDir,
  resolveDataLocation,
  findDatasetFiles,
  type DataLocation,
  type DataOrigin,
  type Env,
  type FoundFiles,
  type SourceOptions,
} from "./source.js";
export { DataError, isLocalDataset, type DataErrorCode } from "./errors.js";
export {
  MANIFESTS,
  manifestFor,
  datasetNames,
  isRegisteredDataset,
  registerDataset,
  type CifarLayout,
  type DataFile,
  type DatasetManifest,
} from "./manifest.js";
export { CIFAR10_CLASS_NAMES, readCifar10Batch, parseCifar10Batch, type Cifar10Batch } from "./cifar10.js";
export { MNIST_CLASS_NAMES } from "./mnist.js";
export { readIdxImages, readIdxLabels, parseIdxImages, parseIdxLabels, type IdxImages } from "./idx.js";
export { channelStats, type ChannelStats } from "./stats.js";
export { DEFAULT_VAL_SIZE } from "./split.js";
