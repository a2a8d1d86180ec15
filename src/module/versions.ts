/** A module's symbol versions: `__versions`, and the extended modversions tables of 6.14+. */
import { ElfFormatError } from '../errors.js';
import type { ElfFile } from '../elf/elf-file.js';
import { internBytes } from './names.js';
import { VersionColumnsBuilder, type VersionColumns } from './columns.js';

/** Size of one `struct modversion_info` on every arch: 64 bytes (crc word + name). */
export const MODVERSION_INFO_SIZE = 64;

/**
 * `__versions`: `struct modversion_info { unsigned long crc; char name[64 - sizeof(unsigned long)]; }`.
 * Extended modversions (6.14+): `__version_ext_crcs` (u32[]) + `__version_ext_names` (NUL-separated), used
 * by the loader in preference when present; a `__versions` table next to them is kept as `basicVersions`
 * (what loaders before 6.14 read).
 */
export type VersionsInfo = {
  /** The table the loader reads (columns.ts), undefined when the module has none. */
  versions?: VersionColumns;
  versionsFormat?: 'basic' | 'extended';
  /** With extended modversions, the `__versions` table beside them. */
  basicVersions?: VersionColumns;
  /**
   * The extended tables are not as a 6.14+ loader takes them: one section without the other ('presence':
   * the tables read are `__versions` alone, what an older loader reads), or fewer names than CRCs ('count':
   * the pairs up to the last complete name). A 6.14+ loader refuses such a module (rule ext-modversions).
   */
  extProblem?: 'presence' | 'count';
};

export function readVersions(elf: ElfFile): VersionsInfo {
  const f = elf.fields;
  const extCrcs = elf.section('__version_ext_crcs');
  const extNames = elf.section('__version_ext_names');
  if (extCrcs && extNames) {
    const crcs = elf.sectionData(extCrcs);
    const names = elf.sectionData(extNames);
    if (crcs.length % 4 !== 0) throw new ElfFormatError(elf.file, extCrcs.headerOffset, `__version_ext_crcs size ${crcs.length} is not a multiple of 4`);
    const versions = new VersionColumnsBuilder();
    let p = 0;
    let extProblem: VersionsInfo['extProblem'];
    for (let i = 0; i < crcs.length / 4; i++) {
      const end = names.indexOf(0, p);
      // elf_validity_cache_index_versions(): "more extended version crcs than names" (-ENOEXEC on 6.14+)
      if (end < 0) {
        extProblem = 'count';
        break;
      }
      versions.push(internBytes(names, p, end), f.u32(crcs, i * 4));
      p = end + 1;
    }
    const ext = versions.done(); // before the basic table's builder starts (one builder at a time)
    const basicVersions = readBasicVersions(elf).versions;
    const out: VersionsInfo = basicVersions ? { versions: ext, versionsFormat: 'extended', basicVersions } : { versions: ext, versionsFormat: 'extended' };
    if (extProblem) out.extProblem = extProblem;
    return out;
  }
  // one of the two alone: "extended version crc+name presence does not match" on 6.14+
  const basic: VersionsInfo = readBasicVersions(elf);
  if (extCrcs || extNames) basic.extProblem = 'presence';
  return basic;
}

function readBasicVersions(elf: ElfFile): { versions?: VersionColumns; versionsFormat?: 'basic' } {
  const f = elf.fields;
  const sec = elf.section('__versions');
  if (!sec) return { versions: undefined };
  const data = elf.sectionData(sec);
  if (data.length % MODVERSION_INFO_SIZE !== 0) {
    throw new ElfFormatError(elf.file, sec.headerOffset, `__versions size ${data.length} is not a multiple of ${MODVERSION_INFO_SIZE} (struct modversion_info)`);
  }
  const crcSize = f.addrSize;
  const versions = new VersionColumnsBuilder();
  for (let o = 0; o < data.length; o += MODVERSION_INFO_SIZE) {
    // Only the low 32 bits of the crc word are meaningful; on big-endian 64-bit they are the last 4 bytes.
    const crc = crcSize === 8 ? f.u32(data, f.littleEndian ? o : o + 4) : f.u32(data, o);
    // the first NUL of the name, up to the next entry's first byte (a loop: indexOf is a call into C++)
    const stop = Math.min(o + MODVERSION_INFO_SIZE, data.length - 1);
    let end = o + crcSize;
    while (end <= stop && data[end] !== 0) end++;
    if (end > stop) {
      throw new ElfFormatError(elf.file, sec.offset + o, `__versions entry at index ${o / MODVERSION_INFO_SIZE}: name is not NUL-terminated within ${MODVERSION_INFO_SIZE - crcSize} bytes`);
    }
    if (end > o + crcSize) versions.push(internBytes(data, o + crcSize, end), crc);
  }
  return { versions: versions.done(), versionsFormat: 'basic' };
}
