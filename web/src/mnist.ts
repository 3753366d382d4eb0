// MNIST in the browser: the library's own builder (src/data/mnist.ts: IDX parsing with every
// check, the 55K/5K validation split, the training statistics) over files fetched from the demo
// server, which serves each under its role name (/data/mnist/train-images, ...).
import { buildMnist, type Dataset, MNIST_ROLES, type MnistPaths, type Split } from "../../src/index.js";

export function loadMnist(dataUrl: string, valSize: number): Promise<Dataset> {
  const base = dataUrl.endsWith("/") ? dataUrl : `${dataUrl}/`;
  const paths = Object.fromEntries(MNIST_ROLES.map((role) => [role, new URL(role, base).href])) as MnistPaths;
  return buildMnist(paths, valSize);
}

/** The first `count` examples of a split (views, no copy). */
export function headOf(split: Split, count: number, features: number): Split {
  const n = Math.min(count, split.count);
  return Object.freeze({ images: split.images.subarray(0, n * features), labels: split.labels.subarray(0, n), count: n });
}
