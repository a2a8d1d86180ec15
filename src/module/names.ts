/** Symbol and .modinfo key names shared across a run (one string per distinct name). */
/**
 * One string per distinct symbol name and .modinfo key across a run: a tree's 4,000 modules import and
 * version the same few thousand kernel symbols, and a freshly decoded copy that dies young costs nothing,
 * while 400,000 surviving copies cost memory and garbage-collector time.
 */
const interned = new Map<string, string>();
export function intern(s: string): string {
  const hit = interned.get(s);
  if (hit !== undefined) return hit;
  if (interned.size < 1 << 20) interned.set(s, s);
  return s;
}

/**
 * Seed the table with names met elsewhere (a kernel's export names): modules' imports then share the
 * kernel index's key strings, and a look-up compares pointers, not characters.
 */
export function shareNames(names: Iterable<string>): void {
  for (const n of names) if (interned.size < 1 << 20 && !interned.has(n)) interned.set(n, n);
}
