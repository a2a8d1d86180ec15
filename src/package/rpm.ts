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

/** The files of an `.rpm` that `want` picks (by installed path), and its symbolic links. */
export async function readRpm(file: string, want: (path: string) => boolean): Promise<{ files: PackageFile[]; links: Map<string, string> }> {
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch (e) {
    throw new InputError(file, (e as Error).message);
  }
  if (buf.length < 96 || buf.readUInt32BE(0) !== LEAD_MAGIC) throw new InputError(file, 'not an RPM package: no lead magic (ed ab ee db)', { offset: 0 });
  const sigEnd = headerEnd(buf, 96, file, 'signature header');
  const main = align(sigEnd, 8); // the signature is padded to 8 bytes
  const payload = headerEnd(buf, main, file, 'header');
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
