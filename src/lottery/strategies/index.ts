// Strategies by name: reset | continue | rewind:K. The registry below is the one place they are
// listed: the schema's validation, its description (and so --help) and the experiment's dispatch
// (parseStrategy) are derived from it, so adding one is its file plus one entry here.
import { continueTraining } from "./continue.js";
import { reset } from "./reset.js";
import { rewind } from "./rewind.js";
import type { Strategy, StrategyEntry } from "./types.js";

export type { Strategy, StrategyContext, StrategyEntry, StrategyParameter } from "./types.js";

/** The strategies, in the order help texts list them. */
const REGISTRY = [reset, continueTraining, rewind] as const;

/** The name of a registered strategy (before any parameter). */
export type StrategyName = (typeof REGISTRY)[number]["name"];

/** The registered strategies: reset (to θ0, the paper's), continue (trained values), rewind:K (values at iteration K of level 0). */
export const STRATEGIES: readonly (StrategyEntry & { readonly name: StrategyName })[] = REGISTRY;

/** A strategy as `--strategy` is written: "reset", "rewind:K". */
function usage(s: StrategyEntry): string {
  return s.parameter ? `${s.name}:${s.parameter.name}` : s.name;
}

/** "a, b or c". */
function oneOf(items: readonly string[]): string {
  return items.length < 2 ? items.join("") : `${items.slice(0, -1).join(", ")} or ${items.at(-1)}`;
}

/** Matches a valid `--strategy` value: a registered name, with `:` and a non-negative integer when it takes a parameter. */
export const STRATEGY_PATTERN: RegExp = new RegExp(`^(${STRATEGIES.map((s) => (s.parameter ? `${s.name}:\\d+` : s.name)).join("|")})$`);

/** The valid `--strategy` values in words, with what each parameter is: "reset, continue or rewind:K (K an iteration)". */
export const STRATEGY_CHOICES: string = `${oneOf(STRATEGIES.map(usage))}${STRATEGIES.filter((s) => s.parameter)
  .map((s) => ` (${s.parameter!.name} ${s.parameter!.description})`)
  .join("")}`;

/** Each strategy with what it restarts from: "reset (to θ0), continue (trained values) or rewind:K (values at iteration K of level 0)". */
export const STRATEGY_DESCRIPTIONS: string = oneOf(STRATEGIES.map((s) => `${usage(s)} (${s.description})`));

/**
 * The reset strategy named by `--strategy`: "reset" (to θ0, the paper's), "continue" (keep the trained
 * weights) or "rewind:K" (to the weights of level 0 at iteration K).
 *
 * @throws Error for another name, or a K above `iterations` when given.
 */
export function parseStrategy(text: string, iterations?: number): Strategy {
  const colon = text.indexOf(":");
  const name = colon < 0 ? text : text.slice(0, colon);
  const arg = colon < 0 ? null : text.slice(colon + 1);
  const entry = STRATEGIES.find((s) => s.name === name);
  if (entry && (entry.parameter === null) === (arg === null) && (arg === null || /^\d+$/.test(arg))) {
    return entry.create(arg === null ? null : Number(arg), iterations);
  }
  throw new Error(`unknown strategy "${text}": use ${STRATEGY_DESCRIPTIONS}`);
}
