// A network as data: a JSON-able list of layers, validated with zod. The built-in models are
// declared in this form (src/models/*.ts), `--model-file net.json` reads it, and worker threads
// receive it and build exactly the network the main thread built (a model's name would mean
// nothing in a worker whose registry lacks it). Building walks the list in order, so the
// parameters are allocated in declaration order and each is initialized from its own named stream.
import { z } from "zod";
import type { Kernels } from "../kernels/index.js";
import { BatchNorm2d } from "../nn/batchnorm.js";
import { Conv2d } from "../nn/conv.js";
import { Dropout } from "../nn/dropout.js";
import { features, type Layer } from "../nn/layer.js";
import { Linear } from "../nn/linear.js";
import { type BuildOptions, Network, ParamFactory } from "../nn/network.js";
import { GlobalAvgPool, MaxPool2d } from "../nn/pool.js";
import { ReLU } from "../nn/relu.js";
import { ResidualBlock } from "../nn/residual.js";

const name = z.string().min(1).regex(/^[A-Za-z0-9_.-]+$/, "letters, digits, _ . - only").optional()
  .describe("layer name (parameters are named <name>.weight, <name>.bias); default: type and position, e.g. fc1, conv2");

const LinearSpec = z.strictObject({
  type: z.literal("linear"),
  name,
  units: z.union([z.int().min(1).max(1 << 20), z.literal("classes")]).describe("output features, or \"classes\" (the dataset's class count)"),
  relu: z.boolean().optional().describe("ReLU after the layer (default false)"),
  prune: z.enum(["fc", "output"]).optional().describe("pruning kind: fc (hidden, --rate-fc) or output (--rate-output); default fc, output for units \"classes\""),
});
const ConvSpec = z.strictObject({
  type: z.literal("conv"),
  name,
  channels: z.int().min(1).max(4096).describe("output channels"),
  kernel: z.union([z.literal(3), z.literal(1)]).optional().describe("3 (default) or 1; same padding"),
  stride: z.int().min(1).max(4).optional().describe("stride (default 1)"),
  bias: z.boolean().optional().describe("bias (default true)"),
  relu: z.boolean().optional().describe("ReLU after the layer (default false)"),
  prune: z.enum(["conv", "shortcut"]).optional().describe("pruning kind: conv (--rate-conv) or shortcut (conv rate, usually excluded); default conv"),
});
const PoolSpec = z.strictObject({ type: z.literal("maxpool"), name }).describe("2x2 max pooling, stride 2");
const AvgPoolSpec = z.strictObject({ type: z.literal("avgpool"), name }).describe("global average pooling to [C]");
const BatchNormSpec = z.strictObject({ type: z.literal("batchnorm"), name, relu: z.boolean().optional() });
const ReluSpec = z.strictObject({ type: z.literal("relu"), name });
const DropoutSpec = z.strictObject({ type: z.literal("dropout"), name, p: z.number().gt(0).lt(1).describe("drop probability") });
const ResidualSpec = z.strictObject({
  type: z.literal("residual"),
  name,
  channels: z.int().min(1).max(4096),
  stride: z.int().min(1).max(2).optional().describe("stride of the first conv (default 1); a 1x1 conv + batch-norm shortcut when the shape changes"),
});
const FlattenSpec = z.strictObject({ type: z.literal("flatten"), name }).describe("[C,H,W] to [C·H·W] (linear layers flatten their input anyway)");

export const LayerSpec = z.discriminatedUnion("type", [LinearSpec, ConvSpec, PoolSpec, AvgPoolSpec, BatchNormSpec, ReluSpec, DropoutSpec, ResidualSpec, FlattenSpec]);
export type LayerSpec = z.infer<typeof LayerSpec>;

export const NetworkSpec = z.strictObject({
  name: z.string().min(1).regex(/^[A-Za-z0-9_.-]+$/, "letters, digits, _ . - only").describe("the network's name (in the experiment, report and ticket)"),
  description: z.string().optional(),
  input: z.tuple([z.int().min(1), z.int().min(1), z.int().min(1)]).optional().describe("per-example input [C, H, W]; default: the dataset's"),
  classes: z.int().min(2).max(65535).optional().describe("class count; default: the dataset's"),
  layers: z.array(LayerSpec).min(1),
});
export type NetworkSpec = z.infer<typeof NetworkSpec>;

/** A spec with its input shape and class count fixed: what a network is built from. */
export interface ResolvedSpec extends NetworkSpec {
  input: [number, number, number];
  classes: number;
}

/** Validates a JSON value as a network spec; errors name the layer index and field. */
export function parseNetworkSpec(value: unknown, source = "model"): NetworkSpec {
  const r = NetworkSpec.safeParse(value);
  if (r.success) return r.data;
  const lines = r.error.issues.map((i) => {
    const path = i.path.map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`)).join("").replace(/^\./, "");
    const where = /^layers\[(\d+)\]/.exec(path);
    const layer = where ? `layer ${where[1]}${path.slice(where[0].length) ? ` field ${path.slice(where[0].length + 1)}` : ""}` : path || "(top level)";
    return `  ${layer}: ${i.message}`;
  });
  throw new Error(`${source} is not a valid network:\n${lines.join("\n")}\nA network is {"name": ..., "layers": [{"type": "linear", "units": 100, "relu": true}, ...]}; see README "Your own data and model"`);
}

/** Fixes a spec's input shape and class count from the dataset (a spec's own values must agree). */
export function resolveSpec(spec: NetworkSpec, data: { shape: readonly [number, number, number]; classes: number; name: string }): ResolvedSpec {
  if (spec.input && spec.input.join(",") !== data.shape.join(",")) {
    throw new Error(`${spec.name} takes input [${spec.input.join(",")}], but ${data.name} has images [${data.shape.join(",")}]: choose a dataset with that shape, or remove "input" from the network to follow the dataset`);
  }
  if (spec.classes !== undefined && spec.classes !== data.classes) {
    throw new Error(`${spec.name} has ${spec.classes} classes, but ${data.name} has ${data.classes}: remove "classes" from the network (the output layer then follows the dataset)`);
  }
  return { ...spec, input: [...data.shape] as [number, number, number], classes: data.classes };
}

/** Builds the network a resolved spec declares (parameters allocated in layer order). */
export function buildNetwork(k: Kernels, spec: ResolvedSpec, options: BuildOptions = {}): Network {
  const f = new ParamFactory(k, options);
  const layers: Layer[] = [];
  const counts = new Map<string, number>();
  let shape: readonly number[] = spec.input;
  const chw = (i: number, type: string): [number, number, number] => {
    if (shape.length !== 3) throw new Error(`${spec.name}: layer ${i} (${type}) needs an image input [C,H,W], but it gets [${shape.join(",")}] (after a linear, avgpool or flatten layer)`);
    return shape as [number, number, number];
  };
  spec.layers.forEach((l, i) => {
    const prefix = { linear: "fc", conv: "conv", maxpool: "pool", avgpool: "avgpool", batchnorm: "bn", relu: "relu", dropout: "dropout", residual: "block", flatten: "flatten" }[l.type];
    const n = (counts.get(prefix) ?? 0) + 1;
    counts.set(prefix, n);
    const layerName = l.name ?? `${prefix}${n}`;
    let layer: Layer | null;
    switch (l.type) {
      case "linear": {
        const units = l.units === "classes" ? spec.classes : l.units;
        layer = new Linear(f, layerName, features(shape), units, l.relu ? "relu" : "none", l.prune ?? (l.units === "classes" ? "output" : "fc"));
        break;
      }
      case "conv":
        layer = new Conv2d(f, layerName, chw(i, l.type), l.channels, l.kernel ?? 3, { stride: l.stride, bias: l.bias, relu: l.relu, kind: l.prune });
        break;
      case "maxpool": {
        const [, H, W] = chw(i, l.type);
        if (H < 2 || W < 2) throw new Error(`${spec.name}: layer ${i} (maxpool) gets a ${H}x${W} image, too small to pool; remove a pooling layer or use a larger --image-size`);
        layer = new MaxPool2d(layerName);
        break;
      }
      case "avgpool":
        chw(i, l.type);
        layer = new GlobalAvgPool(layerName);
        break;
      case "batchnorm":
        layer = new BatchNorm2d(f, layerName, chw(i, l.type)[0], l.relu ?? false);
        break;
      case "relu":
        layer = new ReLU(layerName);
        break;
      case "dropout":
        layer = new Dropout(layerName, l.p);
        break;
      case "residual":
        layer = new ResidualBlock(f, layerName, chw(i, l.type), l.channels, l.stride ?? 1);
        break;
      case "flatten":
        layer = null;
        shape = [features(shape)];
        break;
    }
    if (layer) {
      layers.push(layer);
      shape = layer.outputShape(shape);
    }
  });
  if (features(shape) !== spec.classes) {
    throw new Error(`${spec.name}: the last layer gives ${features(shape)} outputs, but the dataset has ${spec.classes} classes: end with {"type": "linear", "units": "classes"}`);
  }
  return new Network(k, spec.name, spec.input, spec.classes, layers, f.params);
}
