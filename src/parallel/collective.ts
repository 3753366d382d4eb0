// The batch-wide sums batch norm needs when a batch is split across replicas. Each replica writes
// its per-example partial sums into its columns of a shared [rows, B] matrix, meets the others at
// a counter in the sync block, then adds every row over all B examples in example order, exactly
// as a single thread holding the whole batch does (singleReplica in nn/layer.ts). Two matrices
// alternate: a replica can only write call c+2's matrix after passing call c+1's barrier, which
// every replica reaches only after reading call c's sums.
import type { Tensor } from "../kernels/index.js";
import { type Collective, sumRowsInOrder } from "../nn/layer.js";
import { COLLECTIVE_ROWS, SYNC } from "./protocol.js";
import { arrive, waitAtLeast } from "./sync.js";

export class SharedCollective implements Collective {
  private calls = 0;
  private readonly buffers: Float32Array[];

  /** `exchange` holds 2 x COLLECTIVE_ROWS x batchSize floats (exchangeBytes). */
  constructor(
    memory: WebAssembly.Memory,
    exchange: number,
    private readonly ints: Int32Array,
    private readonly replicas: number,
    private readonly batchSize: number,
    private readonly colOffset: number,
  ) {
    const floats = COLLECTIVE_ROWS * batchSize;
    this.buffers = [0, 1].map((b) => new Float32Array(memory.buffer, exchange + b * floats * 4, floats));
  }

  /** Called at the start of every step (the main thread zeroes the arrival counter). */
  reset(): void {
    this.calls = 0;
  }

  sumColumns(local: Tensor<"f32">, out: Tensor<"f32">): void {
    const [rows, N] = local.shape as [number, number];
    const B = this.batchSize;
    if (rows > COLLECTIVE_ROWS || out.size !== rows || this.colOffset + N > B) {
      throw new Error(`collective: [${rows}, ${N}] at column ${this.colOffset} does not fit [${COLLECTIVE_ROWS}, ${B}] (out ${out.size})`);
    }
    const buf = this.buffers[this.calls % 2]!,
      src = local.data;
    for (let r = 0; r < rows; r++) buf.set(src.subarray(r * N, (r + 1) * N), r * B + this.colOffset);
    this.calls++;
    arrive(this.ints, SYNC.COLL);
    waitAtLeast(this.ints, SYNC.COLL, this.replicas * this.calls, "batch norm statistics");
    sumRowsInOrder(buf, 0, rows, B, B, out.data);
  }
}
