// One row per finished ticket: inference throughput with the pruned layers dense and sparse.
import { formatPm } from "../../src/index.js";
import { byId, row } from "./dom.js";
import type { SpeedResult } from "./protocol.js";

const perSecond = (v: number) => Math.round(v).toLocaleString("en-US");

export class SpeedView {
  private readonly body = byId("speed-table", HTMLTableElement).tBodies[0]!;

  add(r: SpeedResult): void {
    const ratio = r.sparse.imagesPerSecond / r.dense.imagesPerSecond;
    this.body.append(
      row([
        String(r.level),
        formatPm(r.pm),
        { text: perSecond(r.dense.imagesPerSecond), className: "dense" },
        { text: perSecond(r.sparse.imagesPerSecond), className: "sparse" },
        `${ratio.toFixed(2)}x`,
      ]),
    );
  }
}
