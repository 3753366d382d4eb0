// A network: its layers, its named parameters (allocated once, in wasm memory), and replicas.
// A Replica holds everything that depends on the batch size: activations, their gradients,
// parameter gradients and each layer's scratch. Training uses one replica per thread; evaluation
// uses a larger one. Replicas are created after `prepare` (which fixes each pruned layer's dense
// or sparse form for a level) and are dropped with the level's arena region.
import type { Kernels, Tensor } from "../kernels/index.js";
import type { Rng } from "../util/rng.js";
import { type InitName, initParam } from "./init.js";
import { type Grads, type Layer, type LayerRun, type StepContext, features } from "./layer.js";
import { Param, type ParamKind } from "./param.js";
import { Scratch } from "./scratch.js";
import { type CsrLayout, ExecutionPlan, kernelFor, type KernelMode, type PlanEntry } from "./plan.js";

/** Options of buildNetwork / ParamFactory. */
export interface BuildOptions {
  /**
   * false when a worker thread rebuilds a network whose parameters the main thread already holds
   * in shared memory: the same allocations are replayed (same offsets) without writing anything.
   */
  fill?: boolean;
}

/** Allocates a network's parameters (value, and a mask of ones when prunable) in wasm memory. */
export class ParamFactory {
  readonly params: Param[] = [];
  private readonly fill: boolean;

  constructor(
    private readonly k: Kernels,
    options: BuildOptions = {},
  ) {
    this.fill = options.fill ?? true;
  }

  /** Allocates a parameter (value zeroed; a mask of ones when prunable). @throws Error on a duplicate name. */
  param(name: string, shape: readonly number[], kind: ParamKind, prunable: boolean, fanIn: number, fanOut: number, uses = 1): Param {
    if (this.params.some((p) => p.name === name)) throw new Error(`network: duplicate parameter name ${name}`);
    const value = this.k.alloc(shape, "f32", name);
    if (this.fill) value.data.fill(0);
    let mask: Tensor<"f32"> | null = null;
    if (prunable) {
      mask = this.k.alloc(shape, "f32", `${name} mask`);
      if (this.fill) mask.data.fill(1);
    }
    const p = new Param(name, shape, kind, prunable, value, mask, fanIn, fanOut, uses);
    this.params.push(p);
    return p;
  }
}

/** How pruned layers run: auto (sparse below the measured break-even density), dense or sparse. */
export type { KernelMode } from "./plan.js";

export type { CsrLayout, LayerExecution } from "./plan.js";

/** A network: its layers and named parameters (allocated once in wasm memory). `prepare` fixes each pruned layer's dense or sparse form for a level; `replica` allocates what depends on the batch size. */
export class Network {
  constructor(
    readonly k: Kernels,
    readonly name: string,
    /** Per-example input shape [C, H, W]. */
    readonly inputShape: readonly number[],
    readonly classes: number,
    readonly layers: readonly Layer[],
    readonly params: readonly Param[],
  ) {
    let shape: readonly number[] = inputShape;
    for (const layer of layers) shape = layer.outputShape(shape);
    if (features(shape) !== classes) throw new Error(`${name}: the last layer gives ${features(shape)} outputs, not ${classes} classes`);
  }

  get prunable(): Param[] {
    return this.params.filter((p) => p.prunable);
  }

  /** The parameter named `name`. @throws Error listing the names when there is none. */
  param(name: string): Param {
    const p = this.params.find((q) => q.name === name);
    if (!p) throw new Error(`${this.name} has no parameter "${name}"; it has ${this.params.map((q) => q.name).join(", ")}`);
    return p;
  }

  /** Fills every parameter from its own named stream of `rng`, so adding a layer never shifts another's init. */
  init(init: InitName, rng: Rng): void {
    for (const p of this.params) initParam(p, init, rng.derive(p.name));
  }

  /**
   * The plan of a level: how each pruned weight runs, sparse (CSR, built now in the caller's arena
   * region) or dense. "auto" chooses by the measured break-even density of the weight's dense kind.
   * Pruned weights are set to exactly zero now, so both forms start from the same values.
   */
  prepare(mode: KernelMode): ExecutionPlan {
    const entries: PlanEntry[] = this.prunable.map((p) => {
      const [rows, cols] = p.matrix;
      const density = p.kept() / p.size;
      const kernel = kernelFor(p, density, mode);
      this.k.elementwise.maskApply(p.value, p.mask!);
      const csr = kernel === "sparse" ? this.k.sparse.fromMask(p.mask!.data, rows, cols, p.value, p.name) : null;
      return { param: p, density, kernel, csr };
    });
    return new ExecutionPlan(this.k, entries);
  }

  /** Every prunable weight dense as it is (no masking): for networks used outside a level. */
  densePlan(): ExecutionPlan {
    return ExecutionPlan.dense(this.k, this.prunable);
  }

  /** Another thread's plan (or a loaded ticket's), as views of the shared memory. */
  adoptPlan(layout: readonly CsrLayout[]): ExecutionPlan {
    return ExecutionPlan.adopt(this.k, this.prunable, layout);
  }

  /**
   * A replica for batch size N (training: with gradients) whose layers run as `plan` says
   * (default: every weight dense), allocated in the caller's arena region.
   */
  replica(N: number, training: boolean, plan: ExecutionPlan = this.densePlan()): Replica {
    return new Replica(this, N, training, plan);
  }

  /** Copies of every parameter's dense value (a level running sparse: plan.snapshot, or commit first). */
  snapshot(): Map<string, Float32Array> {
    return new Map(this.params.map((p) => [p.name, Float32Array.from(p.value.data)]));
  }

  /** Loads values by name; every parameter must be present with its exact size. */
  load(values: ReadonlyMap<string, Float32Array>): void {
    for (const p of this.params) {
      const v = values.get(p.name);
      if (!v) throw new Error(`${this.name}: weights lack parameter ${p.name}`);
      if (v.length !== p.size) throw new Error(`${this.name}: ${p.name} has ${v.length} values, expected ${p.size} [${p.shape.join(",")}]`);
      p.value.data.set(v);
    }
  }
}

/** Everything of a network that depends on the batch size: input, activations and their gradients, parameter gradients, the layers bound to them. One per thread in training. */
export class Replica {
  readonly input: Tensor<"f32">;
  readonly labels: Tensor<"i32">;
  readonly acts: Tensor<"f32">[] = [];
  readonly douts: Tensor<"f32">[] = [];
  readonly runs: LayerRun[] = [];
  readonly grads: Grads = new Map();
  readonly dlogits: Tensor<"f32"> | null;
  /** Whether a step / an evaluation has run with the kernels' argument checks (see below). */
  private stepChecked = false;
  private evalChecked = false;

  constructor(
    readonly net: Network,
    readonly N: number,
    readonly training: boolean,
    readonly plan: ExecutionPlan,
  ) {
    const k = net.k;
    if (!Number.isInteger(N) || N <= 0) throw new Error(`replica: batch size must be a positive integer, got ${N}`);
    this.input = k.alloc([features(net.inputShape), N], "f32", "input");
    this.labels = k.alloc([N], "i32", "labels");
    let shape: readonly number[] = net.inputShape;
    const scratch = new Scratch();
    net.layers.forEach((layer, i) => {
      const out = layer.outputShape(shape);
      this.runs.push(layer.bind(k, shape, N, scratch, plan, training));
      this.acts.push(k.alloc([features(out), N], "f32", `${layer.name} output`));
      if (training && i < net.layers.length - 1) this.douts.push(k.alloc([features(out), N], "f32", `${layer.name} output grad`));
      shape = out;
    });
    this.dlogits = training ? k.alloc([net.classes, N], "f32", "logits grad") : null;
    if (training) this.douts.push(this.dlogits!);
    scratch.allocate(k);
    // Dense gradients are shaped as the weight's matrix (out, in·kh·kw); sparse ones as its nnz values.
    if (training)
      for (const p of net.params) if (p.trainable) this.grads.set(p, k.alloc(plan.csrOf(p) ? [plan.csrOf(p)!.nnz] : p.matrix, "f32", `${p.name} grad`));
  }

  get logits(): Tensor<"f32"> {
    return this.acts[this.acts.length - 1]!;
  }

  /** Runs every layer on `input` (default: this replica's own input buffer); returns the logits. */
  forward(ctx: StepContext, input: Tensor<"f32"> = this.input): Tensor<"f32"> {
    let x = input;
    for (let i = 0; i < this.runs.length; i++) {
      this.runs[i]!.forward(x, this.acts[i]!, ctx);
      x = this.acts[i]!;
    }
    return x;
  }

  /**
   * Forward, loss and backward for this replica's columns. The loss gradient is scaled by
   * 1/ctx.totalCols, so the replicas' gradients sum to the gradient of the whole batch's mean
   * loss. Returns this replica's summed loss.
   */
  trainStep(ctx: StepContext): number {
    if (!this.training) throw new Error("replica: trainStep on an evaluation replica");
    // The layers were bound with fixed shapes: the first step checks every kernel call's
    // arguments, the later ones skip the checks (unless the instance checks always).
    if (!this.stepChecked) {
      this.stepChecked = true;
      return this.net.k.checkedOnce(() => this.trainStepOnce(ctx));
    }
    return this.trainStepOnce(ctx);
  }

  private trainStepOnce(ctx: StepContext): number {
    const logits = this.forward(ctx);
    const k = this.net.k;
    const loss = k.loss.softmaxXent(logits, this.labels, this.dlogits, 1 / ctx.totalCols);
    for (let i = this.runs.length - 1; i >= 0; i--) {
      const x = i === 0 ? this.input : this.acts[i - 1]!;
      this.runs[i]!.backward(x, this.acts[i]!, this.douts[i]!, i === 0 ? null : this.douts[i - 1]!, this.grads, ctx);
    }
    return loss;
  }

  /** Loss sum and number correct over a batch (default: this replica's own input and labels). */
  evaluate(ctx: StepContext, input: Tensor<"f32"> = this.input, labels: Tensor<"i32"> = this.labels): { loss: number; correct: number } {
    if (!this.evalChecked) {
      this.evalChecked = true;
      return this.net.k.checkedOnce(() => this.evaluateOnce(ctx, input, labels));
    }
    if (input.shape[1] !== this.N || labels.size !== this.N)
      throw new Error(`replica: evaluating ${input.toString()} with ${labels.toString()} on a replica of batch ${this.N}`);
    return this.evaluateOnce(ctx, input, labels);
  }

  private evaluateOnce(ctx: StepContext, input: Tensor<"f32">, labels: Tensor<"i32">): { loss: number; correct: number } {
    const logits = this.forward(ctx, input);
    const k = this.net.k;
    return { loss: k.loss.softmaxXent(logits, labels, null), correct: k.loss.countCorrect(logits, labels) };
  }
}
