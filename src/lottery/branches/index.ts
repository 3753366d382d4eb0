import { randomMask } from "./random-mask.js";
import { reinit } from "./reinit.js";
import type { ControlBranch } from "./types.js";

export type { BranchContext, ControlBranch } from "./types.js";

const BRANCHES: Record<string, ControlBranch> = { reinit, "random-mask": randomMask };

/**
 * The control branch of that name: "reinit" (the ticket's mask, fresh random weights) or "random-mask"
 * (a random mask with the ticket's per-layer counts, on the ticket's start weights).
 *
 * @throws Error naming the known controls for another name.
 */
export function getBranch(name: string): ControlBranch {
  const b = BRANCHES[name];
  if (!b) throw new Error(`unknown control "${name}": use ${Object.keys(BRANCHES).join(", ")}`);
  return b;
}
