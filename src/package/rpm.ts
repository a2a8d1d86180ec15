/**
 * RPM packages (`kernel-devel-*.rpm`, `kernel-core-*.rpm`, …), read in memory, never installed: the lead,
 * the signature and main headers (skipped over, their sizes bounds-checked), then the payload — a
 * `newc` cpio archive compressed with xz, zstd or gzip (rpm's payload compressors on RHEL, Fedora and SUSE;
 * decoded with the modules' codecs). See rpm's doc/manual/format.md (lead, header structure) and cpio(5).
 */
import { readFileSync } from 'node:fs';
import { InputError } from '../errors.js';
import { compressionOf, decompress } from '../codec/decompress.js';
import type { PackageFile } from './deb.js';
import { isXzSha256, verifySha256, withoutSha256 } from '../codec/xz-sha256.js';

const LEAD_MAGIC = 0xedabeedb;
const HEADER_MAGIC = 0x8eade8; // then version 01 and 4 reserved bytes

/** The end of a header structure starting at `at` (8-byte magic, index count, store size, index, store). */
function headerEnd(buf: Buffer, at: number, file: string, what: string): number {
  // (`at` may be past the end: the signature's padding to 8 bytes)
  if (at + 16 > buf.length) throw new InputError(file, `${what} cut short`, { offset: Math.min(at, buf.length) });
  if (buf.readUIntBE(at, 3) !== HEADER_MAGIC) throw new InputError(file, `${what}: no header magic (8e ad e8)`, { offset: at });
  const count = buf.readUInt32BE(at + 8);
  const store = buf.readUInt32BE(at + 12);
  const end = at + 16 + count * 16 + store;
  if (count > 0x10000 || store > 0x10000000 || end > buf.length) throw new InputError(file, `${what}: ${count} entries and ${store} bytes of data run past the end of the file`, { offset: at + 8 });
  return end;
}

/** `n` rounded up to a multiple of `to` (arithmetic: `& ~3` works on 32 bits, and cpio sizes reach 2^32). */
const align = (n: number, to: number) => Math.ceil(n / to) * to;

/** A `newc` cpio archive's entries (070701; rpm also writes 070702, the same with checksums). */
export function cpioEntries(buf: Buffer, file: string, want: (path: string) => boolean): { files: PackageFile[]; links: Map<string, string> } {
  const files: PackageFile[] = [];
  const links = new Map<string, string>();
  let at = 0;
  for (;;) {
    // (`at` may be past the end: an entry's padding to 4 bytes)
    if (at + 110 > buf.length) throw new InputError(file, 'cpio archive cut short (no TRAILER!!! entry)', { offset: Math.min(at, buf.length) });
    const magic = buf.toString('latin1', at, at + 6);
    if (magic !== '070701' && magic !== '070702') throw new InputError(file, `not a newc cpio header (${JSON.stringify(magic)})`, { offset: at });
    const field = (i: number) => {
      const t = buf.toString('latin1', at + 6 + i * 8, at + 14 + i * 8);
      if (!/^[0-9a-fA-F]{8}$/.test(t)) throw new InputError(file, `cpio header field ${i} is not hexadecimal`, { offset: at + 6 + i * 8 });
      return Number.parseInt(t, 16);
    };
    const mode = field(1);
    const size = field(6);
    const nameSize = field(11);
    const nameAt = at + 110;
    const dataAt = align(nameAt + nameSize, 4);
    if (nameSize === 0 || dataAt + size > buf.length) throw new InputError(file, `cpio entry of ${size} bytes runs past the end of the archive`, { offset: at });
    const name = buf.toString('utf8', nameAt, nameAt + nameSize - 1);
    if (name === 'TRAILER!!!') break;
    const path = name.replace(/^\.?\/+/, '');
    const type = mode & 0o170000;
    if (type === 0o120000) links.set(path, buf.toString('utf8', dataAt, dataAt + size));
    else if (type === 0o100000 && want(path)) files.push({ path, data: Buffer.from(buf.subarray(dataAt, dataAt + size)) });
    at = align(dataAt + size, 4);
  }
  return { files, links };
}

/**
 * An `.rpm`'s bytes and where its payload starts (the lead and both headers checked), and where the
 * package says it ends: the signature's SIZE (tag 1000, int32) or LONGSIZE (tag 270, int64) — header and
 * payload — when it records one (a file shorter than that is cut).
 */
export function rpmPayload(file: string): { buf: Buffer; payload: number; end: number | undefined } {
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch (e) {
    throw new InputError(file, (e as Error).message);
  }
  if (buf.length < 4 || buf.readUInt32BE(0) !== LEAD_MAGIC) throw new InputError(file, 'not an RPM package: no lead magic (ed ab ee db)', { offset: 0 });
  // (the magic is there: a package cut inside its 96-byte lead is cut short, not foreign)
  if (buf.length < 96) throw new InputError(file, `cut short: ${buf.length} bytes, inside the RPM lead (96 bytes)`, { offset: buf.length });
  const sigEnd = headerEnd(buf, 96, file, 'signature header');
  const main = align(sigEnd, 8); // the signature is padded to 8 bytes
  const payload = headerEnd(buf, main, file, 'header');
  let end: number | undefined;
  const count = buf.readUInt32BE(96 + 8);
  const store = 96 + 16 + count * 16;
  for (let i = 0; i < count; i++) {
    const e = 96 + 16 + i * 16;
    const [tag, type, offset] = [buf.readUInt32BE(e), buf.readUInt32BE(e + 4), buf.readUInt32BE(e + 8)];
    if (store + offset + 8 > sigEnd) continue;
    if (tag === 1000 && type === 4) end = main + buf.readUInt32BE(store + offset);
    if (tag === 270 && type === 5) end = main + Number(buf.readBigUInt64BE(store + offset));
  }
  return { buf, payload, end };
}

/** A `newc` cpio archive read as it streams by: each wanted regular file handed to `file` whole. */
export class CpioStream {
  private state: 'header' | 'name' | 'pad' | 'data' = 'header';
  /** Bytes still wanted in the current state. */
  private need = 110;
  private parts: Buffer[] = [];
  private entry: { path: string; size: number; keep: boolean; regular: boolean } | undefined;
  /** Archive offset of the next byte. */
  pos = 0;
  /** The TRAILER!!! entry was read. */
  ended = false;
  /** The entry whose data is being read, if any. */
  current: string | undefined;

  constructor(
    private readonly where: string,
    private readonly want: (path: string) => boolean,
    private readonly file: (f: { path: string; data?: Buffer; size: number }) => void,
    private readonly maxFileSize: number,
  ) {}

  push(c: Uint8Array): void {
    let p = 0;
    while (p < c.length && !this.ended) {
      const n = Math.min(this.need, c.length - p);
      if (this.state !== 'pad' && (this.state !== 'data' || this.entry!.keep)) this.parts.push(Buffer.from(c.subarray(p, p + n)));
      p += n;
      this.pos += n;
      this.need -= n;
      if (this.need === 0) this.next();
    }
  }

  private next(): void {
    const got = this.parts.length === 1 ? this.parts[0] : Buffer.concat(this.parts);
    this.parts = [];
    switch (this.state) {
      case 'header': {
        const at = this.pos - 110;
        const magic = got.toString('latin1', 0, 6);
        if (magic !== '070701' && magic !== '070702') throw new InputError(this.where, `not a newc cpio header (${JSON.stringify(magic)})`, { offset: at });
        const field = (i: number) => {
          const t = got.toString('latin1', 6 + i * 8, 14 + i * 8);
          if (!/^[0-9a-fA-F]{8}$/.test(t)) throw new InputError(this.where, `cpio header field ${i} is not hexadecimal`, { offset: at + 6 + i * 8 });
          return Number.parseInt(t, 16);
        };
        const mode = field(1);
        const size = field(6);
        const nameSize = field(11);
        if (nameSize === 0) throw new InputError(this.where, 'cpio entry without a name', { offset: at });
        this.entry = { path: '', size, keep: false, regular: (mode & 0o170000) === 0o100000 };
        this.state = 'name';
        this.need = nameSize;
        return;
      }
      case 'name': {
        const name = got.toString('utf8', 0, got.length - 1);
        if (name === 'TRAILER!!!') {
          this.ended = true;
          return;
        }
        const e = this.entry!;
        e.path = name.replace(/^\.?\/+/, '');
        e.keep = e.regular && e.size <= this.maxFileSize && this.want(e.path);
        this.current = e.path;
        return this.pad('data', e.size);
      }
      case 'data': {
        const e = this.entry!;
        this.current = undefined;
        if (e.regular && this.want(e.path)) this.file(e.keep ? { path: e.path, data: got.length === e.size ? got : Buffer.alloc(0), size: e.size } : { path: e.path, size: e.size });
        this.entry = undefined;
        return this.pad('header', 110);
      }
      case 'pad':
        return this.after();
    }
  }

  private then: ['data' | 'header', number] = ['header', 110];

  /** Padding to 4 bytes, then `state` wanting `need` bytes. */
  private pad(state: 'data' | 'header', need: number): void {
    this.then = [state, need];
    const pad = (4 - (this.pos % 4)) % 4;
    if (pad > 0) {
      this.state = 'pad';
      this.need = pad;
    } else this.after();
  }

  private after(): void {
    [this.state, this.need] = this.then;
    // an empty file: its (empty) data is read at once
    if (this.state === 'data' && this.need === 0) this.next();
  }
}

/** The files of an `.rpm` that `want` picks (by installed path), and its symbolic links. */
export async function readRpm(file: string, want: (path: string) => boolean): Promise<{ files: PackageFile[]; links: Map<string, string> }> {
  const { buf, payload } = rpmPayload(file);
  const where = `${file}:payload`;
  const packed = buf.subarray(payload);
  let cpio: Buffer = packed;
  if (isXzSha256(packed)) {
    // rpm's xz payloads carry SHA-256 checks, which the xz decoder does not take: checked here instead
    const { xz, blocks } = withoutSha256(packed, where);
    cpio = (await decompress(xz, where)).data;
    verifySha256(cpio, { blocks }, where);
  } else if (compressionOf(packed)) cpio = (await decompress(Buffer.from(packed), where)).data;
  return cpioEntries(cpio, where, want);
}

/** An `.rpm` by its first bytes. */
export function isRpm(head: Buffer): boolean {
  return head.length >= 4 && head.readUInt32BE(0) === LEAD_MAGIC;
}
