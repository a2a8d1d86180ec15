/**
 * Kernel versions: parse release strings (`uname -r` form) and compare them.
 * "4.18.0-rc5" → 4.18.0-rc5, which sorts before 4.18.0; distro suffixes (`-47-amd64`, `.el9.x86_64`) are kept in `raw` only.
 */
import type { KernelVersion } from './types.js';

const RELEASE = /^(\d+)\.(\d+)(?:\.(\d+))?(?:[-.~]?rc(\d+))?/;

/** Parse a release or version string; undefined when it does not start with MAJOR.MINOR. */
export function parseKernelVersion(text: string): KernelVersion | undefined {
  const t = text.trim();
  const m = RELEASE.exec(t);
  if (!m) return undefined;
  const v: KernelVersion = { major: +m[1], minor: +m[2], patch: m[3] === undefined ? 0 : +m[3], raw: t };
  if (m[4] !== undefined) v.rc = +m[4];
  // (a number past 2^53 is no version: 99999999999999999999.1 read as 100000000000000000000.1.0)
  if (![v.major, v.minor, v.patch, v.rc ?? 0].every(Number.isSafeInteger)) return undefined;
  return v;
}

/** Like parseKernelVersion, but throws on text that is not a version (for literals in rule tables). */
export function kv(text: string): KernelVersion {
  const v = parseKernelVersion(text);
  if (!v) throw new Error(`not a kernel version: ${text}`);
  return v;
}

/** <0, 0, >0 as a is older than, the same as, or newer than b. An -rc sorts before its release. */
export function compareVersions(a: KernelVersion, b: KernelVersion): number {
  if (a.major !== b.major) return a.major - b.major;
  if (a.minor !== b.minor) return a.minor - b.minor;
  if (a.patch !== b.patch) return a.patch - b.patch;
  const ar = a.rc ?? Infinity;
  const br = b.rc ?? Infinity;
  return ar === br ? 0 : ar < br ? -1 : 1;
}

/** a ≥ b, where b is given as text ("5.11", "5.6-rc7"). */
export function atLeast(a: KernelVersion, b: string): boolean {
  return compareVersions(a, kv(b)) >= 0;
}

export function formatVersion(v: KernelVersion): string {
  return `${v.major}.${v.minor}.${v.patch}${v.rc !== undefined ? `-rc${v.rc}` : ''}`;
}

/** The newest behaviour ksymcheck knows; used when nothing tells the target's version. */
export const NEWEST_KNOWN: KernelVersion = { major: 7, minor: 2, patch: 0, raw: '7.2' };
