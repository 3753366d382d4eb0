import type { Kernels, Tensor } from "../kernels/index.js";
import { BatchNorm2d } from "./batchnorm.js";
import { Conv2d } from "./conv.js";
import { type Grads, type Layer, type LayerRun, type StepContext, features } from "./layer.js";
import type { ParamFactory } from "./network.js";
import type { Param } from "./param.js";
import type { Scratch } from "./scratch.js";
import type { ExecutionPlan } from "./plan.js";

/**
 * The basic residual block of ResNet-20 (He et al.): y = relu(bn2(conv2(relu(bn1(conv1(x))))) + s(x)),
 * where the shortcut s is the identity, or a 1x1 strided convolution with batch norm when the block
 * changes the resolution or width. A composite layer: it owns its sub-layers' runs and the
 * activations between them.
 */
export class ResidualBlock implements Layer {
  readonly params: readonly Param[];
  private readonly main: Layer[];
  private readonly shortcut: Layer[];

  constructor(
    factory: ParamFactory,
    readonly name: string,
    readonly inputShape: readonly [number, number, number],
    outChannels: number,
    stride: number,
  ) {
    const [C, H, W] = inputShape;
    const conv1 = new Conv2d(factory, `${name}.conv1`, inputShape, outChannels, 3, { stride, bias: false });
    const mid = conv1.outputShape(inputShape) as [number, number, number];
    const bn1 = new BatchNorm2d(factory, `${name}.bn1`, outChannels, true);
    const conv2 = new Conv2d(factory, `${name}.conv2`, mid, outChannels, 3, { bias: false });
    const bn2 = new BatchNorm2d(factory, `${name}.bn2`, outChannels, false);
    this.main = [conv1, bn1, conv2, bn2];
    this.shortcut =
      stride !== 1 || C !== outChannels
        ? [
            new Conv2d(factory, `${name}.shortcut`, [C, H, W], outChannels, 1, { stride, bias: false, kind: "shortcut" }),
            new BatchNorm2d(factory, `${name}.shortcut_bn`, outChannels, false),
          ]
        : [];
    this.params = [...this.main, ...this.shortcut].flatMap((l) => l.params);
  }

  get children(): readonly Layer[] {
    return [...this.main, ...this.shortcut];
  }

  outputShape(input: readonly number[]): number[] {
    let shape: readonly number[] = input;
    for (const l of this.main) shape = l.outputShape(shape);
    return [...shape];
  }

  bind(k: Kernels, input: readonly number[], N: number, scratch: Scratch, plan: ExecutionPlan, training = true): LayerRun {
    // Each step owns its output; all but a branch's last own their output gradient too (the last
    // one's is the block's dy, see backward).
    const chain = (layers: Layer[]) => {
      let shape: readonly number[] = input;
      return layers.map((layer, i) => {
        const run = layer.bind(k, shape, N, scratch, plan, training);
        shape = layer.outputShape(shape);
        const out = k.alloc([features(shape), N], "f32", `${layer.name} output`);
        const grad = i < layers.length - 1 ? k.alloc([features(shape), N], "f32", `${layer.name} output grad`) : null;
        return { run, out, grad };
      });
    };
    const main = chain(this.main),
      short = chain(this.shortcut);
    // The shortcut's input gradient when both branches send one into dx.
    const dxShortcut = k.alloc([features(input), N], "f32", `${this.name} shortcut input grad`);

    const forwardChain = (steps: typeof main, x: Tensor<"f32">, ctx: StepContext) => {
      let a = x;
      for (const s of steps) {
        s.run.forward(a, s.out, ctx);
        a = s.out;
      }
      return a;
    };
    const backwardChain = (steps: typeof main, x: Tensor<"f32">, dy: Tensor<"f32">, dx: Tensor<"f32"> | null, grads: Grads, ctx: StepContext) => {
      let g = dy;
      for (let i = steps.length - 1; i >= 0; i--) {
        const s = steps[i]!;
        const input = i === 0 ? x : steps[i - 1]!.out;
        const target = i === 0 ? dx : steps[i - 1]!.grad!;
        s.run.backward(input, s.out, g, target, grads, ctx);
        if (target) g = target;
      }
    };

    return {
      forward(x: Tensor<"f32">, y: Tensor<"f32">, ctx: StepContext): void {
        const a = forwardChain(main, x, ctx);
        const s = short.length ? forwardChain(short, x, ctx) : x;
        k.elementwise.addRelu(a, s, y);
      },
      backward(x: Tensor<"f32">, y: Tensor<"f32">, dy: Tensor<"f32">, dx: Tensor<"f32"> | null, grads: Grads, ctx: StepContext): void {
        k.elementwise.reluBackward(y, dy, dy);
        // Both branches end in a batch norm without ReLU, whose backward only reads its dy: each
        // branch takes the masked dy itself, without a copy.
        backwardChain(main, x, dy, dx, grads, ctx);
        if (short.length) {
          backwardChain(short, x, dy, dx ? dxShortcut : null, grads, ctx);
          if (dx) k.elementwise.addTo(dx, dxShortcut);
        } else if (dx) {
          k.elementwise.addTo(dx, dy);
        }
      },
      internals: () => [...main, ...short].map((s) => s.out),
    };
  }
}
