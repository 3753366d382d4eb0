// The streaming tar reader on synthetic archives: any chunking of the input, long names (ustar
// prefix, GNU 'L', pax 'x'), members skipped without being read, and damaged archives.
import test from "ava";
import { randomBytes } from "node:crypto";
import { readTar, TarFormatError, type TarEntry } from "../../src/data/tar.js";
import { paxRecords, tarChunks, tarHeader, type TarMember } from "./helpers.js";

/** The bytes re-cut into chunks of `size` (1 = byte by byte), as an async stream. */
async function* rechunk(bytes: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

async function readAll(bytes: Uint8Array, chunk = 4096): Promise<Array<{ name: string; type: TarEntry["type"]; data: Buffer }>> {
  const out = [];
  for await (const e of readTar(rechunk(bytes, chunk), "test.tar")) out.push({ name: e.name, type: e.type, data: Buffer.from(await e.read()) });
  return out;
}

const members: TarMember[] = [
  { name: "dir/" },
  { name: "dir/empty.txt", data: new Uint8Array(0) },
  { name: "dir/exact.bin", data: randomBytes(1024) },
  { name: "dir/odd.bin", data: randomBytes(777) },
  { name: "./dir/dotted.bin", data: Buffer.from("dot") },
];

test("members come out whole whatever the input chunking", async (t) => {
  const archive = Buffer.concat(tarChunks(members));
  for (const chunk of [1, 7, 512, 513, 100000]) {
    const got = await readAll(archive, chunk);
    t.deepEqual(
      got.map((e) => e.name),
      ["dir/", "dir/empty.txt", "dir/exact.bin", "dir/odd.bin", "dir/dotted.bin"],
      `chunk ${chunk}`,
    );
    t.is(got[0]!.type, "directory");
    t.is(got[3]!.type, "file");
    for (let i = 1; i < members.length; i++) t.true(got[i]!.data.equals(members[i]!.data!), `${members[i]!.name} chunk ${chunk}`);
  }
});

test("members not read are skipped", async (t) => {
  const archive = Buffer.concat(tarChunks(members));
  const names: string[] = [];
  let odd: Uint8Array | undefined;
  for await (const e of readTar(rechunk(archive, 100), "test.tar")) {
    names.push(e.name);
    if (e.name === "dir/odd.bin") odd = await e.read();
  }
  t.is(names.length, 5);
  t.true(Buffer.from(odd!).equals(members[3]!.data!));
});

test("long names: ustar prefix, GNU long-name records and pax path records", async (t) => {
  const long = `${"a-long-directory-name/".repeat(8)}file.bin`; // 184 bytes
  const data = Buffer.from("payload");
  const archive = Buffer.concat(
    tarChunks([
      { name: long, data },
      { name: "././@LongLink", type: "L", data: Buffer.from(`gnu/${long}\0`) },
      { name: "gnu/truncated", data },
      { name: "PaxHeaders/x", type: "x", data: paxRecords({ mtime: "1.5", path: `pax/${long}` }) },
      { name: "pax/truncated", data },
      { name: "after", data },
    ]),
  );
  const got = await readAll(archive);
  t.deepEqual(
    got.map((e) => e.name),
    [long, `gnu/${long}`, `pax/${long}`, "after"],
  );
  for (const e of got) t.true(e.data.equals(data));
});

test("an archive without end blocks ends at the last member", async (t) => {
  const archive = Buffer.concat(tarChunks(members.slice(1, 3), { endBlocks: false }));
  t.deepEqual(
    (await readAll(archive)).map((e) => e.name),
    ["dir/empty.txt", "dir/exact.bin"],
  );
});

test("a damaged header fails its checksum, naming the archive and offset", async (t) => {
  const archive = Buffer.concat(tarChunks(members));
  archive[512 * 2 + 3]! ^= 0x20; // the third header (after dir/ and empty.txt, which have no data)
  const err = await t.throwsAsync(readAll(archive), { instanceOf: TarFormatError });
  t.regex(err!.message, /^test\.tar: not a valid tar archive: bad checksum \(stored \d+, computed \d+\) in the header at byte 1024$/);
});

test("truncated members and headers are reported", async (t) => {
  const archive = Buffer.concat(tarChunks(members));
  await t.throwsAsync(readAll(archive.subarray(0, 512 * 3 + 100)), { message: /member dir\/exact\.bin is truncated \(100 of 1024 bytes\)/ });
  await t.throwsAsync(readAll(archive.subarray(0, 512 * 2 + 200)), { message: /truncated header at byte 1024/ });
  // A member that is truncated but never read is still noticed when it is skipped.
  await t.throwsAsync(
    (async () => {
      for await (const _ of readTar(rechunk(archive.subarray(0, 512 * 3 + 100), 64), "test.tar"));
    })(),
    { message: /member dir\/exact\.bin is truncated/ },
  );
});

test("a member can be read only once", async (t) => {
  const archive = Buffer.concat(tarChunks(members.slice(3, 4)));
  for await (const e of readTar(rechunk(archive, 512), "test.tar")) {
    await e.read();
    await t.throwsAsync(e.read(), { message: /member dir\/odd\.bin was already read/ });
  }
});

test("stopping early closes the input", async (t) => {
  let closed = false;
  async function* source() {
    try {
      yield tarHeader("one", 3);
      yield Buffer.from("abc".padEnd(512, "\0"));
      yield tarHeader("two", 3);
      yield Buffer.alloc(512);
      t.fail("read past the first member");
    } finally {
      closed = true;
    }
  }
  for await (const e of readTar(source(), "test.tar")) {
    t.is(e.name, "one");
    break;
  }
  t.true(closed);
});
