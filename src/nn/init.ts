// Weight initialization. The paper uses Gaussian Glorot (Xavier normal) for every network:
// N(0, 2 / (fanIn + fanOut)). Kaiming (He) normal, N(0, 2 / fanIn), is offered for ReLU nets.
// Biases start at 0; batch-norm scales at 1 and shifts at 0.
import type { Rng } from "../util/rng.js";
import type { Param } from "./param.js";

export type InitName = "glorot_normal" | "kaiming_normal";

export function initStd(init: InitName, fanIn: number, fanOut: number): number {
  return init === "glorot_normal" ? Math.sqrt(2 / (fanIn + fanOut)) : Math.sqrt(2 / fanIn);
}

/** Fills a weight with its initial values, drawing from `rng` (each parameter gets its own stream). */
export function initParam(param: Param, init: InitName, rng: Rng): void {
  const data = param.value.data;
  if (param.kind === "bias") {
    data.fill(0);
  } else if (param.kind === "norm") {
    data.fill(param.name.endsWith(".weight") ? 1 : 0);
  } else {
    const std = initStd(init, param.fanIn, param.fanOut);
    for (let i = 0; i < data.length; i++) data[i] = rng.normal() * std;
  }
}
