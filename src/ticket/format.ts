// The ticket file (.ltk) format: its constants, manifest types and errors (the layout is on TICKET_FORMAT).
import type { ModelHparams } from "../hparams/schema.js";
import type { ParamKind } from "../nn/param.js";

export const TICKET_MAGIC: readonly number[] = [0x89, 0x4c, 0x54, 0x4b, 0x0d, 0x0a, 0x1a, 0x0a];
/**
 * The `format` field of every ticket manifest. The ticket file (.ltk): one pruned network, ready for
 * inference, in one self-describing file.
 *
 * ```text
 *   offset  size  what
 *   0       8     magic 89 4C 54 4B 0D 0A 1A 0A ("\x89LTK\r\n\x1a\n", PNG-style: the high byte
 *                 catches 7-bit transfers, CR LF / LF catch line-ending conversion, 1A stops `type`)
 *   8       4     u32 format version (TICKET_VERSION); a reader refuses any other version
 *   12      4     u32 manifest length M in bytes
 *   16      32    sha256 of the manifest bytes (so a flipped digit in, say, the normalization is caught)
 *   48      M     manifest: UTF-8 JSON (TicketManifest)
 *   48+M    ..    zero padding to a multiple of 8
 *   P       ..    payload: the parameter arrays at the offsets the manifest's layout table gives,
 *                 each relative to P and a multiple of 8 (zero padding between); its length and
 *                 sha256 are in the manifest (payload.bytes, payload.sha256)
 * ```
 *
 * All numbers are little-endian, as wasm memory is, so arrays are copied into the kernels' memory
 * byte for byte. The manifest says what the network is and how to feed it:
 * format "lottery-ticket", version; model name and model hyperparameters (the registry rebuilds
 * the layers from them); dataset, input shape [C, H, W] (u8 pixels, example-major, channel-major
 * within an example, as the dataset files hold them), classes and class names; the input
 * normalization (pixel v of channel c becomes v·scale_c + shift_c in f32, scale_c = 1/(255·std_c),
 * shift_c = −mean_c/std_c when normalized, else 1/255 and 0: exactly training's conversion);
 * Pm (fraction of prunable weights kept); value_type (f32 or f16, of the pruned weights' values);
 * the test accuracy measured at export with this file's own bytes and the inference code (with
 * the batch size, kernels and SIMD level used, which fix the arithmetic), the training run's own
 * recorded accuracies for information; and the layout table: one entry per parameter, in the
 * network's order.
 *
 * Parameters are stored in one of two encodings:
 *
 * ```text
 *   csr   (prunable weights, viewed as a [rows, cols] matrix: rows = output units or channels,
 *          cols = inputs·kh·kw): row_ptr u32[rows+1], col_idx u16[nnz] when cols ≤ 65536 else
 *          u32[nnz] (ascending within a row), values f32[nnz] or f16[nnz] (IEEE binary16, rounded
 *          to nearest even at export). Pruned positions are implicit zeros.
 *   dense (everything else: biases, batch-norm scale and shift, running mean and variance):
 *          values f32[size], row-major.
 * ```
 *
 * A kept weight costs 6 bytes in CSR (f32 value, u16 index; 4 with f16 values) against 4 for every
 * weight of a dense matrix, so a ticket is smaller than the dense f32 model below Pm ≈ 2/3 (f32)
 * or about 1 (f16), and far smaller at the paper's sparsities (see README, "Ship a ticket").
 */
export const TICKET_FORMAT = "lottery-ticket";
/** The format version this code writes and reads; a reader refuses any other (a "version" TicketError). */
export const TICKET_VERSION = 1;
/** Magic, version, manifest length and manifest sha256. */
export const HEADER_BYTES = 48;
/** Sections of the payload (and the payload itself) start at multiples of this many bytes. */
export const SECTION_ALIGN = 8;
/** Column indices are stored as u16 up to this many columns. */
export const U16_MAX_COLS = 65536;

/** Value type of the pruned weights' stored values: f32, or f16 (IEEE binary16, half the bytes). */
export type ValueType = "f32" | "f16";
/** Column index type of a CSR entry: u16 when the matrix has at most 65536 columns, else u32. */
export type IndexType = "u16" | "u32";

/** Bytes [offset, offset + bytes) of the payload. */
export interface Section {
  offset: number;
  bytes: number;
}

interface EntryBase {
  name: string;
  shape: number[];
  kind: ParamKind;
}

/** A prunable weight stored in CSR form: only its kept entries, as a [rows, cols] matrix (cols = inputs·kh·kw). */
export interface CsrEntry extends EntryBase {
  encoding: "csr";
  rows: number;
  cols: number;
  /** Number of kept (stored) weights. */
  nnz: number;
  index_type: IndexType;
  value_type: ValueType;
  /** u32[rows + 1]: row r's entries are [row_ptr[r], row_ptr[r + 1]). */
  row_ptr: Section;
  /** Column of each entry, ascending within a row. */
  col_idx: Section;
  values: Section;
}

/** A parameter stored whole as f32, row-major (biases, batch-norm scale, shift and running statistics). */
export interface DenseEntry extends EntryBase {
  encoding: "dense";
  value_type: "f32";
  values: Section;
}

/** One entry of a manifest's layout table: where a parameter's arrays are in the payload. */
export type ParamEntry = CsrEntry | DenseEntry;

/** How u8 pixels become the network's f32 input (exactly training's conversion). */
export interface Normalization {
  /** Whether the network was trained on normalized pixels (the model's dataset.normalize). */
  normalize: boolean;
  /** Per-channel mean and std of the training pixels scaled to [0, 1] (used only when normalize). */
  mean: number[];
  std: number[];
}

/** The accuracy the file's own bytes give with the inference code, measured at export. */
export interface RecordedAccuracy {
  split: "test";
  count: number;
  correct: number;
  accuracy: number;
  /** The arithmetic that produced it: batch size (columns per forward pass), kernels, SIMD level. */
  batch_size: number;
  kernels: KernelPreference;
  simd: "relaxed" | "plain";
}

/** Where the ticket came from, for information. */
export interface TrainingRecord {
  experiment: string;
  trial: number;
  kind: "iterative" | "oneshot";
  level: number;
  branch: string;
  iterations: number;
  final_test_accuracy: number;
  early_stop_iteration: number;
  early_stop_test_accuracy: number;
}

/**
 * The JSON manifest of a ticket file: what the network is (the registry rebuilds it from the model
 * name and hyperparameters), how to feed it, its sparsity and accuracy, and where each parameter's
 * arrays are in the payload. See {@link TICKET_FORMAT} for the whole file.
 */
export interface TicketManifest {
  format: typeof TICKET_FORMAT;
  version: number;
  model: { name: string; hparams: ModelHparams };
  dataset: string;
  /** Per-example input: [C, H, W] u8 pixels, channel-major within an example, and their conversion. */
  input: { shape: [number, number, number]; dtype: "u8"; layout: "NCHW"; normalization: Normalization };
  classes: number;
  /** Human names of the classes, indexed by class. */
  class_names: string[];
  /** Fraction of prunable weights kept. */
  pm: number;
  /** Value type of the pruned (CSR) weights; everything else is f32. */
  value_type: ValueType;
  /** Test accuracy of this file measured at export (null when not measured). */
  accuracy: RecordedAccuracy | null;
  /** The run the ticket came from (null when not from a stored experiment). */
  training: TrainingRecord | null;
  /** The layout table: one entry per parameter, in the network's order. */
  params: ParamEntry[];
  /** Length and hex sha256 of the payload. */
  payload: { bytes: number; sha256: string };
}

/**
 * How pruned weights run: "sparse" (CSR kernels wherever the layer has them; the default), "auto"
 * (sparse below the measured crossover density, else dense) or "dense" (scattered into dense
 * matrices; the reference).
 */
export type KernelPreference = "sparse" | "auto" | "dense";

/**
 * Why a ticket file was refused: "truncated" (shorter than its header or payload says), "bad-magic"
 * (not a ticket file), "version" (another format version), "checksum" (manifest or payload damaged),
 * "malformed" (the manifest is invalid or inconsistent) or "incompatible" (its parameters do not match the model
 * this lottery-wasm builds under its name).
 */
export type TicketErrorCode = "truncated" | "bad-magic" | "version" | "checksum" | "malformed" | "incompatible";

/** A ticket file that cannot be used; `code` says why, the message names the problem and the fix. */
export class TicketError extends Error {
  constructor(
    readonly code: TicketErrorCode,
    message: string,
  ) {
    super(message);
    this.name = "TicketError";
  }
}
