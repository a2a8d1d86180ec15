/**
 * A `vmlinux` ELF as a kernel build: its exports (from the ksymtab sections, read lazily at positions:
 * a debug vmlinux of 600 MB is never read whole), and the release it announces in `linux_banner`.
 */
import { ElfFile, type ElfSymbol } from '../elf/elf-file.js';
import { readKsymtab } from './ksymtab.js';
import { btfStructSize } from './btf.js';
import type { Export } from './types.js';

export interface VmlinuxFacts {
  exports: Export[];
  /** From `linux_banner` ("Linux version 6.1.0-47-amd64 (…)"), when the symbol is there. */
  release?: string;
  /** The loader's own `vermagic` string (kernel/module's static vermagic[]), when the symbol is there. */
  vermagic?: string;
  machine: number;
  /** sizeof(struct module) from the file's `.BTF`, when it has one that defines it (and can be read). */
  structModuleSize?: number;
  /** The file's section names, in table order (what to name when it holds no export table). */
  sections: string[];
}

/** `name`: what the exports' origin says (default the file; a debug package's member when spilled from one). */
export function readVmlinux(path: string, name = path): VmlinuxFacts {
  const elf = ElfFile.open(path);
  try {
    return vmlinuxFacts(elf, name);
  } finally {
    elf.close();
  }
}

/** Names the facts come from: the labels readKsymtab() reads, `linux_banner`, `vermagic`. */
const WANTED = ['__ksymtab_', '__kstrtabns_', '__crc_', '__flags_', '__export_symbol_', 'linux_banner\0', 'vermagic\0'].map((p) => Buffer.from(p, 'latin1'));

function wanted(index: number, _info: number, _shndx: number, names: Buffer, off: number): boolean {
  if (index === 0) return true;
  const c = names[off];
  if (c !== 0x5f /* _ */ && c !== 0x6c /* l */ && c !== 0x76 /* v */) return false;
  for (let j = 0; j < WANTED.length; j++) {
    const p = WANTED[j];
    if (off + p.length > names.length) continue;
    let k = 0;
    while (k < p.length && names[off + k] === p[k]) k++;
    if (k === p.length) return true;
  }
  return false;
}

/**
 * The facts of an opened vmlinux (the caller closes it). Of a debug vmlinux's 130,000 symbols only the
 * export labels and two strings are decoded (ElfFile.selectSymbols): the index of a 600 MB file costs its
 * .symtab/.strtab and the ksymtab sections, 11 MB read, not a string and two BigInts per symbol.
 */
export function vmlinuxFacts(elf: ElfFile, path: string): VmlinuxFacts {
  const symbols = elf.selectSymbols(wanted).symbols;
  const origin = { file: path }; // one object for the 10,000 exports of a kernel
  const exports: Export[] = readKsymtab(elf, symbols).map((e) => ({ name: e.name, type: e.type, namespace: e.namespace, crc: e.crc, owner: 'vmlinux', origin }));
  let release: string | undefined;
  let vermagic: string | undefined;
  for (let i = 0; i < symbols.length; i++) {
    const s = symbols[i];
    if (s.name === 'linux_banner' && release === undefined) {
      const banner = stringAt(elf, s);
      const m = banner && /^Linux version (\S+)/.exec(banner);
      if (m) release = m[1];
    } else if (s.name === 'vermagic' && vermagic === undefined) {
      vermagic = stringAt(elf, s);
    }
  }
  const facts: VmlinuxFacts = { exports, release, vermagic, machine: elf.header.machine, sections: elf.sections.map((sec) => sec.name).filter((n) => n !== '') };
  const size = structModuleSize(elf);
  if (size !== undefined) facts.structModuleSize = size;
  return facts;
}

/**
 * `struct module`'s size from `.BTF`. A .BTF this reader cannot follow (a kind newer than it knows) leaves
 * the size unknown — the check it serves is then not made, and said so — rather than failing the kernel.
 */
export function structModuleSize(elf: ElfFile): number | undefined {
  const sec = elf.section('.BTF');
  if (!sec || sec.size === 0) return undefined;
  try {
    return btfStructSize(elf.sectionData(sec), 'module', elf.file, sec.offset);
  } catch {
    return undefined;
  }
}

function stringAt(elf: ElfFile, s: ElfSymbol): string | undefined {
  const sec = elf.sectionOf(s);
  if (!sec) return undefined;
  const addr = s.value;
  const bytes = elf.readAtAddress(sec, addr, Math.min(256, Number(sec.addr + BigInt(sec.size) - addr)));
  if (!bytes) return undefined;
  const end = bytes.indexOf(0);
  return bytes.toString('latin1', 0, end < 0 ? bytes.length : end);
}
