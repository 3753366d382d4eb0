// The drawing pad: white ink on black (as MNIST), drawn with a mouse, pen or finger through
// pointer events. It reports the MNIST-style 28x28 image while a stroke is drawn (at most every
// LIVE_MS) and when it ends (saying which of the two it is), and shows that image enlarged so the user sees what the network sees.
import { SIDE, toMnistImage } from "./preprocess.js";

const LIVE_MS = 120;

export class DigitPad {
  private readonly ctx: CanvasRenderingContext2D;
  private drawing = false;
  private last: { x: number; y: number } | null = null;
  private lastReport = 0;

  constructor(
    private readonly canvas: HTMLCanvasElement,
    private readonly preview: HTMLCanvasElement,
    /** `strokeDone`: the image of a finished stroke, not a live one from the middle of a stroke. */
    private readonly onImage: (pixels: Uint8Array | null, strokeDone: boolean) => void,
  ) {
    const ctx = canvas.getContext("2d", { willReadFrequently: true });
    if (!ctx) throw new Error("drawing pad: no 2d canvas context");
    this.ctx = ctx;
    // A stroke about 2 px wide once the digit is scaled into MNIST's 20x20 box.
    ctx.lineWidth = canvas.width / 13;
    ctx.lineCap = "round";
    ctx.lineJoin = "round";
    ctx.strokeStyle = "#fff";
    ctx.fillStyle = "#fff";
    this.clear();
    canvas.addEventListener("pointerdown", (e) => this.down(e));
    canvas.addEventListener("pointermove", (e) => this.move(e));
    canvas.addEventListener("pointerup", () => this.up());
    canvas.addEventListener("pointercancel", () => this.up());
  }

  clear(): void {
    this.ctx.save();
    this.ctx.fillStyle = "#000";
    this.ctx.fillRect(0, 0, this.canvas.width, this.canvas.height);
    this.ctx.restore();
    this.drawPreview(null);
    this.onImage(null, true);
  }

  private point(e: PointerEvent): { x: number; y: number } {
    const r = this.canvas.getBoundingClientRect();
    return { x: ((e.clientX - r.left) * this.canvas.width) / r.width, y: ((e.clientY - r.top) * this.canvas.height) / r.height };
  }

  private down(e: PointerEvent): void {
    this.canvas.setPointerCapture(e.pointerId);
    this.drawing = true;
    this.last = this.point(e);
    // A dot, so a click alone leaves ink.
    this.ctx.beginPath();
    this.ctx.arc(this.last.x, this.last.y, this.ctx.lineWidth / 2, 0, 2 * Math.PI);
    this.ctx.fill();
  }

  private move(e: PointerEvent): void {
    if (!this.drawing || !this.last) return;
    const p = this.point(e);
    this.ctx.beginPath();
    this.ctx.moveTo(this.last.x, this.last.y);
    this.ctx.lineTo(p.x, p.y);
    this.ctx.stroke();
    this.last = p;
    if (performance.now() - this.lastReport >= LIVE_MS) this.report(false);
  }

  private up(): void {
    if (!this.drawing) return;
    this.drawing = false;
    this.last = null;
    this.report(true);
  }

  private report(strokeDone: boolean): void {
    this.lastReport = performance.now();
    const { width, height } = this.canvas;
    const rgba = this.ctx.getImageData(0, 0, width, height).data;
    const ink = new Uint8Array(width * height);
    for (let i = 0; i < ink.length; i++) ink[i] = rgba[4 * i]!;
    const pixels = toMnistImage(ink, width, height);
    this.drawPreview(pixels);
    this.onImage(pixels, strokeDone);
  }

  private drawPreview(pixels: Uint8Array | null): void {
    const ctx = this.preview.getContext("2d");
    if (!ctx) return;
    const image = ctx.createImageData(SIDE, SIDE);
    for (let i = 0; i < SIDE * SIDE; i++) {
      const v = pixels ? pixels[i]! : 0;
      image.data.set([v, v, v, 255], 4 * i);
    }
    ctx.putImageData(image, 0, 0);
  }
}
