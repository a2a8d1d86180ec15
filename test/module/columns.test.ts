/**
 * The versions columns (src/module/columns.ts): what the rules look up in them equals what the Map the
 * facts show says, for modules read from gcc-built samples and for tables with repeated and unknown names,
 * looked up alternately (each look-up on another module's table than the last).
 */
import { readModule } from '../../src/module/read.js';
import { VersionColumnsBuilder, versionsOf } from '../../src/module/columns.js';
import { internId, nameId } from '../../src/module/names.js';
import { sample } from '../helpers/fixtures.js';

test('a table with a repeated name: the Map keeps the first position and the last CRC, and so does get()', () => {
  const b = new VersionColumnsBuilder();
  const names = ['cols_a', 'cols_b', 'cols_a', 'cols_c'];
  [1, 2, 0xfffffff0, 4].forEach((crc, i) => b.push(internId(names[i]), crc));
  const t = b.done();
  expect([...t.toMap()]).toEqual([['cols_a', 0xfffffff0], ['cols_b', 2], ['cols_c', 4]]);
  expect(t.get('cols_a')).toBe(0xfffffff0);
  expect(t.has('cols_c')).toBe(true);
  expect(nameId('cols_never_seen_anywhere')).toBe(-1);
  expect(t.get('cols_never_seen_anywhere')).toBeUndefined();
  // another table's names are not this one's, whichever was scattered last
  const o = new VersionColumnsBuilder();
  o.push(internId('cols_d'), 9);
  const other = o.done();
  expect(other.get('cols_d')).toBe(9);
  expect(t.get('cols_d')).toBeUndefined();
  expect(other.get('cols_a')).toBeUndefined();
  expect(t.get('cols_b')).toBe(2);
});

test('modules read from files: every look-up, alternating between modules, equals the Map', async () => {
  const a = await readModule(sample('seed', 'openafs', 'libafs.ko'), { references: 'lazy' });
  const b = await readModule(sample('seed', 'openafs', 'libafs.ko'), { references: 'eager' });
  const ta = versionsOf(a)!.versionsLookup()!;
  const tb = versionsOf(b)!.versionsLookup()!;
  const ma = a.versions!;
  expect(ma.size).toBeGreaterThan(2);
  const probe = [...ma.keys(), ...a.imports.map((i) => i.name), 'cols_not_a_symbol'];
  for (const n of probe) {
    expect(ta.get(n)).toBe(ma.get(n));
    expect(tb.get(n)).toBe(b.versions!.get(n));
    expect(tb.has(n)).toBe(ma.has(n));
  }
  // once the Map is made it is what the rules see: the same answers
  expect(versionsOf(a)!.versionsLookup()).toBe(ma);
  // a Map set by hand replaces the columns for the rules too
  a.versions = new Map([['x', 1]]);
  expect(versionsOf(a)!.versionsLookup()!.get('x')).toBe(1);
  expect(a.versions.get('x')).toBe(1);
});
