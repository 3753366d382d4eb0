// Bad input is refused before any kernel runs, with an Error that names the op and the shapes.
import test from "ava";
import { Kernels } from "../../src/kernels/index.js";
import { defaultsFor } from "../../src/hparams/resolve.js";
import { getModel } from "../../src/models/registry.js";
import { kernelsFor } from "../helpers/kernels.js";

test("gemm with mismatched inner dimensions names the op and both shapes", async (t) => {
  const k = await kernelsFor("plain");
  const a = k.alloc([3, 4]),
    b = k.alloc([5, 6]),
    c = k.alloc([3, 6]);
  const err = t.throws(() => k.dense.gemm(a, b, c));
  t.regex(err!.message, /^gemm\(transA=false, transB=false\): inner dimensions differ: a f32\[3,4\], b f32\[5,6\]/);
});

test("gemm with a wrong output shape says which shape it needs", async (t) => {
  const k = await kernelsFor("plain");
  const a = k.alloc([3, 4]),
    b = k.alloc([4, 6]),
    c = k.alloc([6, 3]);
  t.throws(() => k.dense.gemm(a, b, c), { message: /c must be \[3,6\].*got f32\[6,3\]/ });
  t.throws(() => k.dense.gemm(a, a.reshape([4, 3]), a.reshape([3, 4]).rows(0, 3)), { message: /c must be \[3,3\]|overlaps/ });
});

test("an output that overlaps an input is refused", async (t) => {
  const k = await kernelsFor("plain");
  const a = k.alloc([4, 4]);
  t.throws(() => k.dense.gemm(a, a, a), { message: /output c f32\[4,4\] overlaps input a/ });
});

test("zero and negative sizes are refused by name", async (t) => {
  const k = await kernelsFor("plain");
  t.throws(() => k.alloc([3, -1]), { message: /arena: cannot allocate tensor f32\[3,-1\]: every dimension must be a non-negative integer/ });
  t.throws(() => k.alloc([2.5]), { message: /non-negative integer/ });
  const empty = k.alloc([0, 4]),
    b = k.alloc([4, 2]),
    c = k.alloc([0, 2]);
  t.throws(() => k.dense.gemm(empty, b, c), { message: /gemm.*a f32\[0,4\] has an empty dimension/ });
  t.throws(() => k.sparse.fromMask([], 0, 3), { message: /csrFromMask: rows must be a positive integer, got 0/ });
  t.throws(() => k.elementwise.fill(k.alloc([0]), 1), { message: /fill: t f32\[0\] is empty/ });
});

test("sparse ops check the activation shapes against the CSR matrix", async (t) => {
  const k = await kernelsFor("plain");
  const csr = k.sparse.fromMask([1, 0, 1, 1, 0, 1], 2, 3);
  const x = k.alloc([4, 5]),
    y = k.alloc([2, 5]);
  t.throws(() => k.sparse.spmm(csr, x, y), { message: /^spmm: x must have 3 rows for w csr\[2,3\] nnz 4, got f32\[4,5\]/ });
  t.throws(() => k.sparse.spmmT(csr, y, k.alloc([3, 4])), { message: /^spmmT: dx must be \[3,5\]/ });
  t.throws(() => k.sparse.maskedGrad(csr, y, k.alloc([3, 5]), k.alloc([3])), { message: /^maskedGrad: dvalues must have nnz = 4 entries, got f32\[3\]/ });
  t.throws(() => k.sparse.fromMask([1, 0], 2, 3), { message: /mask has 2 entries but the matrix is \[2,3\]/ });
});

test("a request larger than the arena is an Error naming the tensor, never a trap", async (t) => {
  const k = await Kernels.create({ memoryLimitBytes: 8 * 2 ** 20 });
  const err = t.throws(() => k.alloc([3000, 3000], "f32", "fc1.weight"));
  t.regex(err!.message, /^arena: cannot allocate fc1\.weight f32\[3000,3000\] \(34\.3 MiB\): .* the limit is 8\.0 MiB/);
  await t.throwsAsync(() => Kernels.create({ memoryLimitBytes: 2 ** 33 }), { message: /memoryLimitBytes/ });
});

test("labels outside the class range are refused before the loss kernel reads memory", async (t) => {
  const k = await kernelsFor("plain");
  const z = k.alloc([10, 2]),
    labels = k.alloc([2], "i32");
  labels.data.set([3, 10]);
  t.throws(() => k.loss.softmaxXent(z, labels, null), { message: /^softmaxXent: label 10 at position 1 is outside \[0, 10\)/ });
  t.throws(() => k.loss.countCorrect(z, k.alloc([3], "i32")), { message: /labels must have 2 entries/ });
  t.throws(() => k.loss.softmaxXent(z, k.alloc([2]) as never, null), { message: /labels must be i32/ });
});

test("tensors of another kernel instance are refused", async (t) => {
  const k1 = await kernelsFor("plain");
  const k2 = await kernelsFor("relaxed");
  const a = k1.alloc([2, 2]),
    b = k2.alloc([2, 2]),
    c = k1.alloc([2, 2]);
  t.throws(() => k1.dense.gemm(a, b, c), { message: /b f32\[2,2\] belongs to another kernel instance/ });
  t.throws(() => k1.conv.maxpoolForward(k1.alloc([4 * 2 * 2, 1]), k2.alloc([4, 1]), 4, 2, 2), {
    message: /^maxpoolForward: y f32\[4,1\] belongs to another kernel instance/,
  });
});

test("the arena never hands out the module's static data (exp/log tables stay intact after big GEMMs)", async (t) => {
  const k = await Kernels.create({ memoryLimitBytes: 64 * 2 ** 20 });
  const first = k.alloc([1]);
  t.true(first.ptr >= k.exports.heap_base(), `first tensor at ${first.ptr}, static data ends at ${k.exports.heap_base()}`);
  // a GEMM whose B stride is a multiple of 512 bytes packs panels into the workspace (the first allocation)
  const a = k.fromArray(
    Float32Array.from({ length: 16 * 64 }, (_, i) => (i % 7) - 3),
    [16, 64],
  );
  const b = k.fromArray(
      Float32Array.from({ length: 64 * 128 }, (_, i) => (i % 5) - 2),
      [64, 128],
    ),
    c = k.alloc([16, 128]);
  k.dense.gemm(a, b, c);
  const z = k.fromArray([0.1, 0.2, 0.3, 0.4], [2, 2]),
    labels = k.alloc([2], "i32");
  labels.data.set([0, 1]);
  const loss = k.loss.softmaxXent(z, labels, null);
  t.true(Math.abs(loss - (Math.log(Math.exp(0.1) + Math.exp(0.3)) - 0.1 + Math.log(Math.exp(0.2) + Math.exp(0.4)) - 0.4)) < 1e-5, `loss ${loss}`);
});

test("csrFromMask reads a mask that lives in wasm memory even when its allocation grows an unshared memory", async (t) => {
  const k = await Kernels.create({ shared: false, initialBytes: 1, memoryLimitBytes: 64 * 2 ** 20 });
  const mask = k.alloc([300, 784]);
  const m = mask.data;
  for (let i = 0; i < m.length; i++) m[i] = i % 5 === 0 ? 0 : 1;
  const before = k.memory.buffer.byteLength;
  const csr = k.sparse.fromMask(mask.data, 300, 784);
  t.true(k.memory.buffer.byteLength > before, "the CSR allocation grew the memory");
  t.is(csr.nnz, 300 * 784 - Math.ceil((300 * 784) / 5));
  t.is(csr.rowPtr.data[300], csr.nnz);
});

test("check modes: 'once' checks only inside checkedOnce, and a replica's first step and first evaluation run checked", async (t) => {
  const k = await Kernels.create({ memoryLimitBytes: 64 * 2 ** 20, checks: "once" });
  t.false(k.checking);
  const a = k.alloc([2, 3]),
    b = k.alloc([4, 2]),
    c = k.alloc([2, 2]);
  t.throws(() => k.checkedOnce(() => k.dense.gemm(a, b, c)), { message: /inner dimensions differ/ });
  t.false(k.checking, "checkedOnce restores the mode after a throw");
  const net = getModel("lenet_300_100").build(k, defaultsFor(getModel("lenet_300_100")).model);
  const replica = net.replica(4, true);
  const seen: boolean[] = [];
  const gemm = k.dense.gemm.bind(k.dense);
  k.dense.gemm = (...args: Parameters<typeof gemm>) => {
    seen.push(k.checking);
    gemm(...args);
  };
  const ctx = { training: true, step: 0, colOffset: 0, totalCols: 4, seed: 1 };
  replica.trainStep(ctx);
  const first = seen.splice(0);
  replica.trainStep(ctx);
  t.true(first.length > 0 && first.every(Boolean), "the first step's calls are checked");
  t.true(seen.length === first.length && seen.every((v) => !v), "later steps skip the checks");
  replica.evaluate(ctx);
  t.true(seen.slice(first.length).every(Boolean), "the first evaluation is checked");
  t.true((await Kernels.create({ memoryLimitBytes: 16 * 2 ** 20 })).checking, "the library default checks every call");
  const before = process.env.LOTTERY_KERNEL_CHECKS;
  process.env.LOTTERY_KERNEL_CHECKS = "1";
  try {
    t.true((await Kernels.create({ memoryLimitBytes: 16 * 2 ** 20, checks: "once" })).checking, "LOTTERY_KERNEL_CHECKS=1 forces checks");
  } finally {
    if (before === undefined) delete process.env.LOTTERY_KERNEL_CHECKS;
    else process.env.LOTTERY_KERNEL_CHECKS = before;
  }
});
