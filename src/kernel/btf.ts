/**
 * Just enough of BTF (the kernel's BPF Type Format, include/uapi/linux/btf.h) to answer one question: the
 * size of a named struct — `struct module`, which the loader compares `.gnu.linkonce.this_module` with
 * (rule module-struct-size). A vmlinux carries `.BTF` with CONFIG_DEBUG_INFO_BTF, and distribution headers
 * packages ship a vmlinux with nothing else (for BPF programs and resolve_btfids).
 *
 * Layout: struct btf_header { u16 magic 0xeb9f; u8 version 1; u8 flags; u32 hdr_len; u32 type_off,
 * type_len, str_off, str_len } (offsets from the end of the header), then the types, each a struct
 * btf_type { u32 name_off; u32 info (vlen bits 0-15, kind bits 24-28); u32 size_or_type } followed by
 * kind-specific data whose length follows from kind and vlen. The byte order is the magic's.
 */
import { ElfFormatError } from '../errors.js';

const BTF_MAGIC = 0xeb9f;
const KIND_STRUCT = 4;

/** Bytes after struct btf_type for each kind (1 INT … 19 ENUM64), as a function of vlen. */
function trailing(kind: number, vlen: number): number | undefined {
  switch (kind) {
    case 1: // INT
    case 14: // VAR
    case 17: // DECL_TAG
      return 4;
    case 2: // PTR
    case 7: // FWD
    case 8: // TYPEDEF
    case 9: // VOLATILE
    case 10: // CONST
    case 11: // RESTRICT
    case 12: // FUNC
    case 16: // FLOAT
    case 18: // TYPE_TAG
      return 0;
    case 3: // ARRAY
      return 12;
    case 4: // STRUCT
    case 5: // UNION
    case 15: // DATASEC
    case 19: // ENUM64
      return 12 * vlen;
    case 6: // ENUM
    case 13: // FUNC_PROTO
      return 8 * vlen;
    default:
      return undefined;
  }
}

/**
 * The size of `struct <name>` in a `.BTF` section's bytes (the first complete definition), or undefined
 * when there is none. `file`/`at` say where errors point (the section's file offset).
 */
export function btfStructSize(data: Buffer, name: string, file: string, at: number): number | undefined {
  if (data.length < 24) throw new ElfFormatError(file, at, `.BTF: ${data.length} bytes, shorter than struct btf_header`);
  const le = data.readUInt16LE(0) === BTF_MAGIC;
  if (!le && data.readUInt16BE(0) !== BTF_MAGIC) throw new ElfFormatError(file, at, `.BTF: magic 0x${data.readUInt16LE(0).toString(16)} is not 0xeb9f`);
  const u32 = (o: number) => (le ? data.readUInt32LE(o) : data.readUInt32BE(o));
  const hdrLen = u32(4);
  const typeOff = hdrLen + u32(8);
  const typeEnd = typeOff + u32(12);
  const strOff = hdrLen + u32(16);
  const strEnd = strOff + u32(20);
  if (typeEnd > data.length || strEnd > data.length || typeOff > typeEnd) throw new ElfFormatError(file, at, `.BTF: type or string section outside its ${data.length} bytes`);
  const want = Buffer.from(`${name}\0`, 'latin1');
  for (let o = typeOff; o + 12 <= typeEnd; ) {
    const nameOff = u32(o);
    const info = u32(o + 4);
    const kind = (info >>> 24) & 0x1f;
    const vlen = info & 0xffff;
    const extra = trailing(kind, vlen);
    if (extra === undefined) throw new ElfFormatError(file, at + o, `.BTF: type at offset ${o - typeOff} has unknown kind ${kind}`);
    if (kind === KIND_STRUCT && nameOff !== 0) {
      const s = strOff + nameOff;
      if (s + want.length <= strEnd && data.compare(want, 0, want.length, s, s + want.length) === 0) return u32(o + 8);
    }
    o += 12 + extra;
  }
  return undefined;
}
