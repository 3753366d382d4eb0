// lottery-wasm: the library API.
export * from "./kernels/index.js";
export { Rng, hash32 } from "./util/rng.js";
export {
  loadDataset,
  fetchDataset,
  describeDataset,
  registerDataset,
  datasetNames,
  manifestFor,
  type DatasetInfo,
  type DatasetManifest,
  type DataFile,
  type CifarLayout,
  type Dataset,
  type DatasetName,
  type Split,
  type LoadOptions,
  type FetchOptions,
  type FetchResult,
} from "./data/index.js";
export { Hparams, BASE_DEFAULTS, type ModelDefaults, type GroupName } from "./hparams/schema.js";
export { defaultsFor, resolveHparams, nonDefaults, hparamHash, HparamError, type Overrides, type DatasetDefaults } from "./hparams/resolve.js";
export { getModel, modelNames, registerModel } from "./models/registry.js";
export { defineModel, type ModelDeclaration, type ModelEntry, type DatasetShape } from "./models/define.js";
export { buildNetwork, layerNames, resolveSpec, type LayerSpec, type NetworkSpec, type ResolvedSpec } from "./models/spec.js";
export { parseNetworkSpec } from "./models/file.js";
export { fileModel } from "./models/file-model.js";
export { ExecutionPlan, type PlanEntry } from "./nn/plan.js";
export { Network, Replica, ParamFactory, type KernelMode, type LayerExecution, type CsrLayout, type BuildOptions } from "./nn/network.js";
export { Param, type ParamKind, type WeightKind } from "./nn/param.js";
export type { Layer, LayerRun, StepContext, Grads, Collective } from "./nn/layer.js";
export type { Scratch, ScratchSlot } from "./nn/scratch.js";
export type { InitName } from "./nn/init.js";
export { Linear, type Activation } from "./nn/linear.js";
export { Dropout } from "./nn/dropout.js";
export { ReLU } from "./nn/relu.js";
export { Conv2d, type ConvOptions, type ConvAlgorithm } from "./nn/conv.js";
export { BatchNorm2d } from "./nn/batchnorm.js";
export { MaxPool2d, GlobalAvgPool } from "./nn/pool.js";
export { ResidualBlock } from "./nn/residual.js";
export {
  createOptimizer,
  learningRate,
  Optimizer,
  runUpdate,
  type UpdatePlan,
  type OptimizerConfig,
  type Slot,
  type ScheduleConfig,
  type AdamConfig,
  type SgdConfig,
  type PlanSlot,
} from "./optim/index.js";
export { Session, type SessionOptions } from "./session.js";
export { train, type EvalRecord, type TrainResult, type TrainHooks, type TrainSetup, type TrainState } from "./train/trainer.js";
export type { EvalSet, EvalChunk, SplitMetrics } from "./train/evaluate.js";
export type { InputPipeline, InputOptions, DeviceImages, TrainingData, PipelineLayout } from "./train/input.js";
export type { Arithmetic, ArithmeticSpan } from "./train/arithmetic.js";
export * from "./prune/index.js";
export {
  runExperiment,
  openRunTrainer,
  pruneTarget,
  trialTraining,
  type ExperimentOptions,
  type ExperimentEvents,
  type ExperimentResult,
  type RunTrainer,
} from "./lottery/experiment.js";
export { runGraph, dependentsOf, type RunNode, type Extent } from "./lottery/run-graph.js";
export type { Weights } from "./lottery/weights.js";
export { parseStrategy, type Strategy, type StrategyContext } from "./lottery/strategies/index.js";
export { getBranch, CONTROLS, CONTROL_NAMES, RUN_BRANCHES, type ControlBranch, type BranchContext, type ControlName } from "./lottery/branches/index.js";
export { ExperimentStore, type RunId, type RunSummary, type Branch, type LockOwner } from "./store/experiment.js";
export { MemoryStore, type RunStore } from "./store/run-store.js";
export { collectReport, writeExperimentReport } from "./report/collect.js";
export { renderReport, writeReport, type RenderedReport } from "./report/render.js";
export type { ReportData, RunRecord, CurveRecord, SparsityRecord, MagnitudeRecord, MaskOverlap, FirstLayerMap, FigureSpec } from "./report/types.js";
export type { Summary } from "./report/aggregate.js";
export * from "./ticket/index.js";
export { exportTicket, selectRun, type ExportOptions, type ExportResult } from "./export/ticket.js";
export { exportOnnx, type OnnxExport, type OnnxExportOptions } from "./export/onnx.js";
export { onnxGraph, INITIALIZER_MODES, ONNX_INPUT, ONNX_OUTPUT, type InitializerMode, type OnnxGraph, type OnnxGraphOptions } from "./export/onnx-graph.js";
export {
  encodeModel,
  decodeModel,
  IR_VERSION,
  OPSET_VERSION,
  type ModelProto,
  type GraphProto,
  type NodeProto,
  type TensorProto,
  type SparseTensorProto,
  type AttributeProto,
  type ValueInfoProto,
} from "./export/onnx-proto.js";
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
export { writeInstabilityReport, instabilityFigures } from "./report/instability.js";
export { jaccard, randomJaccard, firstLayerMap } from "./report/masks.js";
