// Inference with a ticket file: no training code, no Node modules, so the same code runs in a
// browser tab. loadTicket verifies the file, checks its parameter list against the shapes the model
// declares (before allocating anything: a small file must not make it build a large model only to
// be refused), rebuilds the network from the model registry, puts every pruned weight's CSR arrays
// from the file into wasm memory and makes them the network's execution plan (Network.adoptPlan), so those layers
// run the sparse kernels.
import { type ExecutionPlan, kernelFor } from "../nn/plan.js";
import { Kernels, type SimdLevel } from "../kernels/index.js";
import { declaredParams, type DeclaredParam } from "../models/params.js";
import { getModel } from "../models/registry.js";
import { buildNetwork as buildFromSpec, type ResolvedSpec } from "../models/spec.js";
import type { CsrLayout, LayerExecution, Network } from "../nn/network.js";
import type { Param } from "../nn/param.js";
import { readContainer } from "./container.js";
import { assertLittleEndian, type CsrArrays, readCsr, sectionView } from "./csr.js";
import { type DenseEntry, type KernelPreference, type ParamEntry, TicketError, type TicketManifest } from "./format.js";
import { Ticket } from "./ticket.js";

/** Settings of {@link loadTicket}; every field is optional. */
export interface LoadTicketOptions {
  /** Name of the file, for error messages (default "ticket file"). */
  source?: string;
  /** Where the kernels' .wasm files are (a directory path or URL); default: the package's build/. */
  wasmDir?: string | URL;
  /** SIMD level of the kernels (default "auto": relaxed SIMD with FMA where the runtime has it). */
  simd?: "auto" | SimdLevel;
  /**
   * Kernels instance to run in (default: a new one with an unshared memory). When others allocate
   * in it too, the ticket keeps the buffers of every pass size it has used instead of reusing them.
   */
  kernels?: Kernels;
  /** How pruned weights run (default "sparse"; see KernelPreference). */
  kernelMode?: KernelPreference;
  /** Images per forward pass (default: up to 256, fewer when activations are large, fewer still for sparse convolutions). */
  batchSize?: number;
}

function incompatible(source: string, what: string): TicketError {
  return new TicketError("incompatible", `${source}: ${what}`);
}

/** Checks that the file describes exactly the parameters the model declares; returns its entries by name. */
function matchParams(declared: readonly DeclaredParam[], m: TicketManifest, source: string): Map<string, ParamEntry> {
  const byName = new Map(m.params.map((e) => [e.name, e]));
  const out = new Map<string, ParamEntry>();
  for (const p of declared) {
    const e = byName.get(p.name);
    if (!e)
      throw incompatible(source, `the file lacks parameter ${p.name} of ${m.model.name}; it was not exported from this model (or from another version of it)`);
    if (e.shape.join(",") !== p.shape.join(","))
      throw incompatible(source, `parameter ${p.name} is [${e.shape.join(",")}] in the file but [${p.shape.join(",")}] in ${m.model.name}`);
    if (e.encoding === "csr" && !p.prunable) throw incompatible(source, `parameter ${p.name} is stored sparse but ${m.model.name} never prunes it`);
    out.set(p.name, e);
    byName.delete(p.name);
  }
  if (byName.size > 0) throw incompatible(source, `the file has parameters ${[...byName.keys()].join(", ")} that ${m.model.name} does not have`);
  return out;
}

/** Dense value, mask (1 = kept) and density of a CSR parameter, written into the network's own tensors. */
function scatter(p: Param, csr: CsrArrays): void {
  const value = p.value.data,
    mask = p.mask!.data;
  value.fill(0);
  mask.fill(0);
  const { rowPtr, colIdx, values, cols } = csr;
  for (let r = 0; r < csr.rows; r++) {
    for (let q = rowPtr[r]!; q < rowPtr[r + 1]!; q++) {
      value[r * cols + colIdx[q]!] = values[q]!;
      mask[r * cols + colIdx[q]!] = 1;
    }
  }
}

/** Copies a CSR parameter into wasm memory (column indices widened to the kernels' u32). */
function toWasm(k: Kernels, p: Param, csr: CsrArrays): CsrLayout {
  const nnz = csr.values.length;
  const rowPtr = k.alloc([csr.rows + 1], "u32", `${p.name}.rowPtr`);
  const colIdx = k.alloc([nnz], "u32", `${p.name}.colIdx`);
  const values = k.alloc([nnz], "f32", `${p.name}.values`);
  rowPtr.data.set(csr.rowPtr);
  colIdx.data.set(csr.colIdx);
  values.data.set(csr.values);
  return { param: p.name, rows: csr.rows, cols: csr.cols, nnz, rowPtr: rowPtr.ptr, colIdx: colIdx.ptr, values: values.ptr };
}

function loadDense(p: Param, e: DenseEntry, payload: Uint8Array): void {
  p.value.data.set(sectionView(payload, e.values, Float32Array));
  if (p.mask) p.mask.data.fill(1);
}

/**
 * The model a verified manifest names, as a spec, once the file's input, classes and parameter list
 * are known to match it: everything is checked before a byte of the network is allocated.
 */
function checkedSpec(m: TicketManifest, source: string): { spec: ResolvedSpec; entries: Map<string, ParamEntry> } {
  let model: ReturnType<typeof getModel>;
  try {
    model = getModel(m.model.name);
  } catch (err) {
    throw incompatible(source, `${(err as Error).message} (the ticket was exported from a model this lottery-wasm does not have)`);
  }
  if (m.model.hparams.model !== m.model.name) throw incompatible(source, `model.hparams.model is ${m.model.hparams.model} but model.name is ${m.model.name}`);
  let spec: ResolvedSpec;
  try {
    // The input size and output layer of the fully connected and Conv-x families follow the
    // dataset the ticket was trained on; models with a fixed shape (VGG-19, ResNet-20) refuse another.
    spec = model.resolve(m.model.hparams, { name: m.dataset, shape: m.input.shape, classes: m.classes });
  } catch (err) {
    throw incompatible(source, (err as Error).message);
  }
  if (spec.input.join(",") !== m.input.shape.join(",") || spec.classes !== m.classes) {
    throw incompatible(
      source,
      `${m.model.name} takes [${spec.input.join(",")}] inputs and has ${spec.classes} classes, the file says [${m.input.shape.join(",")}] and ${m.classes}`,
    );
  }
  return { spec, entries: matchParams(declaredParams(spec), m, source) };
}

/** Builds the network of a checked manifest and loads its parameters; returns how each pruned one runs. */
function buildNetwork(
  k: Kernels,
  m: TicketManifest,
  checked: ReturnType<typeof checkedSpec>,
  payload: Uint8Array,
  mode: KernelPreference,
  source: string,
): { network: Network; plan: ExecutionPlan; execution: LayerExecution[] } {
  const { spec, entries } = checked;
  const network = buildFromSpec(k, spec);
  const layouts: CsrLayout[] = [];
  const execution: LayerExecution[] = [];
  for (const p of network.params) {
    const e = entries.get(p.name);
    // declaredParams follows the builder; a difference is a bug here, not a bad file.
    if (!e) throw new Error(`internal: ${m.model.name} built parameter ${p.name}, which its declared parameters lack`);
    if (e.encoding === "dense") {
      loadDense(p, e, payload);
      if (p.prunable) execution.push({ param: p.name, density: 1, kernel: "dense" });
      continue;
    }
    const csr = readCsr(e, payload, source);
    scatter(p, csr);
    const density = e.nnz / p.size;
    const sparse = kernelFor(p, density, mode) === "sparse";
    if (sparse) layouts.push(toWasm(k, p, csr));
    execution.push({ param: p.name, density, kernel: sparse ? "sparse" : "dense" });
  }
  return { network, plan: network.adoptPlan(layouts), execution };
}

/**
 * Verifies a ticket file and makes it ready to predict. Rejects (with a TicketError naming the
 * problem) a file that is truncated, corrupt (checksums), of another format version, malformed,
 * or that does not match the model the registry builds under its name.
 */
export async function loadTicket(bytes: Uint8Array, options: LoadTicketOptions = {}): Promise<Ticket> {
  assertLittleEndian();
  const source = options.source ?? "ticket file";
  const { manifest, payload } = await readContainer(bytes, source);
  const checked = checkedSpec(manifest, source); // a mismatched file is refused before even the kernels' memory exists
  const k = options.kernels ?? (await Kernels.create({ wasmDir: options.wasmDir, simd: options.simd, shared: false, checks: "once" }));
  const mode = options.kernelMode ?? "sparse";
  const { network, plan, execution } = buildNetwork(k, manifest, checked, payload, mode, source);
  return new Ticket(manifest, network, plan, execution, mode, options.batchSize);
}
