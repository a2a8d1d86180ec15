/**
 * Compressed modules (`.ko.gz`, `.ko.xz` with CRC32 and CRC64 checks, `.ko.zst`) made from real samples
 * with the system's gzip/xz/zstd, then damaged: bit flips (weighted to the container headers and
 * trailers), truncation, bytes inserted or removed, garbage appended, the recorded sizes changed. The
 * decompressor may only answer with an InputError naming the file; the synchronous and asynchronous
 * decoders must agree (accept/reject and bytes); what decompresses is then read as a module (only
 * ElfFormatError). A compressed truncated download is the commonest broken file in a module tree.
 * Then concatenated and lying streams of every format against a limit (below).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { ElfFormatError, InputError } from '../../src/errors.js';
import { decompress, decompressSync, zstdFrames } from '../../src/codec/decompress.js';
import { moduleFactsFromBuffer } from '../../src/module/read.js';
import { BUILD, ROOT } from '../helpers/fixtures.js';
import { applyMutations, describe as describeMutation, type Mutation } from './elf-mutate.js';
import { Defect, keepFailure, runsFor, Stats, step, timeoutFor } from './harness.js';

interface Packed {
  id: string;
  buf: Buffer;
}

function have(tool: string): boolean {
  try {
    execFileSync(tool, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const SOURCES = ['seed/openafs/libafs.ko', 'seed/openafs-i386/libafs.ko'].map((r) => ({ id: r, buf: readFileSync(join(BUILD, r)) }));
const PACKED: Packed[] = [];
for (const s of SOURCES) {
  const pack = (tool: string, args: string[], ext: string) => {
    if (have(tool)) PACKED.push({ id: `${s.id}.${ext}`, buf: execFileSync(tool, args, { input: s.buf, maxBuffer: 64 << 20 }) });
  };
  pack('gzip', ['-9', '-c', '-n'], 'gz');
  pack('xz', ['-c', '--check=crc32', '--lzma2=dict=1MiB'], 'xz');
  pack('xz', ['-c', '--check=crc64'], 'crc64.xz');
  pack('zstd', ['-c', '-q', '-19'], 'zst');
}

function mutationsFor(p: Packed): fc.Arbitrary<Mutation[]> {
  const n = p.buf.length;
  const head = Math.min(n - 1, 32);
  const one: fc.Arbitrary<Mutation> = fc.oneof(
    // headers and trailers hold the magic, flags, check type, recorded sizes and checksums
    fc.tuple(fc.oneof(fc.nat(head), fc.integer({ min: Math.max(0, n - 32), max: n - 1 }), fc.nat(n - 1)), fc.integer({ min: 1, max: 255 })).map(([at, mask]): Mutation => ({ op: 'flip', at, mask })),
    fc.oneof(fc.nat(n), fc.integer({ min: Math.max(0, n - 16), max: n }), fc.nat(Math.min(n, 24))).map((length): Mutation => ({ op: 'truncate', length })),
    fc.tuple(fc.nat(n), fc.nat(16), fc.array(fc.nat(255), { maxLength: 16 })).map(([at, remove, insert]): Mutation => ({ op: 'splice', at, remove, insert })),
    fc.array(fc.nat(255), { minLength: 1, maxLength: 64 }).map((bytes): Mutation => ({ op: 'append', bytes })),
    // the last 4 bytes of a gzip member are ISIZE; a zstd frame header may carry the content size
    fc.tuple(fc.constantFrom(n - 4, 4, 5, 6), fc.constantFrom(0n, 1n, 0xffffffffn, 0x7fffffffn, 0x40000000n), fc.constantFrom(1, 2, 4) as fc.Arbitrary<1 | 2 | 4>).map(
      ([at, value, width]): Mutation => ({ op: 'set', what: 'size-field', at: Math.max(0, at), width, value }),
    ),
  );
  return fc.array(one, { minLength: 1, maxLength: 3 });
}

const caseArb = fc.constantFrom(...PACKED).chain((p) => mutationsFor(p).map((ms) => ({ p, ms, toString: () => `${p.id}: ${ms.map(describeMutation).join('; ')}` })));

describe('fuzz: compressed modules', () => {
  const stats = new Stats('compressed-modules');
  afterAll(() => stats.print());
  const runs = runsFor(600, 0.2);

  test(`compressed-modules: damaged .ko.gz/.ko.xz/.ko.zst (${runs} cases)`, async () => {
    expect(PACKED.length).toBeGreaterThan(0);
    // the zstd decoder initialises on first asynchronous use; decompressSync needs that done
    for (const p of PACKED) expect((await decompress(p.buf, p.id)).data.equals(SOURCES.find((s) => p.id.startsWith(s.id))!.buf)).toBe(true);
    const out = await fc.check(
      fc.asyncProperty(caseArb, async (c) => {
        const buf = applyMutations(c.p.buf, c.ms, true);
        const file = `fuzz/${c.p.id.split('/').pop()}`;
        try {
          const t0 = performance.now();
          let asyncResult: Buffer | undefined;
          let asyncError: unknown;
          try {
            asyncResult = (await decompress(buf, file)).data;
          } catch (e) {
            asyncError = e;
          }
          const sync = stats.time(() => c.toString(), () => step(stats, InputError, { file, size: buf.length }, 'decompressSync', () => decompressSync(buf, file).data));
          if (asyncError !== undefined) {
            if (!(asyncError instanceof InputError) || asyncError.file !== file) throw new Defect(`decompress threw ${(asyncError as Error)?.name}: ${(asyncError as Error)?.message}\n${(asyncError as Error)?.stack}`);
            if (sync !== undefined) throw new Defect(`decompress rejected (${asyncError.message}) but decompressSync accepted`);
          } else {
            if (sync === undefined) throw new Defect(`decompressSync rejected (${stats.lastRejection?.message}) but decompress accepted`);
            if (!sync.equals(asyncResult!)) throw new Defect('decompress and decompressSync returned different bytes');
            step(stats, ElfFormatError, { file, size: sync.length }, 'moduleFacts', () => moduleFactsFromBuffer(sync, file));
          }
          if (performance.now() - t0 > stats.boundMs * 2 && process.env.FUZZ_RUNS) throw new Defect(`took ${(performance.now() - t0).toFixed(0)} ms`);
        } catch (e) {
          keepFailure('compressed-modules', buf, c.toString());
          throw e;
        }
      }),
      { numRuns: runs, seed: Number(process.env.FUZZ_SEED ?? 0x6b73796d), path: process.env.FUZZ_PATH || undefined },
    );
    if (out.failed) {
      const err = out.errorInstance as Error;
      throw new Error(`${fc.defaultReportMessage(out)}\n\nError: ${err?.message}\n\nReplay: FUZZ_SEED=${out.seed} FUZZ_PATH=${out.counterexamplePath} bash scripts/fuzz -t 'compressed-modules: '`);
    }
  }, timeoutFor(runs, 5));
});

/**
 * Concatenated and lying streams of every format, against a limit near their true size: gzip members,
 * xz streams (with stream padding between them) and zstd frames, 1 to 3 of them; a lie is a record that
 * says another size, consistently (gzip ISIZE, zstd Frame_Content_Size, an xz index rewritten with its
 * CRCs by scripts/make-bombs.mjs). The decoder must give exactly the concatenated modules when the limit
 * allows them, the size error when it does not, and refuse every lie; sync and async alike.
 */
describe('fuzz: concatenated and lying compressed streams', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'ksymcheck-lying-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));
  const lyingXz = (p: Packed, claimed: number): Buffer => {
    const from = join(tmp, 'in.xz');
    const to = join(tmp, 'out.xz');
    writeFileSync(from, p.buf);
    execFileSync('node', [join(ROOT, 'scripts', 'make-bombs.mjs'), '--lie-index', from, String(claimed), to]);
    return readFileSync(to);
  };
  const sourceOf = (p: Packed) => SOURCES.find((s) => p.id.startsWith(s.id))!.buf;
  /** One copy, its recorded size changed to `claimed` (undefined: no lie). */
  const copy = (p: Packed, claimed?: number): Buffer => {
    if (claimed === undefined) return p.buf;
    if (p.id.endsWith('.xz')) return lyingXz(p, claimed);
    if (p.id.endsWith('.gz')) {
      const b = Buffer.from(p.buf);
      b.writeUInt32LE(claimed, b.length - 4);
      return b;
    }
    // zstd: the frame of a file (a pipe records no size), its 4-byte Frame_Content_Size rewritten
    const file = join(tmp, 'in');
    writeFileSync(file, sourceOf(p));
    const b = execFileSync('zstd', ['-q', '-c', '-19', file]);
    const fhd = b[4];
    const at = 5 + ((fhd >> 5) & 1 ? 0 : 1) + [0, 1, 2, 4][fhd & 3]; // after the descriptor, window byte, dictionary ID
    if (fhd >> 6 === 1) b.writeUInt16LE(claimed - 256, at); // Frame_Content_Size_Flag 1: 2 bytes, plus 256
    else if (fhd >> 6 === 2) b.writeUInt32LE(claimed, at);
    else throw new Error(`zstd wrote Frame_Content_Size_Flag ${fhd >> 6}`);
    return b;
  };
  const runs = runsFor(60, 0.2);
  const caseArb = fc.record({
    p: fc.constantFrom(...PACKED.filter((p) => !p.id.endsWith('crc64.xz'))),
    copies: fc.integer({ min: 1, max: 3 }),
    lieAt: fc.option(fc.nat(2), { nil: undefined }),
    lieBy: fc.integer({ min: -64, max: 64 }).filter((n) => n !== 0),
    slack: fc.integer({ min: -8, max: 8 }),
  });

  test(`concatenated-lying: gzip members, xz streams, zstd frames, lies and limits (${runs} cases)`, async () => {
    for (const p of PACKED.filter((q) => q.id.endsWith('.zst'))) expect(zstdFrames(copy(p, 1234))![0].contentSize).toBe(1234);
    await fc.assert(
      fc.asyncProperty(caseArb, async ({ p, copies, lieAt, lieBy, slack }) => {
        const plain = sourceOf(p);
        const lie = lieAt !== undefined && lieAt < copies ? lieAt : undefined;
        const parts: Buffer[] = [];
        for (let i = 0; i < copies; i++) {
          parts.push(copy(p, i === lie ? plain.length + lieBy : undefined));
          if (p.id.endsWith('.xz') && i < copies - 1) parts.push(Buffer.alloc(4)); // stream padding
        }
        const buf = Buffer.concat(parts);
        const size = plain.length * copies;
        const limit = size + slack;
        const file = `fuzz/${p.id.split('/').pop()}`;
        const outcomes: Array<Buffer | InputError> = [];
        for (const run of [() => decompress(buf, file, { maxModuleSize: limit }), async () => decompressSync(buf, file, { maxModuleSize: limit })]) {
          try {
            outcomes.push((await run()).data);
          } catch (e) {
            if (!(e instanceof InputError) || e.file !== file) throw e;
            outcomes.push(e);
          }
        }
        for (const o of outcomes) {
          if (lie !== undefined) expect(o).toBeInstanceOf(InputError);
          else if (limit >= size) expect(Buffer.isBuffer(o) && o.equals(Buffer.concat(Array(copies).fill(plain)))).toBe(true);
          else expect((o as Error).message).toContain(`decompresses to more than ${limit} bytes (limit ${limit} bytes, --max-module-size)`);
        }
      }),
      { numRuns: runs, seed: Number(process.env.FUZZ_SEED ?? 0x6b73796d), path: process.env.FUZZ_PATH || undefined },
    );
  }, timeoutFor(runs, 200));
});
