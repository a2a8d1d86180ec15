/**
 * SymversIndex (what loadKernel reads a Module.symvers with) against parseSymvers (the whole file
 * parsed): for every text, the same exports — by name (the first line of a name wins), in order, every
 * line — or the same error; and an ExportIndex over it answers as one filled with add().
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { ParseError } from '../../src/errors.js';
import { indexSymversBytes, SymversIndex } from '../../src/kernel/symvers-index.js';
import { parseSymvers, symversFromBytes } from '../../src/kernel/symvers.js';
import { EXPORT_TYPES, ExportIndex, type Export } from '../../src/kernel/types.js';
import { CORPUS } from '../helpers/fixtures.js';

const FILE = 'idx/Module.symvers';

/** The error fn throws, as `class: message`; undefined when it returns. */
function errorOf(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (e) {
    return `${(e as Error).constructor.name}: ${(e as Error).message}`;
  }
}

/** Each name's first export, in order: what ExportIndex.add() keeps. */
function firsts(list: Export[]): Export[] {
  const seen = new Set<string>();
  return list.filter((e) => !seen.has(e.name) && seen.add(e.name));
}

/** The index of `text` says what parseSymvers says of it; returns whether the index took it. */
function agrees(text: string, probes: string[] = []): boolean {
  const buf = Buffer.from(text, 'utf8');
  const want = errorOf(() => symversFromBytes(buf, FILE));
  let got: ReturnType<typeof indexSymversBytes> | undefined;
  expect(errorOf(() => (got = indexSymversBytes(buf, FILE)))).toBe(want);
  if (want !== undefined) return false;
  const parsed = parseSymvers(buf.toString('utf8'), FILE);
  if (!(got instanceof SymversIndex)) {
    expect(got).toEqual(parsed);
    return false;
  }
  expect(parsed.format).toBe('crc-sym-mod-type-ns');
  const index = got;
  // look-ups first (before anything is made in order), then the whole lists
  const eager = new ExportIndex();
  for (const e of parsed.exports) eager.add(e);
  const lazy = new ExportIndex(index);
  for (const name of [...parsed.exports.map((e) => e.name).reverse(), ...probes]) {
    expect(lazy.get(name)).toEqual(eager.get(name));
    expect(lazy.has(name)).toBe(eager.has(name));
  }
  expect(lazy.size).toBe(eager.size);
  expect(index.size).toBe(firsts(parsed.exports).length);
  expect(index.anyCrc()).toBe(parsed.exports.some((e) => e.crc));
  expect([...lazy.values()]).toEqual([...eager.values()]);
  // the names alone, in the same order, from the index and from either ExportIndex
  const names = [...eager.values()].map((e) => e.name);
  expect([...index.names()]).toEqual(names);
  expect([...lazy.names()]).toEqual(names);
  expect([...eager.names()]).toEqual(names);
  expect(index.all()).toEqual(parsed.exports);
  // a look-up gives the object values() gives
  for (const e of lazy.values()) expect(lazy.get(e.name)).toBe(e);
  return true;
}

describe('SymversIndex', () => {
  test('the corpus: every file indexed or parsed as parseSymvers parses it', () => {
    const files = readdirSync(CORPUS).filter((f) => f.endsWith('.symvers'));
    let indexed = 0;
    for (const f of files) if (agrees(readFileSync(path.join(CORPUS, f), 'utf8'), ['nope', 'module_layout', ''])) indexed++;
    // the modern-layout files of the corpus (5.10+) go through the index
    expect(indexed).toBeGreaterThanOrEqual(3);
  });

  test('duplicates: the first line of a name wins, later lines are still lines', () => {
    const t = '0x00000001\ta\tvmlinux\tEXPORT_SYMBOL\t\n0x00000002\tb\tm/x\tEXPORT_SYMBOL_GPL\tNS\n0x00000003\ta\tm/y\tEXPORT_SYMBOL_GPL\t\n';
    expect(agrees(t)).toBe(true);
    const index = indexSymversBytes(Buffer.from(t), FILE) as SymversIndex;
    expect(index.get('a')).toEqual({ name: 'a', type: 'EXPORT_SYMBOL', namespace: '', crc: 1, owner: 'vmlinux', origin: { file: FILE, line: 1 } });
    expect(index.size).toBe(2);
    expect(index.lines).toBe(3);
  });

  test('CRLF, 0X prefixes, no prefix, no final newline, all-zero CRCs', () => {
    expect(agrees('0X0000ABCD\tx\tvmlinux\tEXPORT_SYMBOL\t\r\nabc\ty\tvmlinux\tEXPORT_SYMBOL_GPL\tNS\r\n0\tz\tm\tEXPORT_SYMBOL\t')).toBe(true);
    expect(agrees('0x00000000\tx\tvmlinux\tEXPORT_SYMBOL\t\n0x0\ty\tvmlinux\tEXPORT_SYMBOL\t\n')).toBe(true);
    expect((indexSymversBytes(Buffer.from('0x00000000\tx\tvmlinux\tEXPORT_SYMBOL\t\n'), FILE) as SymversIndex).anyCrc()).toBe(false);
  });

  test('damaged files: the same ParseError, naming the same line', () => {
    const good = '0x00000001\ta\tvmlinux\tEXPORT_SYMBOL\t\n';
    for (const bad of [good + '\n', good + '0x1\tb\tvmlinux\tEXPORT_SYMBOL\n', good + '0x1\tb\tvmlinux\tEXPORT_SYMBOL_GPLX\t\n', good + 'zz\tb\tvmlinux\tEXPORT_SYMBOL\t\n', good + '0x1\tb\u0000\tvmlinux\tEXPORT_SYMBOL\t\n']) {
      expect(agrees(bad)).toBe(false);
      expect(errorOf(() => indexSymversBytes(Buffer.from(bad), FILE))).toMatch(/^ParseError: idx\/Module\.symvers:2: /);
    }
    const e = errorOf(() => indexSymversBytes(Buffer.from([0x30, 0x09, 0xff, 0x0a]), FILE));
    expect(e).toBe(errorOf(() => symversFromBytes(Buffer.from([0x30, 0x09, 0xff, 0x0a]), FILE)));
    expect(e).toMatch(/^ParseError: /);
    expect(errorOf(() => indexSymversBytes(Buffer.from('x'), FILE))).toBeDefined();
    expect(indexSymversBytes(Buffer.alloc(0), FILE)).toEqual({ format: 'empty', exports: [] });
    void ParseError;
  });

  test('ExportIndex over an index: add() refuses its names, set() replaces one in its place, values() in order', () => {
    const t = '0x1\ta\tvmlinux\tEXPORT_SYMBOL\t\n0x2\tb\tvmlinux\tEXPORT_SYMBOL\t\n';
    const index = new ExportIndex(indexSymversBytes(Buffer.from(t), FILE) as SymversIndex);
    const mk = (name: string, owner: string): Export => ({ name, type: 'EXPORT_SYMBOL_GPL', namespace: '', crc: 9, owner, origin: { file: 'v' } });
    expect(index.add(mk('a', 'x'))?.owner).toBe('vmlinux');
    expect(index.add(mk('c', 'x'))).toBeUndefined();
    index.set(mk('a', 'y'));
    index.set(mk('d', 'z'));
    expect([...index.values()].map((e) => `${e.name}:${e.owner}`)).toEqual(['a:y', 'b:vmlinux', 'c:x', 'd:z']);
    expect([...index.names()]).toEqual(['a', 'b', 'c', 'd']);
    expect(index.get('a')?.owner).toBe('y');
    expect(index.size).toBe(4);
  });

  const hex = (min: number, max: number) => fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEF'), minLength: min, maxLength: max });
  const crc = fc.oneof(fc.constant('0x00000000'), fc.tuple(fc.constantFrom('0x', '0X', ''), hex(1, 8)).map(([p, h]) => p + h));
  // few names, so that duplicates and hash-table neighbours are common
  const name = fc.oneof(fc.constantFrom('a', 'b', 'ab', 'ba', 'module_layout', 'printk', 'x'.repeat(40)), fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_.$]{0,12}$/));
  const owner = fc.oneof(fc.constant('vmlinux'), fc.stringMatching(/^[a-z0-9_/.\- ]{0,10}[a-z0-9_]$/));
  const ns = fc.oneof(fc.constant(''), fc.stringMatching(/^[A-Z_][A-Z0-9_]{0,8}$/), fc.constant('module:a,b*'));
  const good = fc.tuple(crc, name, owner, fc.constantFrom(...EXPORT_TYPES.filter((t) => t !== '(unknown)')), ns).map((f) => f.join('\t'));
  const bad = fc.oneof(good.map((l) => l.replace('\t', ' ')), good.map((l) => l.slice(0, -1)), fc.constantFrom('', '\r', '\u0000', 'é', '\uFFFD', '0x1\ta\tvmlinux\t(unknown)\t'), fc.string({ maxLength: 12 }));
  const eol = fc.oneof({ weight: 8, arbitrary: fc.constant('\n') }, { weight: 2, arbitrary: fc.constant('\r\n') }, { weight: 1, arbitrary: fc.constantFrom('\r', '', '\n\n') });
  const text = fc.array(fc.tuple(fc.oneof({ weight: 12, arbitrary: good }, { weight: 1, arbitrary: bad }), eol), { maxLength: 40 }).map((ls) => ls.map(([l, e]) => l + e).join(''));

  test('random files: the index and the parser agree (3,000 cases)', () => {
    let indexed = 0;
    fc.assert(
      fc.property(text, fc.array(name, { maxLength: 4 }), (t, probes) => {
        if (agrees(t, probes)) indexed++;
      }),
      { numRuns: 3000 },
    );
    // the generator makes mostly good files: the index is what is tested
    expect(indexed).toBeGreaterThan(1000);
  });
});
