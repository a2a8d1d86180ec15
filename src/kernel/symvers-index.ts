/**
 * Module.symvers for loadKernel(): an index over the text of a modern-layout file whose exports are made
 * when looked up (SymversIndex), checked whole as symvers.ts checks it, with the same errors; any other
 * layout is parsed by symvers.ts as before. Why: a one-module check looks up a few dozen of a 6.1 kernel's
 * 24,683 exports, and making (then collecting) an object and five strings for each was a third of its
 * run beyond Node's own start (docs/performance.md, "One module, the kernel side").
 */
import { readInput } from '../files.js';
import { InputError } from '../errors.js';
import { describeFsError } from './locate.js';
import { checkText, parseLines, symversText, type SymversFile } from './symvers.js';
import { EXPORT_TYPES, type Export, type ExportType } from './types.js';

/** MODERN_LINE without its captures: a line checked, nothing made of it (SymversIndex). */
export const MODERN_LINE_CHECK =
  /(?:0[xX])?[0-9a-fA-F]{1,8}\t[^\s\x00-\x1f\x7f\uFFFD]+\t[^\x00-\x1f\x7f\uFFFD]+\t(?:EXPORT_SYMBOL_GPL_FUTURE|EXPORT_SYMBOL_GPL|EXPORT_SYMBOL|EXPORT_UNUSED_SYMBOL_GPL|EXPORT_UNUSED_SYMBOL)\t[^\s\x00-\x1f\x7f\uFFFD]*\r?(?:\n|$)/y;

/** FNV-1a of the UTF-16 code units text[start, end). */
export function hashRange(text: string, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/**
 * The strings the rules compare a field with, one of each: a field sliced from the text is a new string per
 * line, which each comparison with a literal reads character by character (isGplOnly() over a tree's
 * exports took ~16 ms of a first pass, ~4 ms of a second once V8 had internalized them); these compare by
 * pointer.
 */
const KNOWN_FIELDS = new Map<string, string>([...EXPORT_TYPES, 'vmlinux'].map((t) => [t, t]));

function known(field: string): string {
  return KNOWN_FIELDS.get(field) ?? field;
}

/**
 * The export of the line of `text` that starts at `start` and whose symbol name is [nameStart, nameEnd): a
 * line MODERN_LINE_CHECK took, its fields as parseModernLines() makes them; `line` its 1-based number.
 */
export function exportOfLine(text: string, start: number, nameStart: number, nameEnd: number, file: string, line: number): Export {
  const typeStart = text.indexOf('\t', nameEnd + 1) + 1;
  const nsStart = text.indexOf('\t', typeStart) + 1;
  let end = text.indexOf('\n', nsStart);
  if (end === -1) end = text.length;
  if (text.charCodeAt(end - 1) === 13 /* \r */) end--;
  const c1 = text.charCodeAt(start + 1);
  const crcStart = c1 === 120 /* x */ || c1 === 88 /* X */ ? start + 2 : start;
  return {
    name: text.slice(nameStart, nameEnd),
    type: known(text.slice(typeStart, nsStart - 1)) as ExportType,
    namespace: text.slice(nsStart, end),
    crc: parseInt(text.slice(crcStart, nameStart - 1), 16),
    owner: known(text.slice(nameEnd + 1, typeStart - 1)),
    origin: { file, line },
  };
}

/**
 * A Module.symvers in the modern layout, checked whole as parseModernLines() checks it, whose exports are
 * made when asked for: a one-module check looks up a few dozen of a 6.1 kernel's 24,683. Built in one
 * pass over the text — each line checked by a regular expression that makes nothing, its symbol name
 * hashed into an open-addressing table of line numbers (typed arrays: nothing for the garbage collector
 * to copy) — and then get() decodes the one line asked for. What it gives is what parseModernLines()
 * gives for the same text, the first line of a name winning as in ExportIndex.add(); values() makes every
 * export, in the file's order (the `exports` command, diff, a tree's shared names). undefined from
 * indexModernLines() for any text parseModernLines() does not take.
 */
export class SymversIndex {
  readonly #text: string;
  readonly #file: string;
  /** Start of each line (its CRC field). */
  readonly #lineStart: Int32Array;
  /** Start and length of each line's symbol name. */
  readonly #nameStart: Int32Array;
  readonly #nameLen: Int32Array;
  /** Line number + 1 of each name's first line, 0 for a free slot; and the name's hash beside it. */
  readonly #table: Int32Array;
  readonly #slotHash: Uint32Array;
  /** Lines whose name an earlier line has (ExportIndex.add() would refuse them). */
  readonly #dup: Uint8Array | undefined;
  readonly #made: (Export | undefined)[];
  readonly #asked = new Map<string, Export | null>();
  /** Distinct names. */
  readonly size: number;
  /** Lines (an export each, duplicates included). */
  readonly lines: number;

  private constructor(text: string, file: string, lineStart: Int32Array, nameStart: Int32Array, nameLen: Int32Array, table: Int32Array, slotHash: Uint32Array, dup: Uint8Array | undefined, size: number) {
    this.#text = text;
    this.#file = file;
    this.#lineStart = lineStart;
    this.#nameStart = nameStart;
    this.#nameLen = nameLen;
    this.#table = table;
    this.#slotHash = slotHash;
    this.#dup = dup;
    this.size = size;
    this.lines = lineStart.length;
    this.#made = new Array<Export | undefined>(lineStart.length);
  }

  /** The index of a text parseModernLines() takes; undefined for any other (and the empty text). */
  static of(text: string, file: string): SymversIndex | undefined {
    if (text.length === 0) return undefined;
    const re = MODERN_LINE_CHECK;
    let cap = Math.max(1024, text.length >>> 5); // a 6.x line is ~70 characters: no growing
    let lineStart = new Int32Array(cap);
    let nameStart = new Int32Array(cap);
    let nameLen = new Int32Array(cap);
    let n = 0;
    let pos = 0;
    while (pos < text.length) {
      re.lastIndex = pos;
      if (!re.test(text)) return undefined;
      if (n === cap) {
        cap *= 2;
        const grow = (a: Int32Array) => {
          const b = new Int32Array(cap);
          b.set(a);
          return b;
        };
        lineStart = grow(lineStart);
        nameStart = grow(nameStart);
        nameLen = grow(nameLen);
      }
      const s = text.indexOf('\t', pos) + 1;
      lineStart[n] = pos;
      nameStart[n] = s;
      nameLen[n] = text.indexOf('\t', s) - s;
      n++;
      pos = re.lastIndex;
    }
    lineStart = lineStart.subarray(0, n);
    let size = 1 << 10;
    while (size < n * 2) size <<= 1;
    const mask = size - 1;
    const table = new Int32Array(size);
    const slotHash = new Uint32Array(size);
    let dup: Uint8Array | undefined;
    let distinct = 0;
    for (let i = 0; i < n; i++) {
      const s = nameStart[i]!;
      const len = nameLen[i]!;
      const h = hashRange(text, s, s + len);
      let slot = h & mask;
      for (;;) {
        const at = table[slot]!;
        if (at === 0) {
          table[slot] = i + 1;
          slotHash[slot] = h;
          distinct++;
          break;
        }
        if (slotHash[slot] === h && nameLen[at - 1] === len && text.startsWith(text.slice(s, s + len), nameStart[at - 1]!)) {
          (dup ??= new Uint8Array(n))[i] = 1;
          break;
        }
        slot = (slot + 1) & mask;
      }
    }
    return new SymversIndex(text, file, lineStart, nameStart.subarray(0, n), nameLen.subarray(0, n), table, slotHash, dup, distinct);
  }

  /** The line (0-based) that defines `name` first, or -1. */
  #lineOf(name: string): number {
    const text = this.#text;
    const h = hashRange(name, 0, name.length);
    const mask = this.#table.length - 1;
    for (let slot = h & mask; ; slot = (slot + 1) & mask) {
      const at = this.#table[slot]!;
      if (at === 0) return -1;
      if (this.#slotHash[slot] === h && this.#nameLen[at - 1] === name.length && text.startsWith(name, this.#nameStart[at - 1]!)) return at - 1;
    }
  }

  /** Line i's export, made once (the fields as parseModernLines() makes them). */
  #at(i: number): Export {
    let e = this.#made[i];
    if (e) return e;
    const nameStart = this.#nameStart[i]!;
    e = exportOfLine(this.#text, this.#lineStart[i]!, nameStart, nameStart + this.#nameLen[i]!, this.#file, i + 1);
    this.#made[i] = e;
    return e;
  }

  get(name: string): Export | undefined {
    let e = this.#asked.get(name);
    if (e === undefined) {
      const i = this.#lineOf(name);
      e = i === -1 ? null : this.#at(i);
      this.#asked.set(name, e);
    }
    return e ?? undefined;
  }

  has(name: string): boolean {
    return this.get(name) !== undefined;
  }

  /** Each name's first export, in the file's order. */
  *values(): IterableIterator<Export> {
    const dup = this.#dup;
    for (let i = 0; i < this.lines; i++) if (!dup || dup[i] === 0) yield this.#at(i);
  }

  /** values()'s names, without making their exports. */
  *names(): IterableIterator<string> {
    const dup = this.#dup;
    const text = this.#text;
    for (let i = 0; i < this.lines; i++) if (!dup || dup[i] === 0) yield text.slice(this.#nameStart[i]!, this.#nameStart[i]! + this.#nameLen[i]!);
  }

  /** Every line's export, duplicates included: parseModernLines()'s list. */
  all(): Export[] {
    const out = new Array<Export>(this.lines);
    for (let i = 0; i < this.lines; i++) out[i] = this.#at(i);
    return out;
  }

  /** Where each line starts in the text (its CRC field): the on-disk index's line table (symvers-cache.ts). */
  lineStarts(): Int32Array {
    return this.#lineStart;
  }

  /** Each line's symbol-name hash (hashRange()), duplicates included: the on-disk index's keys (symvers-cache.ts). */
  nameHashes(): Uint32Array {
    const out = new Uint32Array(this.lines);
    for (let i = 0; i < this.lines; i++) out[i] = hashRange(this.#text, this.#nameStart[i]!, this.#nameStart[i]! + this.#nameLen[i]!);
    return out;
  }

  /** Whether a line has a CRC other than 0 (modpost writes 0x00000000 without CONFIG_MODVERSIONS). */
  anyCrc(): boolean {
    const text = this.#text;
    for (let i = 0; i < this.lines; i++) {
      const start = this.#lineStart[i]!;
      const c1 = text.charCodeAt(start + 1);
      const end = this.#nameStart[i]! - 1;
      for (let k = c1 === 120 || c1 === 88 ? start + 2 : start; k < end; k++) if (text.charCodeAt(k) !== 48 /* 0 */) return true;
    }
    return false;
  }
}

/**
 * A Module.symvers's bytes as loadKernel() reads them: a SymversIndex when the file is in the modern
 * layout (every kernel since 5.6-rc7), else the parsed file — with the same errors symversFromBytes() gives.
 */
export function indexSymversBytes(buf: Buffer, name: string): SymversIndex | SymversFile {
  const text = symversText(buf, name);
  if (text.length > 0) {
    checkText(text, name);
    const index = SymversIndex.of(text, name);
    if (index) return index;
  }
  return parseLines(text, name); // what parseSymvers() gives once parseModernLines() has not taken the text
}

/** Read a Module.symvers for loadKernel(): plain or gzip, as readSymversFile() reads it, indexed (indexSymversBytes()). */
export function readSymversIndexed(path: string): SymversIndex | SymversFile {
  let buf: Buffer;
  try {
    buf = readInput(path);
  } catch (e) {
    throw new InputError(path, describeFsError(e));
  }
  return indexSymversBytes(buf, path);
}

