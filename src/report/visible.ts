/**
 * A report's strings as a terminal, a Markdown renderer or a browser should show them. Much of a report is
 * a module's own bytes — its file name, its .modinfo values, its symbol and section names — and those may
 * hold control characters: an escape sequence that recolours or clears the terminal, a carriage return and
 * a line break that print a forged `PASS` line. The text, Markdown and HTML formatters show each C0 and C1
 * control character and DEL as `\xHH`; JSON, SARIF and JUnit escape them by their own syntax. A report of
 * well-formed modules has none, and is returned as it is, not copied.
 */

const CONTROL = /[\x00-\x1f\x7f-\x9f]/;
const CONTROLS = /[\x00-\x1f\x7f-\x9f]/g;

/** `s` with its control characters as `\xHH`. */
export function visible(s: string): string {
  return CONTROL.test(s) ? s.replace(CONTROLS, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`) : s;
}

/** visible() line by line: a message of several lines (yargs' usage errors) keeps its line breaks. */
export function visibleLines(s: string): string {
  return s.split('\n').map(visible).join('\n');
}

/**
 * Every string of a JSON-shaped value (a report) through visible(): the same value when none changes,
 * else a copy of the arrays and plain objects on the way to those that do (keys included).
 */
export function visibleStrings<T>(value: T): T {
  if (typeof value === 'string') return visible(value) as T;
  if (Array.isArray(value)) {
    let out: unknown[] | undefined;
    for (let i = 0; i < value.length; i++) {
      const v = visibleStrings(value[i] as unknown);
      if (v !== value[i]) (out ??= value.slice())[i] = v;
    }
    return (out ?? value) as T;
  }
  if (value !== null && typeof value === 'object') {
    let out: Record<string, unknown> | undefined;
    for (const [k, v] of Object.entries(value)) {
      const kv = visible(k);
      const vv = visibleStrings(v);
      if (kv !== k || vv !== v) {
        out ??= { ...(value as Record<string, unknown>) };
        if (kv !== k) delete out[k];
        out[kv] = vv;
      }
    }
    return (out ?? value) as T;
  }
  return value;
}
