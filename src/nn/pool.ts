// 2x2 max-pooling (stride 2) and global average pooling, on CHWN activations.
import type { Kernels, Tensor } from "../kernels/index.js";
import type { Layer, LayerRun } from "./layer.js";
import type { Param } from "./param.js";

/** 2x2 max-pooling with stride 2 on CHWN activations: [C, H, W] → [C, H/2, W/2] (H and W must be even). */
export class MaxPool2d implements Layer {
  readonly params: readonly Param[] = [];

  constructor(readonly name: string) {}

  outputShape(input: readonly number[]): number[] {
    const [C, H, W] = input as [number, number, number];
    if (input.length !== 3 || H % 2 || W % 2) throw new Error(`${this.name}: 2x2 pooling needs [C, H, W] with even H and W, got [${input.join(",")}]`);
    return [C, H / 2, W / 2];
  }

  bind(k: Kernels, input: readonly number[]): LayerRun {
    const [C, H, W] = input as [number, number, number];
    return {
      forward: (x: Tensor<"f32">, y: Tensor<"f32">) => k.conv.maxpoolForward(x, y, C, H, W),
      backward: (x: Tensor<"f32">, y: Tensor<"f32">, dy: Tensor<"f32">, dx: Tensor<"f32"> | null) => {
        if (dx) k.conv.maxpoolBackward(x, y, dy, dx, C, H, W);
      },
    };
  }
}

/** Averages each channel over all positions: [C, H, W] → [C]. */
export class GlobalAvgPool implements Layer {
  readonly params: readonly Param[] = [];

  constructor(readonly name: string) {}

  outputShape(input: readonly number[]): number[] {
    if (input.length !== 3) throw new Error(`${this.name}: needs [C, H, W], got [${input.join(",")}]`);
    return [input[0]!];
  }

  bind(k: Kernels, input: readonly number[]): LayerRun {
    const [C, H, W] = input as [number, number, number];
    return {
      forward: (x: Tensor<"f32">, y: Tensor<"f32">) => k.conv.avgpoolForward(x, y, C, H * W),
      backward: (_x: Tensor<"f32">, _y: Tensor<"f32">, dy: Tensor<"f32">, dx: Tensor<"f32"> | null) => {
        if (dx) k.conv.avgpoolBackward(dy, dx, C, H * W);
      },
    };
  }
}
