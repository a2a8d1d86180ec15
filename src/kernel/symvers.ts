/**
 * Module.symvers: parse every historical layout, read plain or gzip files, write the modern layout.
 *
 * What modpost's own reader (`read_dump()` in scripts/mod/modpost.c) accepts, read in real trees:
 *
 * - 4.18 (RHEL/CentOS 8 tree AmpereComputing/ampere-centos-kernel---DEPRECATED @121f075d):
 *   lines come from `get_next_line()`, which skips leading white space (so blank lines vanish), cuts a
 *   line at 4095 bytes and DROPS a final line that has no '\n'. Needs >= 3 TAB-separated fields
 *   `crc sym module`; the 4th (export type) is optional and anything from a 4th TAB on is cut off
 *   (a 5th column is ignored). A missing or unrecognised export type becomes `export_unknown`, i.e.
 *   `(unknown)`, silently. `strtoul(crc, &d, 16)` must consume the whole field (so `0x` is optional);
 *   sym and module must be non-empty; otherwise `FATAL: parse error in symbol dump file`.
 * - 5.4 before 5.6-rc7 (commit cb9b55d21fe0, seen as the removed side of 5190044c2965):
 *   `crc sym namespace module [export]` — namespace and module mandatory, export optional.
 * - 5.4.y with the stable backport (CodeLinaro-mirror/la_kernel_msm-5.4 @4c5bf1e7) and 5.6-rc7+:
 *   `crc sym module export namespace` — all five fields mandatory (the namespace is everything after
 *   the 4th TAB, possibly empty); still `get_next_line()` in 5.4.
 * - 5.10 (WindRiver-Labs/linux-yocto-5.10 @8f13b134): same five mandatory fields, but lines now come
 *   from `read_text_file()` + `get_line()`: split on '\n' only, no white-space skipping (a blank line
 *   has no TAB → FATAL), a final line without '\n' IS parsed. Unknown export strings still map to
 *   `export_unknown` silently.
 * - 6.1 (CodeLinaro-mirror/qsdk_oss_kernel_linux-ipq-6.1 @4f5309aa): as 5.10, but only
 *   `EXPORT_SYMBOL` / `EXPORT_SYMBOL_GPL` are accepted; any other type → `ERROR: <sym>: unknown
 *   license <x>. skip` (symbol dropped, build fails at the end). write_dump() prints
 *   `0x%08x\t%s\t%s\tEXPORT_SYMBOL%s\t%s\n` (crc, name, module, "_GPL" or "", namespace or "").
 *
 * Our parser (a superset where modpost versions disagree, stricter where a file is surely damaged):
 * - layout detected per line from the content, then the whole file must agree with line 1:
 *   3 fields → legacy 4-column layout without export type (type `(unknown)`, as 4.18 does);
 *   4 fields → `crc-sym-mod-type`; 5 fields with an export type in column 4 → `crc-sym-mod-type-ns`
 *   (5.6-rc7+); 5 fields with an export type in column 5 → `crc-sym-ns-mod-type` (5.4–5.6-rc6).
 *   Every line must have the field count and layout of line 1 (a truncated last line therefore fails).
 * - CRC: optional `0x`/`0X` then 1–8 hex digits (strtoul base 16 takes the prefix as optional; we
 *   refuse the empty field, signs, white space and > 32-bit values that strtoul would also take).
 * - export type must be one of EXPORT_TYPES (4.18/5.10 silently turned anything else into
 *   `(unknown)`; 6.1 errors out) — a ParseError here.
 * - CRLF: tolerated, the CR before each '\n' is stripped. (modpost does NOT strip it: 5.10+ would read
 *   namespace "\r", 4.18 an unknown export type. Refusing would help nobody; we document it.)
 * - blank line → ParseError (fatal in modpost >= 5.10; 4.18 skipped it).
 * - a final line without '\n' is parsed (5.10+ behaviour) — it must still be complete.
 * - NUL bytes and invalid UTF-8 → ParseError naming the line.
 *
 * Speed: every line goes through a hand-written check equivalent to `symversLineSchema()` (a fast-check
 * property test holds the two together); zod only runs on a line that failed it, to word the message.
 * Measured (Node 20): corpus file 15 (625 KB, 11,129 lines) parses in ~6 ms warm / ~25 ms cold, Debian
 * 6.1.0-56's Module.symvers (1.7 MB, 24,683 lines) in ~21 ms warm / ~47 ms cold; zod `safeParse` on
 * every line would add 60-90 ms on its own for those two files.
 */
import { readInput } from '../files.js';
import { isAscii, isUtf8 } from 'node:buffer';
import { zod } from '../zod.js';
import { zlib } from '../builtins.js';
import { InputError, ParseError } from '../errors.js';
import { EXPORT_TYPES, type Export, type ExportType } from './types.js';
import { describeFsError } from './locate.js';

export type SymversFormat = 'crc-sym-mod-type' | 'crc-sym-ns-mod-type' | 'crc-sym-mod-type-ns' | 'empty';

export interface SymversFile {
  format: SymversFormat;
  exports: Export[];
}

const CRC_RE = /^(?:0[xX])?[0-9a-fA-F]{1,8}$/;
/** Symbol names: non-empty, no white space, no control characters. */
const NAME_RE = /^[^\s\x00-\x1f\x7f]+$/;
/** Namespaces: may be empty; `USB_STORAGE`, `module:mod1,mod2*` (6.16+). */
const NS_RE = /^[^\s\x00-\x1f\x7f]*$/;
/** Module column: non-empty, no control characters (a path may in principle hold spaces). */
const OWNER_RE = /^[^\x00-\x1f\x7f]+$/;
const EXPORT_TYPE_SET: ReadonlySet<string> = new Set(EXPORT_TYPES);

function isExportType(s: string): s is ExportType {
  return EXPORT_TYPE_SET.has(s);
}

/** One line's fields, named (the layout decides which column is which). */
function buildLineSchema() {
  const z = zod();
  return z.object({
    crc: z.string().regex(CRC_RE, { message: 'CRC must be 0x followed by 1 to 8 hex digits' }),
    name: z
      .string()
      .min(1, { message: 'empty symbol name' })
      .regex(NAME_RE, { message: 'symbol name contains white space or control characters' }),
    owner: z
      .string()
      .min(1, { message: 'empty module column' })
      .regex(OWNER_RE, { message: 'module column contains control characters' }),
    type: z.string().refine(isExportType, {
      message: `unknown export type (expected one of ${EXPORT_TYPES.join(', ')})`,
    }),
    namespace: z.string().regex(NS_RE, { message: 'namespace contains white space or control characters' }),
  });
}

let lineSchema: ReturnType<typeof buildLineSchema> | undefined;

/** The zod schema of one line's fields (built, and zod loaded, on first call). */
export function symversLineSchema(): ReturnType<typeof buildLineSchema> {
  return (lineSchema ??= buildLineSchema());
}

/** A line's raw fields (before validation the type column is any string). */
export interface SymversLine {
  crc: string;
  name: string;
  owner: string;
  type: string;
  namespace: string;
}

/** The hand check: must accept exactly what symversLineSchema() accepts (a test holds them together). */
export function isValidSymversLine(l: SymversLine): boolean {
  return (
    CRC_RE.test(l.crc) &&
    NAME_RE.test(l.name) &&
    OWNER_RE.test(l.owner) &&
    EXPORT_TYPE_SET.has(l.type) &&
    NS_RE.test(l.namespace)
  );
}

type LineLayout = Exclude<SymversFormat, 'empty'>;

const COLUMN: Record<LineLayout, Record<keyof SymversLine, number>> = {
  'crc-sym-mod-type': { crc: 1, name: 2, owner: 3, type: 4, namespace: 5 },
  'crc-sym-ns-mod-type': { crc: 1, name: 2, namespace: 3, owner: 4, type: 5 },
  'crc-sym-mod-type-ns': { crc: 1, name: 2, owner: 3, type: 4, namespace: 5 },
};

const LAYOUT_WORDS: Record<LineLayout, string> = {
  'crc-sym-mod-type': '4-column layout crc-sym-mod-type (<= 5.3)',
  'crc-sym-ns-mod-type': '5-column layout crc-sym-ns-mod-type (namespace third, 5.4 - 5.6-rc6)',
  'crc-sym-mod-type-ns': '5-column layout crc-sym-mod-type-ns (namespace last, 5.6-rc7+)',
};

/** The message for a line that failed the hand check: zod tells which field and why. */
function zodReason(line: SymversLine, layout: LineLayout): string {
  const r = symversLineSchema().safeParse(line);
  if (r.success) return 'invalid line'; // unreachable while the two checks agree
  const issue = r.error.issues[0]!;
  const key = issue.path[0] as keyof SymversLine;
  const col = COLUMN[layout][key];
  const shown = line[key].length > 80 ? `${line[key].slice(0, 80)}…` : line[key];
  return `field ${col} (${key}) ${JSON.stringify(shown)}: ${issue.message}`;
}

function lineOf(text: string, index: number): number {
  let n = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < index; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

/**
 * Parse the text of a Module.symvers (or vmlinux.symvers / modules-only.symvers / RHEL symvers-<rel>).
 * Throws ParseError(file, line, reason) on the first bad line.
 */
export function parseSymvers(text: string, file: string): SymversFile {
  if (text.length === 0) return { format: 'empty', exports: [] };
  checkText(text, file);
  return parseModernLines(text, file) ?? parseLines(text, file);
}

/** NUL bytes and U+FFFD (what invalid UTF-8 decoded to): a ParseError naming the line. */
export function checkText(text: string, file: string): void {
  const nul = text.indexOf('\0');
  if (nul !== -1) throw new ParseError(file, lineOf(text, nul), 'NUL byte in line (not a text Module.symvers)');
  const bad = text.indexOf('\uFFFD');
  if (bad !== -1) {
    throw new ParseError(file, lineOf(text, bad), 'U+FFFD replacement character: the file is not valid UTF-8');
  }
}

/**
 * One line of the layout every kernel since 5.6-rc7 writes (`crc sym module type namespace`), checked
 * as isValidSymversLine() checks it, its '\n' (or the end of the text) included; CR before the '\n'
 * dropped, as parseLines() drops it. Sticky: a match must start where the previous line ended.
 */
const MODERN_LINE =
  /(?:0[xX])?([0-9a-fA-F]{1,8})\t([^\s\x00-\x1f\x7f\uFFFD]+)\t([^\x00-\x1f\x7f\uFFFD]+)\t(EXPORT_SYMBOL_GPL_FUTURE|EXPORT_SYMBOL_GPL|EXPORT_SYMBOL|EXPORT_UNUSED_SYMBOL_GPL|EXPORT_UNUSED_SYMBOL)\t([^\s\x00-\x1f\x7f\uFFFD]*)\r?(?:\n|$)/y;

/**
 * The common case in one regular-expression pass: a file whose every line is a valid modern line
 * (never a NUL or U+FFFD). undefined as soon as one line is not, and for an empty text — parseLines()
 * then reads the file again and says what is wrong (or accepts what this pass does not take: other
 * layouts, `(unknown)` types, the empty file). What it returns is what
 * parseLines() returns for the same text (a property test holds them together). A 6.1 Module.symvers of
 * 24,683 lines: ~2.5× faster than the line-by-line checks, which matters on the one-module path.
 */
export function parseModernLines(text: string, file: string): SymversFile | undefined {
  if (text.length === 0) return undefined; // the empty layout
  const exports: Export[] = [];
  const re = MODERN_LINE;
  let pos = 0;
  let lineNo = 0;
  while (pos < text.length) {
    re.lastIndex = pos;
    const m = re.exec(text);
    if (m === null) return undefined;
    lineNo++;
    exports.push({
      name: m[2]!,
      type: m[4] as ExportType,
      namespace: m[5]!,
      crc: parseInt(m[1]!, 16),
      owner: m[3]!,
      origin: { file, line: lineNo },
    });
    pos = re.lastIndex;
  }
  return { format: 'crc-sym-mod-type-ns', exports };
}

/** Line by line, every layout, with the error that says what is wrong with a line. */
export function parseLines(text: string, file: string): SymversFile {
  if (text.length === 0) return { format: 'empty', exports: [] };
  checkText(text, file);

  const exports: Export[] = [];
  let format: LineLayout | undefined;
  let fileFields = 0;
  let lineNo = 0;
  let pos = 0;
  const end = text.length;

  while (pos < end) {
    lineNo++;
    let nl = text.indexOf('\n', pos);
    const terminated = nl !== -1;
    if (!terminated) nl = end;
    let stop = nl;
    if (stop > pos && text.charCodeAt(stop - 1) === 13 /* \r */) stop--;
    const raw = text.slice(pos, stop);
    pos = nl + 1;

    if (raw.length === 0) {
      throw new ParseError(
        file,
        lineNo,
        "empty line (modpost >= 5.10 stops here with 'parse error in symbol dump file')",
      );
    }
    const f = raw.split('\t');
    const n = f.length;

    let layout: LineLayout;
    if (format === undefined) {
      if (n === 3 || n === 4) layout = 'crc-sym-mod-type';
      else if (n === 5) {
        if (isExportType(f[3]!)) layout = 'crc-sym-mod-type-ns';
        else if (isExportType(f[4]!)) layout = 'crc-sym-ns-mod-type';
        else {
          throw new ParseError(
            file,
            lineNo,
            `5 fields but neither field 4 ${JSON.stringify(f[3])} nor field 5 ${JSON.stringify(f[4])} ` +
              `is an export type (${EXPORT_TYPES.join(', ')})`,
          );
        }
      } else {
        throw new ParseError(file, lineNo, `expected 4 or 5 TAB-separated fields, found ${n}`);
      }
      format = layout;
      fileFields = n;
    } else {
      layout = format;
      if (n !== fileFields) {
        const truncated = !terminated && n < fileFields ? '; the file ends here without a newline: truncated?' : '';
        throw new ParseError(
          file,
          lineNo,
          `expected ${fileFields} TAB-separated fields as in line 1 (${LAYOUT_WORDS[format]}), found ${n}${truncated}`,
        );
      }
      if (n === 5) {
        // the other 5-column layout on this line? say so rather than "unknown export type"
        const t = layout === 'crc-sym-mod-type-ns' ? f[3]! : f[4]!;
        const other = layout === 'crc-sym-mod-type-ns' ? f[4]! : f[3]!;
        if (!isExportType(t) && isExportType(other)) {
          const mine = layout === 'crc-sym-mod-type-ns' ? 'crc-sym-ns-mod-type' : 'crc-sym-mod-type-ns';
          throw new ParseError(
            file,
            lineNo,
            `line is in the ${LAYOUT_WORDS[mine]}, but line 1 set the ${LAYOUT_WORDS[layout]}`,
          );
        }
      }
    }

    let line: SymversLine;
    if (layout === 'crc-sym-ns-mod-type') {
      line = { crc: f[0]!, name: f[1]!, namespace: f[2]!, owner: f[3]!, type: f[4]! };
    } else {
      // 3 fields: no export type (pre-2.6.18 writer); 4.18's read_dump made it export_unknown
      line = { crc: f[0]!, name: f[1]!, owner: f[2]!, type: n === 3 ? '(unknown)' : f[3]!, namespace: n === 5 ? f[4]! : '' };
    }
    if (!isValidSymversLine(line)) throw new ParseError(file, lineNo, zodReason(line, layout));

    const hex = line.crc.charCodeAt(1) === 120 /* x */ || line.crc.charCodeAt(1) === 88 ? line.crc.slice(2) : line.crc;
    exports.push({
      name: line.name,
      type: line.type as ExportType,
      namespace: line.namespace,
      crc: parseInt(hex, 16),
      owner: line.owner,
      origin: { file, line: lineNo },
    });
  }

  return { format: format ?? 'empty', exports };
}

/** Byte offset of the first invalid UTF-8 sequence, or -1. */
export function firstInvalidUtf8(buf: Uint8Array): number {
  const n = buf.length;
  let i = 0;
  while (i < n) {
    const b = buf[i]!;
    if (b < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let min: number;
    let cp: number;
    if (b >= 0xc2 && b <= 0xdf) {
      need = 1;
      min = 0x80;
      cp = b & 0x1f;
    } else if (b >= 0xe0 && b <= 0xef) {
      need = 2;
      min = 0x800;
      cp = b & 0x0f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      need = 3;
      min = 0x10000;
      cp = b & 0x07;
    } else return i;
    for (let k = 1; k <= need; k++) {
      const c = buf[i + k];
      if (c === undefined || (c & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (c & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return i;
    i += need + 1;
  }
  return -1;
}

/** Decode a whole file as UTF-8; invalid bytes → ParseError with the line they are on. */
export function decodeUtf8Text(buf: Buffer, file: string): string {
  // ASCII (every Module.symvers seen): the same string, from a check ~30× quicker than isUtf8()'s
  if (isAscii(buf)) return buf.toString('latin1');
  if (!isUtf8(buf)) {
    const at = firstInvalidUtf8(buf);
    let line = 1;
    for (let i = buf.indexOf(10); i !== -1 && i < at; i = buf.indexOf(10, i + 1)) line++;
    throw new ParseError(
      file,
      line,
      `not valid UTF-8 (byte 0x${(buf[at] ?? 0).toString(16).padStart(2, '0')} at offset ${at})`,
    );
  }
  return buf.toString('utf8');
}

/** Largest decompressed size accepted from a .gz (a 6.x Module.symvers is ~2 MB). */
const MAX_GUNZIP = 256 * 1024 * 1024;

/**
 * Read a Module.symvers, plain or gzip-compressed (RHEL's /boot/symvers-<release>.gz): gzip when the
 * name ends in `.gz` or the data starts with the gzip magic 1f 8b.
 */
export async function readSymversFile(path: string): Promise<SymversFile> {
  let buf: Buffer;
  try {
    buf = readInput(path); // synchronous: one file, no pool round trip (see locate.ts)
  } catch (e) {
    throw new InputError(path, describeFsError(e));
  }
  return symversFromBytes(buf, path);
}

/** A Module.symvers's bytes (plain, or gzip by name or magic, as a package holds it) → its exports. */
export function symversFromBytes(buf: Buffer, name: string): SymversFile {
  return parseSymvers(symversText(buf, name), name);
}

/** Compressions a Module.symvers is not read in, by their magic. */
const OTHER_COMPRESSION: ReadonlyArray<[number[], string]> = [
  [[0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], 'xz'],
  [[0x28, 0xb5, 0x2f, 0xfd], 'zstd'],
];

/** The text of a Module.symvers's bytes: gunzipped when gzip, checked UTF-8; xz or zstd refused by name. */
export function symversText(buf: Buffer, name: string): string {
  const other = OTHER_COMPRESSION.find(([m]) => m.every((b, i) => buf[i] === b));
  const magic = buf.length >= 2 && buf[0] === 0x1f && buf[1] === 0x8b;
  if (magic || name.endsWith('.gz')) {
    try {
      buf = zlib().gunzipSync(buf, { maxOutputLength: MAX_GUNZIP });
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      throw new InputError(name, `corrupt gzip data: ${why}`);
    }
  } else if (other) {
    // (read as text, it was "not valid UTF-8" at its first byte)
    throw new InputError(name, `${other[1]}-compressed: a Module.symvers is read plain or gzip-compressed (as RHEL ships it); decompress it first`, { offset: 0 });
  }
  return decodeUtf8Text(buf, name);
}

function hex8(crc: number | null): string {
  const v = crc ?? 0;
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new RangeError(`CRC out of 32-bit range: ${v}`);
  return v.toString(16).padStart(8, '0');
}

const NO_TAB_NL = /[\t\n\r]/;

/**
 * The modern layout exactly as 6.x write_dump() prints it: `0x%08x\t%s\t%s\t%s\t%s\n`
 * (crc, name, owner, type, namespace); a null CRC is written as 0x00000000. Types are written as given
 * (6.x itself only ever writes EXPORT_SYMBOL / EXPORT_SYMBOL_GPL). Throws on a field holding a TAB or
 * newline, which would make the output unreadable.
 */
export function formatSymvers(exports: Iterable<Export>): string {
  const parts: string[] = [];
  for (const e of exports) {
    if (NO_TAB_NL.test(e.name) || NO_TAB_NL.test(e.owner) || NO_TAB_NL.test(e.type) || NO_TAB_NL.test(e.namespace)) {
      throw new RangeError(`field of export ${JSON.stringify(e.name)} contains a TAB or newline`);
    }
    parts.push(`0x${hex8(e.crc)}\t${e.name}\t${e.owner}\t${e.type}\t${e.namespace}\n`);
  }
  return parts.join('');
}
