// Downloading CIFAR-10: a local mirror serves a cifar-10-binary.tar.gz built in the test (a ustar
// archive of the real .bin files decompressed from LOTTERY_DATA_DIR, laid out like the official
// one), streamed through gzip. Then the same code path with small synthetic archives whose expected
// hashes are injected through fetchArchive, for the failure cases.
import test, { type ExecutionContext } from "ava";
import { createHash, randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { Readable } from "node:stream";
import { createGzip, gzipSync } from "node:zlib";
import { DataError, fetchDataset, loadDataset, manifestFor, type DataFile } from "../../src/data/index.js";
import { fetchArchive, type FetchPlan } from "../../src/data/fetch.js";
import { CIFAR_BATCHES, collectLog, listFiles, realFile, serve, tarChunks, tempDir, type Handler, type TarMember, re } from "./helpers.js";

const DIR = "cifar-10-batches-bin";

// The six real batches, decompressed once for the file (about 184 MB).
let batches: Promise<Map<string, Buffer>> | undefined;
const realBatches = () =>
  (batches ??= Promise.all(CIFAR_BATCHES.map(async (b) => [b, await realFile("cifar10", `${b}.bin.gz`)] as const)).then((e) => new Map(e)));

/** The official archive's member order, with the two text files the fetcher must skip. */
function officialMembers(bins: Map<string, Uint8Array>): TarMember[] {
  const text = (s: string) => Buffer.from(s);
  return [
    { name: `${DIR}/` },
    { name: `${DIR}/data_batch_1.bin`, data: bins.get("data_batch_1")! },
    { name: `${DIR}/batches.meta.txt`, data: text("airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n") },
    ...["data_batch_2", "data_batch_3", "data_batch_4", "data_batch_5", "test_batch"].map((b) => ({ name: `${DIR}/${b}.bin`, data: bins.get(b)! })),
    { name: `${DIR}/readme.html`, data: text('<meta HTTP-EQUIV="REFRESH" content="0; url=http://www.cs.toronto.edu/~kriz/cifar.html">\n') },
  ];
}

/** Serves `archive` as the gzipped tar of the given chunks, streaming (gzip level 1 to keep it quick). */
function archiveHandler(archive: string, chunks: () => Uint8Array[]): Handler {
  return (req, res) => {
    if (req.url !== `/${archive}`) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "content-type": "application/gzip" });
    Readable.from(chunks())
      .pipe(createGzip({ level: 1 }))
      .pipe(res);
  };
}

test.serial("fetchDataset unpacks the archive into six verified .bin files that load", async (t) => {
  const bins = await realBatches();
  const { url, requests } = await serve(
    t,
    archiveHandler("cifar-10-binary.tar.gz", () => tarChunks(officialMembers(bins))),
  );
  const cache = await tempDir(t, "cache");
  const { log, lines } = collectLog();

  const result = await fetchDataset("cifar10", { mirror: url, cacheDir: cache, log, env: {} });
  t.deepEqual([...result.downloaded].sort(), CIFAR_BATCHES.map((b) => `${b}.bin`).sort());
  t.deepEqual(requests, ["/cifar-10-binary.tar.gz"]);
  t.deepEqual(listFiles(cache), CIFAR_BATCHES.map((b) => `cifar10/${b}.bin`).sort());
  for (const f of manifestFor("cifar10").files) {
    const stored = await readFile(join(cache, "cifar10", f.name));
    t.is(createHash("sha256").update(stored).digest("hex"), f.sha256!, f.name);
  }
  t.true(
    lines.some((l) => l.startsWith(`cifar10: cifar-10-binary.tar.gz: downloading ${url}cifar-10-binary.tar.gz`)),
    lines.join("\n"),
  );

  const d = await loadDataset("cifar10", { cacheDir: cache, env: {} });
  t.is(d.train.count, 45000);
  t.is(d.val.count, 5000);
  t.is(d.test.count, 10000);
  t.true(Buffer.from(d.test.images.subarray(0, 3072)).equals(bins.get("test_batch")!.subarray(1, 3073)));

  // Everything verified in the cache: no second download.
  const again = await fetchDataset("cifar10", { mirror: url, cacheDir: cache, log, env: {} });
  t.is(again.downloaded.length, 0);
  t.is(again.present.length, 6);
  t.is(requests.length, 1);
});

test.serial("a damaged member of the real archive is rejected with its hashes and not stored", async (t) => {
  const bins = await realBatches();
  const damaged = new Map(bins);
  const copy = Buffer.from(bins.get("data_batch_2")!);
  copy[12345]! ^= 1;
  damaged.set("data_batch_2", copy);
  const { url } = await serve(
    t,
    archiveHandler("cifar-10-binary.tar.gz", () => tarChunks(officialMembers(damaged))),
  );
  const cache = await tempDir(t, "cache");
  const err = await t.throwsAsync(fetchDataset("cifar10", { mirror: url, cacheDir: cache, log: () => {}, env: {} }), { instanceOf: DataError });
  t.is((err as DataError).code, "CHECKSUM_MISMATCH");
  t.regex(
    err!.message,
    re`^data_batch_2\.bin: sha256 mismatch for the file downloaded from ${url}cifar-10-binary\.tar\.gz \(member ${DIR}/data_batch_2\.bin\)`,
  );
  t.regex(err!.message, /expected a591ca11fa1708a91ee40f54b3da4784ccd871ecf2137de63f51ada8b3fa57ed \(the official CIFAR-10 file\), got [0-9a-f]{64}/);
  t.regex(err!.message, /LOTTERY_CIFAR10_MIRROR/);
  // data_batch_1 came before it in the archive and verified; nothing else is there, no temp files.
  t.deepEqual(listFiles(cache), ["cifar10/data_batch_1.bin"]);
});

// Synthetic archives: three small members with their hashes injected as the expected ones.

function synthetic(): { files: DataFile[]; members: TarMember[] } {
  const files: DataFile[] = [];
  const members: TarMember[] = [{ name: "pack/notes.txt", data: Buffer.from("ignored") }];
  for (const role of ["a", "b", "c"]) {
    const data = randomBytes(1000 + role.charCodeAt(0));
    files.push({ role, name: `${role}.bin`, alternatives: [], sha256: createHash("sha256").update(data).digest("hex") });
    members.push({ name: `pack/${role}.bin`, data });
  }
  return { files, members };
}

async function plan(t: ExecutionContext, files: DataFile[], mirror: string): Promise<FetchPlan> {
  return { dir: join(await tempDir(t, "cache"), "cifar10"), mirror, files, manifest: manifestFor("cifar10"), log: () => {}, force: false };
}

function bytesHandler(body: () => Uint8Array): Handler {
  return (req, res) => {
    if (req.url !== "/x.tar.gz") return void res.writeHead(404).end();
    res.writeHead(200).end(body());
  };
}

test("synthetic archive: the wanted members are stored, others skipped", async (t) => {
  const { files, members } = synthetic();
  const { url } = await serve(
    t,
    bytesHandler(() => gzipSync(Buffer.concat(tarChunks(members)))),
  );
  const p = await plan(t, files, url);
  const result = await fetchArchive(p, "x.tar.gz", "pack");
  t.deepEqual([...result.downloaded], ["a.bin", "b.bin", "c.bin"]);
  t.deepEqual(listFiles(p.dir), ["a.bin", "b.bin", "c.bin"]);
  t.true((await readFile(join(p.dir, "b.bin"))).equals(members[2]!.data!));
});

test("synthetic archive: a member with the wrong hash is not stored and stops the download", async (t) => {
  const { files, members } = synthetic();
  files[1] = { ...files[1]!, sha256: "0".repeat(64) };
  const { url } = await serve(
    t,
    bytesHandler(() => gzipSync(Buffer.concat(tarChunks(members)))),
  );
  const p = await plan(t, files, url);
  const err = await t.throwsAsync(fetchArchive(p, "x.tar.gz", "pack"), { instanceOf: DataError });
  t.is((err as DataError).code, "CHECKSUM_MISMATCH");
  t.regex(err!.message, /^b\.bin: sha256 mismatch .* \(member pack\/b\.bin\): expected 0{64} \(the official CIFAR-10 file\), got [0-9a-f]{64}/);
  t.deepEqual(listFiles(p.dir), ["a.bin"]);
});

test("synthetic archive: a missing member is named", async (t) => {
  const { files, members } = synthetic();
  const { url } = await serve(
    t,
    bytesHandler(() => gzipSync(Buffer.concat(tarChunks(members.slice(0, 3))))),
  );
  const p = await plan(t, files, url);
  const err = await t.throwsAsync(fetchArchive(p, "x.tar.gz", "pack"), { instanceOf: DataError });
  t.is((err as DataError).code, "DOWNLOAD_FAILED");
  t.regex(err!.message, re`^x\.tar\.gz from ${url}x\.tar\.gz has no member pack/c\.bin: it is not the official archive\. Fix: retry`);
  t.deepEqual(listFiles(p.dir), ["a.bin", "b.bin"]);
});

test("synthetic archive: not gzip, a truncated gzip, and a damaged tar header are download failures", async (t) => {
  const { files, members } = synthetic();
  const tar = Buffer.concat(tarChunks(members));
  const gz = gzipSync(tar);
  const damaged = Buffer.from(tar);
  damaged[512 + 512 + 10]! ^= 0x41; // inside the second member's header (after the 7-byte notes.txt and its padding)
  const bodies: Record<string, Uint8Array> = { plain: tar, cut: gz.subarray(0, gz.length - 300), header: gzipSync(damaged) };
  const expected: Record<string, RegExp> = {
    plain: /^x\.tar\.gz from .* is not a valid gzip stream: incorrect header check\. Fix: retry `lottery data fetch cifar10`/,
    cut: /^x\.tar\.gz from .* is not a valid gzip stream: unexpected end of file/,
    header: /^x\.tar\.gz from .*: not a valid tar archive: bad checksum \(stored \d+, computed \d+\) in the header at byte 1024\. Fix: retry/,
  };
  for (const [kind, body] of Object.entries(bodies)) {
    const { url } = await serve(
      t,
      bytesHandler(() => body),
    );
    const p = await plan(t, files, url);
    const err = await t.throwsAsync(fetchArchive(p, "x.tar.gz", "pack"), { instanceOf: DataError }, kind);
    t.is((err as DataError).code, "DOWNLOAD_FAILED", kind);
    t.regex(err!.message, expected[kind]!, kind);
    t.deepEqual(listFiles(p.dir), kind === "cut" ? ["a.bin", "b.bin"] : [], kind);
  }
});

test("synthetic archive: a connection dropped mid-archive names the URL and stores no partial member", async (t) => {
  const { files, members } = synthetic();
  const gz = gzipSync(Buffer.concat(tarChunks(members)), { level: 0 }); // stored: byte offsets follow the tar
  const { url } = await serve(t, (_req, res) => {
    res.writeHead(200, { "content-length": gz.length });
    res.write(gz.subarray(0, 3000), () => res.destroy()); // past the first two members, into the third
  });
  const p = await plan(t, files, url);
  const err = await t.throwsAsync(fetchArchive(p, "x.tar.gz", "pack"), { instanceOf: DataError });
  t.is((err as DataError).code, "DOWNLOAD_FAILED");
  t.regex(err!.message, re`^GET ${url}x\.tar\.gz failed`);
  // a.bin was complete before the drop and may have been stored (if its bytes got through gunzip
  // before the error tore the pipeline down); b.bin was cut off and must not be, nor a temp file.
  const left = listFiles(p.dir);
  t.true(left.length === 0 || (left.length === 1 && left[0] === "a.bin"), left.join(", "));
});

test("synthetic archive: a 404 names the archive URL", async (t) => {
  const { files } = synthetic();
  const { url } = await serve(
    t,
    bytesHandler(() => new Uint8Array()),
  );
  const p = await plan(t, files, url);
  await t.throwsAsync(fetchArchive(p, "missing.tar.gz", "pack"), { message: `GET ${url}missing.tar.gz failed: HTTP 404 Not Found` });
});

test("synthetic archive: members under a 150+ byte directory (ustar prefix field) are found", async (t) => {
  const { files, members } = synthetic();
  const long = `${"deep/".repeat(30)}pack`;
  const renamed = members.map((m) => ({ ...m, name: m.name.replace(/^pack/, long) }));
  const { url } = await serve(
    t,
    bytesHandler(() => gzipSync(Buffer.concat(tarChunks(renamed)))),
  );
  const p = await plan(t, files, url);
  const result = await fetchArchive(p, "x.tar.gz", long);
  t.is(result.downloaded.length, 3);
});
