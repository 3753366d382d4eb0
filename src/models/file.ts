// The JSON form of a network, validated with zod: what `--model-file net.json` and the library's
// `fileModel` (file-model.ts) read. Kept apart from the builder (spec.ts) so the ticket inference API, which
// builds networks from specs, pulls in no npm package.
import { z } from "zod";

const name = z
  .string()
  .min(1)
  .regex(/^[A-Za-z0-9_.-]+$/, "letters, digits, _ . - only")
  .optional()
  .describe("layer name (parameters are named <name>.weight, <name>.bias); default: type and position, e.g. fc1, conv2");

const LinearSpec = z.strictObject({
  type: z.literal("linear"),
  name,
  units: z
    .union([
      z
        .int()
        .min(1)
        .max(1 << 20),
      z.literal("classes"),
    ])
    .describe('output features, or "classes" (the dataset\'s class count)'),
  relu: z.boolean().optional().describe("ReLU after the layer (default false)"),
  prune: z.enum(["fc", "output"]).optional().describe('pruning kind: fc (hidden, --rate-fc) or output (--rate-output); default fc, output for units "classes"'),
});
const ConvSpec = z.strictObject({
  type: z.literal("conv"),
  name,
  channels: z.int().min(1).max(4096).describe("output channels"),
  kernel: z
    .union([z.literal(3), z.literal(1)])
    .optional()
    .describe("3 (default) or 1; same padding"),
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

/** The zod schema of one layer of a network file, told apart by its `type` field. */
export const LayerSpec = z.discriminatedUnion("type", [
  LinearSpec,
  ConvSpec,
  PoolSpec,
  AvgPoolSpec,
  BatchNormSpec,
  ReluSpec,
  DropoutSpec,
  ResidualSpec,
  FlattenSpec,
]);
/**
 * One layer of a network spec: linear, conv, maxpool, avgpool, batchnorm, relu, dropout, residual or
 * flatten, with its settings (units, channels, kernel size...) and optional name and pruning kind.
 */
export type LayerSpec = z.infer<typeof LayerSpec>;

/** The zod schema of a network file (`--model-file net.json`); unknown keys are errors. */
export const NetworkSpec = z.strictObject({
  name: z
    .string()
    .min(1)
    .regex(/^[A-Za-z0-9_.-]+$/, "letters, digits, _ . - only")
    .describe("the network's name (in the experiment, report and ticket)"),
  description: z.string().optional(),
  input: z
    .tuple([z.int().min(1), z.int().min(1), z.int().min(1)])
    .optional()
    .describe("per-example input [C, H, W]; default: the dataset's"),
  classes: z.int().min(2).max(65535).optional().describe("class count; default: the dataset's"),
  layers: z.array(LayerSpec).min(1),
});
/**
 * A network as a named layer list; `input` ([C, H, W]) and `classes` default to the dataset's.
 * {@link resolveSpec} fixes them and {@link buildNetwork} turns the result into a Network.
 */
export type NetworkSpec = z.infer<typeof NetworkSpec>;

/** Validates a JSON value as a network spec; errors name the layer index and field. */
export function parseNetworkSpec(value: unknown, source = "model"): NetworkSpec {
  const r = NetworkSpec.safeParse(value);
  if (r.success) return r.data;
  const lines = r.error.issues.map((i) => {
    const path = i.path
      .map((p) => (typeof p === "number" ? `[${p}]` : `.${String(p)}`))
      .join("")
      .replace(/^\./, "");
    const where = /^layers\[(\d+)\]/.exec(path);
    const layer = where ? `layer ${where[1]}${path.slice(where[0].length) ? ` field ${path.slice(where[0].length + 1)}` : ""}` : path || "(top level)";
    return `  ${layer}: ${i.message}`;
  });
  throw new Error(
    `${source} is not a valid network:\n${lines.join("\n")}\nA network is {"name": ..., "layers": [{"type": "linear", "units": 100, "relu": true}, ...]}; see README "Your own data and model"`,
  );
}
