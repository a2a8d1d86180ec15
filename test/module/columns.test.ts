/**
 * The versions columns (src/module/columns.ts): what the rules look up in them equals what the Map the
 * facts show says, for modules read from gcc-built samples and for tables with repeated and unknown names,
 * looked up alternately (each look-up on another module's table than the last).
 */
import { readModule } from '../../src/module/read.js';
import { ImportColumnsBuilder, VersionColumnsBuilder, versionsOf } from '../../src/module/columns.js';
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

test('builders share their scratch one at a time: columns finished are views that later builds leave alone', () => {
  // tables of many sizes, built one after another: each keeps what was pushed to it (columns are views of
  // shared chunks, and the scratch they were built in is reused and grown by the next builder)
  const tables: Array<{ want: Array<[number, number]>; t: ReturnType<VersionColumnsBuilder['done']> }> = [];
  for (const size of [0, 1, 255, 256, 257, 3000, 4096, 4097, 20000, 7, 16384]) {
    const b = new VersionColumnsBuilder();
    const want: Array<[number, number]> = [];
    for (let i = 0; i < size; i++) {
      const id = internId(`cols_scratch_${(i * 7919 + size) % 5003}`);
      const crc = (i * 2654435761 + size) >>> 0;
      b.push(id, crc);
      want.push([id, crc]);
    }
    tables.push({ want, t: b.done() });
  }
  for (const { want, t } of tables) {
    expect(t.length).toBe(want.length);
    expect([...t.ids]).toEqual(want.map(([id]) => id));
    expect([...t.crcs]).toEqual(want.map(([, crc]) => crc));
  }
  const imports = [];
  for (let m = 0; m < 50; m++) {
    const b = new ImportColumnsBuilder();
    for (let i = 0; i < m * 13; i++) b.push(internId(`cols_imp_${m}_${i}`), i & 1);
    imports.push(b.done());
  }
  imports.forEach((c, m) => {
    expect(c.length).toBe(m * 13);
    for (let i = 0; i < c.length; i++) {
      expect(c.name(i)).toBe(`cols_imp_${m}_${i}`);
      expect(c.weak(i)).toBe((i & 1) === 1);
    }
  });
});

test('a second builder of one kind takes the scratch over: the first fails if used again', () => {
  const first = new VersionColumnsBuilder();
  first.push(internId('cols_first'), 1);
  const second = new VersionColumnsBuilder();
  second.push(internId('cols_second'), 2);
  expect(() => first.push(internId('cols_first_again'), 3)).toThrow('two column builders of one kind at once');
  expect(() => first.done()).toThrow('two column builders of one kind at once');
  expect([...second.done().toMap()]).toEqual([['cols_second', 2]]);
  // one left unfinished (a bad file) is dropped: the next builds as usual
  const dropped = new ImportColumnsBuilder();
  dropped.push(internId('cols_dropped'), 0);
  const next = new ImportColumnsBuilder();
  next.push(internId('cols_next'), 1);
  const c = next.done();
  expect(c.length).toBe(1);
  expect(c.name(0)).toBe('cols_next');
  expect(c.weak(0)).toBe(true);
});
