/** A module's own exports: what the ksymtab reader finds in it, as the module's facts keep them. */
import type { ElfFile, ElfSymbol } from '../elf/elf-file.js';
import { readKsymtab } from '../kernel/ksymtab.js';
import type { ModuleExport } from './types.js';

/** The module's own exports, from its __ksymtab* sections (or `.export_symbol` markers in 6.5+ objects). */
export function readModuleExports(elf: ElfFile, symbols: ElfSymbol[]): ModuleExport[] {
  return readKsymtab(elf, symbols).map(({ name, type, namespace, crc }) => ({ name, type, namespace, crc }));
}
