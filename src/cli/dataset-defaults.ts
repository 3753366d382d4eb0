// The hyperparameters of a `train` or `run` command: the model's defaults adjusted for the dataset
// it trains on (`--dataset`), then the flags. The dataset is described before the defaults are
// fixed because a local dataset's default validation size depends on how many images it has.
import { defaultsFor, describeDataset, type Hparams, type ModelEntry, type Overrides, resolveHparams } from "../node.js";

export async function hparamsFor(model: ModelEntry, overrides: Overrides): Promise<{ hp: Hparams; defaults: Hparams }> {
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
  return { hp: resolveHparams(defaults, overrides), defaults };
}
