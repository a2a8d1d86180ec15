/**
 * The headers of a tar stream checked before the tar reader sees them: decoded bytes pass through
 * `push()` to `out` up to the first header whose checksum is wrong (or whose numbers are no numbers), and
 * stop there. What a damaged compressed member decodes to before its decoder notices (LZMA, deflate and
 * zstd without a content checksum can run on for a while) then ends at a header boundary: the tar reader
 * hands over every file whole before it, where a reader that met the bad header itself would error its
 * stream and drop the files it had queued (modern-tar), or, leniently, skip to the next block that parses
 * and take garbage as files. The structure followed is modern-tar's (ustar/GNU/pax as dpkg-deb writes
 * them): a 512-byte header, then its data padded to 512 bytes; the data size is the header's, a pax
 * `size` record's (per entry, or global), or 0 for links, devices, directories and FIFOs (and a "file"
 * named with a trailing slash); two zero blocks end the archive, after which everything passes.
 */

const BLOCK = 512;
/** Largest pax / GNU long-name body followed (modern-tar's own limit). */
const MAX_META = 8 << 20;
const BODYLESS = new Set([0x31, 0x32, 0x33, 0x34, 0x35, 0x36]); // link, symlink, char, block, directory, fifo
const PAX = 0x78; // 'x'
const PAX_GLOBAL = 0x67; // 'g'
const LONG_NAME = 0x4c; // 'L'
const LONG_LINK = 0x4b; // 'K'

/** An octal (or base-256) number field; undefined when it is neither. */
function numeric(b: Uint8Array, at: number, len: number): number | undefined {
  if (b[at] & 0x80) {
    let v = b[at] & 0x7f;
    for (let i = 1; i < len; i++) v = v * 256 + b[at + i];
    return Number.isSafeInteger(v) ? v : undefined;
  }
  let v = 0;
  for (let i = at; i < at + len; i++) {
    const c = b[i];
    if (c === 0) break;
    if (c === 0x20) continue;
    if (c < 0x30 || c > 0x37) return undefined;
    v = v * 8 + (c - 0x30);
  }
  return v;
}

function checksumOk(h: Uint8Array): boolean {
  const stored = numeric(h, 148, 8);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : h[i];
  return stored === sum;
}

const isZero = (h: Uint8Array) => h.every((x) => x === 0);

/** A pax body's `size` and `path` records (modern-tar's reading: `<len> <key>=<value>\n`). */
function paxRecords(body: Buffer): { size?: number; path?: string } {
  const out: { size?: number; path?: string } = {};
  let at = 0;
  while (at < body.length) {
    const sp = body.indexOf(0x20, at);
    if (sp < 0) break;
    const len = Number.parseInt(body.toString('utf8', at, sp), 10);
    if (!(len > 0)) break;
    const rec = body.toString('utf8', sp + 1, at + len - 1);
    const eq = rec.indexOf('=');
    if (eq > 0) {
      const key = rec.slice(0, eq);
      const value = rec.slice(eq + 1);
      if (key === 'size' && /^\d+$/.test(value) && Number.isSafeInteger(+value)) out.size = +value;
      if (key === 'path') out.path = value;
    }
    at += len;
  }
  return out;
}

export class TarGuard {
  /** Tar offset of the next byte pushed. */
  private pos = 0;
  /** Tar offset where the current data (of a header) ends, padding included: the next header. */
  private next = 0;
  private readonly head = Buffer.alloc(BLOCK);
  private headFill = 0;
  private zeros = 0;
  private ended = false;
  /** A meta entry's body being collected (pax, GNU long name), its type and size. */
  private meta: { type: number; size: number; parts: Buffer[]; got: number } | undefined;
  private entrySize: number | undefined;
  private entryName: string | undefined;
  private globalSize: number | undefined;
  /**
   * Every entry the tar reader will yield (not the pax and GNU long-name ones, which it folds into the next),
   * in order: its data size and the tar offset where its data ends — where the bytes of the file it hands
   * over end in the decoded stream (for the hold of a check that covers the output up to an offset: xz's
   * blocks). The reader of the entries takes them off the front.
   */
  readonly entries: Array<{ size: number; end: number }> = [];
  /** Why the stream stopped passing bytes (a bad header at `badAt` of the tar). */
  bad: string | undefined;
  badAt = 0;

  constructor(private readonly out: (chunk: Uint8Array) => void) {}

  push(c: Uint8Array): void {
    let p = 0;
    while (p < c.length && this.bad === undefined) {
      if (this.ended) {
        this.out(p === 0 ? c : c.subarray(p));
        return;
      }
      if (this.pos < this.next) {
        const n = Math.min(c.length - p, this.next - this.pos);
        const part = c.subarray(p, p + n);
        if (this.meta && this.meta.got < this.meta.size) {
          const keep = part.subarray(0, Math.min(part.length, this.meta.size - this.meta.got));
          this.meta.parts.push(Buffer.from(keep));
          this.meta.got += keep.length;
        }
        this.out(part);
        p += n;
        this.pos += n;
        if (this.pos === this.next && this.meta) this.endMeta();
        continue;
      }
      const n = Math.min(BLOCK - this.headFill, c.length - p);
      this.head.set(c.subarray(p, p + n), this.headFill);
      this.headFill += n;
      p += n;
      if (this.headFill < BLOCK) return; // the rest of the header comes with the next chunk
      this.headFill = 0;
      this.header();
    }
  }

  /** A whole header block at `pos`: checked, then passed on (or not: `bad`). */
  private header(): void {
    const h = this.head;
    if (isZero(h)) {
      this.out(Buffer.from(h));
      this.pos += BLOCK;
      this.next = this.pos;
      if (++this.zeros === 2) this.ended = true;
      return;
    }
    this.zeros = 0;
    const size = numeric(h, 124, 12);
    // (modern-tar skips a block whose mode, ids, size or time are no numbers: stopped here instead)
    const numbers = size !== undefined && numeric(h, 100, 8) !== undefined && numeric(h, 108, 8) !== undefined && numeric(h, 116, 8) !== undefined && numeric(h, 136, 12) !== undefined;
    if (!checksumOk(h) || !numbers) {
      this.bad = numbers ? 'tar: a header whose checksum is wrong' : 'tar: a header whose numbers are no numbers';
      this.badAt = this.pos;
      return;
    }
    const type = h[156];
    let data = size!;
    if (type === PAX || type === PAX_GLOBAL || type === LONG_NAME || type === LONG_LINK) {
      // (a larger one: modern-tar refuses it, and its error is the tar reader's)
      if (size <= MAX_META) this.meta = { type, size, parts: [], got: 0 };
    } else {
      const name = this.entryName ?? h.toString('utf8', 0, Math.max(0, h.indexOf(0) < 0 || h.indexOf(0) > 100 ? 100 : h.indexOf(0)));
      data = this.entrySize ?? this.globalSize ?? size;
      if (BODYLESS.has(type) || ((type === 0x30 || type === 0 || !isKnown(type)) && name.endsWith('/'))) data = 0;
      this.entrySize = undefined;
      this.entryName = undefined;
      this.entries.push({ size: data, end: this.pos + BLOCK + data });
    }
    this.out(Buffer.from(h));
    this.pos += BLOCK;
    this.next = this.pos + data + (-data & (BLOCK - 1));
    if (this.meta && this.next === this.pos) this.endMeta();
  }

  private endMeta(): void {
    const m = this.meta!;
    this.meta = undefined;
    const body = Buffer.concat(m.parts);
    if (m.type === PAX || m.type === PAX_GLOBAL) {
      const r = paxRecords(body);
      if (m.type === PAX_GLOBAL) {
        if (r.size !== undefined) this.globalSize = r.size;
      } else {
        if (r.size !== undefined) this.entrySize = r.size;
        if (r.path !== undefined) this.entryName = r.path;
      }
    } else if (m.type === LONG_NAME) {
      const z = body.indexOf(0);
      this.entryName ??= body.toString('utf8', 0, z < 0 ? body.length : z);
    }
  }
}

/** Types modern-tar names; any other is taken as a file. */
function isKnown(type: number): boolean {
  return (type >= 0x30 && type <= 0x36) || type === PAX || type === PAX_GLOBAL || type === LONG_NAME || type === LONG_LINK;
}
