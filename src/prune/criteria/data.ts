// Which training examples the data-dependent criteria score on: positions of the trial's own data
// order (the permutation of epoch 0 that its training starts with), so a trial's masks depend only
// on its seeds.
import type { CriterionData } from "./types.js";

/** The first `count` examples of the trial's order (SNIP's mini-batch). */
export function firstExamples(data: CriterionData, count: number): number[] {
  if (count > data.split.count) throw new Error(`pruning criterion: needs ${count} training examples, the training split has ${data.split.count}`);
  return Array.from({ length: count }, (_, i) => data.indexAt(i));
}

/** The first `perClass` examples of each class in the trial's order, class by class (GraSP's balanced batch). */
export function balancedExamples(data: CriterionData, perClass: number): number[] {
  const byClass: number[][] = Array.from({ length: data.classes }, () => []);
  let found = 0;
  for (let pos = 0; pos < data.split.count && found < perClass * data.classes; pos++) {
    const i = data.indexAt(pos);
    const c = byClass[data.split.labels[i]!]!;
    if (c.length < perClass) {
      c.push(i);
      found++;
    }
  }
  const short = byClass.findIndex((c) => c.length < perClass);
  if (short >= 0) throw new Error(`pruning criterion: class ${short} has only ${byClass[short]!.length} training examples; ${perClass} per class are needed`);
  return byClass.flat();
}
