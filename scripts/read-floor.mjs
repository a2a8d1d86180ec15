#!/usr/bin/env node
/**
 * The floor of a tree check in Node, for `npm run bench` (full tree): `node scripts/read-floor.mjs <list>`
 * opens every module file of the list and reads what ksymcheck's tree reader reads — the ELF header, the
 * section header table (with the file's last 8 KB when they follow it: the signature), `.shstrtab`,
 * `.symtab` and its string table, `.modinfo`, `__versions`, the export sections, and the RELA sections
 * that can name an import — in as few reads (neighbours closer than 4 KB read together), decoding nothing
 * but the section headers, and closes it. What `ksymcheck check` spends above this is its own work on the
 * bytes. 64-bit little-endian ELF only (the bench's amd64 tree); another file is read no further than
 * its header. Prints the files, reads and bytes to stderr.
 */
import { closeSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import { SHF_ALLOC, SHT_RELA, SHT_STRTAB, SHT_SYMTAB, SHT_SYMTAB_SHNDX } from '../dist/elf/constants.js';
import { isFactSectionName } from '../dist/module/deferred.js';
import { NO_IMPORT_REFERENCES } from '../dist/module/imports.js';
import { readTuning } from '../dist/module/read-tuning.js';

const { tableTrail: TRAIL, mergeGap: GAP } = readTuning;

const files = readFileSync(process.argv[2], 'utf8').split('\n').filter(Boolean);
let buf = Buffer.allocUnsafe(1 << 20);
/** `len` bytes at `at` into the reused buffer: the bytes read (fewer at the end of the file). */
const read = (fd, len, at) => {
  if (len > buf.length) buf = Buffer.allocUnsafe(len);
  reads++;
  const n = readSync(fd, buf, 0, len, at);
  bytes += n;
  return buf.subarray(0, n);
};
let reads = 0, bytes = 0;
for (const file of files) {
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    const h = Buffer.from(read(fd, 64, 0));
    if (h.length < 64 || h.readUInt32BE(0) !== 0x7f454c46 || h[4] !== 2 || h[5] !== 1) continue;
    const shoff = Number(h.readBigUInt64LE(0x28)), shnum = h.readUInt16LE(0x3c), shstrndx = h.readUInt16LE(0x3e);
    const end = shoff + shnum * 64;
    const table = Buffer.from(read(fd, size - end <= TRAIL ? size - shoff : shnum * 64, shoff).subarray(0, shnum * 64));
    const sec = (i) => ({ type: table.readUInt32LE(i * 64 + 4), flags: table.readBigUInt64LE(i * 64 + 8), offset: Number(table.readBigUInt64LE(i * 64 + 0x18)), size: Number(table.readBigUInt64LE(i * 64 + 0x20)), link: table.readUInt32LE(i * 64 + 0x28), info: table.readUInt32LE(i * 64 + 0x2c), name: table.readUInt32LE(i * 64) });
    const s = Array.from({ length: shnum }, (_, i) => sec(i));
    const names = Buffer.from(read(fd, s[shstrndx].size, s[shstrndx].offset).subarray(0, s[shstrndx].size));
    const nameOf = (x) => names.toString('latin1', x.name, names.indexOf(0, x.name));
    const strtabs = new Set(s.filter((x) => x.type === SHT_SYMTAB).map((x) => x.link));
    const wanted = s.filter((x, i) => {
      if (x.type === SHT_SYMTAB || x.type === SHT_SYMTAB_SHNDX || (x.type === SHT_STRTAB && strtabs.has(i))) return true;
      if (x.type === SHT_RELA) {
        const t = s[x.info];
        return x.info !== 0 && t !== undefined && (t.flags & SHF_ALLOC) !== 0n && !NO_IMPORT_REFERENCES.has(nameOf(t));
      }
      return isFactSectionName(nameOf(x));
    }).filter((x) => x.size > 0).sort((a, b) => a.offset - b.offset);
    for (let i = 0; i < wanted.length; ) {
      const start = wanted[i].offset;
      let stop = start + wanted[i].size;
      while (++i < wanted.length && wanted[i].offset <= stop + GAP) stop = Math.max(stop, wanted[i].offset + wanted[i].size);
      read(fd, stop - start, start);
    }
  } finally {
    closeSync(fd);
  }
}
process.stderr.write(`read-floor: ${files.length} files, ${reads} reads, ${(bytes / 1e6).toFixed(1)} MB\n`);
