// lottery-wasm: the library API, browser-safe: nothing here imports a Node module statically (the
// kernel loader and the runner import Node's modules and the file-based parts dynamically, only where
// they run in Node), so a bundler can take it into a page or a Web Worker, as the demo (web/) does.
// The parts that need Node (the file store, datasets read from disk, reports and exports written to
// files) are in the Node entry point, src/node.ts (`lottery-wasm/node`), which re-exports this one.
export * from "./kernels/index.js";
export { Rng, hash32 } from "./util/rng.js";
export { registerDataset, datasetNames, manifestFor, type DatasetManifest, type DataFile, type CifarLayout } from "./data/manifest.js";
export type { Dataset, DatasetName, Split } from "./data/types.js";
export { buildMnist, MNIST_ROLES, type MnistPaths } from "./data/mnist.js";
export {
  parseIdxImages,
  parseIdxLabels,
  IDX_IMAGES_MAGIC,
  IDX_LABELS_MAGIC,
  type IdxContext,
  type IdxImages,
  type IdxImageExpectations,
  type IdxLabelExpectations,
} from "./data/idx.js";
export { parseCifar10Batch, CIFAR10_RECORD_BYTES, type Cifar10Batch } from "./data/cifar10.js";
export { DataError, type DataErrorCode } from "./data/errors.js";
export { Hparams, BASE_DEFAULTS, GROUPS, type ModelDefaults, type GroupName, type ModelHparams } from "./hparams/schema.js";
export { scaleSchedule, describeScaledSchedule, type ScaledSchedule, type TrainingSchedule } from "./hparams/scale-schedule.js";
export {
  defaultsFor,
  resolveHparams,
  nonDefaults,
  hparamHash,
  HparamError,
  allowedText,
  kebab,
  type Overrides,
  type DatasetDefaults,
} from "./hparams/resolve.js";
export { getModel, modelNames, registerModel } from "./models/registry.js";
export { defineModel, type ModelDeclaration, type ModelEntry, type DatasetShape } from "./models/define.js";
export { buildNetwork, layerNames, resolveSpec, type LayerSpec, type NetworkSpec, type ResolvedSpec } from "./models/spec.js";
export { parseNetworkSpec } from "./models/file.js";
export { fileModel } from "./models/file-model.js";
export { declaredParams, type DeclaredParam } from "./models/params.js";
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
export { LayerProfiler, type LayerTiming } from "./nn/profile.js";
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
export {
  train,
  metricRows,
  type MetricRow,
  type EvalRecord,
  type TestedEvalRecord,
  type TrainResult,
  type TrainHooks,
  type TrainSetup,
  type TrainState,
} from "./train/trainer.js";
export type { EvalSet, EvalChunk, SplitMetrics } from "./train/evaluate.js";
export type { InputPipeline, InputOptions, DeviceImages, TrainingData, PipelineLayout } from "./train/input.js";
export type { Arithmetic, ArithmeticSpan } from "./train/arithmetic.js";
export * from "./prune/index.js";
export {
  runExperiment,
  describeRun,
  openRunTrainer,
  pruneTarget,
  trialTraining,
  type ExperimentOptions,
  type ExperimentEvents,
  type ExperimentResult,
  type RunTrainer,
} from "./lottery/experiment.js";
export { runGraph, dependentsOf, type RunNode, type Extent } from "./lottery/run-graph.js";
export { checkPruningSettings } from "./lottery/settings.js";
export { estimateExperiment, ESTIMATE_STEPS, type ExperimentEstimate } from "./lottery/estimate.js";
export type { Weights } from "./lottery/weights.js";
export {
  parseStrategy,
  STRATEGIES,
  STRATEGY_PATTERN,
  STRATEGY_CHOICES,
  STRATEGY_DESCRIPTIONS,
  type Strategy,
  type StrategyContext,
  type StrategyEntry,
  type StrategyParameter,
  type StrategyName,
} from "./lottery/strategies/index.js";
export { getBranch, CONTROLS, CONTROL_NAMES, RUN_BRANCHES, type ControlBranch, type BranchContext, type ControlName } from "./lottery/branches/index.js";
export type { RunId, RunSummary, Branch, LockOwner } from "./store/types.js";
export { MemoryStore, type RunStore } from "./store/run-store.js";
export type { ReportData, RunRecord, CurveRecord, SparsityRecord, MagnitudeRecord, MaskOverlap, FirstLayerMap, FigureSpec } from "./report/types.js";
export type { Summary } from "./report/aggregate.js";
export { excludesLayers, runRecord, withPaperPm } from "./report/records.js";
export { accuracyVsPm, type Figure } from "./report/figures.js";
export { renderSvg } from "./report/svg.js";
export { formatPm, formatAccuracy, formatSeconds } from "./report/format.js";
export {
  deepPaperComparison,
  dropoutComparison,
  paperComparison,
  paperComparisonMarkdown,
  scopeComparison,
  type ExperimentRuns,
  type PaperComparison,
  type PaperRow,
} from "./report/paper.js";
export {
  PAPER_CLAIMS,
  PAPER_DEEP_CLAIMS,
  PAPER_DROPOUT_CLAIMS,
  type DeepClaims,
  type DropoutClaims,
  type PaperClaims,
  type RateClaim,
} from "./report/paper-claims.js";
export * from "./ticket/index.js";
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
export { jaccard, randomJaccard, firstLayerMap } from "./report/masks.js";
