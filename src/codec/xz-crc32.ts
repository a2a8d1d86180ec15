/**
 * A faster CRC32 for xz-embedded's WebAssembly (xz-decompress 0.2.3, pinned). Its `xz_crc32()` — the
 * check of every `.ko.xz` the kernel's CRC32 modules carry, run over every decoded byte — is the
 * byte-at-a-time loop of the kernel's lib/xz, ~16 % of the decoding time (docs/performance.md). Here the
 * module's function 13, when it is exactly that loop, is replaced by slice-by-8 (eight bytes per step,
 * eight 1 KiB tables), and the tables are written at CRC32_TABLES in its memory: between its static data
 * (below 4 KiB) and its heap (from 69,744), a range the module never touches (it keeps no shadow stack:
 * its stack-pointer global is never read). The same CRC (reflected 0xEDB88320, as lib/xz and zlib), so
 * the same verdicts; any other module is left as it is.
 */

/** xz-embedded's xz_crc32(buf, size, crc) as xz-decompress 0.2.3 ships it (function 13's body). */
const BYTEWISE =
  '0002402001450d002002417f7321020340200241ff017120002d00007341027441f0888080006a2802002002410876732102200041016a21002001417f6a22010d000b2002417f7321020b20020b';

/** Where the eight tables go in the module's memory (8 KiB). */
const CRC32_TABLES = 8192;

/**
 * The replacement, wat2wasm 1.0.32's encoding of (tables Tk at 8192 + 1024·k; p, n, c the arguments):
 *   c = ~c
 *   while n >= 8:  a = load32(p) ^ c;  b = load32(p + 4)
 *                  c = T7[a&255] ^ T6[a>>8&255] ^ T5[a>>16&255] ^ T4[a>>>24]
 *                    ^ T3[b&255] ^ T2[b>>8&255] ^ T1[b>>16&255] ^ T0[b>>>24];  p += 8; n -= 8
 *   while n > 0:   c = T0[(c ^ load8(p)) & 255] ^ (c >>> 8);  p++; n--
 *   return ~c
 */
const SLICE_BY_8 =
  '01027f2002417f7321020240034020014108490d012000280000200273210320002800042104200341ff017141027428028078200341087641ff01714102742802807073200341107641ff0171410274280280687320034118764102742802806073200441ff01714102742802805873200441087641ff01714102742802805073200441107641ff01714102742802804873200441187641027428028040732102200041086a2100200141086b21010c000b0b024003402001450d01200220002d00007341ff0171410274280280402002410876732102200041016a2100200141016b21010c000b0b2002417f730b';

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n) byte |= 0x80;
    out.push(byte);
  } while (n);
  return out;
}

/** The module with function 13's body replaced by slice-by-8, or undefined when that body is not xz_crc32's. */
export function withSliceBy8(module: Uint8Array): Uint8Array | undefined {
  const b = module;
  let p = 8; // magic + version
  const leb = (): number => {
    let r = 0;
    let s = 0;
    let x: number;
    do {
      x = b[p++];
      r += (x & 0x7f) * 2 ** s;
      s += 7;
    } while (x & 0x80 && p < b.length);
    return r;
  };
  while (p < b.length) {
    const sectionStart = p;
    const id = b[p++];
    const size = leb();
    const bodyStart = p;
    if (id === 10) {
      const count = leb();
      for (let i = 0; i < count && p < bodyStart + size; i++) {
        const entryStart = p;
        const len = leb();
        if (i === 13) {
          if (Buffer.from(b.subarray(p, p + len)).toString('hex') !== BYTEWISE) return undefined;
          const fast = Buffer.from(SLICE_BY_8, 'hex');
          const entries = Buffer.concat([Buffer.from(b.subarray(bodyStart, entryStart)), Buffer.from([...uleb(fast.length)]), fast, Buffer.from(b.subarray(p + len, bodyStart + size))]);
          return Buffer.concat([Buffer.from(b.subarray(0, sectionStart)), Buffer.from([10, ...uleb(entries.length)]), entries, Buffer.from(b.subarray(bodyStart + size))]);
        }
        p += len;
      }
      return undefined;
    }
    p = bodyStart + size;
  }
  return undefined;
}

/** Write the eight slice-by-8 tables into the module's memory (before its first decoding). */
export function writeTables(memory: ArrayBuffer): void {
  const t = new Uint32Array(8 * 256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
    t[i] = c >>> 0;
  }
  for (let k = 1; k < 8; k++) {
    for (let i = 0; i < 256; i++) {
      const prev = t[(k - 1) * 256 + i];
      t[k * 256 + i] = ((prev >>> 8) ^ t[prev & 0xff]) >>> 0;
    }
  }
  // WebAssembly memory is little-endian whatever the host
  const view = new DataView(memory, CRC32_TABLES, t.length * 4);
  for (let i = 0; i < t.length; i++) view.setUint32(i * 4, t[i], true);
}
