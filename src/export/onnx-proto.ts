// The ONNX messages an export writes, as a protobufjs schema: names and field numbers as in
// onnx/onnx.proto (ONNX IR version 8), so protobufjs does the wire encoding. Only the messages and
// fields we write are declared: a protobuf reader skips nothing it needs, since every field here
// carries its official number, and unknown fields are never written.
//
// Why not the onnx-proto package: it pins protobufjs 6 (which brings @types/node and long 4 into
// the consumer's install) and ONNX 1.10's schema; protobufjs 8 depends on `long` alone. The schema
// is checked end to end by onnxruntime-web loading and running every exported model in the tests.
import protobuf from "protobufjs/light.js";

/** TensorProto.DataType values used here. */
export const DataType = { FLOAT: 1, UINT8: 2, INT64: 7 } as const;
/** AttributeProto.AttributeType values used here. */
export const AttributeType = { FLOAT: 1, INT: 2, INTS: 7 } as const;

/** ONNX IR version 8 (ONNX 1.12+), the first whose opset range covers opset 17. */
export const IR_VERSION = 8;
/** The ONNX operator set the graph uses (default domain): 17. */
export const OPSET_VERSION = 17;

/** The part of ONNX's TensorProto used here: a named tensor with raw little-endian data. */
export interface TensorProto {
  name?: string;
  dims: number[];
  data_type: number;
  /** Fixed-width little-endian values. */
  raw_data: Uint8Array;
}

/** ONNX's SparseTensorProto in COO form: kept values and their linear indices in a tensor of shape `dims`. */
export interface SparseTensorProto {
  /** [NNZ] values; its name is the initializer's name. */
  values: TensorProto;
  /** [NNZ] int64 linear indices (row-major), ascending. */
  indices: TensorProto;
  dims: number[];
}

/** The part of ONNX's AttributeProto used here: a float, an int or a list of ints. */
export interface AttributeProto {
  name: string;
  type: number;
  f?: number;
  i?: number;
  ints?: number[];
}

/** One operator of the graph (ONNX NodeProto): its type, input and output tensor names and attributes. */
export interface NodeProto {
  name: string;
  op_type: string;
  input: string[];
  output: string[];
  attribute: AttributeProto[];
}

/** The name, element type and shape of a graph input or output (ONNX ValueInfoProto); `dim_param` names a free dimension. */
export interface ValueInfoProto {
  name: string;
  type: { tensor_type: { elem_type: number; shape: { dim: ({ dim_value: number } | { dim_param: string })[] } } };
  doc_string?: string;
}

/** The network as an ONNX graph: operators in topological order, parameters as (sparse) initializers. */
export interface GraphProto {
  name: string;
  doc_string?: string;
  node: NodeProto[];
  initializer: TensorProto[];
  sparse_initializer: SparseTensorProto[];
  input: ValueInfoProto[];
  output: ValueInfoProto[];
}

/** An ONNX model (ModelProto): the graph, its IR and opset versions, producer and metadata. */
export interface ModelProto {
  ir_version: number;
  opset_import: { domain: string; version: number }[];
  producer_name: string;
  producer_version: string;
  doc_string?: string;
  graph: GraphProto;
  metadata_props: { key: string; value: string }[];
}

const f = (type: string, id: number) => ({ type, id });
const rep = (type: string, id: number) => ({ type, id, rule: "repeated" });

const root = protobuf.Root.fromJSON({
  nested: {
    onnx: {
      nested: {
        AttributeProto: { fields: { name: f("string", 1), f: f("float", 2), i: f("int64", 3), ints: rep("int64", 8), type: f("int32", 20) } },
        ValueInfoProto: { fields: { name: f("string", 1), type: f("TypeProto", 2), doc_string: f("string", 3) } },
        NodeProto: {
          fields: {
            input: rep("string", 1),
            output: rep("string", 2),
            name: f("string", 3),
            op_type: f("string", 4),
            attribute: rep("AttributeProto", 5),
            domain: f("string", 7),
          },
        },
        ModelProto: {
          fields: {
            ir_version: f("int64", 1),
            producer_name: f("string", 2),
            producer_version: f("string", 3),
            doc_string: f("string", 6),
            graph: f("GraphProto", 7),
            opset_import: rep("OperatorSetIdProto", 8),
            metadata_props: rep("StringStringEntryProto", 14),
          },
        },
        StringStringEntryProto: { fields: { key: f("string", 1), value: f("string", 2) } },
        GraphProto: {
          fields: {
            node: rep("NodeProto", 1),
            name: f("string", 2),
            initializer: rep("TensorProto", 5),
            doc_string: f("string", 10),
            input: rep("ValueInfoProto", 11),
            output: rep("ValueInfoProto", 12),
            sparse_initializer: rep("SparseTensorProto", 15),
          },
        },
        TensorProto: { fields: { dims: rep("int64", 1), data_type: f("int32", 2), name: f("string", 8), raw_data: f("bytes", 9) } },
        SparseTensorProto: { fields: { values: f("TensorProto", 1), indices: f("TensorProto", 2), dims: rep("int64", 3) } },
        TensorShapeProto: {
          fields: { dim: rep("Dimension", 1) },
          nested: { Dimension: { oneofs: { value: { oneof: ["dim_value", "dim_param"] } }, fields: { dim_value: f("int64", 1), dim_param: f("string", 2) } } },
        },
        TypeProto: {
          oneofs: { value: { oneof: ["tensor_type"] } },
          fields: { tensor_type: f("Tensor", 1) },
          nested: { Tensor: { fields: { elem_type: f("int32", 1), shape: f("TensorShapeProto", 2) } } },
        },
        OperatorSetIdProto: { fields: { domain: f("string", 1), version: f("int64", 2) } },
      },
    },
  },
});

const Model = root.lookupType("onnx.ModelProto");

/** The model's bytes (an .onnx file). Throws if the object does not fit the schema (a bug here, not the user's). */
export function encodeModel(model: ModelProto): Uint8Array {
  const problem = Model.verify(model);
  if (problem) throw new Error(`onnx export: the model does not fit the ONNX schema (${problem}); this is a lottery-wasm bug`);
  // A copy as a plain Uint8Array: in Node protobufjs hands back a Buffer, maybe a slice of its pool.
  return new Uint8Array(Model.encode(model).finish());
}

/** Decodes an .onnx file's bytes into plain objects (int64 fields as numbers), for tests and tools. */
export function decodeModel(bytes: Uint8Array): ModelProto {
  return Model.toObject(Model.decode(bytes), { longs: Number, arrays: true }) as ModelProto;
}
