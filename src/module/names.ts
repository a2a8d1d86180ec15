/** Symbol and .modinfo key names shared across a run (one string per distinct name). */
import { ByteMap } from '../codec/byte-map.js';

/**
 * One string per distinct symbol name and .modinfo key across a run: a tree's 4,000 modules import and
 * version the same few thousand kernel symbols, and a freshly decoded copy that dies young costs nothing,
 * while 400,000 surviving copies cost memory and garbage-collector time. Each name also has an id (its
 * index in `names`): the versions columns (columns.ts) hold ids, not strings.
 */
const ids = new Map<string, number>();
const names: string[] = [];
/** The same ids by the names' bytes (their latin1 decoding): readers look names up without decoding them. */
const byBytes = new ByteMap<number>(16 << 20);

export function intern(s: string): string {
  const hit = ids.get(s);
  if (hit !== undefined) return names[hit];
  if (names.length < 1 << 20) {
    ids.set(s, names.length);
    names.push(s);
  }
  return s;
}

/** The id of a name, given one if it has none yet (and the name interned). */
export function internId(s: string): number {
  const hit = ids.get(s);
  if (hit !== undefined) return hit;
  ids.set(s, names.length);
  names.push(s);
  return names.length - 1;
}

/**
 * internId() of buf[start, end) decoded as latin1, as a reader decodes a string table's name, without
 * the decoding when the same bytes were met before.
 */
export function internBytes(buf: Buffer, start: number, end: number): number {
  return byBytes.get(buf, start, end, decodeAndIntern);
}

function decodeAndIntern(buf: Buffer, start: number, end: number): number {
  return internId(buf.toString('latin1', start, end));
}

/** The id of a name met before, or -1. */
export function nameId(s: string): number {
  return ids.get(s) ?? -1;
}

export function nameOf(id: number): string {
  return names[id];
}

export function nameCount(): number {
  return names.length;
}

/**
 * Seed the table with names met elsewhere (a kernel's export names): modules' imports then share the
 * kernel index's key strings, and a look-up compares pointers, not characters.
 */
export function shareNames(list: Iterable<string>): void {
  for (const n of list) internId(n);
}

/** Every name in the table, in id order (what a reader on a worker thread starts its own table with). */
export function namesSnapshot(): string[] {
  return names.slice();
}

/** The names given ids from `from` on, in id order (what a worker's table gained since). */
export function namesSince(from: number): string[] {
  return names.slice(from);
}
