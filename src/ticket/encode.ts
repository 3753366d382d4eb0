// The ticket encoder (encodeTicket) and its inputs.
import type { ModelHparams } from "../hparams/schema.js";
import type { ParamKind } from "../nn/param.js";
import { writeContainer, align } from "./container.js";
import { assertLittleEndian, packCsr } from "./csr.js";
import { floatToHalf } from "./f16.js";
import {
  type CsrEntry,
  type DenseEntry,
  type Normalization,
  type ParamEntry,
  type RecordedAccuracy,
  TICKET_FORMAT,
  TICKET_VERSION,
  type TicketManifest,
  type TrainingRecord,
  type ValueType,
} from "./format.js";

/** One parameter to encode: its values (dense, f32) and, for a pruned weight, its mask. */
export interface TicketParamSource {
  name: string;
  shape: readonly number[];
  kind: ParamKind;
  values: Float32Array;
  /** 1 = kept: the parameter is stored in CSR. null: stored dense (biases, batch-norm parameters). */
  mask: Uint8Array | null;
}

/** Everything {@link encodeTicket} writes into a ticket file (see {@link TicketManifest} for the fields). */
export interface TicketSpec {
  /** Registered model name; a loader rebuilds the network from it and `modelHparams`. */
  model: string;
  modelHparams: ModelHparams;
  dataset: string;
  /** Per-example input [C, H, W]. */
  inputShape: readonly [number, number, number];
  classes: number;
  /** One name per class. */
  classNames: readonly string[];
  /** The input conversion training used; mean and std need one value per input channel. */
  normalization: Normalization;
  /** Type of the stored pruned weights' values (f16 halves their bytes, rounded to nearest even). */
  valueType: ValueType;
  /** Every parameter of the network, in network order (see {@link ticketParams}). */
  params: readonly TicketParamSource[];
  /** Accuracy measured with the file's own bytes, if already known. */
  accuracy?: RecordedAccuracy | null;
  /** The run the ticket came from, for information. */
  training?: TrainingRecord | null;
}

/** What {@link ticketParams} needs of each parameter: a Network's `Param`s have it, and so has a model's declared parameter list. */
export interface TicketParamDeclaration {
  name: string;
  shape: readonly number[];
  kind: ParamKind;
  /** Whether the parameter has a mask (stored in CSR). */
  prunable: boolean;
}

/**
 * A network's parameters for encoding, in its order: values from `weights`, masks of its prunable ones
 * from `masks`. `network` is a built Network or just its parameter list (`{ params }`).
 */
export function ticketParams(
  network: { readonly params: readonly TicketParamDeclaration[] },
  weights: ReadonlyMap<string, Float32Array>,
  masks: ReadonlyMap<string, Uint8Array>,
): TicketParamSource[] {
  return network.params.map((p) => {
    const size = p.shape.reduce((a, b) => a * b, 1);
    const values = weights.get(p.name);
    if (!values) throw new Error(`ticket: the weights lack parameter ${p.name}`);
    if (values.length !== size) throw new Error(`ticket: ${p.name} has ${values.length} values, the network's [${p.shape.join(",")}] has ${size}`);
    let mask: Uint8Array | null = null;
    if (p.prunable) {
      mask = masks.get(p.name) ?? null;
      if (!mask) throw new Error(`ticket: the masks lack prunable parameter ${p.name}`);
      if (mask.length !== size) throw new Error(`ticket: the mask of ${p.name} has ${mask.length} entries, expected ${size}`);
    }
    return { name: p.name, shape: [...p.shape], kind: p.kind, values, mask };
  });
}

/** Lays out sections one after another, each aligned; copies the bytes at the end. */
class PayloadBuilder {
  private size = 0;
  private readonly parts: [number, Uint8Array][] = [];

  add(array: ArrayBufferView): { offset: number; bytes: number } {
    const offset = align(this.size);
    const bytes = new Uint8Array(array.buffer, array.byteOffset, array.byteLength);
    this.parts.push([offset, bytes]);
    this.size = offset + bytes.length;
    return { offset, bytes: bytes.length };
  }

  build(): Uint8Array {
    const out = new Uint8Array(align(this.size));
    for (const [offset, bytes] of this.parts) out.set(bytes, offset);
    return out;
  }
}

function encodeValues(values: Float32Array, valueType: ValueType, name: string): Float32Array | Uint16Array {
  if (valueType === "f32") return values;
  const half = new Uint16Array(values.length);
  const overflow = floatToHalf(values, half);
  if (overflow >= 0) {
    throw new Error(`ticket: ${name} holds ${values[overflow]} (entry ${overflow}), beyond f16's range of ±65504: export with f32 values (without --fp16)`);
  }
  return half;
}

/**
 * Writes a ticket file from a network's parameters and masks (see {@link TICKET_FORMAT}): prunable
 * weights in CSR (values f32 or f16), every other parameter dense f32. Pure computation, no I/O: the
 * CLI's `lottery export` and in-memory tickets (bench, tests, the browser) use the same encoder.
 *
 * @throws Error when a parameter's values do not fit its shape, or the normalization or class names
 * do not match the input channels or class count.
 */
export async function encodeTicket(spec: TicketSpec): Promise<Uint8Array> {
  assertLittleEndian();
  const [C] = spec.inputShape;
  if (spec.normalization.mean.length !== C || spec.normalization.std.length !== C) {
    throw new Error(`ticket: the normalization needs ${C} means and stds (one per input channel)`);
  }
  if (spec.classNames.length !== spec.classes) throw new Error(`ticket: ${spec.classNames.length} class names for ${spec.classes} classes`);
  const payload = new PayloadBuilder();
  const entries: ParamEntry[] = [];
  let kept = 0,
    prunable = 0;
  for (const p of spec.params) {
    const size = p.shape.reduce((a, b) => a * b, 1);
    if (p.values.length !== size) throw new Error(`ticket: ${p.name} has ${p.values.length} values for shape [${p.shape.join(",")}]`);
    if (!p.mask) {
      const entry: DenseEntry = { name: p.name, shape: [...p.shape], kind: p.kind, encoding: "dense", value_type: "f32", values: payload.add(p.values) };
      entries.push(entry);
      continue;
    }
    const rows = p.shape[0]!,
      cols = size / rows;
    const csr = packCsr(p.values, p.mask, rows, cols);
    const nnz = csr.values.length;
    kept += nnz;
    prunable += size;
    const entry: CsrEntry = {
      name: p.name,
      shape: [...p.shape],
      kind: p.kind,
      encoding: "csr",
      rows,
      cols,
      nnz,
      index_type: csr.colIdx instanceof Uint16Array ? "u16" : "u32",
      value_type: spec.valueType,
      row_ptr: payload.add(csr.rowPtr),
      col_idx: payload.add(csr.colIdx),
      values: payload.add(encodeValues(csr.values, spec.valueType, p.name)),
    };
    entries.push(entry);
  }
  const manifest: TicketManifest = {
    format: TICKET_FORMAT,
    version: TICKET_VERSION,
    model: { name: spec.model, hparams: { ...spec.modelHparams } },
    dataset: spec.dataset,
    input: {
      shape: [...spec.inputShape],
      dtype: "u8",
      layout: "NCHW",
      normalization: { ...spec.normalization, mean: [...spec.normalization.mean], std: [...spec.normalization.std] },
    },
    classes: spec.classes,
    class_names: [...spec.classNames],
    pm: prunable === 0 ? 1 : kept / prunable,
    value_type: spec.valueType,
    accuracy: spec.accuracy ?? null,
    training: spec.training ?? null,
    params: entries,
    payload: { bytes: 0, sha256: "" },
  };
  return writeContainer(manifest, payload.build());
}

/** Bytes of the network as dense f32 arrays (every parameter, nothing else): what a ticket is compared with. */
export function denseBytes(manifest: TicketManifest): number {
  return manifest.params.reduce((n, p) => n + 4 * p.shape.reduce((a, b) => a * b, 1), 0);
}
