import { randomMask } from "./random-mask.js";
import { reinit } from "./reinit.js";
import type { ControlBranch } from "./types.js";

export type { BranchContext, ControlBranch } from "./types.js";

const BRANCHES: Record<string, ControlBranch> = { reinit, "random-mask": randomMask };

export function getBranch(name: string): ControlBranch {
  const b = BRANCHES[name];
  if (!b) throw new Error(`unknown control "${name}": use ${Object.keys(BRANCHES).join(", ")}`);
  return b;
}
