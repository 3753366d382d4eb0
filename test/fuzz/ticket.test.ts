// Fuzzing the ticket loader (issue 17) with mutants of real .ltk files (LeNet-300-100 at Pm 5%, f32
// and f16 values, made by the exporter's encoder):
// - as damaged on disk: bit flips, truncations, trailing bytes, the version or manifest length set
//   to huge or off-by-one values. Every one must be a TicketError, or load to exactly the same
//   manifest and payload (a flip in the zero padding before the payload changes nothing).
// - as crafted, with valid checksums (the manifest or payload changed, then resealed): a field of
//   the manifest set to a huge, negative, fractional or wrong-typed value or removed; bits of the
//   payload (CSR row pointers, column indices, values) flipped; the model swapped for another
//   built-in one (with its input shape, or keeping the file's). Every one must be a TicketError, or
//   load and predict; never a wasm trap, a RangeError or TypeError, or an allocation larger than the
//   valid ticket's.
import test from "ava";
import fc from "fast-check";
import { createHash } from "node:crypto";
import { Kernels } from "../../src/kernels/index.js";
import { readContainer } from "../../src/ticket/container.js";
import { HEADER_BYTES, TicketError, type TicketManifest } from "../../src/ticket/format.js";
import { loadTicket } from "../../src/ticket/load.js";
import { getModel, modelNames } from "../../src/models/registry.js";
import { fuzz, mutate, mutationOf, Tally } from "../helpers/mutations.js";
import { memoryTicket } from "../ticket/helpers.js";

const SOURCE = "fuzz.ltk";
/** Eight images of arbitrary pixels: enough to run every layer. */
const IMAGES = Uint8Array.from({ length: 8 * 784 }, (_, i) => (i * 37) % 256);

interface Base {
  bytes: Uint8Array;
  manifest: TicketManifest;
  payload: Uint8Array;
  /** Arena bytes that loading and predicting with the valid file take. */
  arenaBytes: number;
}

let k: Kernels;
const bases: Base[] = [];

/** Loads and predicts in the shared Kernels, then frees what it took; returns the arena bytes used. */
async function loadAndPredict(bytes: Uint8Array): Promise<{ manifest: TicketManifest; arenaBytes: number }> {
  const mark = k.arena.mark();
  try {
    const ticket = await loadTicket(bytes, { kernels: k, source: SOURCE });
    const predicted = ticket.predict(IMAGES);
    if (predicted.length !== 8 || predicted.some((c) => !(c >= 0 && c < 10))) throw new Error(`predicted ${predicted}`);
    return { manifest: ticket.manifest, arenaBytes: k.arena.mark() - mark };
  } finally {
    k.arena.release(mark);
  }
}

test.before(async () => {
  k = await Kernels.create({ shared: false });
  for (const valueType of ["f32", "f16"] as const) {
    const { bytes } = await memoryTicket("lenet_300_100", 0.05, { valueType, k });
    const { manifest, payload } = await readContainer(bytes);
    bases.push({ bytes, manifest, payload: Uint8Array.from(payload), arenaBytes: 0 });
  }
  // memoryTicket built its own network in k; measure from here on.
  for (const b of bases) b.arenaBytes = (await loadAndPredict(b.bytes)).arenaBytes;
});

/** A TicketError is the loader's rejection; anything else (and a bound exceeded) fails the case. */
async function outcome(bytes: Uint8Array, base: Base): Promise<{ accepted: TicketManifest | null }> {
  try {
    const { manifest, arenaBytes } = await loadAndPredict(bytes);
    if (arenaBytes > base.arenaBytes) throw new Error(`took ${arenaBytes} bytes of wasm memory, the valid ticket ${base.arenaBytes}`);
    return { accepted: manifest };
  } catch (err) {
    if (err instanceof TicketError && err.message.startsWith(SOURCE)) return { accepted: null };
    throw err;
  }
}

test("tickets damaged on disk are rejected with a TicketError or load unchanged", async (t) => {
  const tally = new Tally();
  const arb = fc.nat({ max: 1 }).chain((i) =>
    mutationOf(bases[i]!.bytes, HEADER_BYTES + 64, [
      { name: "format version", at: 8, littleEndian: true },
      { name: "manifest length", at: 12, littleEndian: true },
    ]).map((m) => ({ base: bases[i]!, m })),
  );
  const { failed, runs } = await fuzz(
    arb,
    async ({ base, m }) => {
      const { accepted } = await outcome(mutate(base.bytes, m), base);
      tally.add(accepted ? "loaded unchanged" : "rejected");
      if (accepted) {
        const again = await readContainer(mutate(base.bytes, m));
        if (JSON.stringify(again.manifest) !== JSON.stringify(base.manifest) || Buffer.compare(again.payload, base.payload) !== 0)
          throw new Error("a damaged file loaded with different contents");
      }
    },
    2000,
    10,
  );
  t.log(`ltk as damaged: ${tally} (${runs} runs)`);
  t.is(failed, null, failed ?? "");
});

/** The file for a manifest and payload, with valid checksums (as a crafted file would have). */
function seal(manifest: unknown, payload: Uint8Array): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(manifest));
  const start = Math.ceil((HEADER_BYTES + json.length) / 8) * 8;
  const out = new Uint8Array(start + payload.length);
  out.set(bases[0]!.bytes.subarray(0, 12));
  new DataView(out.buffer).setUint32(12, json.length, true);
  out.set(createHash("sha256").update(json).digest(), 16);
  out.set(json, HEADER_BYTES);
  out.set(payload, start);
  return out;
}

/** Every path to a value in the manifest (object keys and array indices). */
function paths(v: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (v === null || typeof v !== "object") return [prefix];
  const keys: (string | number)[] = Array.isArray(v) ? v.map((_, i) => i) : Object.keys(v);
  return [prefix, ...keys.flatMap((key) => paths((v as Record<string | number, unknown>)[key], [...prefix, key]))];
}

const WEIRD = fc.oneof(
  fc.constantFrom<unknown>(
    0,
    -1,
    1,
    0.5,
    2 ** 31,
    2 ** 32,
    2 ** 53,
    1e308,
    -1e308,
    null,
    true,
    "",
    "x",
    "lenet_300_100",
    [],
    {},
    [0],
    [2 ** 31, 2 ** 31],
    "f16",
    "u16",
    "u32",
    "csr",
    "dense",
  ),
  fc.integer({ min: -1000, max: 2 ** 40 }),
  fc.string({ maxLength: 8 }),
);

type Crafted =
  | { kind: "field"; path: (string | number)[]; value: unknown; remove: boolean }
  | { kind: "payload"; bits: { at: number; bit: number }[] }
  | { kind: "model"; name: string; withItsInput: boolean };

function craft(base: Base, c: Crafted): Uint8Array {
  if (c.kind === "model") {
    // A small file naming a large model must not cost that model's memory before it is rejected.
    const manifest = structuredClone(base.manifest);
    manifest.model.name = c.name;
    manifest.model.hparams.model = c.name;
    if (c.withItsInput && getModel(c.name).dataset === "cifar10") {
      manifest.input.shape = [3, 32, 32];
      manifest.input.normalization = { normalize: true, mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25] };
    }
    return seal(manifest, base.payload);
  }
  if (c.kind === "payload") {
    const payload = Uint8Array.from(base.payload);
    for (const { at, bit } of c.bits) payload[at % payload.length]! ^= 1 << bit;
    const manifest = structuredClone(base.manifest);
    manifest.payload.sha256 = createHash("sha256").update(payload).digest("hex");
    return seal(manifest, payload);
  }
  const manifest = structuredClone(base.manifest) as unknown as Record<string | number, unknown>;
  let parent: Record<string | number, unknown> = manifest;
  for (const key of c.path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
  const last = c.path[c.path.length - 1]!;
  if (c.remove && !Array.isArray(parent)) delete parent[last];
  else parent[last] = c.value;
  return seal(manifest, base.payload);
}

test("crafted tickets with valid checksums are rejected with a TicketError or load and predict within the valid ticket's memory", async (t) => {
  const tally = new Tally();
  const fieldPaths = bases.map((b) => paths(b.manifest).filter((p) => p.length > 0));
  const arb = fc.nat({ max: 1 }).chain((i) =>
    fc
      .oneof(
        fc.record({ kind: fc.constant("field" as const), path: fc.constantFrom(...fieldPaths[i]!), value: WEIRD, remove: fc.boolean() }),
        fc.record({
          kind: fc.constant("payload" as const),
          bits: fc.array(fc.record({ at: fc.nat(), bit: fc.nat({ max: 7 }) }), { minLength: 1, maxLength: 4 }),
        }),
        fc.record({
          kind: fc.constant("model" as const),
          name: fc.constantFrom(...modelNames().filter((n) => n !== "lenet_300_100")),
          withItsInput: fc.boolean(),
        }),
      )
      .map((c: Crafted) => ({ base: bases[i]!, c })),
  );
  const { failed, runs } = await fuzz(
    arb,
    async ({ base, c }) => {
      const { accepted } = await outcome(craft(base, c), base);
      tally.add(`${{ field: "manifest field", payload: "payload bits", model: "model swapped" }[c.kind]} ${accepted ? "loaded" : "rejected"}`);
    },
    2000,
    15,
  );
  t.log(`ltk crafted: ${tally} (${runs} runs)`);
  t.is(failed, null, failed ?? "");
});
