// The drawing pad's MNIST-style normalization (web/src/preprocess.ts): ink scaled into a 20x20 box
// and centered by mass in 28x28. Real MNIST digits are already in that form, so blowing one up to
// the pad's size and normalizing it again must give back (nearly) the same image.
import test from "ava";
import { BOX, SIDE, toMnistImage } from "../../web/src/preprocess.js";
import { realDataset } from "../helpers/data.js";

function inkBox(img: Uint8Array): { w: number; h: number; cx: number; cy: number } {
  let x0 = SIDE,
    y0 = SIDE,
    x1 = -1,
    y1 = -1,
    m = 0,
    mx = 0,
    my = 0;
  for (let y = 0; y < SIDE; y++) {
    for (let x = 0; x < SIDE; x++) {
      const v = img[y * SIDE + x]!;
      if (v === 0) continue;
      x0 = Math.min(x0, x);
      x1 = Math.max(x1, x);
      y0 = Math.min(y0, y);
      y1 = Math.max(y1, y);
      m += v;
      mx += v * x;
      my += v * y;
    }
  }
  return { w: x1 - x0 + 1, h: y1 - y0 + 1, cx: mx / m, cy: my / m };
}

function correlation(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = a.length;
  let ma = 0,
    mb = 0;
  for (let i = 0; i < n; i++) {
    ma += a[i]!;
    mb += b[i]!;
  }
  ma /= n;
  mb /= n;
  let ab = 0,
    aa = 0,
    bb = 0;
  for (let i = 0; i < n; i++) {
    const da = a[i]! - ma,
      db = b[i]! - mb;
    ab += da * db;
    aa += da * da;
    bb += db * db;
  }
  return ab / Math.sqrt(aa * bb);
}

test("an empty pad gives no image", (t) => {
  t.is(toMnistImage(new Uint8Array(280 * 280), 280, 280), null);
  t.is(toMnistImage(new Uint8Array(280 * 280).fill(10), 280, 280), null, "faint noise below the threshold is not ink");
  t.throws(() => toMnistImage(new Uint8Array(10), 280, 280), { message: /10 pixels are not 280x280/ });
});

test("a stroke in a corner is scaled into the 20x20 box and centered by mass", (t) => {
  const W = 280;
  const ink = new Uint8Array(W * W);
  for (let y = 10; y < 210; y++) for (let x = 5; x < 45; x++) ink[y * W + x] = 255; // 40 x 200, top left
  const img = toMnistImage(ink, W, W)!;
  const box = inkBox(img);
  t.is(box.h, BOX, "the longer side fills the box");
  t.is(box.w, 4, "aspect ratio kept: 40/200 of 20");
  t.true(Math.abs(box.cx - SIDE / 2) <= 0.5 && Math.abs(box.cy - SIDE / 2) <= 0.5, `center of mass ${box.cx}, ${box.cy}`);
  t.is(Math.max(...img), 255);
});

test("real MNIST digits blown up to the pad's size come back as themselves", async (t) => {
  const test10k = (await realDataset("mnist")).test;
  const F = SIDE * SIDE,
    SCALE = 10,
    W = SIDE * SCALE,
    COUNT = 200;
  let exact = 0,
    worst = 1;
  for (let n = 0; n < COUNT; n++) {
    const digit = test10k.images.subarray(n * F, (n + 1) * F);
    const big = new Uint8Array(W * W);
    for (let y = 0; y < W; y++) for (let x = 0; x < W; x++) big[y * W + x] = digit[Math.floor(y / SCALE) * SIDE + Math.floor(x / SCALE)]!;
    const back = toMnistImage(big, W, W)!;
    if (back.every((v, i) => v === digit[i])) exact++;
    worst = Math.min(worst, correlation(back, digit));
  }
  // Not always exact: the box is found from pixels above the ink threshold, so a digit with faint
  // edges comes back a pixel narrower; the shape must still match.
  t.true(exact >= 0.85 * COUNT, `${exact} of ${COUNT} digits come back exactly`);
  t.true(worst > 0.99, `lowest correlation over ${COUNT} test digits: ${worst.toFixed(4)}`);
});
