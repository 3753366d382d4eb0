// Strategies by name: reset | continue | rewind:K.
import { continueTraining } from "./continue.js";
import { reset } from "./reset.js";
import { rewind } from "./rewind.js";
import type { Strategy } from "./types.js";

export type { Strategy, StrategyContext } from "./types.js";

/**
 * The reset strategy named by `--strategy`: "reset" (to θ0, the paper's), "continue" (keep the trained
 * weights) or "rewind:K" (to the weights of level 0 at iteration K).
 *
 * @throws Error for another name, or a K above `iterations` when given.
 */
export function parseStrategy(text: string, iterations?: number): Strategy {
  if (text === "reset") return reset;
  if (text === "continue") return continueTraining;
  const m = /^rewind:(\d+)$/.exec(text);
  if (m) {
    const k = Number(m[1]);
    if (iterations !== undefined && k > iterations)
      throw new Error(`invalid --strategy ${text}: the rewind iteration must be at most --iterations (${iterations})`);
    return rewind(k);
  }
  throw new Error(`unknown strategy "${text}": use reset (to θ0), continue (trained weights) or rewind:K (weights at iteration K of level 0)`);
}
