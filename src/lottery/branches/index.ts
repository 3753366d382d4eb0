import { randomMask } from "./random-mask.js";
import { reinit } from "./reinit.js";
import type { ControlBranch } from "./types.js";

export type { BranchContext, ControlBranch } from "./types.js";

/** The control branches, in report order: adding one is its file and one entry here (the schema, --help, the store and the report take it from here). */
const REGISTRY = [reinit, randomMask] as const;

/** The name of a registered control branch. */
export type ControlName = (typeof REGISTRY)[number]["name"];

/** The control branches, in report order. */
export const CONTROLS: readonly (ControlBranch & { readonly name: ControlName })[] = REGISTRY;

/** The controls' names: `--controls` choices. */
export const CONTROL_NAMES = CONTROLS.map((c) => c.name) as [ControlName, ...ControlName[]];

/** Every network a run of an experiment trains: the ticket, then each control. */
export const RUN_BRANCHES: readonly ("ticket" | ControlName)[] = ["ticket", ...CONTROL_NAMES];

const BRANCHES: Record<string, (typeof CONTROLS)[number]> = Object.fromEntries(CONTROLS.map((c) => [c.name, c]));

/**
 * The control branch of that name: "reinit" (the ticket's mask, fresh random weights) or "random-mask"
 * (a random mask with the ticket's per-layer counts, on the ticket's start weights).
 *
 * @throws Error naming the known controls for another name.
 */
export function getBranch(name: string): (typeof CONTROLS)[number] {
  const b = BRANCHES[name];
  if (!b) throw new Error(`unknown control "${name}": use ${Object.keys(BRANCHES).join(", ")}`);
  return b;
}
