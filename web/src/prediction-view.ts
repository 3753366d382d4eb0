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
    this.list.replaceChildren();
  }

  show(probabilities: readonly number[]): void {
    let best = 0;
    probabilities.forEach((p, i) => {
      if (p > probabilities[best]!) best = i;
    });
    this.predicted.textContent = String(best);
    this.predicted.dataset.class = String(best);
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
