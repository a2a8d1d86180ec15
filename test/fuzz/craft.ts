/**
 * A tiny ELF writer for hand-made hostile files (the mutation fuzzers start from real gcc output; these
 * are for inputs no mutation of a small sample reaches: millions of entries, long string runs).
 * 64-bit little-endian unless told otherwise; section 0 and .shstrtab are added.
 */
import { SHT_NOBITS, SHT_NULL, SHT_STRTAB } from '../../src/elf/constants.js';

export interface CraftSection {
  name: string;
  type: number;
  flags?: bigint;
  addr?: bigint;
  data?: Buffer;
  /** sh_size when it differs from data.length (SHT_NOBITS, or a lie). */
  size?: number | bigint;
  link?: number;
  info?: number;
  entsize?: number;
}

export interface CraftOptions {
  type?: number; // e_type, default ET_REL
  machine?: number; // default EM_X86_64
  sections: CraftSection[];
}

/** A 64-bit little-endian ELF file; sections get indices 1.. in the order given, .shstrtab last. */
export function craftElf64(o: CraftOptions): Buffer {
  const names: number[] = [];
  let shstr = Buffer.from([0]);
  const all: CraftSection[] = [...o.sections, { name: '.shstrtab', type: SHT_STRTAB }];
  for (const s of all) {
    names.push(shstr.length);
    shstr = Buffer.concat([shstr, Buffer.from(s.name + '\0', 'latin1')]);
  }
  all[all.length - 1].data = shstr;
  const parts: Buffer[] = [Buffer.alloc(64)];
  let pos = 64;
  const offsets: number[] = [];
  for (const s of all) {
    const pad = (8 - (pos % 8)) % 8;
    if (pad) parts.push(Buffer.alloc(pad));
    pos += pad;
    offsets.push(pos);
    if (s.type !== SHT_NOBITS && s.data) {
      parts.push(s.data);
      pos += s.data.length;
    }
  }
  const pad = (8 - (pos % 8)) % 8;
  if (pad) parts.push(Buffer.alloc(pad));
  pos += pad;
  const shoff = pos;
  const shnum = all.length + 1;
  const sh = Buffer.alloc(64 * shnum);
  all.forEach((s, k) => {
    const o2 = 64 * (k + 1);
    sh.writeUInt32LE(names[k], o2);
    sh.writeUInt32LE(s.type, o2 + 4);
    sh.writeBigUInt64LE(s.flags ?? 0n, o2 + 8);
    sh.writeBigUInt64LE(s.addr ?? 0n, o2 + 0x10);
    sh.writeBigUInt64LE(BigInt(offsets[k]), o2 + 0x18);
    sh.writeBigUInt64LE(BigInt(s.size ?? s.data?.length ?? 0), o2 + 0x20);
    sh.writeUInt32LE(s.link ?? 0, o2 + 0x28);
    sh.writeUInt32LE(s.info ?? 0, o2 + 0x2c);
    sh.writeBigUInt64LE(1n, o2 + 0x30);
    sh.writeBigUInt64LE(BigInt(s.entsize ?? 0), o2 + 0x38);
  });
  sh.writeUInt32LE(SHT_NULL, 4);
  parts.push(sh);
  const out = Buffer.concat(parts);
  out.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1], 0);
  out.writeUInt16LE(o.type ?? 1, 0x10);
  out.writeUInt16LE(o.machine ?? 62, 0x12);
  out.writeUInt32LE(1, 0x14);
  out.writeBigUInt64LE(BigInt(shoff), 0x28);
  out.writeUInt16LE(64, 0x34);
  out.writeUInt16LE(64, 0x3a);
  out.writeUInt16LE(shnum, 0x3c);
  out.writeUInt16LE(shnum - 1, 0x3e);
  return out;
}

export interface CraftSymbol {
  name: number;
  bind?: number;
  type?: number;
  shndx?: number;
  value?: bigint;
  size?: bigint;
}

/** Elf64_Sym entries (index 0, the null symbol, is added). */
export function symtab64(symbols: CraftSymbol[]): Buffer {
  const b = Buffer.alloc(24 * (symbols.length + 1));
  symbols.forEach((s, k) => {
    const o = 24 * (k + 1);
    b.writeUInt32LE(s.name, o);
    b[o + 4] = ((s.bind ?? 1) << 4) | (s.type ?? 0);
    b.writeUInt16LE(s.shndx ?? 0, o + 6);
    b.writeBigUInt64LE(s.value ?? 0n, o + 8);
    b.writeBigUInt64LE(s.size ?? 0n, o + 16);
  });
  return b;
}

/** Elf64_Rela entries. */
export function rela64(relocs: Array<{ offset: bigint; sym: number; type: number; addend?: bigint }>): Buffer {
  const b = Buffer.alloc(24 * relocs.length);
  relocs.forEach((r, k) => {
    b.writeBigUInt64LE(r.offset, 24 * k);
    b.writeBigUInt64LE((BigInt(r.sym) << 32n) | BigInt(r.type), 24 * k + 8);
    b.writeBigInt64LE(r.addend ?? 0n, 24 * k + 16);
  });
  return b;
}
