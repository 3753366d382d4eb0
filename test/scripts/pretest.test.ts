// npm test's pretest step: the data lookup the CLI uses (LOTTERY_DATA_DIR, the cache, a verified
// download) and what it says when all fail; Chromium found on the PATH or through
// LOTTERY_CHROMIUM, and the one line saying what to install when it cannot be installed here.
import test from "ava";
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CHROMIUM_HINT, ensureChromium, findChromium } from "../../scripts/chromium.js";
import { ensureRedisServer, findRedisServer, REDIS_HINT } from "../../scripts/redis.js";
import { ensureTestData } from "../../scripts/test-data.js";
import { dataDir } from "../helpers/data.js";

const tmp = mkdtempSync(join(tmpdir(), "lottery-pretest-"));
test.after.always(() => rmSync(tmp, { recursive: true, force: true }));
// An unreachable mirror fails at once (port 9 is refused), so no test waits on the network.
const OFFLINE = { LOTTERY_MNIST_MIRROR: "http://127.0.0.1:9/", LOTTERY_CIFAR10_MIRROR: "http://127.0.0.1:9/" };

test("data: LOTTERY_DATA_DIR first, then a cache that holds the files, with no download", async (t) => {
  const real = dataDir("mnist");
  t.is(await ensureTestData("mnist", { env: { LOTTERY_DATA_DIR: real, ...OFFLINE } }), real);
  const cache = join(tmp, "cache");
  mkdirSync(join(cache, "mnist"), { recursive: true });
  for (const f of readdirSync(join(real, "mnist"))) symlinkSync(join(real, "mnist", f), join(cache, "mnist", f));
  t.is(await ensureTestData("mnist", { env: { LOTTERY_CACHE_DIR: cache, ...OFFLINE } }), cache);
});

test("data: when the cache lacks it and the download fails, the message names LOTTERY_DATA_DIR", async (t) => {
  await t.throwsAsync(ensureTestData("cifar10", { env: { LOTTERY_CACHE_DIR: join(tmp, "empty"), ...OFFLINE }, log: () => {} }), {
    message:
      /^the tests need CIFAR-10: LOTTERY_DATA_DIR is not set, the cache .*empty\/cifar10 lacks it, and downloading it failed \(.*127\.0\.0\.1:9.*\)\. Set LOTTERY_DATA_DIR to a directory holding mnist\/ and cifar10\//,
  });
  const empty = join(tmp, "no-data");
  mkdirSync(empty);
  await t.throwsAsync(ensureTestData("mnist", { env: { LOTTERY_DATA_DIR: empty, ...OFFLINE } }), {
    message: /^MNIST data not found: .*no-data\/mnist \(the mnist\/ subdirectory of LOTTERY_DATA_DIR=.*no-data\) does not exist/,
  });
});

test("chromium: LOTTERY_CHROMIUM, else chromium on the PATH; otherwise one line saying what to install", (t) => {
  const bin = join(tmp, "bin");
  mkdirSync(bin, { recursive: true });
  writeFileSync(join(bin, "chromium"), "#!/bin/sh\n");
  chmodSync(join(bin, "chromium"), 0o755);
  t.is(findChromium({ PATH: `/nonexistent:${bin}` }), join(bin, "chromium"));
  t.is(findChromium({ PATH: bin, LOTTERY_CHROMIUM: "/nonexistent/chrome" }), null);
  const nowhere = join(tmp, "nowhere");
  mkdirSync(nowhere, { recursive: true });
  for (const root of [false, true]) {
    // Not root, or root without apt-get on the PATH: nothing is installed, one line is said.
    const lines: string[] = [];
    t.is(ensureChromium({ env: { PATH: nowhere }, root, log: (l) => lines.push(l) }), null);
    t.deepEqual(lines, [CHROMIUM_HINT]);
  }
  t.regex(CHROMIUM_HINT, /apt-get install -y chromium/);
});

test("redis-server: LOTTERY_REDIS_SERVER, else redis-server on the PATH; otherwise one line saying what to install", (t) => {
  const bin = join(tmp, "redis-bin");
  mkdirSync(bin, { recursive: true });
  writeFileSync(join(bin, "redis-server"), "#!/bin/sh\n");
  chmodSync(join(bin, "redis-server"), 0o755);
  t.is(findRedisServer({ PATH: `/nonexistent:${bin}` }), join(bin, "redis-server"));
  t.is(findRedisServer({ PATH: bin, LOTTERY_REDIS_SERVER: "/nonexistent/redis-server" }), null);
  const nowhere = join(tmp, "nowhere");
  mkdirSync(nowhere, { recursive: true });
  for (const root of [false, true]) {
    const lines: string[] = [];
    t.is(ensureRedisServer({ env: { PATH: nowhere }, root, log: (l) => lines.push(l) }), null);
    t.deepEqual(lines, [REDIS_HINT]);
  }
  t.regex(REDIS_HINT, /apt-get install -y redis-server/);
});
