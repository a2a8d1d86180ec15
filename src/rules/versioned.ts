/**
 * Version behaviour as data: every rule keeps its messages and severities in tables of
 * `{ since?, until?, ... }` entries, and this module picks the entry that applies to a kernel version.
 *
 * Semantics: `since` is inclusive, `until` is exclusive (`until: '5.11'` = every kernel before 5.11).
 * A bound written without `-rc` ("5.11") is compared on major.minor.patch only, so 5.11-rc3 already
 * has 5.11's behaviour: kbuild/module changes land in the merge window (rc1), not at the release.
 * A bound written with `-rc` ("5.6-rc7") is compared exactly, rc included.
 */
import type { KernelVersion } from '../kernel/types.js';
import { compareVersions, kv } from '../kernel/version.js';
import type { Severity } from './types.js';

export interface VersionRange {
  /** First version with this behaviour (inclusive). */
  since?: string;
  /** First version without it (exclusive). */
  until?: string;
}

/** One row of a message table. `template` uses `%s` placeholders, filled in order by `fmt`. */
export interface MessageEntry extends VersionRange {
  severity: Severity;
  template: string;
}

export type Versioned<T> = VersionRange & { value: T };

const parsed = new Map<string, KernelVersion>();
function bound(text: string): KernelVersion {
  let v = parsed.get(text);
  if (!v) {
    v = kv(text);
    parsed.set(text, v);
  }
  return v;
}

/** v ≥ bound, with the rc rule described above. */
export function atLeast(v: KernelVersion, text: string): boolean {
  const b = bound(text);
  if (b.rc === undefined) {
    const bare: KernelVersion = { major: v.major, minor: v.minor, patch: v.patch, raw: v.raw };
    return compareVersions(bare, b) >= 0;
  }
  return compareVersions(v, b) >= 0;
}

export function inRange(v: KernelVersion, r: VersionRange): boolean {
  if (r.since !== undefined && !atLeast(v, r.since)) return false;
  if (r.until !== undefined && atLeast(v, r.until)) return false;
  return true;
}

/** The first entry of `table` whose range contains `v`, or undefined (the check does not exist then). */
export function pick<T extends VersionRange>(table: readonly T[], v: KernelVersion): T | undefined {
  return table.find((e) => inRange(v, e));
}

/** The value of the first `Versioned` row that applies, or `fallback`. */
export function pickValue<T>(table: readonly Versioned<T>[], v: KernelVersion, fallback: T): T {
  const e = pick(table, v);
  return e ? e.value : fallback;
}

/** printf-like: each `%s` (and `%u`/`%d`) takes the next argument; `%%` is a literal `%`. */
export function fmt(template: string, ...args: Array<string | number>): string {
  let i = 0;
  return template.replace(/%([sud%])/g, (_m, c: string) => {
    if (c === '%') return '%';
    if (i >= args.length) throw new Error(`fmt: not enough arguments for ${JSON.stringify(template)}`);
    return String(args[i++]);
  });
}

/** A filled message with the severity its table row gives. */
export interface Message {
  severity: Severity;
  message: string;
}

/** Pick the row for `v` and fill it; undefined when no row applies. */
export function message(
  table: readonly MessageEntry[],
  v: KernelVersion,
  ...args: Array<string | number>
): Message | undefined {
  const e = pick(table, v);
  return e ? { severity: e.severity, message: fmt(e.template, ...args) } : undefined;
}
