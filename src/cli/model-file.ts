// `--model-file net.json`: a network declared as a layer list (src/models/file.ts validates it), in
// place of a registered model. Its hash goes into the hyperparameters (model.network), so two files
// that share a name are two experiments; `lottery run` keeps a copy in the experiment as network.json.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileModel, getModel, hash32, type Hparams, type ModelEntry, type NetworkSpec, type Overrides, parseNetworkSpec } from "../node.js";

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

/** The copy of a --model-file network that `lottery run` keeps in the experiment's directory. */
export const NETWORK_FILE = "network.json";

/**
 * The model an experiment in `dir` was made with: its registered model, or the --model-file network
 * kept in its directory (checked against the hash in its settings, so an edited copy is refused).
 */
export function storedModel(dir: string, hp: Hparams): ModelEntry {
  if (hp.model.network === undefined) return getModel(hp.model.model);
  const file = join(dir, NETWORK_FILE);
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    throw new Error(
      `${dir} trained a --model-file network (${hp.model.model}) and its copy ${file} cannot be read (${(err as Error).message}): rerun the \`lottery run --model-file ...\` command that made the experiment, which writes it again`,
    );
  }
  const spec = parseNetworkSpec(json, file);
  if (networkHash(spec) !== hp.model.network) {
    throw new Error(
      `${file} is not the network ${dir} was trained with (its hash is ${networkHash(spec)}, the experiment's ${hp.model.network}): restore the original file, or rerun the \`lottery run --model-file ...\` command that made the experiment`,
    );
  }
  return fileModel(spec, file);
}
