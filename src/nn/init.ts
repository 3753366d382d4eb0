import type { Rng } from "../util/rng.js";
import type { Param } from "./param.js";

/**
 * Weight initialization. The paper uses Gaussian Glorot (Xavier normal) for every network:
 * N(0, 2 / (fanIn + fanOut)). Kaiming (He) normal, N(0, 2 / fanIn), is offered for ReLU nets.
 * Biases start at 0; batch-norm scales and running variances at 1, shifts and running means at 0.
 */
export type InitName = "glorot_normal" | "kaiming_normal";

export function initStd(init: InitName, fanIn: number, fanOut: number): number {
  return init === "glorot_normal" ? Math.sqrt(2 / (fanIn + fanOut)) : Math.sqrt(2 / fanIn);
}

/** Fills a weight with its initial values, drawing from `rng` (each parameter gets its own stream). */
export function initParam(param: Param, init: InitName, rng: Rng): void {
  const data = param.value.data;
  if (param.kind === "bias") {
    data.fill(0);
  } else if (param.kind === "norm" || param.kind === "buffer") {
    // scale (γ) and running variance start at 1, shift (β) and running mean at 0
    data.fill(param.name.endsWith(".weight") || param.name.endsWith(".running_var") ? 1 : 0);
  } else {
    const std = initStd(init, param.fanIn, param.fanOut);
    for (let i = 0; i < data.length; i++) data[i] = rng.normal() * std;
  }
}
