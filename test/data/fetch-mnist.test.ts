// Downloading MNIST from a local HTTP mirror serving the real .gz files: verified files land in the
// cache and load; a corrupted file or a 404 stores nothing; fetchIfMissing with an unreachable
// mirror says which command or variable fixes it.
import test from "ava";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { DataError, fetchDataset, loadDataset } from "../../src/data/index.js";
import { downloadBuffer, openDownload } from "../../src/data/download.js";
import { closedPortUrl, collectLog, filesHandler, listFiles, MNIST_GZ, realDataDir, serve, tempDir, re } from "./helpers.js";

async function realMnistFiles(): Promise<Map<string, Uint8Array>> {
  const files = new Map<string, Uint8Array>();
  for (const name of MNIST_GZ) files.set(name, await readFile(join(realDataDir(), "mnist", name)));
  return files;
}

test("fetchDataset stores the four verified files in the cache, and they load", async (t) => {
  const files = await realMnistFiles();
  const { url, requests } = await serve(t, filesHandler(files));
  const cache = await tempDir(t, "cache");
  const { log, lines } = collectLog();

  const result = await fetchDataset("mnist", { mirror: url, cacheDir: cache, log, env: {} });
  t.is(result.dir, join(cache, "mnist"));
  t.deepEqual([...result.downloaded], [...MNIST_GZ]);
  t.deepEqual([...result.present], []);
  t.deepEqual(listFiles(cache), MNIST_GZ.map((f) => `mnist/${f}`).sort());
  for (const name of MNIST_GZ) t.true((await readFile(join(cache, "mnist", name))).equals(files.get(name)!), name);
  t.deepEqual(requests.sort(), MNIST_GZ.map((f) => `/${f}`).sort());
  // Progress: a start line with the size and a done line per file, not a line per chunk.
  t.true(
    lines.some((l) => l === `mnist: train-images-idx3-ubyte.gz: downloading ${url}train-images-idx3-ubyte.gz (9.5 MiB)`),
    lines.join("\n"),
  );
  t.true(lines.includes("mnist: train-images-idx3-ubyte.gz: downloaded 9.5 MiB"), lines.join("\n"));
  t.true(lines.length <= 4 * 4, lines.join("\n"));

  const d = await loadDataset("mnist", { cacheDir: cache, env: {} });
  t.is(d.train.count, 55000);
  t.is(d.test.count, 10000);

  // A second fetch verifies what is there and downloads nothing; force downloads again.
  const again = await fetchDataset("mnist", { mirror: url, cacheDir: cache, log, env: {} });
  t.deepEqual([...again.downloaded], []);
  t.deepEqual([...again.present], [...MNIST_GZ]);
  t.is(requests.length, 4);
  const forced = await fetchDataset("mnist", { mirror: url, cacheDir: cache, log, env: {}, force: true });
  t.is(forced.downloaded.length, 4);
  t.is(requests.length, 8);
});

test("the mirror comes from the option, else LOTTERY_MNIST_MIRROR, with or without a trailing slash", async (t) => {
  const { url, requests } = await serve(t, filesHandler(await realMnistFiles()));
  const cache = await tempDir(t, "cache");
  await fetchDataset("mnist", { cacheDir: cache, log: () => {}, env: { LOTTERY_MNIST_MIRROR: url.replace(/\/$/, "") } });
  t.is(requests.length, 4);
  t.deepEqual(listFiles(cache).length, 4);
});

test("a corrupted download is rejected naming the file and both hashes, and is not stored", async (t) => {
  const files = await realMnistFiles();
  const bad = Buffer.from(files.get("t10k-labels-idx1-ubyte.gz")!);
  bad[100]! ^= 0xff;
  files.set("t10k-labels-idx1-ubyte.gz", bad);
  const { url } = await serve(t, filesHandler(files));
  const cache = await tempDir(t, "cache");

  const err = await t.throwsAsync(fetchDataset("mnist", { mirror: url, cacheDir: cache, log: () => {}, env: {} }), { instanceOf: DataError });
  t.is((err as DataError).code, "CHECKSUM_MISMATCH");
  t.is((err as DataError).path, join(cache, "mnist", "t10k-labels-idx1-ubyte.gz"));
  t.regex(err!.message, /^t10k-labels-idx1-ubyte\.gz: sha256 mismatch for the file downloaded from http:\/\/127\.0\.0\.1:\d+\/t10k-labels-idx1-ubyte\.gz/);
  t.regex(err!.message, /expected f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6 \(the official MNIST file\), got [0-9a-f]{64}\./);
  t.regex(err!.message, /was not stored.*--mirror URL.*LOTTERY_MNIST_MIRROR/s);
  // The three good files (fetched before it) are stored; the bad one is not, and no temp file remains.
  t.deepEqual(listFiles(cache), ["mnist/t10k-images-idx3-ubyte.gz", "mnist/train-images-idx3-ubyte.gz", "mnist/train-labels-idx1-ubyte.gz"]);
});

test("an HTTP 404 names the URL and the status, and stores nothing for that file", async (t) => {
  const files = await realMnistFiles();
  files.delete("train-labels-idx1-ubyte.gz");
  const { url } = await serve(t, filesHandler(files));
  const cache = await tempDir(t, "cache");
  const err = await t.throwsAsync(fetchDataset("mnist", { mirror: url, cacheDir: cache, log: () => {}, env: {} }), { instanceOf: DataError });
  t.is((err as DataError).code, "DOWNLOAD_FAILED");
  t.is(err!.message, `GET ${url}train-labels-idx1-ubyte.gz failed: HTTP 404 Not Found`);
  t.deepEqual(listFiles(cache), ["mnist/train-images-idx3-ubyte.gz"]);
});

test("a connection dropped mid-file is a failed download, not a stored partial file", async (t) => {
  const files = await realMnistFiles();
  const { url } = await serve(t, (req, res) => {
    const data = files.get((req.url ?? "").slice(1))!;
    res.writeHead(200, { "content-length": data.length });
    res.write(data.subarray(0, 1000), () => res.destroy());
  });
  const cache = await tempDir(t, "cache");
  const err = await t.throwsAsync(fetchDataset("mnist", { mirror: url, cacheDir: cache, log: () => {}, env: {} }), { instanceOf: DataError });
  t.is((err as DataError).code, "DOWNLOAD_FAILED");
  t.regex(err!.message, re`^GET ${url}train-images-idx3-ubyte\.gz failed`);
  t.deepEqual(listFiles(cache), []);
});

test("fetchIfMissing downloads into the cache when no data dir is given, and says so", async (t) => {
  const { url } = await serve(t, filesHandler(await realMnistFiles()));
  const cache = await tempDir(t, "cache");
  const { log, lines } = collectLog();
  const d = await loadDataset("mnist", { cacheDir: cache, mirror: url, fetchIfMissing: true, log, env: {} });
  t.is(d.val.count, 5000);
  t.is(lines[0], `MNIST not found in ${join(cache, "mnist")}: downloading it from ${url} into ${join(cache, "mnist")}`);
  t.is(listFiles(cache).length, 4);
});

test("concurrent loads that miss the cache share one download", async (t) => {
  const { url, requests } = await serve(t, filesHandler(await realMnistFiles()));
  const cache = await tempDir(t, "cache");
  const options = { cacheDir: cache, mirror: url, fetchIfMissing: true, log: () => {}, env: {} };
  const [a, b] = await Promise.all([loadDataset("mnist", options), loadDataset("mnist", { ...options, valSize: 1000 })]);
  t.is(a.val.count, 5000);
  t.is(b.val.count, 1000);
  t.is(requests.length, 4);
});

test("progress lines give bytes so far, of the total and percent", async (t) => {
  const { url } = await serve(t, (_req, res) => {
    res.writeHead(200, { "content-length": 3 * 65536 });
    let sent = 0;
    const next = () => (sent++ < 3 ? res.write(Buffer.alloc(65536), () => setTimeout(next, 20)) : res.end());
    next();
  });
  const { log, lines } = collectLog();
  const data = await downloadBuffer(`${url}f`, { log, label: "test: f", progressIntervalMs: 0 });
  t.is(data.length, 3 * 65536);
  t.is(lines[0], `test: f: downloading ${url}f (192.0 KiB)`);
  // How the bytes are split into reads is up to the network stack; the line format is not.
  t.true(
    lines.some((l) => /^test: f: [\d.]+ KiB of 192\.0 KiB \(\d+%\)$/.test(l)),
    lines.join("\n"),
  );
  t.is(lines.at(-1), "test: f: downloaded 192.0 KiB");
});

test("fetchIfMissing with an unreachable mirror says the data was not found, why the download failed, and the fixes", async (t) => {
  const mirror = await closedPortUrl();
  const cache = await tempDir(t, "cache");
  const { log, lines } = collectLog();
  const err = await t.throwsAsync(loadDataset("mnist", { cacheDir: cache, mirror, fetchIfMissing: true, log, env: {} }), { instanceOf: DataError });
  t.true(lines[0]?.includes("downloading it from"), lines.join("\n"));
  t.is((err as DataError).code, "DATA_NOT_FOUND");
  t.regex(err!.message, /^MNIST data not found: no --data-dir or LOTTERY_DATA_DIR was given/);
  t.regex(err!.message, re`downloading them from ${mirror} failed: GET ${mirror}train-images-idx3-ubyte\.gz failed: fetch failed: connect ECONNREFUSED`);
  t.regex(
    err!.message,
    /Fix: run `lottery data fetch mnist` \(add `--mirror URL` or set LOTTERY_MNIST_MIRROR if .* is unreachable\), or pass --data-dir DIR or set LOTTERY_DATA_DIR/,
  );
  t.deepEqual(listFiles(cache), []);
});

test("a cache directory that cannot be written is named with the fix", async (t) => {
  const { url } = await serve(t, filesHandler(await realMnistFiles()));
  const notADir = join(await tempDir(t, "cache"), "file");
  await writeFile(notADir, "");
  const err = await t.throwsAsync(fetchDataset("mnist", { mirror: url, cacheDir: notADir, log: () => {}, env: {} }), { instanceOf: DataError });
  t.regex(
    err!.message,
    re`^${notADir}/mnist/train-images-idx3-ubyte\.gz: cannot store the downloaded file \(.*\)\. Fix: make ${notADir}/mnist writable, or choose another cache directory with LOTTERY_CACHE_DIR\.$`,
  );
});

test("an invalid mirror URL is named with the setting it came from", async (t) => {
  const cache = await tempDir(t, "cache");
  const err = await t.throwsAsync(fetchDataset("mnist", { mirror: "not a url", cacheDir: cache, log: () => {}, env: {} }), { instanceOf: DataError });
  t.regex(err!.message, /invalid MNIST mirror URL "not a url": expected an http\(s\) base URL .*--mirror or LOTTERY_MNIST_MIRROR/);
});

// A mirror that stalls must fail within the timeouts (here a fraction of a second; 30 s and 60 s by
// default), naming the URL and the mirror setting, instead of waiting for undici's 5-minute limits.
const FAST = { connectTimeoutMs: 300, idleTimeoutMs: 300 };

test("a mirror that accepts the connection and never answers fails at the connect timeout, naming the URL and the mirror setting", async (t) => {
  t.timeout(20_000);
  const { url } = await serve(t, () => {}); // accepts, reads the request, never responds
  const cache = await tempDir(t, "cache");
  const started = Date.now();
  const err = await t.throwsAsync(fetchDataset("mnist", { mirror: url, cacheDir: cache, log: () => {}, env: {}, ...FAST }), { instanceOf: DataError });
  t.true(Date.now() - started < 5000, `took ${Date.now() - started} ms`);
  t.is((err as DataError).code, "DOWNLOAD_FAILED");
  t.regex(
    err!.message,
    re`^GET ${url}train-images-idx3-ubyte\.gz failed: no response within 0\.3 s \(connect timeout\)\. Fix: retry \`lottery data fetch mnist\`, or use another mirror with \`--mirror URL\` or LOTTERY_MNIST_MIRROR \(default https?://`,
  );
  t.deepEqual(listFiles(cache), []);
});

test("a transfer that stalls part way fails at the idle timeout, saying how far it got", async (t) => {
  t.timeout(20_000);
  const { url } = await serve(t, (_req, res) => {
    res.writeHead(200, { "content-length": 10_000_000 });
    res.write(Buffer.alloc(1000)); // then nothing more, connection left open
  });
  const cache = await tempDir(t, "cache");
  const started = Date.now();
  const err = await t.throwsAsync(fetchDataset("mnist", { mirror: url, cacheDir: cache, log: () => {}, env: {}, ...FAST }), { instanceOf: DataError });
  t.true(Date.now() - started < 5000, `took ${Date.now() - started} ms`);
  t.regex(err!.message, re`^GET ${url}train-images-idx3-ubyte\.gz failed: no data for 0\.3 s after 1000 B of 9\.5 MiB \(idle timeout\)\. Fix: retry`);
  t.regex(err!.message, /LOTTERY_MNIST_MIRROR/);
  t.deepEqual(listFiles(cache), []);
});

test("a slow consumer is not a stalled transfer: the idle timeout counts only waits for the network", async (t) => {
  const { url } = await serve(t, (_req, res) => {
    res.writeHead(200, { "content-length": 4 * 65536 });
    res.end(Buffer.alloc(4 * 65536));
  });
  // A small read-ahead makes the download wait for the consumer; that wait is not idleness.
  const download = await openDownload(`${url}f`, { log: () => {}, label: "test: f", idleTimeoutMs: 200, maxBufferedBytes: 65536 });
  let bytes = 0;
  for await (const chunk of download.chunks) {
    bytes += chunk.length;
    await new Promise((r) => setTimeout(r, 300)); // slower than the idle timeout, per chunk
  }
  t.is(bytes, 4 * 65536);
});
