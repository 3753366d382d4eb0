import type { Kernels, Tensor } from "../kernels/index.js";
import type { Layer, LayerRun } from "./layer.js";
import type { Param } from "./param.js";

/**
 * A standalone ReLU layer, for networks that need one between layers that do not fuse it (the
 * built-in Linear, Conv2d and BatchNorm2d layers fuse ReLU into their own output, which saves a
 * pass over the activations).
 */
export class ReLU implements Layer {
  readonly params: readonly Param[] = [];

  constructor(readonly name: string) {}

  outputShape(input: readonly number[]): number[] {
    return [...input];
  }

  bind(k: Kernels): LayerRun {
    return {
      forward: (x: Tensor<"f32">, y: Tensor<"f32">) => k.elementwise.relu(x, y),
      backward: (_x: Tensor<"f32">, y: Tensor<"f32">, dy: Tensor<"f32">, dx: Tensor<"f32"> | null) => {
        if (dx) k.elementwise.reluBackward(y, dy, dx);
      },
    };
  }
}
