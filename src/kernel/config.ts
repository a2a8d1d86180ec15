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
        map.set(name, value);
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
