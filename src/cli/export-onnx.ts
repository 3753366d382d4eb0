// The flags and the printout of `lottery export SOURCE --format onnx` (a ticket as a standard ONNX
// model). SOURCE is an experiment directory (the run is picked as for a .ltk export) or a ticket
// file already written.
import { statSync } from "node:fs";
import { INITIALIZER_MODES, type InitializerMode, IR_VERSION, type OnnxExport, OPSET_VERSION } from "../node.js";

export const FORMATS = ["ltk", "onnx"] as const;
export type ExportFormat = (typeof FORMATS)[number];

export function parseFormat(v: string): ExportFormat {
  if (!(FORMATS as readonly string[]).includes(v))
    throw new Error(`unknown --format ${JSON.stringify(v)}: use ltk (the ticket file) or onnx (a standard ONNX model)`);
  return v as ExportFormat;
}

export function parseInitializers(v: string): InitializerMode {
  if (!(INITIALIZER_MODES as readonly string[]).includes(v))
    throw new Error(`unknown --initializers ${JSON.stringify(v)}: use ${INITIALIZER_MODES.join(", ")}`);
  return v as InitializerMode;
}

/** What the source path is; a missing path or something else is an error naming what to give. */
export function sourceKind(source: string): "directory" | "file" {
  let st: ReturnType<typeof statSync>;
  try {
    st = statSync(source);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new Error(
      `${source} ${code === "ENOENT" ? "does not exist" : `cannot be read (${code})`}: give an experiment directory written by \`lottery run\`, or with --format onnx a ticket file written by \`lottery export\``,
    );
  }
  if (st.isDirectory()) return "directory";
  if (st.isFile()) return "file";
  throw new Error(`${source} is neither a directory nor a file: give an experiment directory or a ticket file (.ltk)`);
}

/** What `lottery export --format onnx` prints: the file, the storage of each pruned weight, the input and output. */
export function onnxSummary(file: string, r: OnnxExport, sizeLine: string, runText: string | null): string[] {
  const m = r.manifest,
    [C, H, W] = m.input.shape;
  const prunedNames = m.params.filter((p) => p.encoding === "csr").map((p) => p.name);
  const dense = prunedNames.filter((n) => !r.sparse.includes(n));
  return [
    `wrote ${file}: ${m.model.name}${runText ? ` ${runText}` : ""}, Pm ${(100 * m.pm).toFixed(2)}%, ONNX IR ${IR_VERSION} opset ${OPSET_VERSION}`,
    `  size: ${sizeLine}`,
    `  pruned weights: ${r.sparse.length ? `${r.sparse.join(", ")} as sparse initializers` : "none as sparse initializers"}${dense.length ? `; ${dense.join(", ")} dense with zeros` : ""}`,
    `  input "${r.input}": u8 [batch, ${C}, ${H}, ${W}] (converted to f32 and ${m.input.normalization.normalize ? "normalized" : "scaled to [0, 1]"} in the graph); output "${r.output}": f32 [batch, ${m.classes}]`,
  ];
}
