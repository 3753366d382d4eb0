// Checks a parsed manifest field by field, so the loader can trust every shape, size and offset:
// a file that passes never makes the loader read outside the payload or hand the kernels arrays of
// the wrong size. (The CSR contents themselves are checked as they are loaded, in csr.ts.)
import {
  type CsrEntry,
  type DenseEntry,
  type ParamEntry,
  type Section,
  SECTION_ALIGN,
  TICKET_FORMAT,
  TicketError,
  type TicketManifest,
  U16_MAX_COLS,
} from "./format.js";

type Json = Record<string, unknown>;

class Checker {
  constructor(private readonly source: string) {}

  fail(what: string): never {
    throw new TicketError("malformed", `${this.source}: malformed manifest: ${what}; export the ticket again with \`lottery export\``);
  }

  object(v: unknown, where: string): Json {
    if (typeof v !== "object" || v === null || Array.isArray(v)) this.fail(`${where} must be an object`);
    return v as Json;
  }

  string(v: unknown, where: string): string {
    if (typeof v !== "string" || v.length === 0) this.fail(`${where} must be a non-empty string`);
    return v;
  }

  number(v: unknown, where: string, lo = -Infinity, hi = Infinity): number {
    if (typeof v !== "number" || !Number.isFinite(v) || v < lo || v > hi) this.fail(`${where} must be a number in [${lo}, ${hi}], got ${JSON.stringify(v)}`);
    return v;
  }

  int(v: unknown, where: string, lo = 0, hi = Number.MAX_SAFE_INTEGER): number {
    const n = this.number(v, where, lo, hi);
    if (!Number.isInteger(n)) this.fail(`${where} must be an integer, got ${n}`);
    return n;
  }

  oneOf<T extends string>(v: unknown, where: string, options: readonly T[]): T {
    if (!options.includes(v as T)) this.fail(`${where} must be one of ${options.join(", ")}, got ${JSON.stringify(v)}`);
    return v as T;
  }

  array(v: unknown, where: string): unknown[] {
    if (!Array.isArray(v)) this.fail(`${where} must be an array`);
    return v;
  }

  section(v: unknown, where: string, bytes: number, payloadBytes: number): Section {
    const o = this.object(v, where);
    const offset = this.int(o.offset, `${where}.offset`);
    const length = this.int(o.bytes, `${where}.bytes`);
    if (offset % SECTION_ALIGN !== 0) this.fail(`${where} starts at ${offset}, not a multiple of ${SECTION_ALIGN}`);
    if (length !== bytes) this.fail(`${where} is ${length} bytes, its shape needs ${bytes}`);
    if (offset + length > payloadBytes) this.fail(`${where} [${offset}, ${offset + length}) runs past the ${payloadBytes}-byte payload`);
    return { offset, bytes: length };
  }
}

function param(c: Checker, raw: unknown, i: number, payloadBytes: number): ParamEntry {
  const o = c.object(raw, `params[${i}]`);
  const name = c.string(o.name, `params[${i}].name`);
  const where = `parameter ${name}`;
  const shape = c.array(o.shape, `${where}.shape`).map((d, j) => c.int(d, `${where}.shape[${j}]`, 1));
  if (shape.length === 0) c.fail(`${where}.shape is empty`);
  const size = shape.reduce((a, b) => a * b, 1);
  const kind = c.oneOf(o.kind, `${where}.kind`, ["fc", "output", "conv", "shortcut", "bias", "norm", "buffer"] as const);
  const encoding = c.oneOf(o.encoding, `${where}.encoding`, ["csr", "dense"] as const);
  if (encoding === "dense") {
    const value_type = c.oneOf(o.value_type, `${where}.value_type`, ["f32"] as const);
    const entry: DenseEntry = { name, shape, kind, encoding, value_type, values: c.section(o.values, `${where}.values`, 4 * size, payloadBytes) };
    return entry;
  }
  const rows = c.int(o.rows, `${where}.rows`, 1),
    cols = c.int(o.cols, `${where}.cols`, 1);
  if (rows !== shape[0] || rows * cols !== size) c.fail(`${where} is [${rows}, ${cols}] as a matrix, which does not match its shape [${shape.join(",")}]`);
  const nnz = c.int(o.nnz, `${where}.nnz`, 0, size);
  const index_type = c.oneOf(o.index_type, `${where}.index_type`, ["u16", "u32"] as const);
  if (index_type === "u16" && cols > U16_MAX_COLS) c.fail(`${where} has ${cols} columns, too many for u16 indices`);
  const value_type = c.oneOf(o.value_type, `${where}.value_type`, ["f32", "f16"] as const);
  const entry: CsrEntry = {
    name,
    shape,
    kind,
    encoding,
    rows,
    cols,
    nnz,
    index_type,
    value_type,
    row_ptr: c.section(o.row_ptr, `${where}.row_ptr`, 4 * (rows + 1), payloadBytes),
    col_idx: c.section(o.col_idx, `${where}.col_idx`, (index_type === "u16" ? 2 : 4) * nnz, payloadBytes),
    values: c.section(o.values, `${where}.values`, (value_type === "f16" ? 2 : 4) * nnz, payloadBytes),
  };
  return entry;
}

/** Every section of every parameter, checked not to overlap. */
function checkOverlaps(c: Checker, params: readonly ParamEntry[]): void {
  const spans: [number, number, string][] = [];
  for (const p of params) {
    const named: [string, Section][] =
      p.encoding === "csr"
        ? [
            ["row_ptr", p.row_ptr],
            ["col_idx", p.col_idx],
            ["values", p.values],
          ]
        : [["values", p.values]];
    for (const [what, s] of named) if (s.bytes > 0) spans.push([s.offset, s.offset + s.bytes, `${p.name}.${what}`]);
  }
  spans.sort((a, b) => a[0] - b[0]);
  for (let i = 1; i < spans.length; i++) {
    if (spans[i]![0] < spans[i - 1]![1]) c.fail(`${spans[i]![2]} overlaps ${spans[i - 1]![2]} in the payload`);
  }
}

export function validateManifest(raw: unknown, source: string): TicketManifest {
  const c: Checker = new Checker(source);
  const o = c.object(raw, "the manifest");
  if (o.format !== TICKET_FORMAT) c.fail(`format is ${JSON.stringify(o.format)}, expected "${TICKET_FORMAT}"`);
  const version = c.int(o.version, "version", 1);
  const model = c.object(o.model, "model");
  const hp = c.object(model.hparams, "model.hparams");
  const hparams = {
    model: c.string(hp.model, "model.hparams.model"),
    init: c.oneOf(hp.init, "model.hparams.init", ["glorot_normal", "kaiming_normal"] as const),
    dropout: c.number(hp.dropout, "model.hparams.dropout", 0, 1),
  };
  const input = c.object(o.input, "input");
  const shape = c.array(input.shape, "input.shape").map((d, j) => c.int(d, `input.shape[${j}]`, 1));
  if (shape.length !== 3) c.fail(`input.shape must be [C, H, W], got [${shape.join(",")}]`);
  const [C, H, W] = shape as [number, number, number];
  const norm = c.object(input.normalization, "input.normalization");
  const normalize = norm.normalize;
  if (typeof normalize !== "boolean") c.fail("input.normalization.normalize must be true or false");
  const mean = c.array(norm.mean, "input.normalization.mean").map((v, j) => c.number(v, `input.normalization.mean[${j}]`, 0, 1));
  const std = c.array(norm.std, "input.normalization.std").map((v, j) => c.number(v, `input.normalization.std[${j}]`, 0, 1));
  if (mean.length !== C || std.length !== C) c.fail(`input.normalization needs ${C} means and stds (one per channel), got ${mean.length} and ${std.length}`);
  if (normalize && std.some((s) => s <= 0)) c.fail("input.normalization.std must be positive to normalize");
  const classes = c.int(o.classes, "classes", 1);
  const classNames = c.array(o.class_names, "class_names").map((v, j) => c.string(v, `class_names[${j}]`));
  if (classNames.length !== classes) c.fail(`class_names has ${classNames.length} names for ${classes} classes`);
  const payloadRaw = c.object(o.payload, "payload");
  const payloadBytes = c.int(payloadRaw.bytes, "payload.bytes");
  const sha = payloadRaw.sha256;
  if (typeof sha !== "string" || !/^[0-9a-f]{64}$/.test(sha)) c.fail("payload.sha256 must be 64 lowercase hex digits");
  const params = c.array(o.params, "params").map((p, i) => param(c, p, i, payloadBytes));
  if (params.length === 0) c.fail("params is empty");
  const names = new Set<string>();
  for (const p of params) {
    if (names.has(p.name)) c.fail(`parameter ${p.name} appears twice`);
    names.add(p.name);
  }
  checkOverlaps(c, params);
  let accuracy: TicketManifest["accuracy"] = null;
  if (o.accuracy !== null && o.accuracy !== undefined) {
    const a = c.object(o.accuracy, "accuracy");
    const count = c.int(a.count, "accuracy.count", 1);
    accuracy = {
      split: c.oneOf(a.split, "accuracy.split", ["test"] as const),
      count,
      correct: c.int(a.correct, "accuracy.correct", 0, count),
      accuracy: c.number(a.accuracy, "accuracy.accuracy", 0, 1),
      batch_size: c.int(a.batch_size, "accuracy.batch_size", 1),
      kernels: c.oneOf(a.kernels, "accuracy.kernels", ["sparse", "auto", "dense"] as const),
      simd: c.oneOf(a.simd, "accuracy.simd", ["relaxed", "plain"] as const),
    };
  }
  const training = o.training === null || o.training === undefined ? null : (c.object(o.training, "training") as unknown as TicketManifest["training"]);
  return {
    format: TICKET_FORMAT,
    version,
    model: { name: c.string(model.name, "model.name"), hparams },
    dataset: c.string(o.dataset, "dataset"),
    input: {
      shape: [C, H, W],
      dtype: c.oneOf(input.dtype, "input.dtype", ["u8"] as const),
      layout: c.oneOf(input.layout, "input.layout", ["NCHW"] as const),
      normalization: { normalize, mean, std },
    },
    classes,
    class_names: classNames,
    pm: c.number(o.pm, "pm", 0, 1),
    value_type: c.oneOf(o.value_type, "value_type", ["f32", "f16"] as const),
    accuracy,
    training,
    params,
    payload: { bytes: payloadBytes, sha256: sha },
  };
}
