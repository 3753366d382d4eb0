import test from "ava";
import { Rng } from "../../src/util/rng.js";
import { BUILDS, kernelsFor } from "../helpers/kernels.js";
import { elementwise, mismatch, randomArray } from "../helpers/reference.js";

const SIZES: [number, number][] = [
  [1, 1],
  [1, 5],
  [3, 7],
  [4, 8],
  [10, 60],
  [13, 33],
  [300, 61],
];

for (const simd of BUILDS) {
  test(`bias, ReLU and their gradients match the reference (${simd} SIMD)`, async (t) => {
    const k = await kernelsFor(simd);
    const rng = new Rng(1, simd);
    for (const [M, N] of SIZES) {
      const mark = k.arena.mark();
      const yv = randomArray(rng, M * N),
        bv = randomArray(rng, M);
      for (const relu of [false, true]) {
        const y = k.fromArray(yv, [M, N]),
          b = k.fromArray(bv, [M]);
        k.elementwise.biasAct(y, b, relu);
        const want = yv.map((v, i) => {
          const s = Math.fround(v + bv[Math.floor(i / N)]!);
          return relu ? Math.max(s, 0) : s;
        });
        t.deepEqual(Array.from(y.data), Array.from(want), `biasAct relu=${relu} ${M}x${N}`);
      }
      const dy = k.fromArray(yv, [M, N]),
        db = k.fromArray(bv, [M]);
      k.elementwise.biasGrad(dy, db);
      const sums = new Float64Array(M);
      yv.forEach((v, i) => (sums[Math.floor(i / N)]! += v));
      const mag = new Float64Array(M);
      yv.forEach((v, i) => (mag[Math.floor(i / N)]! += Math.abs(v)));
      t.is(mismatch(db.data, { value: sums, magnitude: mag }), null, `biasGrad ${M}x${N}`);
      k.elementwise.biasGrad(dy, db, { accumulate: true });
      t.is(mismatch(db.data, { value: sums.map((s) => 2 * s), magnitude: mag.map((m) => 2 * m) }), null, `biasGrad acc ${M}x${N}`);

      const x = k.fromArray(yv, [M * N]),
        out = k.alloc([M * N]);
      k.elementwise.relu(x, out);
      t.deepEqual(Array.from(out.data), Array.from(yv.map((v) => Math.max(v, 0))));
      const g = k.fromArray(bv.length >= M * N ? bv : randomArray(rng, M * N), [M * N]);
      const gv = Float32Array.from(g.data);
      const dx = k.alloc([M * N]);
      k.elementwise.reluBackward(out, g, dx);
      t.deepEqual(Array.from(dx.data), Array.from(gv.map((v, i) => (out.data[i]! > 0 ? v : 0))));
      // The fused pass gives exactly reluBackward then biasGrad (y with zeros, negatives and a NaN).
      const yz = k.fromArray(
        yv.map((v, i) => (i % 5 === 0 ? 0 : i === 3 ? Number.NaN : v)),
        [M, N],
      );
      const dyA = k.fromArray(gv, [M, N]),
        dyB = k.fromArray(gv, [M, N]),
        dbA = k.fromArray(bv, [M]),
        dbB = k.fromArray(bv, [M]);
      for (const accumulate of [false, true]) {
        k.elementwise.reluBackward(yz, dyA, dyA);
        k.elementwise.biasGrad(dyA, dbA, { accumulate });
        k.elementwise.reluBiasGrad(yz, dyB, dbB, { accumulate });
        t.deepEqual(Array.from(dyB.data), Array.from(dyA.data), `reluBiasGrad's dy ${M}x${N}`);
        t.deepEqual(Array.from(dbB.data), Array.from(dbA.data), `reluBiasGrad's db ${M}x${N} accumulate=${accumulate}`);
      }
      k.arena.release(mark);
    }
  });

  test(`softmax cross-entropy, its gradient, argmax and accuracy match the reference (${simd} SIMD)`, async (t) => {
    const k = await kernelsFor(simd);
    const rng = new Rng(2, simd);
    for (const [C, N] of [
      [1, 1],
      [2, 3],
      [10, 60],
      [10, 7],
      [3, 1],
    ] as const) {
      const mark = k.arena.mark();
      // Large logits check stability: exp(1000) overflows unless the maximum is subtracted.
      const zv = randomArray(rng, C * N, 30).map((v, i) => (i % 7 === 0 ? v + 1000 : v));
      const lv = Int32Array.from({ length: N }, () => rng.int(C));
      const z = k.fromArray(zv, [C, N]);
      const labels = k.alloc([N], "i32");
      labels.data.set(lv);
      const grad = k.alloc([C, N]);
      const loss = k.loss.softmaxXent(z, labels, grad, 1 / N);
      let refLoss = 0;
      const refGrad = new Float64Array(C * N);
      let correct = 0;
      for (let n = 0; n < N; n++) {
        let mx = -Infinity,
          arg = 0;
        for (let c = 0; c < C; c++)
          if (zv[c * N + n]! > mx) {
            mx = zv[c * N + n]!;
            arg = c;
          }
        if (arg === lv[n]) correct++;
        let sum = 0;
        for (let c = 0; c < C; c++) sum += Math.exp(zv[c * N + n]! - mx);
        refLoss += Math.log(sum) - (zv[lv[n]! * N + n]! - mx);
        for (let c = 0; c < C; c++) refGrad[c * N + n] = (Math.exp(zv[c * N + n]! - mx) / sum - (c === lv[n] ? 1 : 0)) / N;
      }
      t.true(Number.isFinite(loss));
      t.true(Math.abs(loss - refLoss) <= 1e-5 * (Math.abs(refLoss) + N), `loss ${loss} vs ${refLoss}`);
      t.is(mismatch(grad.data, elementwise(refGrad), 1e-5, 1e-7), null);
      t.is(k.loss.countCorrect(z, labels), correct);
      const am = k.alloc([N], "i32");
      k.loss.argmax(z, am);
      t.is(Array.from(am.data).filter((v, i) => v === lv[i]).length, correct);
      t.is(k.loss.softmaxXent(z, labels, null), loss, "loss without gradient is the same");
      k.arena.release(mark);
    }
  });

  // The batch-norm reductions promise each column's sum in position order, in f32, whatever the
  // column blocking (16, 4 or 1 columns at a time): that is what makes 1 and 2 threads agree bit for bit.
  test(`batch-norm column sums are per-example sums in position order, bit for bit (${simd} SIMD)`, async (t) => {
    const k = await kernelsFor(simd);
    const rng = new Rng(5, simd);
    for (const [C, P, N] of [
      [1, 1, 1],
      [2, 3, 5],
      [3, 4, 16],
      [2, 9, 21],
      [3, 5, 36],
      [1, 7, 130],
      // More positions than one row block (rowBlock in assembly/norm.ts: 63 and 31 rows at 130
      // columns, 221 and 110 at 37): the sums carry across blocks.
      [2, 100, 130],
      [1, 250, 37],
    ] as const) {
      const mark = k.arena.mark();
      const xv = randomArray(rng, C * P * N),
        gv = randomArray(rng, C * P * N),
        mv = randomArray(rng, C),
        iv = randomArray(rng, C).map((v) => Math.fround(1 + Math.abs(v)));
      const x = k.fromArray(xv, [C * P, N]),
        dy = k.fromArray(gv, [C * P, N]),
        mean = k.fromArray(mv, [C]),
        invstd = k.fromArray(iv, [C]);
      const s1 = k.alloc([C, N]),
        s2 = k.alloc([C, N]);
      const want = (term: (c: number, i: number) => number) => {
        const out = new Float32Array(C * N);
        for (let c = 0; c < C; c++)
          for (let n = 0; n < N; n++) {
            let s = 0;
            for (let p = 0; p < P; p++) s = Math.fround(s + term(c, (c * P + p) * N + n));
            out[c * N + n] = s;
          }
        return Array.from(out);
      };
      const f = Math.fround;
      // Each example's mean and squared deviations in one pass, shifted by the example's first
      // value: exactly these f32 operations, whichever column path (16, 4, 1) takes the column.
      k.conv.channelColumnMoments(x, s1, s2, C);
      const wantMean = new Float32Array(C * N),
        wantM2 = new Float32Array(C * N);
      for (let c = 0; c < C; c++)
        for (let n = 0; n < N; n++) {
          const first = xv[c * P * N + n]!;
          let s = 0,
            sq = 0;
          for (let p = 0; p < P; p++) {
            const e = f(xv[(c * P + p) * N + n]! - first);
            s = f(s + e);
            sq = f(sq + f(e * e));
          }
          const sp = f(s / P);
          wantMean[c * N + n] = f(first + sp);
          wantM2[c * N + n] = Math.max(f(sq - f(s * sp)), 0);
        }
      t.deepEqual(Array.from(s1.data), Array.from(wantMean), `example means ${C}x${P}x${N}`);
      t.deepEqual(Array.from(s2.data), Array.from(wantM2), `example squared deviations ${C}x${P}x${N}`);
      k.conv.channelColumnGradSums(dy, x, mean, invstd, s1, s2, C);
      t.deepEqual(
        Array.from(s1.data),
        want((_c, i) => gv[i]!),
        `grad sums (dy) ${C}x${P}x${N}`,
      );
      t.deepEqual(
        Array.from(s2.data),
        want((c, i) => f(gv[i]! * f(f(xv[i]! - mv[c]!) * iv[c]!))),
        `grad sums (dy·x̂) ${C}x${P}x${N}`,
      );

      // Behind a fused ReLU: the mask recomputed from x gives exactly what reluBackward on the
      // forward's output and then the plain kernels give (γ of both signs, so masks are mixed).
      const gamma = k.fromArray(randomArray(rng, C), [C]),
        beta = k.fromArray(randomArray(rng, C), [C]);
      const y = k.alloc([C * P, N]),
        masked = k.alloc([C * P, N]);
      k.conv.bnApply(x, y, mean, invstd, gamma, beta, C, true);
      k.elementwise.reluBackward(y, dy, masked);
      const r1 = k.alloc([C, N]),
        r2 = k.alloc([C, N]);
      k.conv.channelColumnGradSums(masked, x, mean, invstd, s1, s2, C);
      k.conv.channelColumnGradSums(dy, x, mean, invstd, r1, r2, C, { gamma, beta });
      t.deepEqual(Array.from(r1.data), Array.from(s1.data), `fused-ReLU grad sums (dy) ${C}x${P}x${N}`);
      t.deepEqual(Array.from(r2.data), Array.from(s2.data), `fused-ReLU grad sums (dy·x̂) ${C}x${P}x${N}`);
      t.deepEqual(Array.from(dy.data), Array.from(gv), "dy is left as it came");
      const t1 = k.fromArray(randomArray(rng, C), [C]),
        t2 = k.fromArray(randomArray(rng, C), [C]);
      const dxPlain = k.alloc([C * P, N]),
        dxFused = k.alloc([C * P, N]);
      k.conv.bnBackward(masked, x, dxPlain, mean, invstd, gamma, t1, t2, C, P * N);
      k.conv.bnBackward(dy, x, dxFused, mean, invstd, gamma, t1, t2, C, P * N, beta);
      t.deepEqual(Array.from(dxFused.data), Array.from(dxPlain.data), `fused-ReLU bnBackward ${C}x${P}x${N}`);
      k.arena.release(mark);
    }
  });

  test(`fill, scale, addTo, addRelu and maskApply (${simd} SIMD)`, async (t) => {
    const k = await kernelsFor(simd);
    const rng = new Rng(4, simd);
    for (const n of [1, 3, 4, 9, 64, 101]) {
      const mark = k.arena.mark();
      const av = randomArray(rng, n),
        bv = randomArray(rng, n);
      const a = k.fromArray(av, [n]),
        b = k.fromArray(bv, [n]);
      const joined = k.alloc([n]);
      k.elementwise.addRelu(a, b, joined);
      t.deepEqual(Array.from(joined.data), Array.from(av.map((v, i) => Math.max(Math.fround(v + bv[i]!), 0))), `addRelu ${n}`);
      k.elementwise.addTo(a, b);
      t.deepEqual(Array.from(a.data), Array.from(av.map((v, i) => Math.fround(v + bv[i]!))));
      k.elementwise.scale(a, 0.5);
      t.deepEqual(Array.from(a.data), Array.from(av.map((v, i) => Math.fround(Math.fround(v + bv[i]!) * 0.5))));
      k.elementwise.fill(a, 3);
      t.true(a.data.every((v) => v === 3));
      const w = k.fromArray(
        av.map((v, i) => (i % 2 ? NaN : v)),
        [n],
      );
      const mask = k.fromArray(
        av.map((_, i) => (i % 2 ? 0 : 1)),
        [n],
      );
      k.elementwise.maskApply(w, mask);
      t.true(
        Array.from(w.data).every((v, i) => (i % 2 ? Object.is(v, 0) : v === av[i])),
        "pruned entries become exactly 0, even NaN",
      );
      k.arena.release(mark);
    }
  });
}
