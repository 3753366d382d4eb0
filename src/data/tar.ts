// A small streaming tar reader (POSIX ustar, with the GNU and pax long-name extensions), enough to
// unpack the CIFAR-10 archive as it downloads: only one member is held in memory at a time, never
// the whole 180 MB archive. Each header's checksum is verified, so a damaged archive is reported as
// such rather than producing garbage members.

const BLOCK = 512;

export interface TarEntry {
  /** Member path as stored (a leading "./" removed). */
  readonly name: string;
  readonly size: number;
  readonly type: "file" | "directory" | "other";
  /** The member's contents; if not called before the next entry is requested, the data is skipped. */
  read(): Promise<Uint8Array>;
}

/** Thrown for anything that is not a well-formed tar stream; `archive` names it in the message. */
export class TarFormatError extends Error {
  override readonly name = "TarFormatError";
}

/**
 * The members of the tar stream `source` in order. `archive` names the archive in error messages.
 * Stops at the end-of-archive block (or a clean end of input at a member boundary).
 */
export async function* readTar(source: AsyncIterable<Uint8Array>, archive: string): AsyncGenerator<TarEntry> {
  const input = new ByteQueue(source[Symbol.asyncIterator]());
  const fail = (problem: string) => new TarFormatError(`${archive}: not a valid tar archive: ${problem}`);
  // Names from GNU 'L' records and pax 'x' headers apply to the next member only.
  let nextName: string | undefined;
  let nextSize: number | undefined;
  try {
    for (let offset = 0; ; ) {
      const header = await input.read(BLOCK);
      if (header.length === 0) return; // ended at a member boundary without end blocks: accept
      if (header.length < BLOCK) throw fail(`truncated header at byte ${offset}`);
      if (header.every((b) => b === 0)) return; // end-of-archive marker
      const h = parseHeader(header, (p) => fail(`${p} in the header at byte ${offset}`));
      const size = nextSize ?? h.size;
      const padded = Math.ceil(size / BLOCK) * BLOCK;
      offset += BLOCK;

      if (h.typeflag === "L" || h.typeflag === "x" || h.typeflag === "g") {
        const data = await input.read(size);
        if (data.length < size) throw fail(`truncated extended header at byte ${offset}`);
        await input.skip(padded - size);
        offset += padded;
        if (h.typeflag === "L") nextName = cString(data, 0, data.length);
        else if (h.typeflag === "x") {
          const pax = parsePax(data, fail);
          nextName = pax.path ?? nextName;
          nextSize = pax.size ?? nextSize;
        }
        continue; // 'g' (global pax) carries nothing this reader needs
      }

      const name = (nextName ?? h.name).replace(/^\.\//, "");
      nextName = nextSize = undefined;
      let consumed = false;
      const entry: TarEntry = {
        name,
        size,
        type: h.typeflag === "0" || h.typeflag === "\0" || h.typeflag === "7" ? "file" : h.typeflag === "5" ? "directory" : "other",
        read: async () => {
          if (consumed) throw new Error(`${archive}: member ${name} was already read`);
          consumed = true;
          const data = await input.read(size);
          if (data.length < size) throw fail(`member ${name} is truncated (${data.length} of ${size} bytes)`);
          return data;
        },
      };
      yield entry;
      if (!consumed) {
        consumed = true;
        if ((await input.skip(size)) < size) throw fail(`member ${name} is truncated`);
      }
      await input.skip(padded - size);
      offset += padded;
    }
  } finally {
    // Stop the upstream (e.g. cancel the download) when the consumer stops early or fails.
    await input.close();
  }
}

interface Header {
  name: string;
  size: number;
  typeflag: string;
}

function parseHeader(b: Uint8Array, fail: (problem: string) => Error): Header {
  const stored = parseOctal(b, 148, 8);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : b[i]!;
  if (stored === undefined || stored !== sum) throw fail(`bad checksum (stored ${stored ?? "unreadable"}, computed ${sum})`);
  const size = parseSize(b);
  if (size === undefined) throw fail("unreadable size field");
  const typeflag = String.fromCharCode(b[156]!);
  let name = cString(b, 0, 100);
  // POSIX ustar ("ustar\0") splits long names into prefix/name; GNU ("ustar  ") uses those bytes otherwise.
  const magic = cString(b, 257, 6);
  const prefix = magic === "ustar" && b[262] === 0 ? cString(b, 345, 155) : "";
  if (prefix) name = `${prefix}/${name}`;
  return { name, size, typeflag };
}

/** Size field: octal ASCII, or GNU base-256 (high bit of the first byte set) for members >= 8 GiB. */
function parseSize(b: Uint8Array): number | undefined {
  if (b[124]! & 0x80) {
    let n = b[124]! & 0x7f;
    for (let i = 125; i < 136; i++) n = n * 256 + b[i]!;
    return Number.isSafeInteger(n) ? n : undefined;
  }
  return parseOctal(b, 124, 12);
}

function parseOctal(b: Uint8Array, start: number, length: number): number | undefined {
  const text = cString(b, start, length).trim();
  if (!/^[0-7]*$/.test(text)) return undefined;
  return text === "" ? 0 : parseInt(text, 8);
}

function cString(b: Uint8Array, start: number, length: number): string {
  let end = start;
  while (end < start + length && b[end] !== 0) end++;
  return Buffer.from(b.buffer, b.byteOffset + start, end - start).toString("utf8");
}

/** Pax extended header records, "<length> <key>=<value>\n"; only path and size matter here. */
function parsePax(data: Uint8Array, fail: (problem: string) => Error): { path?: string; size?: number } {
  const out: { path?: string; size?: number } = {};
  const text = Buffer.from(data.buffer, data.byteOffset, data.length);
  for (let pos = 0; pos < text.length; ) {
    const space = text.indexOf(0x20, pos);
    const length = space < 0 ? NaN : parseInt(text.toString("ascii", pos, space), 10);
    if (!(length > 0) || pos + length > text.length) throw fail("malformed pax extended header");
    const record = text.toString("utf8", space + 1, pos + length - 1); // without the trailing newline
    const eq = record.indexOf("=");
    const key = record.slice(0, eq),
      value = record.slice(eq + 1);
    if (key === "path") out.path = value;
    else if (key === "size" && /^\d+$/.test(value)) out.size = Number(value);
    pos += length;
  }
  return out;
}

/**
 * Exact-length reads over an async iterator of chunks of any size. Chunks are consumed through an
 * index rather than Array#shift: a 30 MB member can arrive in tens of thousands of small chunks
 * (network reads feed gunzip in pieces), and shifting each one off would be quadratic.
 */
class ByteQueue {
  private chunks: Uint8Array[] = [];
  private first = 0; // index of the first unconsumed chunk
  private head = 0; // bytes of chunks[first] already consumed
  private buffered = 0;
  private ended = false;

  constructor(private readonly it: AsyncIterator<Uint8Array>) {}

  /** Up to n bytes (fewer only at the end of the input), copied into one array. */
  async read(n: number): Promise<Uint8Array> {
    await this.fill(n);
    const out = new Uint8Array(Math.min(n, this.buffered));
    let filled = 0;
    while (filled < out.length) {
      const chunk = this.chunks[this.first]!;
      const take = Math.min(out.length - filled, chunk.length - this.head);
      out.set(chunk.subarray(this.head, this.head + take), filled);
      filled += take;
      this.advance(take);
    }
    return out;
  }

  /** Discards up to n bytes without copying; returns how many were discarded. */
  async skip(n: number): Promise<number> {
    let skipped = 0;
    while (skipped < n) {
      if (this.buffered === 0 && !(await this.pull())) break;
      const take = Math.min(n - skipped, this.chunks[this.first]!.length - this.head);
      this.advance(take);
      skipped += take;
    }
    return skipped;
  }

  async close(): Promise<void> {
    this.chunks = [];
    this.first = this.head = this.buffered = 0;
    if (!this.ended) {
      this.ended = true;
      await this.it.return?.();
    }
  }

  private async fill(n: number): Promise<void> {
    while (this.buffered < n && (await this.pull()));
  }

  private async pull(): Promise<boolean> {
    while (!this.ended) {
      const r = await this.it.next();
      if (r.done) {
        this.ended = true;
        break;
      }
      if (r.value.length > 0) {
        this.chunks.push(r.value);
        this.buffered += r.value.length;
        return true;
      }
    }
    return false;
  }

  private advance(n: number): void {
    this.head += n;
    this.buffered -= n;
    if (this.head < this.chunks[this.first]!.length) return;
    this.head = 0;
    this.first++;
    // Drop consumed chunks once they are half the array (amortized O(1)), so they can be collected.
    if (this.first >= 64 && this.first * 2 >= this.chunks.length) {
      this.chunks = this.chunks.slice(this.first);
      this.first = 0;
    }
  }
}
