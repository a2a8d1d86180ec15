/**
 * Kernel configuration files of a build tree:
 * - `.config` and `include/config/auto.conf` → CONFIG_ name → value;
 * - `include/generated/utsrelease.h` → UTS_RELEASE.
 *
 * Formats (Kconfig's confdata.c conventions):
 *   CONFIG_FOO=y | m | 123 | 0x1000          → "y", "m", "123", "0x1000"
 *   CONFIG_STR="text with \"escapes\""        → text with "escapes"   (.config; auto.conf up to ~5.x)
 *   CONFIG_STR=text                           → text                  (auto.conf in 6.x writes strings
 *                                                                       unquoted: seen in Debian 6.1.0-56)
 *   # CONFIG_FOO is not set                   → absent (also removes an earlier assignment)
 *   other `#` comments, blank lines           → ignored
 * Anything else is a ParseError (Kconfig itself warns "unexpected data" and goes on; we refuse,
 * because a mangled .config is usually a wrong file). CRLF line endings are tolerated.
 * A later assignment of the same symbol wins, as in Kconfig.
 */
import { ParseError } from '../errors.js';

const ASSIGN = /^(CONFIG_[A-Za-z0-9_]+)=(.*)$/;
const NOT_SET = /^# (CONFIG_[A-Za-z0-9_]+) is not set$/;

/** Kconfig's string unescape: backslash takes the next character literally; the first bare `"` ends. */
function unquote(v: string): string | undefined {
  let out = '';
  for (let i = 1; i < v.length; i++) {
    const c = v[i]!;
    if (c === '\\') {
      i++;
      if (i >= v.length) return undefined;
      out += v[i];
    } else if (c === '"') {
      return out;
    } else out += c;
  }
  return undefined;
}

/**
 * An unquoted value without the blanks after it: kconfig's conf_read_simple() reads a bool or tristate by
 * its first character, so `CONFIG_MODVERSIONS=y ` is y — taken as 'y ', it turned modversions off and
 * changed the verdicts. (A quoted value ends at its closing quote, as in kconfig.)
 */
function unquoted(v: string): string {
  const c = v.charCodeAt(v.length - 1);
  return c === 32 || c === 9 ? v.replace(/[ \t]+$/, '') : v;
}

/** Parse `.config` / `include/config/auto.conf` text. */
export function parseKconfig(text: string, file: string): Map<string, string> {
  const map = new Map<string, string>();
  const lines = text.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i]!;
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (line.trim() === '') continue;
    if (line.includes('\0')) throw new ParseError(file, i + 1, 'NUL byte in line (not a Kconfig file)');
    const m = ASSIGN.exec(line);
    if (m) {
      const [, name, value] = m as unknown as [string, string, string];
      if (value.startsWith('"')) {
        const s = unquote(value);
        if (s === undefined) throw new ParseError(file, i + 1, `unterminated string value for ${name}`);
        map.set(name, s);
      } else {
        map.set(name, unquoted(value));
      }
      continue;
    }
    const ns = NOT_SET.exec(line);
    if (ns) {
      map.delete(ns[1]!);
      continue;
    }
    if (line.startsWith('#')) continue;
    const shown = line.length > 60 ? `${line.slice(0, 60)}…` : line;
    throw new ParseError(file, i + 1, `not a Kconfig line (expected CONFIG_NAME=value or a # comment): ${JSON.stringify(shown)}`);
  }
  return map;
}

const UTS = /^[ \t]*#[ \t]*define[ \t]+UTS_RELEASE[ \t]+"((?:[^"\\\n]|\\.)*)"/m;

/**
 * UTS_RELEASE from `include/generated/utsrelease.h` (`#define UTS_RELEASE "6.1.0-47-amd64"`);
 * undefined when the text has no such define.
 */
export function parseUtsRelease(text: string): string | undefined {
  const m = UTS.exec(text);
  if (!m) return undefined;
  return m[1]!.replace(/\\(.)/g, '$1');
}

/** One line parseKconfig() accepts without complaint, its '\n' (or the end of the text) included; stricter than it (a line this refuses goes to parseKconfig() for its verdict). */
const VALID_LINE =
  /(?:CONFIG_[A-Za-z0-9_]+=(?:"(?:[^"\\\n\r\u2028\u2029]|\\[^\n\r\u2028\u2029])*"[^\n\r\u2028\u2029]*|[^"\n\r\u2028\u2029][^\n\r\u2028\u2029]*|)|#[^\n]*|[ \t]*)\r?(?:\n|$)/y;
const CONFIG_NAME = /^CONFIG_[A-Za-z0-9_]+$/;

/**
 * The values of a `.config` / `auto.conf` as a Map, read from its text only where asked: a check needs a
 * dozen of a 260 kB `.config`'s 10,000 values. get()/has() find the symbol's last assignment and its last
 * `# … is not set` line in the text (the later one decides, as in parseKconfig()); anything else that
 * reads the whole Map (size, iteration, set, delete) builds it with parseKconfig() first. The text was
 * checked line by line when the Map was made (readKconfig()), so a malformed file is refused as before.
 * isEmpty() answers `size === 0` without building it.
 */
export class KconfigMap extends Map<string, string> {
  #text: string | undefined;
  readonly #file: string;
  readonly #seen = new Map<string, string | undefined>();
  /** Start of the last line that assigns a value (-1: none), for isEmpty(). */
  readonly #lastAssign: number;

  constructor(text: string, file: string, lastAssign: number) {
    super();
    this.#text = text;
    this.#file = file;
    this.#lastAssign = lastAssign;
  }

  /** The whole Map, built once (then the text is dropped). */
  #built(): this {
    const text = this.#text;
    if (text !== undefined) {
      this.#text = undefined;
      for (const [k, v] of parseKconfig(text, this.#file)) super.set(k, v);
    }
    return this;
  }

  #lookup(text: string, key: string): string | undefined {
    if (!CONFIG_NAME.test(key)) return undefined;
    // forward searches (indexOf skips ahead; lastIndexOf compares at every position): the last of each
    const pat = `${key}=`;
    let a = text.startsWith(pat) ? 0 : -1;
    for (let i = text.indexOf(`\n${pat}`); i !== -1; i = text.indexOf(`\n${pat}`, i + 1)) a = i + 1;
    if (a === -1) return undefined;
    const ns = `\n# ${key} is not set`;
    for (let j = text.indexOf(ns, a); j !== -1; j = text.indexOf(ns, j + 1)) {
      const e = j + ns.length;
      const c = text.charCodeAt(e);
      if (e === text.length || c === 10 || (c === 13 && (e + 1 === text.length || text.charCodeAt(e + 1) === 10))) return undefined;
    }
    let end = text.indexOf('\n', a);
    if (end === -1) end = text.length;
    if (text.charCodeAt(end - 1) === 13) end--;
    const value = text.slice(a + pat.length, end);
    return value.startsWith('"') ? unquote(value) : unquoted(value);
  }

  override get(key: string): string | undefined {
    const text = this.#text;
    if (text === undefined) return super.get(key);
    if (this.#seen.has(key)) return this.#seen.get(key);
    const v = this.#lookup(text, key);
    this.#seen.set(key, v);
    return v;
  }

  override has(key: string): boolean {
    return this.#text === undefined ? super.has(key) : this.get(key) !== undefined;
  }

  /** `size === 0`, without building the Map when its last assignment stands. */
  isEmpty(): boolean {
    const text = this.#text;
    if (text === undefined) return super.size === 0;
    if (this.#lastAssign === -1) return true;
    const key = text.slice(this.#lastAssign, text.indexOf('=', this.#lastAssign));
    return this.get(key) === undefined ? this.#built().size === 0 : false;
  }

  override get size(): number {
    return this.#text === undefined ? super.size : this.#built().size;
  }
  override set(key: string, value: string): this {
    this.#built();
    return super.set(key, value);
  }
  override delete(key: string): boolean {
    this.#built();
    return super.delete(key);
  }
  override clear(): void {
    this.#text = undefined;
    super.clear();
  }
  override forEach(fn: (value: string, key: string, map: Map<string, string>) => void, thisArg?: unknown): void {
    this.#built();
    super.forEach(fn, thisArg);
  }
  override entries(): MapIterator<[string, string]> {
    return this.#built() && super.entries();
  }
  override keys(): MapIterator<string> {
    return this.#built() && super.keys();
  }
  override values(): MapIterator<string> {
    return this.#built() && super.values();
  }
  override [Symbol.iterator](): MapIterator<[string, string]> {
    return this.#built() && super[Symbol.iterator]();
  }
}

/**
 * `.config` / `auto.conf` text → its values, as parseKconfig() gives them and with its errors, but read
 * lazily (KconfigMap): the text is only checked line by line here. A line the quick check does not take
 * goes to parseKconfig(), which throws what it throws today (or, where the check was only stricter,
 * returns the Map).
 */
export function readKconfig(text: string, file: string): Map<string, string> {
  if (text.indexOf('\0') !== -1) return parseKconfig(text, file);
  const re = VALID_LINE;
  let lastAssign = -1;
  let pos = 0;
  while (pos < text.length) {
    re.lastIndex = pos;
    if (!re.test(text)) return parseKconfig(text, file);
    if (text.charCodeAt(pos) === 67 /* C */) lastAssign = pos;
    pos = re.lastIndex;
  }
  return new KconfigMap(text, file, lastAssign);
}

/** `config.size === 0`, without reading a KconfigMap whole. */
export function configEmpty(config: ReadonlyMap<string, string>): boolean {
  return config instanceof KconfigMap ? config.isEmpty() : config.size === 0;
}
