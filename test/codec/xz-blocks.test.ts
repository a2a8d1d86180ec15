/**
 * The xz block walker (src/codec/xz-blocks.ts) against xz(1)'s own block tables (`xz --robot --list -vv`)
 * of real files it wrote: the gcc-built sample modules and incompressible noise between them, compressed in
 * one block, in many (CRC32, CRC64, SHA-256, none), with BCJ and delta filters, and multi-threaded (block
 * headers that record both sizes); pushed whole, a byte at a time and in odd pieces. Every block's check end
 * (CompOffset + TotalSize) and uncompressed end (UncompOffset + UncompSize) must be xz's.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from '../../src/codec/crc32.js';
import { parseBlockHeader, XzBlockWalker, type XzBlock } from '../../src/codec/xz-blocks.js';
import { stageModules } from '../helpers/damaged.js';
import { decoderFor } from '../../src/package/decoders.js';

const TMP = mkdtempSync(join(tmpdir(), 'ksymcheck-xzblocks-'));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));

/** The staged modules and noise, concatenated: ~330 KB. */
function plain(): string {
  const out = join(TMP, 'plain');
  const dir = join(TMP, 'staged');
  stageModules(dir);
  writeFileSync(out, Buffer.concat(readdirSync(dir).sort().map((f) => readFileSync(join(dir, f)))));
  return out;
}

function compress(args: string[]): Buffer {
  return execFileSync('xz', ['-c', '-T1', ...args, plain()], { maxBuffer: 1 << 30 });
}

/** xz's block table: for each block, the end of its check in the file and the end of its output. */
function xzList(xz: Buffer): { blocks: XzBlock[]; check: string } {
  const f = join(TMP, 'listed.xz');
  writeFileSync(f, xz);
  const lines = execFileSync('xz', ['--robot', '--list', '-vv', f], { encoding: 'utf8' }).split('\n');
  const blocks = lines
    .filter((l) => l.startsWith('block\t'))
    .map((l) => l.split('\t'))
    .map((c) => ({ checkEnd: Number(c[4]) + Number(c[6]), outEnd: Number(c[5]) + Number(c[7]) }));
  const check = lines.find((l) => l.startsWith('stream\t'))!.split('\t')[8];
  return { blocks, check };
}

function walk(xz: Uint8Array, piece: number): XzBlockWalker {
  const w = new XzBlockWalker();
  for (let p = 0; p < xz.length; p += piece) w.push(xz.subarray(p, p + piece));
  return w;
}

const CHECK_IDS: Record<string, number> = { None: 0, CRC32: 1, CRC64: 4, 'SHA-256': 10 };

describe('xz block walker: the block table of xz --list', () => {
  test.each([
    ['one block, CRC64 (xz’s default)', []],
    ['40 KB blocks, CRC32', ['--check=crc32', '--block-size=40000']],
    ['64 KB blocks, SHA-256', ['--check=sha256', '--block-size=65536']],
    ['100 KB blocks, no check', ['--check=none', '--block-size=100000']],
    ['x86 BCJ then LZMA2, 50 KB blocks', ['--x86', '--lzma2=preset=6', '--block-size=50000']],
    ['delta then LZMA2, 30 KB blocks, CRC32', ['--check=crc32', '--delta=dist=4', '--lzma2=preset=1', '--block-size=30000']],
    ['multi-threaded, 60 KB blocks (both sizes in each header)', ['-T2', '--block-size=60000']],
    ['preset 0, 10 KB blocks (many LZMA2 chunk resets)', ['-0', '--block-size=10000']],
  ])('%s', (_what, args) => {
    const xz = compress(args);
    const listed = xzList(xz);
    expect(listed.blocks.length).toBeGreaterThan(0);
    for (const piece of [xz.length, 1, 4093, 65536]) {
      const w = walk(xz, piece);
      expect(w.blocks).toEqual(listed.blocks);
      expect(w.check).toBe(CHECK_IDS[listed.check]);
      expect(w.stopped).toBe('index');
    }
    // the multi-threaded encoder records the sizes in each header, and they were checked
    if (args.includes('-T2')) expect(parseBlockHeader(xz.subarray(12, 12 + (xz[12] + 1) * 4))).toEqual({ compressed: expect.any(Number), uncompressed: expect.any(Number) });
  });

  /** The first block header of `xz` changed by `edit`, its CRC32 made right again. */
  function edited(xz: Buffer, edit: (h: Buffer) => void): Buffer {
    const b = Buffer.from(xz);
    const size = (b[12] + 1) * 4;
    const h = b.subarray(12, 12 + size);
    edit(h);
    h.writeUInt32LE(crc32(h.subarray(0, size - 4)), size - 4);
    return b;
  }

  test('what it cannot follow stops the walk, with the blocks before it kept', () => {
    const xz = compress(['--block-size=60000']);
    // an unknown filter id in the first block
    expect(walk(edited(xz, (h) => (h[2] = 0x22)), 4096)).toMatchObject({ blocks: [], stopped: 'filter 0x22' });
    // a block header CRC32 that is wrong
    const bad = Buffer.from(xz);
    bad[14] ^= 1;
    expect(walk(bad, 4096)).toMatchObject({ blocks: [], stopped: 'block header CRC32' });
    // not an xz stream
    expect(walk(Buffer.from('not an xz file at all'), 3)).toMatchObject({ blocks: [], stopped: 'stream header magic' });
    // a second block whose recorded uncompressed size is wrong (multi-threaded: sizes recorded)
    const mt = Buffer.from(execFileSync('xz', ['-c', '-T2', '--block-size=60000', plain()]));
    const listed = xzList(mt).blocks;
    const second = listed[0].checkEnd;
    const h = mt.subarray(second, second + (mt[second] + 1) * 4);
    const r = parseBlockHeader(h) as { compressed: number; uncompressed: number };
    expect(r.uncompressed).toBe(listed[1].outEnd - listed[0].outEnd);
    // the uncompressed size is the varint after the compressed size: its first byte's low bit flipped
    const at = 2 + [...h.subarray(2)].findIndex((x) => (x & 0x80) === 0) + 1;
    h[at] ^= 1;
    h.writeUInt32LE(crc32(h.subarray(0, h.length - 4)), h.length - 4);
    expect(walk(mt, 65536)).toMatchObject({ blocks: [listed[0]], stopped: 'uncompressed size differs from the block header' });
  });

  test('a cut stream: the blocks whole before the cut, no stop', () => {
    const xz = compress(['--block-size=40000']);
    const listed = xzList(xz).blocks;
    const w = walk(xz.subarray(0, listed[3].checkEnd + 10), 777);
    expect(w.blocks).toEqual(listed.slice(0, 4));
    expect(w.stopped).toBeUndefined();
  });

  /** The events of the decoder a .deb's data.tar.xz goes through, fed in 4 KB pieces, and its error. */
  function decodeChecked(xz: Buffer): { events: string[]; error?: string; produced: number } {
    const events: string[] = [];
    let produced = 0;
    const d = decoderFor('data.tar.xz', (c) => (produced += c.length), {
      checkpoint: () => events.push('checkpoint'),
      unverified: (on) => events.push(`unverified ${on}`),
      verifiedTo: (o) => events.push(`verified to ${o}`),
    });
    try {
      for (let p = 0; p < xz.length; p += 4096) d.push(xz.subarray(p, p + 4096));
      d.end();
    } catch (e) {
      return { events, error: (e as Error).message, produced };
    }
    return { events, produced };
  }

  test('the block-checked decoder: each block verified once its check is taken; CRC32/CRC64 only; a block the walker cannot follow is not verified, the decoder’s error the one', () => {
    const crc64 = compress(['--block-size=60000']);
    const blocks = xzList(crc64).blocks;
    expect(decodeChecked(crc64)).toEqual({ events: ['unverified true', ...blocks.map((b) => `verified to ${b.outEnd}`)], produced: blocks[blocks.length - 1].outEnd });
    expect(decodeChecked(compress(['--check=crc32', '--block-size=60000'])).events).toEqual(['unverified true', ...blocks.map((b) => `verified to ${b.outEnd}`)]);
    // nothing xz-embedded checks: nothing held
    expect(decodeChecked(compress(['--check=none', '--block-size=60000'])).events).toEqual([]);
    // the 2nd block's recorded uncompressed size wrong (its CRC32 made right): the walk stops at that block's
    // end; xz-embedded, which checks the size too, fails there: only the 1st block verified, and the error is xz-embedded's
    const mt = Buffer.from(execFileSync('xz', ['-c', '-T2', '--block-size=60000', plain()]));
    const listed = xzList(mt).blocks;
    const h = mt.subarray(listed[0].checkEnd, listed[0].checkEnd + (mt[listed[0].checkEnd] + 1) * 4);
    const at = 2 + [...h.subarray(2)].findIndex((x) => (x & 0x80) === 0) + 1;
    h[at] ^= 1;
    h.writeUInt32LE(crc32(h.subarray(0, h.length - 4)), h.length - 4);
    const r = decodeChecked(mt);
    expect(r.events).toEqual(['unverified true', `verified to ${listed[0].outEnd}`]);
    expect(r.error).toBe('corrupt data');
  });
});
