// The one way every loader turns its official train and test arrays into a Dataset: the last
// `valSize` training examples become the validation split (split.ts), and the per-channel
// statistics come from the remaining training examples.
import { channelStats } from "./stats.js";
import { checkValSize, holdOutTail, makeSplit } from "./split.js";
import type { Dataset, DatasetName } from "./types.js";

/** A dataset's pixels and labels as read, before the validation hold-out. */
export interface DatasetParts {
  readonly shape: readonly [number, number, number];
  readonly classes: number;
  readonly classNames: readonly string[];
  /** trainCount × C·H·W u8 pixels, channel-major within an example. */
  readonly trainImages: Uint8Array;
  readonly trainLabels: Uint8Array;
  readonly testImages: Uint8Array;
  readonly testLabels: Uint8Array;
}

export function assembleDataset(name: DatasetName, parts: DatasetParts, valSize: number): Dataset {
  const [C, H, W] = parts.shape;
  checkValSize(valSize, parts.trainLabels.length, name);
  const features = C * H * W;
  const { train, val } = holdOutTail(parts.trainImages, parts.trainLabels, features, valSize);
  return Object.freeze({
    name,
    shape: Object.freeze([C, H, W] as const),
    classes: parts.classes,
    classNames: Object.freeze([...parts.classNames]),
    train,
    val,
    test: makeSplit(parts.testImages, parts.testLabels, features),
    stats: channelStats(train.images, train.count, C, H * W),
  });
}

/** The default validation hold-out of a dataset with `trainCount` training examples: 5,000, or a tenth of a smaller one. */
export function defaultValSize(trainCount: number): number {
  return Math.max(1, Math.min(5000, Math.floor(trainCount / 10)));
}
