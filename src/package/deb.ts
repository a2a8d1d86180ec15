/**
 * Debian and Ubuntu packages (`.deb`), read in memory, never installed: an `ar` archive whose
 * `data.tar[.xz|.zst|.gz]` member holds the files (deb(5)). The tar is read with modern-tar (GNU long
 * names and pax headers, as dpkg-deb writes them); the codecs are src/codec's (decompress.ts).
 */
import { readFileSync } from 'node:fs';
import { unpackTar } from 'modern-tar';
import { InputError } from '../errors.js';
import { decompress } from '../codec/decompress.js';

export interface ArMember {
  name: string;
  /** Where its data starts in the archive, and how long it is. */
  offset: number;
  size: number;
}

export const AR_MAGIC = '!<arch>\n';

/** The members of an `ar` archive (the common format of deb(5): 60-byte headers, data padded to even). */
export function arMembers(buf: Buffer, file: string): ArMember[] {
  if (buf.length < 8 || buf.toString('latin1', 0, 8) !== AR_MAGIC) throw new InputError(file, 'not a Debian package: no ar archive magic (!<arch>)', { offset: 0 });
  const out: ArMember[] = [];
  let at = 8;
  while (at < buf.length) {
    const m = arHeader(buf.subarray(at, at + 60), at, buf.length, file);
    out.push(m);
    at = m.offset + m.size + (m.size % 2);
  }
  return out;
}

/**
 * The member whose 60-byte header `head` is, read at offset `at` of a `fileSize`-byte archive (a header
 * cut short, without its terminator, with a size that is no number or runs past the end: an error).
 * `cut` ('keep'): a member running past the end is handed back with the size its header records (a
 * streaming reader reads what there is of it and reports where the file ends).
 */
export function arHeader(head: Buffer, at: number, fileSize: number, file: string, cut: 'error' | 'keep' = 'error'): ArMember {
  if (head.length < 60) throw new InputError(file, `ar member header cut short (${head.length} of 60 bytes)`, { offset: at });
  if (head[58] !== 0x60 || head[59] !== 0x0a) throw new InputError(file, 'ar member header without its terminator (`\\n)', { offset: at + 58 });
  const name = head.toString('latin1', 0, 16).trimEnd().replace(/\/$/, '');
  const sizeText = head.toString('latin1', 48, 58).trim();
  if (!/^\d+$/.test(sizeText)) throw new InputError(file, `ar member ${JSON.stringify(name)}: size ${JSON.stringify(sizeText)} is not a number`, { offset: at + 48 });
  const size = Number(sizeText);
  const offset = at + 60;
  if (offset + size > fileSize && cut === 'error') throw new InputError(file, `ar member ${JSON.stringify(name)} runs past the end of the file (${size} bytes from ${offset})`, { offset: at + 48 });
  return { name, offset, size };
}

/** A file of the package: its path as installed (`usr/src/…`, no leading `./`), and its bytes. */
export interface PackageFile {
  path: string;
  data: Buffer;
}

/** Debian packages name their data member `data.tar` plus the compressor's suffix. */
const DATA_MEMBER = /^data\.tar(?:\.(xz|zst|gz))?$/;

/**
 * The files of a `.deb` that `want` picks (by installed path), with the symbolic links of the package
 * (path → target) so that a caller can follow `lib/modules/<release>/build`. `file` names the package
 * in errors, with the member (`pkg.deb:data.tar.xz`).
 */
export async function readDeb(file: string, want: (path: string) => boolean): Promise<{ files: PackageFile[]; links: Map<string, string> }> {
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch (e) {
    throw new InputError(file, (e as Error).message);
  }
  const members = arMembers(buf, file);
  if (members[0]?.name !== 'debian-binary') throw new InputError(file, `not a Debian package: its first ar member is ${JSON.stringify(members[0]?.name ?? '(none)')}, not debian-binary`);
  const data = members.find((m) => DATA_MEMBER.test(m.name));
  if (!data) throw new InputError(file, `no data.tar member (members: ${members.map((m) => m.name).join(', ')})`);
  const where = `${file}:${data.name}`;
  let tar: Buffer = buf.subarray(data.offset, data.offset + data.size);
  if (data.name !== 'data.tar') tar = (await decompress(Buffer.from(tar), where)).data;
  let entries;
  try {
    entries = await unpackTar(tar, { filter: (h) => h.type === 'symlink' || (h.type === 'file' && want(clean(h.name))) });
  } catch (e) {
    throw new InputError(where, `not a readable tar archive: ${(e as Error).message}`);
  }
  const files: PackageFile[] = [];
  const links = new Map<string, string>();
  for (const e of entries) {
    const path = clean(e.header.name);
    if (e.header.type === 'symlink') links.set(path, e.header.linkname ?? '');
    else if (e.data) files.push({ path, data: Buffer.from(e.data.buffer, e.data.byteOffset, e.data.byteLength) });
  }
  return { files, links };
}

/** `./usr/src/x` → `usr/src/x` (dpkg-deb writes paths below `./`). */
function clean(name: string): string {
  return name.replace(/^\.\//, '').replace(/^\/+/, '');
}

/** A `.deb` by its first bytes: the ar magic and the `debian-binary` member first. */
export function isDeb(head: Buffer): boolean {
  return head.length >= 21 && head.toString('latin1', 0, 8) === AR_MAGIC && head.toString('latin1', 8, 21) === 'debian-binary';
}
