/**
 * A `vmlinux` ELF as a kernel build: its exports (from the ksymtab sections, read lazily at positions:
 * a debug vmlinux of 600 MB is never read whole), and the release it announces in `linux_banner`.
 */
import { ElfFile, type ElfSymbol } from '../elf/elf-file.js';
import { readKsymtab } from './ksymtab.js';
import type { Export } from './types.js';

export interface VmlinuxFacts {
  exports: Export[];
  /** From `linux_banner` ("Linux version 6.1.0-47-amd64 (…)"), when the symbol is there. */
  release?: string;
  /** The loader's own `vermagic` string (kernel/module's static vermagic[]), when the symbol is there. */
  vermagic?: string;
  machine: number;
}

export function readVmlinux(path: string): VmlinuxFacts {
  const elf = ElfFile.open(path);
  try {
    return vmlinuxFacts(elf, path);
  } finally {
    elf.close();
  }
}

/** The facts of an opened vmlinux (the caller closes it). */
export function vmlinuxFacts(elf: ElfFile, path: string): VmlinuxFacts {
  const symbols = elf.symbols();
  const exports: Export[] = readKsymtab(elf, symbols).map((e) => ({ ...e, owner: 'vmlinux', origin: { file: path } }));
  let release: string | undefined;
  let vermagic: string | undefined;
  for (const s of symbols) {
    if (s.name === 'linux_banner' && release === undefined) {
      const banner = stringAt(elf, s);
      const m = banner && /^Linux version (\S+)/.exec(banner);
      if (m) release = m[1];
    } else if (s.name === 'vermagic' && vermagic === undefined) {
      vermagic = stringAt(elf, s);
    }
  }
  return { exports, release, vermagic, machine: elf.header.machine };
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
