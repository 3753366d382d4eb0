// `lottery models`: the registered models with their dataset and prunable-weight counts (worked out
// from their layer lists, as the ticket loader does, without allocating a network); with
// --model-file, the network of that file on --dataset, layer by layer.
import { Command } from "commander";
import { type DatasetShape, declaredParams, defaultsFor, describeDataset, getModel, type ModelEntry, modelNames } from "../node.js";
import { chooseModel } from "./model-file.js";

function weights(model: ModelEntry, data?: DatasetShape): { prunable: number; total: number; params: ReturnType<typeof declaredParams> } {
  const params = declaredParams(model.resolve(defaultsFor(model).model, data));
  const count = (p: { shape: number[] }) => p.shape.reduce((a, b) => a * b, 1);
  return { prunable: params.filter((p) => p.prunable).reduce((a, p) => a + count(p), 0), total: params.reduce((a, p) => a + count(p), 0), params };
}

export function modelsCommand(): Command {
  return new Command("models")
    .description("list the registered models (dataset, prunable weights, description); with --model-file, the network of a JSON file on --dataset")
    .option("--model-file <file>", "a network declared as a JSON layer list: show its parameters on --dataset")
    .option("--dataset <name>", "the dataset for --model-file's input size and output layer (default mnist)", "mnist")
    .option("--image-size <n>", "folder:DIR datasets: resize to NxN", (v) => Number(v))
    .action(async (opts: { modelFile?: string; dataset: string; imageSize?: number }) => {
      if (opts.modelFile) {
        const { model } = chooseModel({}, opts.modelFile);
        const data = await describeDataset(opts.dataset, { imageSize: opts.imageSize });
        const w = weights(model, data);
        console.log(
          `${model.name} on ${data.name} (${data.shape.join("x")} images, ${data.classes} classes): ${w.prunable.toLocaleString("en-US")} prunable weights, ${w.total.toLocaleString("en-US")} parameters`,
        );
        for (const p of w.params) console.log(`  ${p.name.padEnd(32)} [${p.shape.join(", ")}]  ${p.kind}${p.prunable ? "" : " (not pruned)"}`);
        return;
      }
      for (const name of modelNames()) {
        const m = getModel(name);
        console.log(`${name.padEnd(15)} ${m.dataset.padEnd(8)} ${weights(m).prunable.toLocaleString("en-US").padStart(11)} weights  ${m.description}`);
      }
      console.log(
        "Any of them trains on another dataset with --dataset (the fully connected and Conv-x ones adapt); a network of your own with --model-file net.json.",
      );
    });
}
