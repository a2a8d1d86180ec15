/**
 * The kernel's built-in trusted keys (certs/system_certificates.S, read in Debian 6.1.192): the label
 * `system_certificate_list` in `.init.rodata`, DER certificates end to end (the module signing key
 * first, then CONFIG_SYSTEM_TRUSTED_KEYS), and `system_certificate_list_size`, the list's length (.quad on
 * 64-bit, .long on 32-bit). From a `vmlinux` with its symbol table (a -dbg package's), or from the
 * symbol-less ELF inside a bzImage (`vmlinuz`: arch/x86/boot's setup header gives where the compressed
 * payload is) with the addresses from the System.map that ships beside it.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, readSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { ElfFile, type ElfSymbol } from '../elf/elf-file.js';
import { InputError } from '../errors.js';
import { decompressSync } from '../codec/decompress.js';
import { certificateList, type TrustedKey } from './keys.js';

export const CERT_LIST = 'system_certificate_list';
export const CERT_LIST_SIZE = 'system_certificate_list_size';

/** The list at `list`, `size` read at `sizeAt` (virtual addresses), from the sections that hold them. */
export function certificatesAt(elf: ElfFile, origin: string, list: bigint, sizeAt: bigint): TrustedKey[] {
  const holder = (addr: bigint) => elf.sections.find((s) => s.addr !== 0n && addr >= s.addr && addr < s.addr + BigInt(s.size));
  const sizeSec = holder(sizeAt);
  const listSec = holder(list);
  if (!sizeSec || !listSec) throw new InputError(origin, `no section holds ${sizeSec ? CERT_LIST : CERT_LIST_SIZE} (address 0x${(sizeSec ? list : sizeAt).toString(16)})`);
  const width = elf.fields.is64 ? 8 : 4;
  const raw = elf.readAtAddress(sizeSec, sizeAt, width);
  if (!raw) throw new InputError(origin, `${CERT_LIST_SIZE} at 0x${sizeAt.toString(16)} is not in the file (section ${sizeSec.name})`);
  const size = width === 8 ? elf.fields.u64n(raw, 0) : elf.fields.u32(raw, 0);
  if (size === 0) return [];
  const bytes = elf.readAtAddress(listSec, list, size);
  if (!bytes) throw new InputError(origin, `${CERT_LIST} (${size} bytes at 0x${list.toString(16)}) runs past its section ${listSec.name}`);
  return certificateList(bytes, 'built-in', origin);
}

/** From a vmlinux's own symbols; undefined when it has neither label (no CONFIG_SYSTEM_TRUSTED_KEYRING, or stripped). */
export function builtinKeysOfSymbols(elf: ElfFile, origin: string, symbols: readonly ElfSymbol[]): TrustedKey[] | undefined {
  const list = symbols.find((s) => s.name === CERT_LIST);
  const size = symbols.find((s) => s.name === CERT_LIST_SIZE);
  if (!list || !size) return undefined;
  return certificatesAt(elf, origin, list.value, size.value);
}

/** The two addresses a System.map gives (`ffffffff83a0b8a8 T system_certificate_list`). */
export function systemMapAddresses(text: string, origin: string, optional = false): { list: bigint; size: bigint } | undefined {
  let list: bigint | undefined;
  let size: bigint | undefined;
  for (const m of text.matchAll(/^([0-9a-fA-F]+) \S (system_certificate_list(?:_size)?)$/gm)) {
    if (m[2] === CERT_LIST) list = BigInt(`0x${m[1]}`);
    else size = BigInt(`0x${m[1]}`);
  }
  if ((list === undefined || size === undefined) && optional) return undefined;
  if (list === undefined || size === undefined) throw new InputError(origin, `no ${list === undefined ? CERT_LIST : CERT_LIST_SIZE} in this System.map`);
  return { list, size };
}

/**
 * A stripped vmlinux (a bzImage's payload) names neither label: the list is found by its layout instead —
 * at an 8-aligned offset of `.init.rodata` (or `.init.data`), DER certificates end to end, then (aligned to 8, no
 * CONFIG_SYSTEM_EXTRA_CERTIFICATE) `system_certificate_list_size` holding exactly their length. Both must
 * hold, so bytes that merely look like a certificate are not taken.
 */
export function scanCertificateList(elf: ElfFile, origin: string): TrustedKey[] | undefined {
  for (const name of INIT_SECTIONS) {
    const sec = elf.section(name);
    const found = sec && scanSection(elf.sectionData(sec), elf, `${origin} (${name}`);
    if (found) return found;
  }
  return undefined;
}

/** Where the list is: `.init.rodata`, which x86's linker script merges into `.init.data` of the final image. */
const INIT_SECTIONS = ['.init.rodata', '.init.data'];

function scanSection(data: Buffer, elf: ElfFile, origin: string): TrustedKey[] | undefined {
  const width = elf.fields.is64 ? 8 : 4;
  for (let at = 0; at + 4 < data.length; at += 8) {
    if (data[at] !== 0x30 || data[at + 1] !== 0x82) continue;
    let end = at;
    while (end + 4 <= data.length && data[end] === 0x30 && data[end + 1] === 0x82) end += 4 + data.readUInt16BE(end + 2);
    if (end === at || end > data.length) continue;
    const sizeAt = (end + 7) & ~7;
    if (sizeAt + width > data.length) continue;
    const size = width === 8 ? elf.fields.u64n(data, sizeAt) : elf.fields.u32(data, sizeAt);
    if (size !== end - at) continue;
    return certificateList(data.subarray(at, end), 'built-in', `${origin} offset ${at}, ${size} bytes, followed by their size)`);
  }
  return undefined;
}

/** Is this an x86 bzImage (the setup header's "HdrS" at 0x202)? */
export function isBzImage(b: Uint8Array): boolean {
  return b.length >= 0x250 && b[0x202] === 0x48 && b[0x203] === 0x64 && b[0x204] === 0x72 && b[0x205] === 0x53;
}

/**
 * The ELF inside a bzImage (arch/x86/boot/header.S: setup_sects at 0x1f1, payload_offset/payload_length
 * at 0x248/0x24c from the protected-mode code, i.e. (setup_sects + 1) × 512): gzip, xz or zstd.
 */
export function bzImagePayload(b: Buffer, origin: string): Buffer {
  const setupSects = b[0x1f1] || 4;
  const start = (setupSects + 1) * 512;
  const off = b.readUInt32LE(0x248);
  const len = b.readUInt32LE(0x24c);
  if (start + off + len > b.length || len === 0) throw new InputError(origin, `offset 0x248: payload ${off}+${len} past the end of the bzImage (${b.length} bytes)`);
  // the compressed stream is followed by its decompressed size (4 bytes): decoders stop at the stream's end
  const payload = b.subarray(start + off, start + off + len);
  const where = `${origin} (payload at offset ${start + off})`;
  try {
    return decompressSync(Buffer.from(payload), where, { maxModuleSize: 1 << 30 }).data;
  } catch (e) {
    // x86 kernels are xz-compressed with the BCJ x86 filter, which the modules' xz decoder does not
    // take (modules are compressed without it): xz(1), when installed, decodes the one stream instead
    if (payload[0] !== 0xfd) throw e;
    const r = spawnSync('xz', ['-dc', '--single-stream'], { input: payload, maxBuffer: 1 << 30 });
    if (r.error || r.status !== 0) throw new InputError(where, `xz payload with filters the built-in decoder lacks, and xz(1) ${r.error ? 'is not installed' : `failed: ${r.stderr.toString().trim()}`} (${(e as Error).message})`);
    return r.stdout;
  }
}

/**
 * The built-in keys of a kernel image file: a vmlinux ELF (its symbols, else a System.map beside it), or a
 * bzImage (vmlinuz-R: its payload with /boot-style System.map-R beside it, or `systemMap`).
 */
export function builtinKeysOfImage(path: string, systemMap?: string): TrustedKey[] {
  // a vmlinux (a debug one is 600 MB) is read at positions; a bzImage (~8 MB) whole, for its payload
  const head = Buffer.alloc(0x250);
  const fd = openSync(path, 'r');
  let got: number;
  try {
    got = readSync(fd, head, 0, head.length, 0);
  } finally {
    closeSync(fd);
  }
  const bz = isBzImage(head.subarray(0, got));
  const what = bz ? `${path} (its compressed vmlinux)` : path;
  const elf = bz ? ElfFile.fromBuffer(bzImagePayload(readFileSync(path), path), what) : ElfFile.open(path);
  try {
    const own = builtinKeysOfSymbols(elf, what, elf.selectSymbols(certSymbol).symbols);
    if (own) return own;
    const map = systemMap ?? besideMap(path);
    const a = map ? systemMapAddresses(readFileSync(map, 'latin1'), map, true) : undefined;
    if (a) return certificatesAt(elf, `${what} with ${map}`, a.list, a.size);
    const found = scanCertificateList(elf, what);
    if (found) return found;
    throw new InputError(path, `no ${CERT_LIST} symbol (stripped), no System.map with it${map ? ` (${map} has none: Debian ships a placeholder)` : ''}, and no certificate list followed by its size in .init.rodata`);
  } finally {
    elf.close();
  }
}

const CERT_LIST_NAME = Buffer.from(CERT_LIST, 'latin1');

/** The symbols named system_certificate_list* (of a debug vmlinux's 130,000, only these are decoded). */
function certSymbol(_index: number, _info: number, _shndx: number, names: Buffer, off: number): boolean {
  return off + CERT_LIST_NAME.length <= names.length && names.subarray(off, off + CERT_LIST_NAME.length).equals(CERT_LIST_NAME);
}

/** `System.map-R` beside `vmlinuz-R`/`vmlinux-R`, or `System.map` beside `vmlinux`. */
function besideMap(path: string): string | undefined {
  const m = /^vmlinu[xz](-.+)?$/.exec(basename(path));
  const cand = join(dirname(path), m ? `System.map${m[1] ?? ''}` : 'System.map');
  return existsSync(cand) ? cand : undefined;
}
