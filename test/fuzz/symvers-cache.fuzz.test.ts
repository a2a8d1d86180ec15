/**
 * Fuzzing the Module.symvers index kept between runs (src/kernel/symvers-cache.ts) over a good file:
 * - damaged cache bytes (flipped, overwritten, cut, lengthened; the checksum left as it was) are never
 *   used: the whole-file read's answers, and the cache written again;
 * - damaged bytes whose checksum is made right again (key length, counts, sizes) are refused or read safely;
 * - cache contents whose checksum is right but whose arrays are not the file's (entries, line starts,
 *   counts changed, then encoded with a right checksum: what only a hand that can write the user's files
 *   makes) never throw, never hang, and every export a look-up gives is the export of a line of the file
 *   with that name — the lines are read and checked; what such a cache can still get wrong is a name it
 *   says is absent, which the header of symvers-cache.ts says stands on the checksum and the identity.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import { crc32Of } from '../../src/codec/crc32.js';
import { CachedSymvers, cacheFileName, decodeIndex, encodeIndex, readSymversCached, type IndexLayout } from '../../src/kernel/symvers-cache.js';
import { readSymversIndexed, SymversIndex } from '../../src/kernel/symvers-index.js';
import { parseSymvers } from '../../src/kernel/symvers.js';
import type { Export } from '../../src/kernel/types.js';
import { CLASH, CLASH_ABSENT, symversText } from '../helpers/symvers-gen.js';
import { assertProperty, Defect, runsFor, Stats, timeoutFor } from './harness.js';

const dir = mkdtempSync(join(tmpdir(), 'ksymcheck-fuzz-symvers-cache-'));
const FILE = join(dir, 'Module.symvers');
const CACHE = join(dir, 'cache');
const TEXT = symversText(); // 1,500 lines, over MIN_BYTES
writeFileSync(FILE, TEXT);
const CACHE_FILE = join(CACHE, cacheFileName(resolve(FILE)));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// the whole read's answers, and every line's export by name
const WHOLE = readSymversIndexed(FILE) as SymversIndex;
const LINES = new Map<string, Export[]>();
for (const e of parseSymvers(TEXT, FILE).exports) LINES.set(e.name, [...(LINES.get(e.name) ?? []), e]);
const NAMES = [...LINES.keys()];
const PROBES = [...NAMES.filter((_, i) => i % 37 === 0), 'sym_5', CLASH, CLASH_ABSENT, 'absent', ''];

readSymversCached(FILE, CACHE); // writes the good cache
const GOOD = readFileSync(CACHE_FILE);
const LAYOUT = decodeIndex(Buffer.from(new Uint8Array(GOOD).buffer.slice(0)));
if (typeof LAYOUT === 'string') throw new Error(`the good cache does not decode: ${LAYOUT}`);

/** A byte-level damage to the cache file. */
const damage = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('set' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
  fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('grow' as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 64 }) }),
);
type Damage = typeof damage extends fc.Arbitrary<infer T> ? T : never;

function damaged(ds: Damage[]): Buffer {
  let b = Buffer.from(GOOD);
  for (const d of ds) {
    if (d.kind === 'flip') b[d.at % b.length] ^= 1 << d.bit;
    else if (d.kind === 'set') Buffer.from(d.bytes).copy(b, d.at % b.length);
    else if (d.kind === 'cut') b = b.subarray(0, d.at % b.length);
    else b = Buffer.concat([b, Buffer.from(d.bytes)]);
    if (b.length === 0) break;
  }
  return b;
}

/** A change to the decoded arrays and counts, to be encoded with a right checksum. */
const LINES_N = (LAYOUT as IndexLayout).hash.length;
const value = fc.oneof(fc.nat({ max: 0xffffffff }), fc.nat({ max: LINES_N + 2 }), fc.nat({ max: TEXT.length + 2 }));
const edit = fc.oneof(
  fc.record({ array: fc.constantFrom('lineStart' as const, 'hash' as const, 'line' as const), at: fc.nat(), value, delta: fc.constantFrom(0, 1, -1) }),
  fc.record({ array: fc.constant('swap' as const), at: fc.nat(), value: fc.nat(), delta: fc.constant(0) }),
  fc.record({ array: fc.constantFrom('distinct' as const, 'anyCrc' as const), at: fc.constant(0), value, delta: fc.constant(0) }),
);
type Edit = typeof edit extends fc.Arbitrary<infer T> ? T : never;

function edited(es: Edit[]): Buffer {
  const l = LAYOUT as IndexLayout;
  const c: IndexLayout = { ...l, lineStart: l.lineStart.slice(), hash: l.hash.slice(), line: l.line.slice() };
  for (const e of es) {
    if (e.array === 'distinct') c.distinct = e.value;
    else if (e.array === 'anyCrc') c.anyCrc = !c.anyCrc;
    else if (e.array === 'swap') {
      const a = e.at % c.line.length;
      const b = e.value % c.line.length;
      [c.line[a], c.line[b]] = [c.line[b]!, c.line[a]!];
    } else {
      const arr = c[e.array];
      const i = e.at % arr.length;
      arr[i] = e.delta === 0 ? e.value : arr[i]! + e.delta;
    }
  }
  return encodeIndex(c);
}

/** The damaged bytes with the CRC-32 of their body made right again: what decodeIndex() itself must refuse or read safely. */
function rechecked(bytes: Buffer): Buffer {
  if (bytes.length < 36) return bytes;
  const b = Buffer.from(bytes);
  b.writeUInt32LE(crc32Of(b.subarray(36)), 32);
  return b;
}

/** Every probe's answer is the whole read's, or (through the cache) the export of a line of the file with that name. */
function answersAreLines(got: CachedSymvers, probes: string[], what: string): void {
  for (const n of probes) {
    const e = got.get(n);
    if (e === undefined) continue;
    if (!(LINES.get(n) ?? []).some((line) => JSON.stringify(line) === JSON.stringify(e))) throw new Defect(`${n}: ${JSON.stringify(e)} is no line of the file (${what})`);
  }
}

describe('fuzz: the Module.symvers index kept between runs', () => {
  const runs = runsFor(300, 1);
  test(
    'symvers-cache-bytes: damaged cache bytes are never used; the whole read, and the cache written again',
    () => {
      const stats = new Stats('symvers-cache-bytes');
      assertProperty(
        'symvers-cache-bytes',
        fc.property(fc.array(damage, { minLength: 1, maxLength: 4 }), (ds) => {
          const bytes = damaged(ds);
          if (bytes.equals(GOOD)) return; // a flip undone by another
          writeFileSync(CACHE_FILE, bytes);
          stats.time(() => JSON.stringify(ds), () => {
            const got = readSymversCached(FILE, CACHE);
            if (!(got instanceof SymversIndex)) throw new Defect(`a damaged cache was used (${JSON.stringify(ds)})`);
            for (const n of PROBES) if (JSON.stringify(got.get(n)) !== JSON.stringify(WHOLE.get(n))) throw new Defect(`${n}: not the whole read's export`);
          });
          stats.accepted('whole read');
          if (!readFileSync(CACHE_FILE).equals(GOOD)) throw new Defect('the cache was not written again');
        }),
        runs,
      );
      stats.print();
    },
    timeoutFor(runs, 20),
  );

  test(
    'symvers-cache-layout: a right checksum over arrays that are not the file\'s: no error, no hang, every export found is a line of the file',
    () => {
      const stats = new Stats('symvers-cache-layout');
      assertProperty(
        'symvers-cache-layout',
        fc.property(fc.array(edit, { minLength: 1, maxLength: 6 }), fc.shuffledSubarray(PROBES, { minLength: 1 }), (es, probes) => {
          const bytes = edited(es);
          writeFileSync(CACHE_FILE, bytes);
          stats.time(() => JSON.stringify(es), () => {
            const got = readSymversCached(FILE, CACHE);
            if (got instanceof SymversIndex) {
              const why = decodeIndex(Buffer.from(new Uint8Array(bytes).buffer.slice(0)));
              if (typeof why !== 'string') throw new Defect(`a cache that decodes was not used (${JSON.stringify(es)})`);
              stats.rejected('decodeIndex', why);
              return;
            }
            if (!(got instanceof CachedSymvers)) throw new Defect('neither the whole read nor the cache');
            answersAreLines(got, probes, JSON.stringify(es));
            stats.accepted(got.cached ? 'answered through the cache' : 'read whole after a line failed');
          });
        }),
        runs,
      );
      stats.print();
      writeFileSync(CACHE_FILE, GOOD);
    },
    timeoutFor(runs, 20),
  );

  test(
    'symvers-cache-rechecked: damaged bytes under a right checksum (key length, counts, sizes): refused or read safely',
    () => {
      const stats = new Stats('symvers-cache-rechecked');
      assertProperty(
        'symvers-cache-rechecked',
        fc.property(fc.array(damage, { minLength: 1, maxLength: 4 }), (ds) => {
          const bytes = rechecked(damaged(ds));
          writeFileSync(CACHE_FILE, bytes);
          stats.time(() => JSON.stringify(ds), () => {
            const got = readSymversCached(FILE, CACHE);
            if (got instanceof SymversIndex) {
              const why = decodeIndex(Buffer.from(new Uint8Array(bytes).buffer.slice(0)));
              stats.rejected('decodeIndex', typeof why === 'string' ? why : 'for another state of the file');
              return;
            }
            if (!(got instanceof CachedSymvers)) throw new Defect('neither the whole read nor the cache');
            answersAreLines(got, PROBES, JSON.stringify(ds));
            stats.accepted(got.cached ? 'answered through the cache' : 'read whole after a line failed');
          });
        }),
        runs,
      );
      stats.print();
      writeFileSync(CACHE_FILE, GOOD);
    },
    timeoutFor(runs, 20),
  );
});
