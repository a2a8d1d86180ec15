/**
 * Fuzzing the Module.symvers reader: lines of 2..7 fields with every column drawn from good and bad
 * values, every layout, CRLF and lone CR, NUL bytes, U+FFFD, lone surrogates, 1 MB lines, random
 * text, and random bytes through the UTF-8 decoder. Every input is parsed or rejected with a ParseError
 * naming the file and a line that exists; a file made of good lines of one layout parses to exactly its
 * lines (model), with CRLF or LF alike, and survives formatSymvers → parseSymvers.
 */
import fc from 'fast-check';
import { ParseError } from '../../src/errors.js';
import { decodeUtf8Text, formatSymvers, parseLines, parseModernLines, parseSymvers } from '../../src/kernel/symvers.js';
import { EXPORT_TYPES } from '../../src/kernel/types.js';
import { assertProperty, Defect, keepFailure, runsFor, Stats, step, timeoutFor, type InputShape } from './harness.js';

const FILE = 'fuzz/Module.symvers';

const hexDigits = (min: number, max: number) => fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEF'), minLength: min, maxLength: max });
const goodCrc = fc.tuple(fc.constantFrom('0x', '0X', ''), hexDigits(1, 8)).map(([p, h]) => p + h);
const goodName = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_.$]{0,40}$/);
const goodOwner = fc.oneof(fc.constant('vmlinux'), fc.stringMatching(/^[a-z0-9_/.\- ]{0,30}[a-z0-9_]$/));
const goodNs = fc.oneof(fc.constant(''), fc.stringMatching(/^[A-Z_][A-Z0-9_]{0,20}$/), fc.stringMatching(/^module:[a-z0-9_,*]{1,20}$/));
const goodType = fc.constantFrom(...EXPORT_TYPES);

/** Anything a column might hold in a damaged or hostile file. */
const badField = fc.oneof(
  fc.constantFrom('', ' ', '\r', '0x', '0x-1', '-1', '+1', '0x123456789', '0xfffffffff', 'EXPORT_SYMBOL ', 'export_symbol', '(unknown) ', 'a b', 'a\u0001b', 'a\u007fb', '\u00a0', '\uFFFD', '\u0000', 'é', '\ud800', '\udfff'),
  fc.string({ unit: 'binary', maxLength: 16 }),
  fc.string({ unit: 'grapheme', maxLength: 8 }),
  fc.string({ unit: fc.constantFrom('\t', '\r', '\n', ' ', 'x', '0', '\u0000'), maxLength: 6 }),
);
const anyField = (good: fc.Arbitrary<string>) => fc.oneof({ weight: 5, arbitrary: good }, { weight: 1, arbitrary: badField });

/** 2..7 fields in the order of one of the layouts, each column sometimes damaged. */
const line = fc.oneof(
  fc.tuple(anyField(goodCrc), anyField(goodName), anyField(goodOwner), anyField(goodType)), // crc sym mod type
  fc.tuple(anyField(goodCrc), anyField(goodName), anyField(goodOwner), anyField(goodType), anyField(goodNs)), // crc sym mod type ns
  fc.tuple(anyField(goodCrc), anyField(goodName), anyField(goodNs), anyField(goodOwner), anyField(goodType)), // crc sym ns mod type
  fc.tuple(anyField(goodCrc), anyField(goodName), anyField(goodOwner)), // 3 fields
  fc.array(badField, { minLength: 2, maxLength: 7 }),
).map((f) => f.join('\t'));

const eol = fc.oneof({ weight: 8, arbitrary: fc.constant('\n') }, { weight: 2, arbitrary: fc.constant('\r\n') }, { weight: 1, arbitrary: fc.constantFrom('\r', '', '\n\n', '\u2028') });

/** Random files: lines with random endings, sometimes no final newline, sometimes raw text. */
const text = fc.oneof(
  { weight: 6, arbitrary: fc.array(fc.tuple(line, eol), { maxLength: 12 }).map((ls) => ls.map(([l, e]) => l + e).join('')) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 200 }) },
  { weight: 1, arbitrary: fc.string({ unit: fc.constantFrom('\t', '\n', '\r', '0', 'x', 'a', 'EXPORT_SYMBOL', 'vmlinux', ' ', '\u0000'), maxLength: 60 }) },
);

/** Where a ParseError's line may point: lines of the text, counted as the parser does (by '\n'). */
function shapeOf(t: string): InputShape {
  let lines = 1;
  for (let i = t.indexOf('\n'); i !== -1; i = t.indexOf('\n', i + 1)) lines++;
  return { file: FILE, size: t.length, lines };
}

function printable(t: string): string {
  return JSON.stringify(t.length > 400 ? `${t.slice(0, 400)}… (${t.length} chars)` : t);
}

describe('fuzz: Module.symvers', () => {
  const stats = new Stats('symvers-text');
  afterAll(() => stats.print());
  const runs = runsFor(3000);
  test(
    `symvers-text: random lines and text (${runs} cases)`,
    () => {
      assertProperty(
        'symvers-text',
        fc.property(text, (t) => {
          try {
            stats.time(() => printable(t), () => step(stats, ParseError, shapeOf(t), 'parseSymvers', () => parseSymvers(t, FILE)));
          } catch (e) {
            keepFailure('symvers-text', t, printable(t));
            throw e;
          }
        }),
        runs,
      );
    },
    timeoutFor(runs, 1),
  );

  const bytesStats = new Stats('symvers-bytes');
  afterAll(() => bytesStats.print());
  const byteRuns = runsFor(2000);
  const bytes = fc.oneof(
    fc.uint8Array({ maxLength: 200 }),
    // valid text with a few bytes made invalid UTF-8 (overlong, surrogate, truncated sequences)
    fc.tuple(text, fc.array(fc.tuple(fc.nat(), fc.constantFrom([0xc0, 0x80], [0xed, 0xa0, 0x80], [0xe2, 0x82], [0xf4, 0x90, 0x80, 0x80], [0xff], [0x00], [0xef, 0xbf, 0xbd])), { maxLength: 3 })).map(([t, edits]) => {
      let b = Buffer.from(t, 'utf8');
      for (const [at, seq] of edits) {
        const i = b.length ? at % (b.length + 1) : 0;
        b = Buffer.concat([b.subarray(0, i), Buffer.from(seq), b.subarray(i)]);
      }
      return new Uint8Array(b);
    }),
  );
  test(
    `symvers-bytes: random bytes through the UTF-8 decoder (${byteRuns} cases)`,
    () => {
      assertProperty(
        'symvers-bytes',
        fc.property(bytes, (u8) => {
          const buf = Buffer.from(u8);
          let lines = 1;
          for (const b of buf) if (b === 10) lines++;
          const shape: InputShape = { file: FILE, size: buf.length, lines };
          try {
            bytesStats.time(
              () => buf.toString('hex').slice(0, 400),
              () => {
                const t = step(bytesStats, ParseError, shape, 'decodeUtf8Text', () => decodeUtf8Text(buf, FILE));
                if (t !== undefined) step(bytesStats, ParseError, shape, 'parseSymvers', () => parseSymvers(t, FILE));
              },
            );
          } catch (e) {
            keepFailure('symvers-bytes', buf, buf.toString('hex'));
            throw e;
          }
        }),
        byteRuns,
      );
    },
    timeoutFor(byteRuns, 1),
  );

  const modelStats = new Stats('symvers-model');
  afterAll(() => modelStats.print());
  const modelRuns = runsFor(1000);
  const goodFile = fc.oneof(
    fc.constant('crc-sym-mod-type' as const),
    fc.constant('crc-sym-mod-type-ns' as const),
    fc.constant('crc-sym-ns-mod-type' as const),
  ).chain((layout) =>
    fc
      .array(fc.record({ crc: goodCrc, name: goodName, owner: goodOwner, type: goodType, namespace: layout === 'crc-sym-mod-type' ? fc.constant('') : goodNs }), { minLength: 1, maxLength: 10 })
      .chain((rows) => fc.tuple(fc.constant(layout), fc.constant(rows), fc.boolean(), fc.boolean())),
  );
  test(
    `symvers-model: good files parse to their lines, LF or CRLF, and survive format → parse (${modelRuns} cases)`,
    () => {
      assertProperty(
        'symvers-model',
        fc.property(goodFile, ([layout, rows, crlf, finalNewline]) => {
          const cols = (r: (typeof rows)[number]) =>
            layout === 'crc-sym-mod-type' ? [r.crc, r.name, r.owner, r.type] : layout === 'crc-sym-mod-type-ns' ? [r.crc, r.name, r.owner, r.type, r.namespace] : [r.crc, r.name, r.namespace, r.owner, r.type];
          // A 5-column row whose namespace is itself an export type would be ambiguous: not a "good" file.
          if (layout !== 'crc-sym-mod-type' && rows.some((r) => (EXPORT_TYPES as readonly string[]).includes(r.namespace))) return;
          const nl = crlf ? '\r\n' : '\n';
          const t = rows.map((r) => cols(r).join('\t')).join(nl) + (finalNewline ? nl : '');
          const parsed = modelStats.time(() => printable(t), () => parseSymvers(t, FILE));
          const want = rows.map((r, i) => ({
            name: r.name,
            type: r.type,
            namespace: r.namespace,
            crc: parseInt(r.crc.replace(/^0[xX]/, ''), 16),
            owner: r.owner,
            origin: { file: FILE, line: i + 1 },
          }));
          if (parsed.format !== layout) throw new Defect(`layout ${parsed.format}, wrote ${layout}`);
          expect(parsed.exports).toEqual(want);
          const again = parseSymvers(formatSymvers(parsed.exports), FILE);
          expect(again.exports.map(({ origin: _o, ...e }) => e)).toEqual(want.map(({ origin: _o, ...e }) => e));
        }),
        modelRuns,
      );
    },
    timeoutFor(modelRuns, 2),
  );

  const fastRuns = runsFor(3000);
  test(
    `symvers-fast-path: the one-pass reader of modern files takes only what the line reader takes, to the same result (${fastRuns} cases)`,
    () => {
      let taken = 0;
      assertProperty(
        'symvers-fast-path',
        fc.property(fc.oneof(text, goodFile.map(([layout, rows, crlf, last]) => {
          const nl = crlf ? '\r\n' : '\n';
          const cols = (r: (typeof rows)[number]) => (layout === 'crc-sym-ns-mod-type' ? [r.crc, r.name, r.namespace, r.owner, r.type] : [r.crc, r.name, r.owner, r.type, r.namespace]);
          return rows.map((r) => cols(r).join('\t')).join(nl) + (last ? nl : '');
        })), (t) => {
          const fast = parseModernLines(t, FILE);
          if (fast === undefined) return;
          taken++;
          // what the fast pass takes, the line reader must take too, to the same exports and layout
          expect(fast).toEqual(parseLines(t, FILE));
        }),
        fastRuns,
      );
      // and it does take something: the good modern files
      expect(taken).toBeGreaterThan(fastRuns / 20);
    },
    timeoutFor(fastRuns, 1),
  );

  test('symvers-fast-path: a good modern file is taken by the fast pass; a (unknown) type or an old layout is left to the line reader', () => {
    const good = '0x1234abcd\tsym_a\tvmlinux\tEXPORT_SYMBOL\t\r\n0Xff\tsym_b\tdrivers/x y/z\tEXPORT_SYMBOL_GPL\tMY_NS\nabc\tsym_c\tvmlinux\tEXPORT_UNUSED_SYMBOL_GPL\tmodule:a*,b';
    expect(parseModernLines(good, FILE)).toEqual(parseLines(good, FILE));
    expect(parseModernLines(good, FILE)!.exports.map((e) => [e.name, e.crc, e.owner, e.type, e.namespace, e.origin.line])).toEqual([
      ['sym_a', 0x1234abcd, 'vmlinux', 'EXPORT_SYMBOL', '', 1],
      ['sym_b', 0xff, 'drivers/x y/z', 'EXPORT_SYMBOL_GPL', 'MY_NS', 2],
      ['sym_c', 0xabc, 'vmlinux', 'EXPORT_UNUSED_SYMBOL_GPL', 'module:a*,b', 3],
    ]);
    for (const other of ['0x1\ta\tvmlinux\t(unknown)\t\n', '0x1\ta\tvmlinux\tEXPORT_SYMBOL\n', '0x1\ta\tNS\tvmlinux\tEXPORT_SYMBOL\n', '0x1\ta\tvmlinux\tEXPORT_SYMBOL\t\n\n', '0x1\ta\tvmlinux\tEXPORT_SYMBOL\t\uFFFD\n']) {
      expect(parseModernLines(other, FILE)).toBeUndefined();
    }
    // a line the fast pass stops at is reported by the line reader, with its line number
    expect(() => parseSymvers(`${good}\n0x1\tb\tvmlinux\tEXPORT_SYMBOL\n`, FILE)).toThrow(new ParseError(FILE, 4, 'expected 5 TAB-separated fields as in line 1 (5-column layout crc-sym-mod-type-ns (namespace last, 5.6-rc7+)), found 4'));
  });

  const longStats = new Stats('symvers-long-lines');
  afterAll(() => longStats.print());
  const longRuns = runsFor(12, 0.01);
  const MB = 1 << 20;
  const longText = fc
    .tuple(fc.nat(4), fc.constantFrom('A', '0', ' ', '\t', '\u00e9', '\uFFFD', '\u0000', '\r'), fc.constantFrom(2, 3, 4, 5, 6, 7), fc.boolean())
    .map(([col, ch, n, prefixGood]) => {
      const f = ['0x12345678', 'sym', 'vmlinux', 'EXPORT_SYMBOL', 'NS', 'x', 'y'].slice(0, n);
      f[col % n] = ch.repeat(MB);
      const l = f.join('\t');
      return (prefixGood ? '0x1\ta\tvmlinux\tEXPORT_SYMBOL\n' : '') + l + '\n';
    });
  test(
    `symvers-long-lines: 1 MB lines in every column (${longRuns} cases)`,
    () => {
      assertProperty(
        'symvers-long-lines',
        fc.property(longText, (t) => {
          try {
            longStats.time(() => printable(t), () => step(longStats, ParseError, shapeOf(t), 'parseSymvers', () => parseSymvers(t, FILE)));
          } catch (e) {
            keepFailure('symvers-long-lines', t, printable(t));
            throw e;
          }
        }),
        longRuns,
      );
    },
    timeoutFor(longRuns, 50),
  );
});
