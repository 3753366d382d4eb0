// An ONNX graph from a network's layer spec and its parameters (onnxGraph).
import { layerNames, type ResolvedSpec } from "../models/spec.js";
import type { TicketParamSource } from "../ticket/encode.js";
import type { Normalization } from "../ticket/format.js";
import { inputAffine } from "../ticket/input.js";
import {
  AttributeType,
  type AttributeProto,
  DataType,
  IR_VERSION,
  type ModelProto,
  type NodeProto,
  OPSET_VERSION,
  type SparseTensorProto,
  type TensorProto,
  type ValueInfoProto,
} from "./onnx-proto.js";

/**
 * How pruned weights are stored: "sparse" as sparse initializers (SparseTensorProto, COO with
 * int64 linear indices: 12 bytes per kept weight), "dense" as ordinary initializers with zeros at
 * the pruned positions (4 bytes per weight; every runtime reads these), "auto" (the default)
 * sparse where that is smaller, i.e. below density 1/3.
 */
export type InitializerMode = "auto" | "sparse" | "dense";

/** Every {@link InitializerMode}, for validating a flag or option. */
export const INITIALIZER_MODES: readonly InitializerMode[] = ["auto", "sparse", "dense"];

/** Batch norm's epsilon in src/nn/batchnorm.ts (the ONNX default as well). */
const BN_EPSILON = 1e-5;

/** Name of the graph's input: u8 pixels [N, C, H, W]. */
export const ONNX_INPUT = "image";
/** Name of the graph's output: f32 logits [N, classes]. */
export const ONNX_OUTPUT = "logits";

/** What {@link onnxGraph} builds the model from. */
export interface OnnxGraphOptions {
  /** The network's layers, with input shape and classes fixed. */
  spec: ResolvedSpec;
  /** Every parameter of the network: dense values (zeros at pruned positions) and, for pruned weights, the mask. */
  params: readonly TicketParamSource[];
  /** The input conversion, applied in the graph before the first layer. */
  normalization: Normalization;
  /** How pruned weights are stored (default "auto"). */
  initializers?: InitializerMode;
  /** Written as the model's metadata_props. */
  metadata?: Record<string, string>;
  /** The model's producer_version (default: none). */
  producerVersion?: string;
  /** The model's doc_string. */
  docString?: string;
}

/** An ONNX model as a protobuf message object, and which parameters it stores sparse. */
export interface OnnxGraph {
  /** The ModelProto, ready for {@link encodeModel}. */
  model: ModelProto;
  /** Names of the parameters stored as sparse initializers. */
  sparse: string[];
}

const bytesOf = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
const ints = (name: string, values: number[]): AttributeProto => ({ name, type: AttributeType.INTS, ints: values });
const int = (name: string, value: number): AttributeProto => ({ name, type: AttributeType.INT, i: value });
const float = (name: string, value: number): AttributeProto => ({ name, type: AttributeType.FLOAT, f: value });

function tensorInfo(name: string, elemType: number, dims: (number | string)[]): ValueInfoProto {
  return {
    name,
    type: { tensor_type: { elem_type: elemType, shape: { dim: dims.map((d) => (typeof d === "number" ? { dim_value: d } : { dim_param: d })) } } },
  };
}

function denseTensor(name: string, values: Float32Array, dims: readonly number[]): TensorProto {
  return { name, dims: [...dims], data_type: DataType.FLOAT, raw_data: bytesOf(values) };
}

/** COO form of a pruned weight: the kept positions (mask ≠ 0) in row-major order, which ONNX requires ascending. */
function sparseTensor(name: string, values: Float32Array, mask: Uint8Array, dims: readonly number[]): SparseTensorProto {
  let nnz = 0;
  for (let i = 0; i < mask.length; i++) if (mask[i] !== 0) nnz++;
  const kept = new Float32Array(nnz);
  // int64 little-endian as pairs of u32 (low, high = 0): every index is below 2^32.
  const indices = new Uint32Array(2 * nnz);
  let q = 0;
  for (let i = 0; i < mask.length; i++) {
    if (mask[i] === 0) continue;
    kept[q] = values[i]!;
    indices[2 * q++] = i;
  }
  return {
    values: { name, dims: [nnz], data_type: DataType.FLOAT, raw_data: bytesOf(kept) },
    indices: { name: `${name}.indices`, dims: [nnz], data_type: DataType.INT64, raw_data: bytesOf(indices) },
    dims: [...dims],
  };
}

class GraphBuilder {
  readonly nodes: NodeProto[] = [];
  readonly initializers: TensorProto[] = [];
  readonly sparse: SparseTensorProto[] = [];
  private readonly names = new Set<string>();
  private readonly params: Map<string, TicketParamSource>;

  constructor(
    params: readonly TicketParamSource[],
    private readonly mode: InitializerMode,
    private readonly network: string,
  ) {
    this.params = new Map(params.map((p) => [p.name, p]));
    for (const p of params) this.claim(p.name);
  }

  /** Value and initializer names share one namespace in ONNX; a clash would silently rewire the graph. */
  claim(name: string): string {
    if (this.names.has(name))
      throw new Error(
        `onnx export: ${this.network} uses the name ${name} twice (a layer name clashes with another layer's value or parameter); rename the layer`,
      );
    this.names.add(name);
    return name;
  }

  node(op: string, inputs: string[], output: string, attribute: AttributeProto[] = []): string {
    this.nodes.push({ name: output, op_type: op, input: inputs, output: [this.claim(output)], attribute });
    return output;
  }

  constant(name: string, values: Float32Array, dims: number[]): string {
    this.initializers.push(denseTensor(this.claim(name), values, dims));
    return name;
  }

  /** The parameter as an initializer (sparse or dense, see InitializerMode), after checking its shape. */
  param(name: string, shape: readonly number[]): string {
    const p = this.params.get(name);
    if (!p)
      throw new Error(
        `onnx export: ${this.network} needs parameter ${name}, which the ticket lacks: the ticket was exported from another version of the network`,
      );
    if (p.shape.join(",") !== shape.join(","))
      throw new Error(`onnx export: parameter ${name} is [${p.shape.join(",")}] in the ticket but the network declares [${shape.join(",")}]`);
    this.params.delete(name);
    const size = shape.reduce((a, b) => a * b, 1);
    if (p.values.length !== size) throw new Error(`onnx export: parameter ${name} has ${p.values.length} values for shape [${shape.join(",")}]`);
    if (p.mask && this.storeSparse(p.mask)) this.sparse.push(sparseTensor(name, p.values, p.mask, shape));
    else this.initializers.push(denseTensor(name, p.values, shape));
    return name;
  }

  private storeSparse(mask: Uint8Array): boolean {
    if (this.mode !== "auto") return this.mode === "sparse";
    let nnz = 0;
    for (let i = 0; i < mask.length; i++) if (mask[i] !== 0) nnz++;
    return 3 * nnz < mask.length;
  }

  /** Parameters no layer used: the ticket and the spec disagree. */
  leftover(): string[] {
    return [...this.params.keys()];
  }

  /** Renames the value `from` (the output of the last node producing it) to `to`. */
  rename(from: string, to: string): void {
    let producer = this.nodes.length - 1;
    while (this.nodes[producer]!.output[0] !== from) producer--;
    const node = this.nodes[producer]!;
    node.output[0] = this.claim(to);
    node.name = to;
  }
}

type Chw = [number, number, number];

/** Conv (same padding, optional bias and ReLU); returns the output value and its shape. */
function conv(
  g: GraphBuilder,
  x: string,
  [C, H, W]: Chw,
  name: string,
  o: { channels: number; kernel: number; stride: number; bias: boolean; relu: boolean },
): [string, Chw] {
  const pad = (o.kernel - 1) >> 1;
  const inputs = [x, g.param(`${name}.weight`, [o.channels, C, o.kernel, o.kernel])];
  if (o.bias) inputs.push(g.param(`${name}.bias`, [o.channels]));
  let y = g.node("Conv", inputs, name, [ints("kernel_shape", [o.kernel, o.kernel]), ints("pads", [pad, pad, pad, pad]), ints("strides", [o.stride, o.stride])]);
  if (o.relu) y = g.node("Relu", [y], `${name}.relu`);
  const out = (n: number) => Math.floor((n + 2 * pad - o.kernel) / o.stride) + 1;
  return [y, [o.channels, out(H), out(W)]];
}

function batchNorm(g: GraphBuilder, x: string, channels: number, name: string, relu: boolean): string {
  const p = (s: string) => g.param(`${name}.${s}`, [channels]);
  const y = g.node("BatchNormalization", [x, p("weight"), p("bias"), p("running_mean"), p("running_var")], name, [float("epsilon", BN_EPSILON)]);
  return relu ? g.node("Relu", [y], `${name}.relu`) : y;
}

/** The basic residual block of src/nn/residual.ts: relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x)). */
function residual(g: GraphBuilder, x: string, shape: Chw, name: string, channels: number, stride: number): [string, Chw] {
  const [a1, s1] = conv(g, x, shape, `${name}.conv1`, { channels, kernel: 3, stride, bias: false, relu: false });
  const b1 = batchNorm(g, a1, channels, `${name}.bn1`, true);
  const [a2, s2] = conv(g, b1, s1, `${name}.conv2`, { channels, kernel: 3, stride: 1, bias: false, relu: false });
  const b2 = batchNorm(g, a2, channels, `${name}.bn2`, false);
  let short = x;
  if (stride !== 1 || shape[0] !== channels) {
    const [s] = conv(g, x, shape, `${name}.shortcut`, { channels, kernel: 1, stride, bias: false, relu: false });
    short = batchNorm(g, s, channels, `${name}.shortcut_bn`, false);
  }
  const sum = g.node("Add", [b2, short], `${name}.add`);
  return [g.node("Relu", [sum], name), s2];
}

/** Walks the spec's layers, emitting nodes; returns the name of the logits value. */
function emitLayers(g: GraphBuilder, spec: ResolvedSpec, input: string): string {
  const names = layerNames(spec);
  let x = input;
  let shape: number[] = [...spec.input];
  const chw = (i: number): Chw => {
    if (shape.length !== 3)
      throw new Error(`onnx export: ${spec.name} layer ${i} (${spec.layers[i]!.type}) needs an image input [C,H,W], but gets [${shape.join(",")}]`);
    return shape as Chw;
  };
  const flatten = (name: string) => {
    if (shape.length === 1) return;
    x = g.node("Flatten", [x], name, [int("axis", 1)]);
    shape = [shape.reduce((a, b) => a * b, 1)];
  };
  spec.layers.forEach((l, i) => {
    const name = names[i]!;
    switch (l.type) {
      case "linear": {
        flatten(`${name}.flatten`);
        const units = l.units === "classes" ? spec.classes : l.units;
        x = g.node("Gemm", [x, g.param(`${name}.weight`, [units, shape[0]!]), g.param(`${name}.bias`, [units])], name, [int("transB", 1)]);
        if (l.relu) x = g.node("Relu", [x], `${name}.relu`);
        shape = [units];
        break;
      }
      case "conv":
        [x, shape] = conv(g, x, chw(i), name, {
          channels: l.channels,
          kernel: l.kernel ?? 3,
          stride: l.stride ?? 1,
          bias: l.bias ?? true,
          relu: l.relu ?? false,
        });
        break;
      case "maxpool": {
        const [C, H, W] = chw(i);
        x = g.node("MaxPool", [x], name, [ints("kernel_shape", [2, 2]), ints("strides", [2, 2])]);
        shape = [C, H >> 1, W >> 1];
        break;
      }
      case "avgpool": {
        const [C] = chw(i);
        x = g.node("GlobalAveragePool", [x], `${name}.pool`);
        x = g.node("Flatten", [x], name, [int("axis", 1)]);
        shape = [C];
        break;
      }
      case "batchnorm":
        x = batchNorm(g, x, chw(i)[0], name, l.relu ?? false);
        break;
      case "relu":
        x = g.node("Relu", [x], name);
        break;
      case "dropout":
        break;
      case "residual":
        [x, shape] = residual(g, x, chw(i), name, l.channels, l.stride ?? 1);
        break;
      case "flatten":
        flatten(name);
        break;
    }
  });
  if (shape.length !== 1 || shape[0] !== spec.classes)
    throw new Error(`onnx export: ${spec.name} ends in [${shape.join(",")}], not its ${spec.classes} classes`);
  return x;
}

/**
 * The ONNX model of a network: its spec, its parameters and the input conversion the ticket applies.
 * The graph takes what `predict` takes, u8 pixels [N, C, H, W], and converts them as the ticket does
 * (Cast, Mul by scale, Add shift) before the first layer; it ends in the logits [N, classes]. Layers
 * map one to one onto standard operators of opset 17: linear → Gemm (transB, as our weights are
 * [out, in]), conv → Conv (same padding), maxpool → MaxPool 2x2, avgpool → GlobalAveragePool +
 * Flatten, batch norm → BatchNormalization with the running statistics (inference mode), residual
 * blocks → their convolutions, batch norms, Add and Relu; dropout is the identity at inference and
 * emits nothing.
 *
 * @throws Error when the ticket's parameters do not match the layers (missing, mis-shaped or unused), a layer
 * does not fit its input, or `initializers` is not an {@link InitializerMode}.
 */
export function onnxGraph(o: OnnxGraphOptions): OnnxGraph {
  const spec = o.spec;
  const mode = o.initializers ?? "auto";
  if (!INITIALIZER_MODES.includes(mode)) throw new Error(`onnx export: initializers must be ${INITIALIZER_MODES.join(", ")}; got ${String(mode)}`);
  const g = new GraphBuilder(o.params, mode, spec.name);
  const [C, H, W] = spec.input;
  const { scale, shift } = inputAffine(o.normalization, C);
  g.claim(ONNX_INPUT);
  const pixels = g.node("Cast", [ONNX_INPUT], "input.f32", [int("to", DataType.FLOAT)]);
  const scaled = g.node("Mul", [pixels, g.constant("input.scale", scale, [1, C, 1, 1])], "input.scaled");
  const input = g.node("Add", [scaled, g.constant("input.shift", shift, [1, C, 1, 1])], "input.normalized");
  const logits = emitLayers(g, spec, input);
  const unused = g.leftover();
  if (unused.length)
    throw new Error(
      `onnx export: the ticket has parameters ${unused.join(", ")} that ${spec.name}'s layers do not use: the ticket was exported from another version of the network`,
    );
  g.rename(logits, ONNX_OUTPUT);
  const model: ModelProto = {
    ir_version: IR_VERSION,
    opset_import: [{ domain: "", version: OPSET_VERSION }],
    producer_name: "lottery-wasm",
    producer_version: o.producerVersion ?? "",
    doc_string: o.docString,
    graph: {
      name: spec.name,
      node: g.nodes,
      initializer: g.initializers,
      sparse_initializer: g.sparse,
      input: [
        {
          ...tensorInfo(ONNX_INPUT, DataType.UINT8, ["batch", C, H, W]),
          doc_string: "u8 pixels, example-major, channel-major within an example (as the dataset files hold them)",
        },
      ],
      output: [{ ...tensorInfo(ONNX_OUTPUT, DataType.FLOAT, ["batch", spec.classes]), doc_string: "logits (apply softmax for probabilities)" }],
    },
    metadata_props: Object.entries(o.metadata ?? {}).map(([key, value]) => ({ key, value })),
  };
  return { model, sparse: g.sparse.map((s) => s.values.name!) };
}
