/**
 * The relocations against a module's imports checked without decoding them into objects (what deferred.ts
 * needs at read time: a broken file fails when it is read, as with the eager reader).
 */
import { ElfFormatError } from '../errors.js';
import { ET_REL, SHT_RELA } from '../elf/constants.js';
import type { ElfFile, ElfSection } from '../elf/elf-file.js';
import { importReferenceTarget } from './imports.js';
import { readTuning } from './read-tuning.js';

/**
 * What readImports() checks of every relocation it reads (the symbol index is in .symtab, the place is
 * inside the target section), in the same order and with the same errors, reading 64-bit RELA entries
 * as two 32-bit words instead of three BigInts.
 */
const scratch = { buf: Buffer.alloc(0) };
const HOST_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
/** A 32-bit view of the scratch buffer's memory, made again only when the buffer is replaced. */
let scratchWords = new Uint32Array(0);

function relocationOutside(elf: ElfFile, rs: ElfSection, target: ElfSection, i: number, at: number, offset: bigint): never {
  throw new ElfFormatError(elf.file, at, `relocation ${i} of '${rs.name}' applies at 0x${offset.toString(16)}, outside '${target.name}' (0x${target.size.toString(16)} bytes)`);
}

function relocationBadSymbol(elf: ElfFile, rs: ElfSection, i: number, at: number, sym: number, symbolCount: number): never {
  throw new ElfFormatError(elf.file, at, `relocation ${i} of '${rs.name}' names symbol ${sym}, but .symtab has ${symbolCount}`);
}

/** Does checkImportRelocations() scan this section with its 64-bit RELA loop (in a 64-bit ET_REL file)? */
function scansFast(sections: ElfSection[], rs: ElfSection): boolean {
  return rs.type === SHT_RELA && rs.size % 24 === 0 && importReferenceTarget(sections, rs) !== undefined;
}

/**
 * The 64-bit RELA sections checkImportRelocations() scans with the fast loop, read ahead into `scratch`
 * with neighbours in one read: a module's relocation sections lie one after another near the end of
 * the file (ext4: 20 of them, 690 kB). Section index → its bytes in the scratch buffer, valid until the
 * next call. Sections that do not fit the file are left out (the loop reports them as usual).
 */
function readRelocationBlocks(elf: ElfFile, wanted: ElfSection[]): Map<number, Buffer> {
  const out = new Map<number, Buffer>();
  const fit = wanted.filter((rs) => rs.size > 0 && rs.offset + rs.size <= elf.fileSize).sort((a, b) => a.offset - b.offset);
  if (fit.length === 0) return out;
  const blocks: Array<[number, number, number, number]> = []; // start, end, first, last+1 (into fit)
  let total = 0;
  for (let i = 0; i < fit.length; ) {
    const start = fit[i].offset;
    let end = start + fit[i].size;
    let j = i + 1;
    while (j < fit.length && fit[j].offset <= end + readTuning.mergeGap) end = Math.max(end, fit[j].offset + fit[j].size), j++;
    blocks.push([start, end, i, j]);
    total += (end - start + 7) & ~7;
    i = j;
  }
  if (scratch.buf.length < total) scratch.buf = Buffer.allocUnsafeSlow(Math.max(total, scratch.buf.length * 2, 1 << 16));
  let at = 0;
  for (const [start, end, i, j] of blocks) {
    const block = elf.readInto(start, end - start, scratch.buf.subarray(at, at + end - start));
    for (let k = i; k < j; k++) out.set(fit[k].index, block.subarray(fit[k].offset - start, fit[k].offset - start + fit[k].size));
    at += (end - start + 7) & ~7;
  }
  return out;
}

export function checkImportRelocations(elf: ElfFile, symbolCount: number): void {
  const f = elf.fields;
  const le = f.littleEndian;
  const linked = elf.header.type !== ET_REL;
  const sections = elf.sections;
  // read ahead, in as few reads as possible, what the loop below will scan with its fast path
  const ahead = elf.canReadInto && f.is64 && !linked ? readRelocationBlocks(elf, sections.filter((rs) => scansFast(sections, rs))) : undefined;
  for (let si = 0; si < sections.length; si++) {
    const rs = sections[si];
    const target = importReferenceTarget(sections, rs);
    if (!target) continue;
    if (rs.type !== SHT_RELA || !f.is64 || linked) {
      // REL (implicit addends), 32-bit, linked files: the general reader
      const relocs = elf.relocations(rs);
      const entsize = relocs.length > 0 ? rs.size / relocs.length : 0;
      const start = linked ? target.addr : 0n;
      for (let i = 0; i < relocs.length; i++) {
        const r = relocs[i];
        const at = rs.offset + i * entsize;
        if (r.symIndex >= symbolCount) relocationBadSymbol(elf, rs, i, at, r.symIndex, symbolCount);
        if (r.offset < start || r.offset - start >= BigInt(target.size)) relocationOutside(elf, rs, target, i, at, r.offset);
      }
      continue;
    }
    if (rs.size % 24 !== 0) throw new ElfFormatError(elf.file, rs.headerOffset, `relocation section '${rs.name}' size ${rs.size} is not a multiple of 24`);
    // (what was not read ahead — a section not in the file, an empty one — is read apart: `scratch`
    // holds the read-ahead blocks)
    const data = ahead ? (ahead.get(rs.index) ?? elf.sectionData(rs)) : elf.transientSectionData(rs, scratch);
    const n = rs.size / 24;
    const size = target.size;
    if (le && HOST_LITTLE_ENDIAN && (data.byteOffset & 3) === 0) {
      // the same loop over a 32-bit view: r_offset = words 0-1, the symbol = word 3 of each entry
      let u: Uint32Array;
      let base = 0;
      if (data.buffer === scratch.buf.buffer) {
        if (scratchWords.buffer !== data.buffer) scratchWords = new Uint32Array(data.buffer, 0, data.buffer.byteLength >>> 2);
        u = scratchWords;
        base = data.byteOffset >>> 2;
      } else u = new Uint32Array(data.buffer, data.byteOffset, n * 6); // data read earlier (a compressed module)
      for (let i = 0, k = base; i < n; i++, k += 6) {
        const lo = u[k];
        const hi = u[k + 1];
        const sym = u[k + 3];
        if (sym >= symbolCount) relocationBadSymbol(elf, rs, i, rs.offset + i * 24, sym, symbolCount);
        if (hi >= 0x200000 || hi * 0x100000000 + lo >= size) relocationOutside(elf, rs, target, i, rs.offset + i * 24, (BigInt(hi) << 32n) | BigInt(lo));
      }
      continue;
    }
    for (let i = 0; i < n; i++) {
      const o = i * 24;
      const lo = le ? data.readUInt32LE(o) : data.readUInt32BE(o + 4);
      const hi = le ? data.readUInt32LE(o + 4) : data.readUInt32BE(o);
      const sym = le ? data.readUInt32LE(o + 12) : data.readUInt32BE(o + 8);
      if (sym >= symbolCount) relocationBadSymbol(elf, rs, i, rs.offset + o, sym, symbolCount);
      // r_offset < size, with r_offset = hi·2^32 + lo exact as a Number while hi < 2^21
      if (hi >= 0x200000 || hi * 0x100000000 + lo >= size) relocationOutside(elf, rs, target, i, rs.offset + o, (BigInt(hi) << 32n) | BigInt(lo));
    }
  }
}
