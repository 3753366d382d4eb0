// The hyperparameters of a `train` or `run` command: the model's defaults adjusted for the dataset
// it trains on (`--dataset`), then the flags. The dataset is described before the defaults are
// fixed because a local dataset's default validation size depends on how many images it has.
import { defaultsFor, describeDataset, describeScaledSchedule, type Hparams, type ModelEntry, type Overrides, resolveHparams, scaleSchedule } from "../node.js";

/** `say` hears what the command changed beyond its flags (a schedule scaled to --iterations). */
export async function hparamsFor(
  model: ModelEntry,
  overrides: Overrides,
  say: (message: string) => void = (m) => process.stderr.write(`${m}\n`),
): Promise<{ hp: Hparams; defaults: Hparams }> {
  // Validate the flags first, so a bad --image-size is reported as such before any image is read.
  const checked = resolveHparams(defaultsFor(model), overrides);
  const name = checked.dataset.dataset ?? model.dataset;
  if (checked.dataset.imageSize !== undefined && !name.startsWith("folder:")) {
    throw new Error(
      `--image-size ${checked.dataset.imageSize} resizes the images of a folder:DIR dataset, and ${name} is not one: drop --image-size (IDX and CIFAR files keep their own size)`,
    );
  }
  const info = await describeDataset(name, { imageSize: checked.dataset.imageSize });
  const defaults = defaultsFor(model, info);
  // The network must fit the dataset (or adapt to it): refused here, naming both shapes, before any training.
  model.resolve(checked.model, info);
  const hp = resolveHparams(defaults, overrides);
  const scaled = scaleSchedule(defaults.training, overrides.training);
  if (scaled) {
    say(
      `${model.name}'s learning-rate schedule scaled to --iterations ${hp.training.iterations.toLocaleString("en-US")} ` +
        `(${+scaled.factor.toPrecision(3)}x its ${defaults.training.iterations.toLocaleString("en-US")}): ${describeScaledSchedule(scaled)} ` +
        "(give --warmup-iterations or --milestones to set them yourself)",
    );
  }
  return { hp, defaults };
}
