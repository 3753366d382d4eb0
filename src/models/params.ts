// The parameters a resolved spec declares (names, shapes, kinds), worked out from the layer list
// alone, without building the network. The ticket loader checks a file against this before it
// allocates anything: a small crafted file naming a large model (vgg19: 233 MB of parameters,
// masks and state) must be refused without that cost. It follows buildNetwork (spec.ts) and the
// layers' own parameter declarations (src/nn/); test/models/models.test.ts checks that the two
// agree on every registered model and on a spec using every layer type.
import { convOutput } from "../kernels/conv.js";
import { features } from "../nn/layer.js";
import type { ParamKind } from "../nn/param.js";
import type { ResolvedSpec } from "./spec.js";

/** A parameter a spec declares: its name, shape, kind and whether it is pruned (see {@link declaredParams}). */
export interface DeclaredParam {
  name: string;
  shape: number[];
  kind: ParamKind;
  prunable: boolean;
}

type Chw = [number, number, number];

function convParams(out: DeclaredParam[], name: string, [C, H, W]: Chw, channels: number, kernel: number, stride: number, bias: boolean, kind: ParamKind): Chw {
  out.push({ name: `${name}.weight`, shape: [channels, C, kernel, kernel], kind, prunable: true });
  if (bias) out.push({ name: `${name}.bias`, shape: [channels], kind: "bias", prunable: false });
  const { OH, OW } = convOutput({ C, H, W, K: kernel, stride, pad: (kernel - 1) >> 1 });
  return [channels, OH, OW];
}

function batchNormParams(out: DeclaredParam[], name: string, channels: number): void {
  for (const [suffix, kind] of [
    ["weight", "norm"],
    ["bias", "norm"],
    ["running_mean", "buffer"],
    ["running_var", "buffer"],
  ] as const) {
    out.push({ name: `${name}.${suffix}`, shape: [channels], kind, prunable: false });
  }
}

/**
 * The parameters, in the order buildNetwork allocates them. Shapes a layer cannot take (a pooling
 * layer after a linear one, ...) are left to buildNetwork to refuse with its own message.
 */
export function declaredParams(spec: ResolvedSpec): DeclaredParam[] {
  const out: DeclaredParam[] = [];
  const counts = new Map<string, number>();
  let shape: number[] = [...spec.input];
  for (const l of spec.layers) {
    const prefix = {
      linear: "fc",
      conv: "conv",
      maxpool: "pool",
      avgpool: "avgpool",
      batchnorm: "bn",
      relu: "relu",
      dropout: "dropout",
      residual: "block",
      flatten: "flatten",
    }[l.type];
    const n = (counts.get(prefix) ?? 0) + 1;
    counts.set(prefix, n);
    const name = l.name ?? `${prefix}${n}`;
    switch (l.type) {
      case "linear": {
        const units = l.units === "classes" ? spec.classes : l.units;
        out.push({ name: `${name}.weight`, shape: [units, features(shape)], kind: l.prune ?? (l.units === "classes" ? "output" : "fc"), prunable: true });
        out.push({ name: `${name}.bias`, shape: [units], kind: "bias", prunable: false });
        shape = [units];
        break;
      }
      case "conv":
        shape = convParams(out, name, shape as Chw, l.channels, l.kernel ?? 3, l.stride ?? 1, l.bias ?? true, l.prune ?? "conv");
        break;
      case "maxpool":
        shape = [shape[0]!, Math.floor(shape[1]! / 2), Math.floor(shape[2]! / 2)];
        break;
      case "avgpool":
        shape = [shape[0]!];
        break;
      case "batchnorm":
        batchNormParams(out, name, shape[0]!);
        break;
      case "relu":
      case "dropout":
        break;
      case "residual": {
        const input = shape as Chw,
          stride = l.stride ?? 1;
        const mid = convParams(out, `${name}.conv1`, input, l.channels, 3, stride, false, "conv");
        batchNormParams(out, `${name}.bn1`, l.channels);
        shape = convParams(out, `${name}.conv2`, mid, l.channels, 3, 1, false, "conv");
        batchNormParams(out, `${name}.bn2`, l.channels);
        if (stride !== 1 || input[0] !== l.channels) {
          convParams(out, `${name}.shortcut`, input, l.channels, 1, stride, false, "shortcut");
          batchNormParams(out, `${name}.shortcut_bn`, l.channels);
        }
        break;
      }
      case "flatten":
        shape = [features(shape)];
        break;
    }
  }
  return out;
}
