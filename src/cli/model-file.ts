// `--model-file net.json`: a network declared as a layer list (src/models/file.ts validates it), in
// place of a registered model. Its hash goes into the hyperparameters (model.network), so two files
// that share a name are two experiments; `lottery run` keeps a copy in the experiment as network.json.
import { readFileSync } from "node:fs";
import { fileModel, getModel, hash32, type ModelEntry, type NetworkSpec, type Overrides, parseNetworkSpec } from "../node.js";

export interface ModelChoice {
  model: ModelEntry;
  overrides: Overrides;
  /** The network of a --model-file, to be kept with the experiment. */
  spec?: NetworkSpec;
}

/** The model a command trains: --model-file's network, else the registered --model (default lenet_300_100). */
export function chooseModel(overrides: Overrides, modelFile: string | undefined): ModelChoice {
  if (modelFile === undefined) return { model: getModel(String(overrides.model?.model ?? "lenet_300_100")), overrides };
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(modelFile, "utf8"));
  } catch (err) {
    throw new Error(
      `cannot read the network ${modelFile} (${(err as Error).message}): give a JSON file such as {"name": "mlp", "layers": [{"type": "linear", "units": 100, "relu": true}, {"type": "linear", "units": "classes"}]}`,
    );
  }
  const spec = parseNetworkSpec(json, modelFile);
  if (overrides.model?.model !== undefined && overrides.model.model !== spec.name) {
    throw new Error(`--model ${String(overrides.model.model)} and --model-file ${modelFile} (network "${spec.name}") name two models: give one of them`);
  }
  const model = fileModel(spec, modelFile);
  return { model, spec, overrides: { ...overrides, model: { ...overrides.model, model: spec.name, network: networkHash(spec) } } };
}

export function networkHash(spec: NetworkSpec): string {
  const text = JSON.stringify(spec);
  return hash32(text, 1).toString(16).padStart(8, "0") + hash32(text, 2).toString(16).padStart(8, "0");
}
