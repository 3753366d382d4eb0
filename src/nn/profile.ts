// Per-layer timing of a network's training step: where the milliseconds of a step go, layer by
// layer and pass by pass. It wraps each layer's `bind` (instance by instance, composites' children
// included), so the runs a replica binds afterwards report their forward and backward wall time;
// nothing in the layers or kernels changes, and `detach` restores them.
import type { Layer, LayerRun } from "./layer.js";
import type { Network } from "./network.js";

/** One layer's accumulated time while the profiler was active. */
export interface LayerTiming {
  /** The layer's name ("stage1.block2.conv1"). */
  name: string;
  /** Its class ("Conv2d", "BatchNorm2d", "ResidualBlock", …). */
  type: string;
  /** Nesting depth: 0 for the network's own layers, 1 for a composite's children. */
  depth: number;
  /** True for a composite layer, whose times include its children's. */
  composite: boolean;
  forwardMs: number;
  backwardMs: number;
  /** Forward calls counted (one per step and replica bound while profiling). */
  calls: number;
}

/**
 * Times every layer of a network (composites and their children) while {@link active}: attach it
 * before binding the replica to profile, run some steps, then read {@link timings}.
 */
export class LayerProfiler {
  /** Only calls made while this is true are counted (leave it off for warm-up steps). */
  active = false;
  private readonly records: LayerTiming[] = [];
  private readonly restore: (() => void)[] = [];

  private constructor(network: Network) {
    const visit = (layer: Layer, depth: number) => {
      const record: LayerTiming = {
        name: layer.name,
        type: layer.constructor.name,
        depth,
        composite: !!layer.children?.length,
        forwardMs: 0,
        backwardMs: 0,
        calls: 0,
      };
      this.records.push(record);
      this.wrap(layer, record);
      for (const child of layer.children ?? []) visit(child, depth + 1);
    };
    for (const layer of network.layers) visit(layer, 0);
  }

  /** Instruments the network's layers; replicas bound from now on are timed. */
  static attach(network: Network): LayerProfiler {
    return new LayerProfiler(network);
  }

  private wrap(layer: Layer, record: LayerTiming): void {
    const original = layer.bind;
    const profiler = this;
    const timed: Layer["bind"] = function (this: Layer, ...args) {
      const run: LayerRun = original.apply(this, args);
      return {
        ...run,
        forward(x, y, ctx) {
          if (!profiler.active) return run.forward(x, y, ctx);
          const t0 = performance.now();
          run.forward(x, y, ctx);
          record.forwardMs += performance.now() - t0;
          record.calls++;
        },
        backward(x, y, dy, dx, grads, ctx) {
          if (!profiler.active) return run.backward(x, y, dy, dx, grads, ctx);
          const t0 = performance.now();
          run.backward(x, y, dy, dx, grads, ctx);
          record.backwardMs += performance.now() - t0;
        },
      };
    };
    (layer as { bind: Layer["bind"] }).bind = timed;
    this.restore.push(() => delete (layer as { bind?: Layer["bind"] }).bind);
  }

  /** Removes the instrumentation (runs bound while attached keep reporting to this profiler). */
  detach(): void {
    for (const undo of this.restore.splice(0)) undo();
  }

  /** The accumulated times, in network order (a composite before its children). */
  timings(): readonly LayerTiming[] {
    return this.records;
  }

  /**
   * Time per step by layer type, without double counting: a composite contributes only its own
   * time (its join, its copies), listed as "<type> (own)".
   */
  byType(steps: number): { type: string; forwardMs: number; backwardMs: number }[] {
    const out = new Map<string, { type: string; forwardMs: number; backwardMs: number }>();
    const add = (type: string, f: number, b: number) => {
      const e = out.get(type) ?? { type, forwardMs: 0, backwardMs: 0 };
      e.forwardMs += f / steps;
      e.backwardMs += b / steps;
      out.set(type, e);
    };
    this.records.forEach((r, i) => {
      if (!r.composite) return add(r.type, r.forwardMs, r.backwardMs);
      let f = r.forwardMs,
        b = r.backwardMs;
      for (let j = i + 1; j < this.records.length && this.records[j]!.depth > r.depth; j++) {
        if (this.records[j]!.depth !== r.depth + 1) continue;
        f -= this.records[j]!.forwardMs;
        b -= this.records[j]!.backwardMs;
      }
      add(`${r.type} (own)`, f, b);
    });
    return [...out.values()];
  }
}
