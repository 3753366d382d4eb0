// A network as data: a JSON-able list of layers (its schema, in zod, is in file.ts). The built-in models are
// declared in this form (src/models/*.ts), `--model-file net.json` reads it, and worker threads
// receive it and build exactly the network the main thread built (a model's name would mean
// nothing in a worker whose registry lacks it). Building walks the list in order, so the
// parameters are allocated in declaration order and each is initialized from its own named stream.
import type { LayerSpec, NetworkSpec } from "./file.js";
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

export type { LayerSpec, NetworkSpec } from "./file.js";

/** A spec with its input shape and class count fixed: what a network is built from. */
export interface ResolvedSpec extends NetworkSpec {
  input: [number, number, number];
  classes: number;
}

/** Fixes a spec's input shape and class count from the dataset (a spec's own values must agree). */
export function resolveSpec(spec: NetworkSpec, data: { shape: readonly [number, number, number]; classes: number; name: string }): ResolvedSpec {
  if (spec.input && spec.input.join(",") !== data.shape.join(",")) {
    throw new Error(
      `${spec.name} takes input [${spec.input.join(",")}], but ${data.name} has images [${data.shape.join(",")}]: choose a dataset with that shape, or remove "input" from the network to follow the dataset`,
    );
  }
  if (spec.classes !== undefined && spec.classes !== data.classes) {
    throw new Error(
      `${spec.name} has ${spec.classes} classes, but ${data.name} has ${data.classes}: remove "classes" from the network (the output layer then follows the dataset)`,
    );
  }
  return { ...spec, input: [...data.shape] as [number, number, number], classes: data.classes };
}

const NAME_PREFIX: Record<LayerSpec["type"], string> = {
  linear: "fc",
  conv: "conv",
  maxpool: "pool",
  avgpool: "avgpool",
  batchnorm: "bn",
  relu: "relu",
  dropout: "dropout",
  residual: "block",
  flatten: "flatten",
};

/**
 * Each layer's name: its own, else its type's prefix and its position among layers of that type
 * (fc1, fc2, conv1, ...). Parameters are named after it, so the ticket loader and the ONNX export
 * find a layer's parameters through this one rule.
 */
export function layerNames(spec: NetworkSpec): string[] {
  const counts = new Map<string, number>();
  return spec.layers.map((l) => {
    const prefix = NAME_PREFIX[l.type];
    const n = (counts.get(prefix) ?? 0) + 1;
    counts.set(prefix, n);
    return l.name ?? `${prefix}${n}`;
  });
}

/** Builds the network a resolved spec declares (parameters allocated in layer order). */
export function buildNetwork(k: Kernels, spec: ResolvedSpec, options: BuildOptions = {}): Network {
  const f = new ParamFactory(k, options);
  const layers: Layer[] = [];
  const names = layerNames(spec);
  let shape: readonly number[] = spec.input;
  const chw = (i: number, type: string): [number, number, number] => {
    if (shape.length !== 3)
      throw new Error(
        `${spec.name}: layer ${i} (${type}) needs an image input [C,H,W], but it gets [${shape.join(",")}] (after a linear, avgpool or flatten layer)`,
      );
    return shape as [number, number, number];
  };
  spec.layers.forEach((l, i) => {
    const layerName = names[i]!;
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
        if (H < 2 || W < 2)
          throw new Error(`${spec.name}: layer ${i} (maxpool) gets a ${H}x${W} image, too small to pool; remove a pooling layer or use a larger --image-size`);
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
    throw new Error(
      `${spec.name}: the last layer gives ${features(shape)} outputs, but the dataset has ${spec.classes} classes: end with {"type": "linear", "units": "classes"}`,
    );
  }
  return new Network(k, spec.name, spec.input, spec.classes, layers, f.params);
}
