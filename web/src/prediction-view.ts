// The drawing pad's answer: the predicted class in large type and a bar per class probability.
import { formatPm } from "../../src/index.js";
import { byId } from "./dom.js";

export class PredictionView {
  private readonly predicted = byId("predicted-class", HTMLSpanElement);
  private readonly list = byId("probabilities", HTMLOListElement);
  private readonly label = byId("ticket-label", HTMLParagraphElement);

  ticket(level: number, pm: number): void {
    this.label.textContent = `Classified by the ticket of level ${level} (Pm ${formatPm(pm)}), the latest finished.`;
  }

  clear(): void {
    this.predicted.textContent = "–";
    this.predicted.removeAttribute("data-class");
    this.predicted.removeAttribute("data-stroke");
    this.list.replaceChildren();
  }

  /**
   * `strokeDone` says whether the answer is for a finished stroke or a live image from the middle of
   * one; the page exposes it as data-stroke ("done" or "live"), so a reader (or a test) can wait
   * for the answer to the whole drawing rather than take one for its first few pixels.
   */
  show(probabilities: readonly number[], strokeDone: boolean): void {
    let best = 0;
    probabilities.forEach((p, i) => {
      if (p > probabilities[best]!) best = i;
    });
    this.predicted.textContent = String(best);
    this.predicted.dataset.class = String(best);
    this.predicted.dataset.stroke = strokeDone ? "done" : "live";
    this.list.replaceChildren(
      ...probabilities.map((p, digit) => {
        const li = document.createElement("li");
        if (digit === best) li.className = "top";
        const name = document.createElement("span");
        name.textContent = String(digit);
        const track = document.createElement("span");
        const bar = document.createElement("span");
        bar.className = "bar";
        bar.style.display = "block";
        bar.style.width = `${(100 * p).toFixed(1)}%`;
        track.append(bar);
        const value = document.createElement("span");
        value.className = "value";
        value.textContent = `${(100 * p).toFixed(1)}%`;
        li.append(name, track, value);
        return li;
      }),
    );
  }
}
