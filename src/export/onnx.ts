// A ticket file (.ltk) as a standard ONNX model (exportOnnx); the graph is built by onnx-graph.ts
// and encoded by protobufjs (onnx-proto.ts).
import { getModel } from "../models/registry.js";
import { type NetworkSpec, resolveSpec } from "../models/spec.js";
import { readContainer } from "../ticket/container.js";
import { assertLittleEndian, readCsr, sectionView } from "../ticket/csr.js";
import type { TicketParamSource } from "../ticket/encode.js";
import { TicketError, type TicketManifest } from "../ticket/format.js";
import { type InitializerMode, ONNX_INPUT, ONNX_OUTPUT, onnxGraph } from "./onnx-graph.js";
import { encodeModel } from "./onnx-proto.js";

/** Settings of {@link exportOnnx}; every field is optional. */
export interface OnnxExportOptions {
  /** How pruned weights are stored (default "auto": sparse initializers below density 1/3); see InitializerMode. */
  initializers?: InitializerMode;
  /** Name of the ticket, for error messages (default "ticket file"). */
  source?: string;
  /** The network's layers, for a model this package's registry lacks (default: the registry's spec of the ticket's model). */
  spec?: NetworkSpec;
  /** The producer version written into the model (default: none). */
  producerVersion?: string;
}

/** An ONNX model made from a ticket, in memory (write `bytes` to a .onnx file). */
export interface OnnxExport {
  /** The .onnx file's bytes. */
  bytes: Uint8Array;
  /** The ticket's manifest (what the model is, its Pm and recorded accuracy). */
  manifest: TicketManifest;
  /** Names of the graph's input (u8 [batch, C, H, W]) and output (f32 logits [batch, classes]). */
  input: string;
  /** Name of the graph's output (see `input`). */
  output: string;
  /** Parameters stored as sparse initializers; every other one is dense. */
  sparse: string[];
}

/** Every parameter as dense f32 (zeros at pruned positions) with the mask of the pruned ones. */
function denseParams(m: TicketManifest, payload: Uint8Array, source: string): TicketParamSource[] {
  return m.params.map((e) => {
    if (e.encoding === "dense") return { name: e.name, shape: e.shape, kind: e.kind, values: sectionView(payload, e.values, Float32Array), mask: null };
    const csr = readCsr(e, payload, source);
    const values = new Float32Array(e.rows * e.cols),
      mask = new Uint8Array(e.rows * e.cols);
    for (let r = 0; r < csr.rows; r++) {
      for (let q = csr.rowPtr[r]!; q < csr.rowPtr[r + 1]!; q++) {
        const at = r * csr.cols + csr.colIdx[q]!;
        values[at] = csr.values[q]!;
        mask[at] = 1;
      }
    }
    return { name: e.name, shape: e.shape, kind: e.kind, values, mask };
  });
}

function specOf(m: TicketManifest, source: string, given?: NetworkSpec): NetworkSpec {
  if (given) return given;
  try {
    return getModel(m.model.name).spec(m.model.hparams);
  } catch (err) {
    throw new TicketError(
      "incompatible",
      `${source}: ${(err as Error).message} (the ticket was exported from a model this lottery-wasm does not have; pass its layers as the spec option)`,
    );
  }
}

/**
 * Converts a ticket file into an ONNX model (IR 8, opset 17) whose input is the u8 images
 * `predict` takes and whose output is the logits, for runtimes outside this project (ONNX Runtime
 * on the web, mobile and servers). The network comes from its declared layer spec (the model
 * registry, or `options.spec`), the parameters from the ticket, verified as loadTicket verifies them.
 *
 * @throws TicketError, as {@link loadTicket} would give, for a damaged or unknown ticket.
 */
export async function exportOnnx(ticket: Uint8Array, options: OnnxExportOptions = {}): Promise<OnnxExport> {
  assertLittleEndian();
  const source = options.source ?? "ticket file";
  const { manifest: m, payload } = await readContainer(ticket, source);
  const spec = resolveSpec(specOf(m, source, options.spec), { name: m.dataset, shape: m.input.shape, classes: m.classes });
  const { model, sparse } = onnxGraph({
    spec,
    params: denseParams(m, payload, source),
    normalization: m.input.normalization,
    initializers: options.initializers,
    producerVersion: options.producerVersion,
    docString: `${m.model.name} lottery ticket at Pm ${(100 * m.pm).toFixed(2)}% (${m.dataset}), exported by lottery-wasm from a ${m.value_type} ticket`,
    metadata: {
      "lottery.model": m.model.name,
      "lottery.dataset": m.dataset,
      "lottery.pm": String(m.pm),
      "lottery.class_names": JSON.stringify(m.class_names),
      "lottery.normalization": JSON.stringify(m.input.normalization),
      ...(m.training ? { "lottery.training": JSON.stringify(m.training) } : {}),
      ...(m.accuracy ? { "lottery.ticket_test_accuracy": JSON.stringify(m.accuracy) } : {}),
    },
  });
  return { bytes: encodeModel(model), manifest: m, input: ONNX_INPUT, output: ONNX_OUTPUT, sparse };
}
