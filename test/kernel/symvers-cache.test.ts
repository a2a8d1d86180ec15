/**
 * The Module.symvers index kept between runs (src/kernel/symvers-cache.ts) against the whole-file read
 * (readSymversIndexed): whatever the cache holds — none, a good one, a damaged one, one for another state
 * of the file, one whose checksum is right but whose entries are not — every look-up gives the whole-file
 * read's export, every list the same list, every error the same error.
 */
import { chmodSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { loadKernel } from '../../src/kernel/load.js';
import { CachedSymvers, cacheFileName, changeMayGoUnseen, decodeIndex, encodeIndex, MIN_BYTES, readSymversCached, type IndexLayout } from '../../src/kernel/symvers-cache.js';
import { hashRange, readSymversIndexed, SymversIndex } from '../../src/kernel/symvers-index.js';
import { ExportIndex, type ExportSource } from '../../src/kernel/types.js';
import { CLASH, CLASH_ABSENT, symversText } from '../helpers/symvers-gen.js';

const dirs: string[] = [];
const tmp = () => {
  const d = mkdtempSync(join(tmpdir(), 'ksymcheck-symvers-cache-'));
  dirs.push(d);
  return d;
};
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const PROBES = ['sym_0', 'sym_5', 'sym_40', 'sym_699', 'sym_700', 'sym_1499', CLASH, CLASH_ABSENT, 'absent', '', 'sym_'];

/** Everything loadKernel() and the rules ask of the exports, as plain data. */
function answers(src: ExportSource & { anyCrc(): boolean }, names: string[]) {
  const index = new ExportIndex(src);
  return {
    got: names.map((n) => [n, index.get(n) ?? null, index.has(n)]),
    size: index.size,
    anyCrc: src.anyCrc(),
    values: [...index.values()],
    names: [...index.names()],
  };
}

function allNames(text: string): string[] {
  return [...new Set(text.split('\n').filter(Boolean).map((l) => l.split('\t')[1]!))];
}

/** A kernel file and a cache directory, the file written with `text`. */
function setup(text = symversText()) {
  const dir = tmp();
  const file = join(dir, 'Module.symvers');
  writeFileSync(file, text);
  const cache = join(dir, 'cache');
  const cacheFile = join(cache, cacheFileName(resolve(file)));
  return { dir, file, cache, cacheFile, text };
}

/** The whole-file read's answers for `file` (no cache). */
function wholeAnswers(file: string, names: string[]) {
  const w = readSymversIndexed(file);
  if (!(w instanceof SymversIndex)) throw new Error('the test file is not in the modern layout');
  return answers(w, names);
}

function cachedAnswers(file: string, cache: string, names: string[]) {
  const got = readSymversCached(file, cache);
  if (!(got instanceof SymversIndex || got instanceof CachedSymvers)) throw new Error('not an index');
  return { got, answers: answers(got, names) };
}

test('the test file is what the cache is for: over MIN_BYTES, the modern layout, a real hash collision', () => {
  const { text } = setup();
  expect(text.length).toBeGreaterThan(MIN_BYTES);
  expect(hashRange(CLASH, 0, CLASH.length)).toBe(hashRange(CLASH_ABSENT, 0, CLASH_ABSENT.length));
  expect(CLASH).not.toBe(CLASH_ABSENT);
});

describe('readSymversCached', () => {
  test('none, then written; then used: every look-up, the size, anyCrc and the lists are the whole read\'s', () => {
    const { file, cache, cacheFile, text } = setup();
    const names = [...allNames(text).reverse(), ...PROBES];
    const want = wholeAnswers(file, names);
    expect(want.got.find(([n]) => n === 'sym_5')![1]).toMatchObject({ owner: 'drivers/net/mod_5', origin: { line: 6 } });
    expect(want.got.find(([n]) => n === CLASH_ABSENT)![1]).toBeNull();

    const first = cachedAnswers(file, cache, names);
    expect(first.got).toBeInstanceOf(SymversIndex); // no cache yet: the whole read
    expect(first.answers).toEqual(want);
    expect(readdirSync(cache)).toEqual([cacheFileName(resolve(file))]);
    expect((statSync(cacheFile).mode & 0o777).toString(8)).toBe('600');
    expect((statSync(cache).mode & 0o777).toString(8)).toBe('700');

    // look-ups only: answered through the cache, reading only their lines
    const second = readSymversCached(file, cache);
    expect(second).toBeInstanceOf(CachedSymvers);
    const c = second as CachedSymvers;
    expect(c.size).toBe(want.size);
    expect(c.anyCrc()).toBe(true);
    for (const [n, e, has] of want.got) {
      expect(c.get(n as string) ?? null).toEqual(e);
      expect(c.has(n as string)).toBe(has);
    }
    expect(c.cached).toBe(true);
    // the lists read the whole file
    expect(answers(c, names)).toEqual(want);
    expect(c.cached).toBe(false);
  });

  test('a file written since (the same size, its modification time set back) is read whole, and the cache written again', () => {
    const { file, cache, text } = setup();
    readSymversCached(file, cache);
    const before = statSync(file);
    writeFileSync(file, text.replace('\tsym_700\t', '\tsym_7x0\t'));
    utimesSync(file, before.atime, before.mtime);
    expect(statSync(file).size).toBe(before.size);
    const names = ['sym_700', 'sym_7x0', 'sym_701'];
    const again = cachedAnswers(file, cache, names);
    expect(again.got).toBeInstanceOf(SymversIndex);
    expect(again.answers).toEqual(wholeAnswers(file, names));
    expect(again.answers.got[0]![1]).toBeNull();
    expect(again.answers.got[1]![1]).toMatchObject({ name: 'sym_7x0', origin: { line: 702 } });
    const third = cachedAnswers(file, cache, names);
    expect(third.got).toBeInstanceOf(CachedSymvers);
    expect(third.answers).toEqual(again.answers);
  });

  test('a damaged cache file (a flipped byte anywhere, cut short, empty, garbage) is not used, and is written again', () => {
    const { file, cache, cacheFile, text } = setup();
    readSymversCached(file, cache);
    const good = readFileSync(cacheFile);
    const names = [...allNames(text), ...PROBES];
    const want = wholeAnswers(file, names);
    const flips = [0, 20, 40, 63, 64, 70, 120, good.length >> 2, good.length >> 1, good.length - 9, good.length - 1];
    const damaged: Buffer[] = [
      ...flips.map((at) => Buffer.from(good.map((b, i) => (i === at ? b ^ 0x10 : b)))),
      good.subarray(0, good.length - 4),
      good.subarray(0, 50),
      Buffer.alloc(0),
      Buffer.alloc(good.length, 0x5a),
    ];
    for (const bytes of damaged) {
      writeFileSync(cacheFile, bytes);
      const got = cachedAnswers(file, cache, names);
      expect(got.got).toBeInstanceOf(SymversIndex);
      expect(got.answers).toEqual(want);
      expect(readFileSync(cacheFile).equals(good)).toBe(true);
    }
  });

  test('a cache with a right checksum whose entries are not the file\'s: each look-up that meets one reads the whole file', () => {
    const { file, cache, cacheFile, text } = setup();
    readSymversCached(file, cache);
    const layout = decodeIndex(readFileSync(cacheFile));
    if (typeof layout === 'string') throw new Error(layout);
    const names = [...allNames(text), ...PROBES];
    const want = wholeAnswers(file, names);
    const entryOf = (name: string) => layout.hash.indexOf(hashRange(name, 0, name.length));
    const tampered: Array<[string, string, (l: IndexLayout) => void]> = [
      // sym_10's entry sends it to sym_20's line: a real line, whose name does not hash as the entry says
      ['entries swapped', 'sym_10', (l) => {
        const a = entryOf('sym_10');
        const b = entryOf('sym_20');
        [l.line[a], l.line[b]] = [l.line[b]!, l.line[a]!];
      }],
      // sym_300's line starts a byte later: no longer a line
      ['a line start moved', 'sym_300', (l) => {
        l.lineStart[300] = l.lineStart[300]! + 1;
      }],
      // the last line runs past the end of the file
      ['the end moved', 'sym_5', (l) => {
        l.lineStart[l.lineStart.length - 1] = l.lineStart[l.lineStart.length - 1]! + 100;
        l.line[entryOf('sym_5')] = l.lineStart.length - 2;
      }],
    ];
    for (const [, name, tamper] of tampered) {
      const l = decodeIndex(readFileSync(cacheFile));
      if (typeof l === 'string') throw new Error(l);
      // a fresh copy of the arrays (decodeIndex() views the buffer), tampered, encoded with a right checksum
      const copy = { ...l, lineStart: l.lineStart.slice(), hash: l.hash.slice(), line: l.line.slice() };
      tamper(copy);
      writeFileSync(cacheFile, encodeIndex(copy));
      const c = readSymversCached(file, cache);
      expect(c).toBeInstanceOf(CachedSymvers);
      expect((c as CachedSymvers).get(name)).toEqual(want.got.find(([n]) => n === name)![1]);
      expect((c as CachedSymvers).cached).toBe(false);
      expect(answers(c as CachedSymvers, names)).toEqual(want);
      writeFileSync(cacheFile, encodeIndex(layout)); // the good one back for the next
    }
  });

  test('a file written after the index was opened (the same size): the next look-up that reads a line reads it whole', () => {
    const { file, cache, text } = setup();
    readSymversCached(file, cache);
    const c = readSymversCached(file, cache) as CachedSymvers;
    expect(c).toBeInstanceOf(CachedSymvers);
    const before = statSync(file);
    writeFileSync(file, text.replace('\tsym_700\t', '\tsym_7x0\t'));
    utimesSync(file, before.atime, before.mtime);
    // sym_701's line is read: the file is no longer what was indexed, so it is read whole
    expect(c.get('sym_701')).toMatchObject({ name: 'sym_701', origin: { line: 703 } });
    expect(c.cached).toBe(false);
    expect(c.get('sym_7x0')).toMatchObject({ name: 'sym_7x0', origin: { line: 702 } });
    expect(c.get('sym_700')).toBeUndefined();
  });

  test('300 indexes with look-ups in one turn hold one descriptor on the file, and none once the turn has passed', async () => {
    const { file, cache } = setup();
    readSymversCached(file, cache);
    // this process's descriptors open on any of `files`
    const openOn = (...files: string[]) =>
      readdirSync('/proc/self/fd').filter((fd) => {
        try {
          return files.includes(readlinkSync(`/proc/self/fd/${fd}`));
        } catch {
          return false; // closed meanwhile (the directory's own descriptor)
        }
      }).length;
    const open = () => openOn(file);
    const before = open();
    expect(before).toBe(0);
    const kept: CachedSymvers[] = [];
    for (let i = 0; i < 300; i++) {
      const c = readSymversCached(file, cache) as CachedSymvers;
      expect(c.get(`sym_${i}`)).toMatchObject({ name: `sym_${i}` });
      kept.push(c);
    }
    expect(open()).toBe(1); // one, for this turn, whichever index asked
    await new Promise((r) => setImmediate(r));
    expect(open()).toBe(before);
    // and the next burst opens them again
    expect(kept.map((c, i) => c.get(`sym_${i + 300}`)?.name)).toEqual(kept.map((_, i) => `sym_${i + 300}`));
    expect(kept.every((c) => c.cached)).toBe(true);
    expect(open()).toBe(1);
    await new Promise((r) => setImmediate(r));
    expect(open()).toBe(before);
    // two files asked for in turns: still one descriptor at a time
    const other = setup();
    readSymversCached(other.file, other.cache);
    const o = readSymversCached(other.file, other.cache) as CachedSymvers;
    expect(o).toBeInstanceOf(CachedSymvers);
    for (let i = 0; i < 20; i++) {
      expect(kept[i]!.get(`sym_${i + 1000}`)?.name).toBe(`sym_${i + 1000}`);
      expect(o.get(`sym_${i + 1000}`)?.name).toBe(`sym_${i + 1000}`);
    }
    expect(openOn(file, other.file)).toBe(1);
    expect(kept[0]!.cached && o.cached).toBe(true);
  });

  test('a run that asks for more than 4,096 lines one by one reads the whole file then, with the same answers', () => {
    const { file, cache, text } = setup(symversText(6000));
    readSymversCached(file, cache);
    const names = allNames(text);
    const want = wholeAnswers(file, names);
    const c = readSymversCached(file, cache) as CachedSymvers;
    expect(c).toBeInstanceOf(CachedSymvers);
    names.forEach((n, i) => {
      expect(c.get(n)).toEqual(want.got[i]![1]);
      expect(c.cached).toBe(i < 4096);
    });
  });

  test('a cache file writable by others is not used; written again, it is the user\'s only', () => {
    const { file, cache, cacheFile } = setup();
    readSymversCached(file, cache);
    chmodSync(cacheFile, 0o666);
    expect(readSymversCached(file, cache)).toBeInstanceOf(SymversIndex);
    expect((statSync(cacheFile).mode & 0o777).toString(8)).toBe('600');
    expect(readSymversCached(file, cache)).toBeInstanceOf(CachedSymvers);
  });

  test('a cache directory that cannot be made (a file in its place): the whole read, no error', () => {
    const { dir, file, text } = setup();
    const blocked = join(dir, 'not-a-dir');
    writeFileSync(blocked, 'x');
    const names = [...allNames(text), ...PROBES];
    for (let i = 0; i < 2; i++) {
      const got = cachedAnswers(file, join(blocked, 'ksymcheck'), names);
      expect(got.got).toBeInstanceOf(SymversIndex);
      expect(got.answers).toEqual(wholeAnswers(file, names));
    }
  });

  test('no cache for a file under MIN_BYTES, a gzip file, or one not in the modern layout', () => {
    const small = setup(symversText(50));
    expect(small.text.length).toBeLessThan(MIN_BYTES);
    expect(readSymversCached(small.file, small.cache)).toBeInstanceOf(SymversIndex);
    const gz = setup();
    const gzFile = `${gz.file}.gz`;
    writeFileSync(gzFile, gzipSync(gz.text));
    writeFileSync(`${gz.file}.gzip`, gzipSync(gz.text, { level: 0 })); // gzip by its magic, not its name
    expect(readSymversCached(gzFile, gz.cache)).toBeInstanceOf(SymversIndex);
    expect(readSymversCached(`${gz.file}.gzip`, gz.cache)).toBeInstanceOf(SymversIndex);
    // the 4.x layout (no namespace field): parsed whole
    const old = setup(symversText().replace(/\t[^\t\n]*\n/g, '\n'));
    expect(readSymversCached(old.file, old.cache)).not.toBeInstanceOf(SymversIndex);
    for (const s of [small, gz, old]) expect(() => readdirSync(s.cache)).toThrow(/ENOENT/);
  });

  test('errors: the whole read\'s, and no cache written', () => {
    const bad = setup(symversText().replace('\tsym_900\t', '\tsym 900\t'));
    const err = (fn: () => unknown) => {
      try {
        fn();
      } catch (e) {
        return `${(e as Error).constructor.name}: ${(e as Error).message}`;
      }
      return 'no error';
    };
    const want = err(() => readSymversIndexed(bad.file));
    expect(want).toMatch(/^ParseError: .*Module\.symvers:902: /);
    expect(err(() => readSymversCached(bad.file, bad.cache))).toBe(want);
    expect(() => readdirSync(bad.cache)).toThrow(/ENOENT/);
    const missing = join(bad.dir, 'none', 'Module.symvers');
    expect(err(() => readSymversCached(missing, bad.cache))).toBe(err(() => readSymversIndexed(missing)));
    expect(err(() => readSymversCached(bad.dir, bad.cache))).toBe(err(() => readSymversIndexed(bad.dir)));
  });

  test('loadKernel with symversCache: the same kernel, missed and then through the cache', async () => {
    const { file, cache, text } = setup();
    const names = [...allNames(text), ...PROBES];
    const plain = await loadKernel(file);
    for (let i = 0; i < 2; i++) {
      const k = await loadKernel(file, { symversCache: cache });
      expect(names.map((n) => k.exports.get(n) ?? null)).toEqual(names.map((n) => plain.exports.get(n) ?? null));
      expect(k.exports.size).toBe(plain.exports.size);
      expect({ ...k, exports: undefined }).toEqual({ ...plain, exports: undefined });
    }
    expect(readdirSync(cache)).toHaveLength(1);
  });
});

test('changeMayGoUnseen: a change time of whole milliseconds within 2 s of now (a coarse file system, racy); a nanosecond one never', () => {
  const now = 1_765_000_000_000; // ms
  const ns = (ms: number, extra = 0n) => ({ ctimeNs: BigInt(ms) * 1_000_000n + extra });
  expect(changeMayGoUnseen(ns(now), now)).toBe(true);
  expect(changeMayGoUnseen(ns(now - 1000), now)).toBe(true);
  expect(changeMayGoUnseen(ns(now - 2000), now)).toBe(false);
  expect(changeMayGoUnseen(ns(now - 5000), now)).toBe(false);
  expect(changeMayGoUnseen(ns(now, 123_456n), now)).toBe(false);
  expect(changeMayGoUnseen(ns(now - 1000, 1n), now)).toBe(false);
});
