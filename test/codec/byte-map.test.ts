/**
 * ByteMap (src/codec/byte-map.ts): a map keyed by bytes in place answers as a Map keyed by their latin1
 * strings would, through hash collisions, growth, and its byte limit.
 */
import fc from 'fast-check';
import { ByteMap } from '../../src/codec/byte-map.js';

/** get() of buf[start, end) with a maker that counts its calls and answers the key's text. */
function lookUp(map: ByteMap<string>, made: string[], buf: Buffer, start: number, end: number): string {
  return map.get(buf, start, end, (b, s, e) => {
    const text = b.toString('latin1', s, e);
    made.push(text);
    return `value of ${text}`;
  });
}

test('keys of equal FNV-1a hash, and of equal hash and length, are told apart by their bytes', () => {
  const map = new ByteMap<string>(1 << 20);
  const made: string[] = [];
  // FNV-1a-32 collisions: "costarring"/"liquid" (lengths differ), "declinate"/"macallums" (9 bytes each)
  const keys = ['costarring', 'liquid', 'declinate', 'macallums', 'liquid', 'macallums', 'costarring', 'declinate'];
  const buf = Buffer.from(keys.join('\0'), 'latin1');
  let at = 0;
  const got = keys.map((k) => {
    const v = lookUp(map, made, buf, at, at + k.length);
    at += k.length + 1;
    return v;
  });
  expect(got).toEqual(keys.map((k) => `value of ${k}`));
  expect(made).toEqual(['costarring', 'liquid', 'declinate', 'macallums']);
  expect(map.size).toBe(4);
});

test('the empty key, and keys that are prefixes of one another, are keys of their own', () => {
  const map = new ByteMap<string>(1 << 20);
  const made: string[] = [];
  const buf = Buffer.from('__ksymtab_foo', 'latin1');
  for (let round = 0; round < 2; round++) {
    expect(lookUp(map, made, buf, 0, 0)).toBe('value of ');
    expect(lookUp(map, made, buf, 0, 2)).toBe('value of __');
    expect(lookUp(map, made, buf, 0, 13)).toBe('value of __ksymtab_foo');
    expect(lookUp(map, made, buf, 10, 13)).toBe('value of foo');
  }
  expect(made).toEqual(['', '__', '__ksymtab_foo', 'foo']);
});

test('random keys at random places: each made once, then found', () => {
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ maxLength: 40 }), { minLength: 1, maxLength: 3000 }), fc.integer({ min: 0, max: 7 }), (keys, pad) => {
      const map = new ByteMap<string>(1 << 20);
      const made: string[] = [];
      const oracle = new Map<string, string>();
      for (const round of [0, 1]) {
        for (const k of keys) {
          const buf = Buffer.concat([Buffer.alloc(pad + round, 0xff), Buffer.from(k)]);
          const text = Buffer.from(k).toString('latin1');
          expect(lookUp(map, made, buf, pad + round, buf.length)).toBe(`value of ${text}`);
          oracle.set(text, `value of ${text}`);
        }
      }
      expect(made).toEqual([...oracle.keys()]);
      expect(map.size).toBe(oracle.size);
    }),
    { numRuns: 60, seed: 0x62797465 },
  );
});

test('20,000 keys: the slots grow from 1,024 to 65,536 and every key is still found', () => {
  const map = new ByteMap<string>(1 << 20);
  const made: string[] = [];
  const keys = Array.from({ length: 20000 }, (_, i) => `sym_${i.toString(36)}`);
  const buf = Buffer.from(keys.join('\0'), 'latin1');
  const got: string[] = [];
  for (let round = 0; round < 2; round++) {
    let at = 0;
    for (const k of keys) {
      got.push(lookUp(map, made, buf, at, at + k.length));
      at += k.length + 1;
    }
  }
  expect(got).toEqual([...keys, ...keys].map((k) => `value of ${k}`));
  expect(made).toEqual(keys);
  expect(map.size).toBe(20000);
});

test('past its byte limit the map keeps no more keys: their values are made again each time', () => {
  const map = new ByteMap<string>(10);
  const made: string[] = [];
  const buf = Buffer.from('abcdef0123456789', 'latin1');
  for (let round = 0; round < 2; round++) {
    expect(lookUp(map, made, buf, 0, 6)).toBe('value of abcdef'); // 6 bytes kept
    expect(lookUp(map, made, buf, 6, 11)).toBe('value of 01234'); // 11 > 10: not kept
    expect(lookUp(map, made, buf, 6, 10)).toBe('value of 0123'); // 10: kept
  }
  expect(made).toEqual(['abcdef', '01234', '0123', '01234']);
  expect(map.size).toBe(2);
});
