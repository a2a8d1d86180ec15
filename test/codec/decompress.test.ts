/**
 * Compressed modules: the fixtures scripts/build-samples makes with the real gzip/xz/zstd tools from the
 * gcc-built libafs.ko (samples/build/compressed/), read back to the same facts as the plain file; the
 * container fields (xz check type, xz index sizes, zstd frames) read as the tools' own listings say; and
 * every decoder refuses corrupt or truncated input instead of handing a short module on.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '../../src/errors.js';
import { ByteBudget, Lease } from '../../src/codec/budget.js';
import { compressionOf, decompress, decompressSync, recordedSize, xzCheckOf, xzRecordedSize, zstdFrames } from '../../src/codec/decompress.js';
import { readModule, readModuleSync } from '../../src/module/read.js';
import type { ModuleFacts } from '../../src/module/types.js';
import { BUILD, ROOT, sample } from '../helpers/fixtures.js';
import { unboundedContainers } from '../helpers/unbounded.js';

const DIR = join(BUILD, 'compressed');
const skipped = existsSync(join(BUILD, 'compressed.SKIPPED'));
const d = skipped ? describe.skip : describe;
const PLAIN = () => sample('seed', 'openafs', 'libafs.ko');
const FILES = {
  gzip: () => join(DIR, 'gz', 'libafs.ko.gz'),
  xz32: () => join(DIR, 'xz-crc32', 'libafs.ko.xz'),
  xz64: () => join(DIR, 'xz-crc64', 'libafs.ko.xz'),
  // SHA-256, which xz-embedded lacks: decoded as check none, each block's SHA-256 verified (xz-sha256.ts)
  xz256: () => join(DIR, 'xz-sha256', 'libafs.ko.xz'),
  zstd: () => join(DIR, 'zst', 'libafs.ko.zst'),
};

/** Facts as plain data with the path left out (the compressed copies live elsewhere). */
function plain(f: ModuleFacts): unknown {
  for (const i of f.imports) void i.refs;
  const { path: _p, compression: _c, xzCheck: _x, zstdContentSize: _z, ...rest } = f;
  return JSON.parse(JSON.stringify({ ...rest, imports: f.imports.map((i) => ({ ...i })) }, (_k, v) => (v instanceof Map ? [...v] : v)));
}

d('compressed modules (samples/build/compressed)', () => {
  let tmp: string;
  beforeAll(() => {
    tmp = mkdtempSync(join(tmpdir(), 'ksymcheck-decompress-'));
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  test('the magic bytes tell the format (not the file name)', () => {
    expect(compressionOf(readFileSync(FILES.gzip()))).toBe('gzip');
    expect(compressionOf(readFileSync(FILES.xz32()))).toBe('xz');
    expect(compressionOf(readFileSync(FILES.zstd()))).toBe('zstd');
    expect(compressionOf(readFileSync(PLAIN()))).toBeUndefined();
  });

  test('xz: the check type is read from the stream header flags, as `xz --list` reports it', () => {
    expect(xzCheckOf(readFileSync(FILES.xz32()))).toBe('crc32');
    expect(xzCheckOf(readFileSync(FILES.xz64()))).toBe('crc64');
    expect(xzCheckOf(readFileSync(FILES.xz256()))).toBe('sha256');
    for (const f of [FILES.xz32(), FILES.xz64(), FILES.xz256()]) {
      const listed = execFileSync('xz', ['--robot', '--list', f], { encoding: 'utf8' });
      const check = listed.split('\n').find((l) => l.startsWith('file\t'))!.split('\t')[6];
      expect(xzCheckOf(readFileSync(f))).toBe(check.toLowerCase().replace('sha-256', 'sha256'));
    }
  });

  test('xz: the index records the uncompressed size (concatenated streams and stream padding included)', () => {
    const size = readFileSync(PLAIN()).length;
    const one = readFileSync(FILES.xz32());
    expect(xzRecordedSize(one)).toBe(size);
    const two = Buffer.concat([one, Buffer.alloc(8), readFileSync(FILES.xz64())]);
    expect(xzRecordedSize(two)).toBe(2 * size);
    // the decoder takes concatenated streams, as xz(1) and kmod's liblzma (LZMA_CONCATENATED) do
    expect(decompressSync(two, 'two.xz').data.equals(Buffer.concat([readFileSync(PLAIN()), readFileSync(PLAIN())]))).toBe(true);
  });

  test('zstd: frames and their recorded content size, as the zstd tool wrote them', () => {
    const frames = zstdFrames(readFileSync(FILES.zstd()))!;
    expect(frames).toHaveLength(1);
    expect(frames[0].contentSize).toBe(readFileSync(PLAIN()).length);
  });

  test.each(Object.keys(FILES))('%s: readModule gives the plain file’s facts, plus the compression', async (k) => {
    const file = FILES[k as keyof typeof FILES]();
    const want = plain(await readModule(PLAIN()));
    const lazy = await readModule(file, { references: 'lazy' });
    expect(plain(lazy)).toEqual(want);
    expect(plain(await readModule(file))).toEqual(want);
    expect(lazy.compression).toBe(k === 'gzip' ? 'gzip' : k === 'zstd' ? 'zstd' : 'xz');
    expect(lazy.xzCheck).toBe({ xz32: 'crc32', xz64: 'crc64', xz256: 'sha256' }[k]);
    expect(plain(readModuleSync(file, { references: 'lazy' }))).toEqual(want);
    expect(lazy.name).toBe('libafs');
    expect(lazy.kind).toBe('ko');
  });

  test('a plain module records no compression', async () => {
    const f = await readModule(PLAIN());
    expect(f.compression).toBeUndefined();
    expect(f.xzCheck).toBeUndefined();
  });

  describe.each(Object.keys(FILES))('%s: corrupt or truncated input is an error, never a short module', (k) => {
    const good = () => readFileSync(FILES[k as keyof typeof FILES]());
    const cases: Array<[string, (b: Buffer) => Buffer]> = [
      ['cut in half', (b) => b.subarray(0, b.length >> 1)],
      ['last 6 bytes missing', (b) => b.subarray(0, b.length - 6)],
      ['a byte flipped in the middle', (b) => {
        const c = Buffer.from(b);
        c[c.length >> 1] ^= 0x55;
        return c;
      }],
      ['garbage appended', (b) => Buffer.concat([b, Buffer.from('garbage!')])],
    ];
    test.each(cases)('%s', async (_what, mutate) => {
      const bad = mutate(good());
      const file = join(tmp, `${k}-${_what.replace(/\W+/g, '-')}.ko.x`);
      writeFileSync(file, bad);
      await expect(decompress(bad, file)).rejects.toBeInstanceOf(InputError);
      expect(() => decompressSync(bad, file)).toThrow(InputError);
      // through the module reader: an InputError naming the file, not an ELF parse of a short buffer
      await expect(readModule(file)).rejects.toThrow(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: (gzip|xz|zstd): `));
    });
  });

  test('gzip cut short: said to be cut short, not a bomb (its last four bytes, read as ISIZE, are more than deflate can make of it)', async () => {
    const cut = readFileSync(FILES.gzip()).subarray(0, 300);
    expect(cut.readUInt32LE(cut.length - 4)).toBeGreaterThan(1032 * cut.length); // (what the preflight once took as the trailer)
    expect(recordedSize(cut)).toBeUndefined();
    await expect(decompress(cut, 'x.ko.gz', { maxModuleSize: 1 << 20 })).rejects.toThrow(/^x\.ko\.gz: gzip: corrupt or truncated data \(unexpected end of file\)$/);
  });

  test("zstd: a corrupt frame is said in zstd's own words (zstd-wasm says 'Failed to compress with code -20')", async () => {
    const bad = Buffer.from(readFileSync(FILES.zstd()));
    bad[bad.length >> 1] ^= 0x55;
    await expect(decompress(bad, 'x.ko.zst')).rejects.toThrow(/^x\.ko\.zst: zstd: corrupt or truncated data \(zstd error 20: Data corruption detected\)$/);
  });

  test('a container whose structure cannot be followed records no length (the decoder rejects it)', () => {
    const xz = readFileSync(FILES.xz32());
    expect(xzRecordedSize(xz.subarray(0, xz.length - 1))).toBeUndefined();
    expect(zstdFrames(readFileSync(FILES.zstd()).subarray(0, 20))).toBeUndefined();
  });
});

/** Escape a string for a RegExp. */
const re = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

d('bounded decompression: the limit and the byte budget', () => {
  let tmp: string;
  let plainBytes: Buffer;
  beforeAll(() => {
    tmp = mkdtempSync(join(tmpdir(), 'ksymcheck-bounded-'));
    plainBytes = readFileSync(PLAIN());
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  /** Containers whose records do not bound the output (test/helpers/unbounded.ts). */
  const unbounded = () => unboundedContainers(plainBytes, tmp);

  test('no record bounds them (the cases below test the decoder, not a record)', () => {
    const u = unbounded();
    expect(zstdFrames(u.zstd.buf)!.map((f) => f.contentSize)).toEqual([undefined]);
    expect(xzRecordedSize(u.xz.buf)).toBe(4096);
  });

  test.each(['gzip', 'zstd', 'xz'] as const)('%s: exactly the limit decodes; one byte less is refused at the first byte past it, sync and async', async (kind) => {
    const { buf, size } = unbounded()[kind];
    await decompress(buf, 'warm-up').catch(() => undefined); // zstd's decoder initialises asynchronously
    const message = new RegExp(`^x\\.ko: ${kind}: decompresses to more than ${size - 1} bytes \\(limit ${size - 1} bytes, --max-module-size\\)$`);
    await expect(decompress(buf, 'x.ko', { maxModuleSize: size - 1 })).rejects.toThrow(message);
    expect(() => decompressSync(buf, 'x.ko', { maxModuleSize: size - 1 })).toThrow(message);
    if (kind === 'xz') return; // the lying index is refused once decoded (below)
    expect((await decompress(buf, 'x.ko', { maxModuleSize: size })).data.length).toBe(size);
    expect(decompressSync(buf, 'x.ko', { maxModuleSize: size }).data.length).toBe(size);
  });

  test('xz: a lying index under the limit is decoded, and the decoder refuses the file at the index', async () => {
    const { buf } = unbounded().xz;
    await expect(decompress(buf, 'x.ko')).rejects.toThrow(/^x\.ko: xz: corrupt or truncated data \(corrupt data\)$/);
  });

  test('records over the limit are refused before decoding, naming the record', async () => {
    const bombs = join(tmp, 'bombs');
    execFileSync('node', [join(ROOT, 'scripts', 'make-bombs.mjs'), bombs, '2', String(3 << 20)]);
    const limit = { maxModuleSize: 2 << 20 };
    const head = (f: string) => `^${re(join(bombs, f))}: `;
    const tail = ` decompresses to more than ${2 << 20} bytes \\(limit 2 MiB, --max-module-size\\)`;
    const cases: Array<[string, string]> = [
      ['bomb-gz-00.ko.gz', `gzip:${tail}: its trailer records ${3 << 20} bytes \\(modulo 2\\^32\\)$`],
      ['bomb-zst-00.ko.zst', `zstd:${tail}: its raw and RLE blocks alone hold \\d+ bytes$`],
      ['bomb-xz-01.ko.xz', `xz:${tail}: its index records ${3 << 20} bytes$`],
      ['bomb-xz-00.ko.xz', `xz:${tail}$`],
    ];
    for (const [f, m] of cases) await expect(readModule(join(bombs, f), limit)).rejects.toThrow(new RegExp(head(f) + m));
  });

  test.each(['gzip', 'zstd'] as const)('%s: a budget too small for the output: counted, then decoded again holding it alone; all given back', async (kind) => {
    const { buf, size } = unbounded()[kind];
    const budget = new ByteBudget(1024);
    const lease = new Lease(budget);
    await lease.waitFor(buf.length);
    const got = await decompress(buf, 'x.ko', { lease });
    expect(got.data.equals(Buffer.concat([plainBytes, plainBytes]))).toBe(true);
    expect(lease.bytes).toBe(buf.length + size);
    expect(budget.inUse).toBe(buf.length + size); // more than the capacity: held alone
    lease.release();
    expect(budget.inUse).toBe(0);
  });

  test('xz: a budget too small for what the lying index leads to: refused at the index as without a budget; all given back', async () => {
    const { buf } = unbounded().xz;
    const budget = new ByteBudget(1024);
    const lease = new Lease(budget);
    await lease.waitFor(buf.length);
    await expect(decompress(buf, 'x.ko', { lease })).rejects.toThrow(/^x\.ko: xz: corrupt or truncated data \(corrupt data\)$/);
    expect(lease.bytes).toBe(buf.length); // what was set aside for the output is given back with the error
    lease.release();
    expect(budget.inUse).toBe(0);
  });

  test('the budget: first come, first served; a request past the capacity waits until nothing else is held', async () => {
    const budget = new ByteBudget(100);
    const order: string[] = [];
    await budget.take(60);
    const big = budget.take(150).then(() => order.push('big'));
    const small = budget.take(10).then(() => order.push('small'));
    expect(budget.tryTake(10)).toBe(false); // someone waits: no overtaking
    await Promise.resolve();
    expect(order).toEqual([]);
    budget.give(60);
    await big;
    expect(order).toEqual(['big']);
    budget.give(150);
    await small;
    expect(order).toEqual(['big', 'small']);
    expect(budget.inUse).toBe(10);
  });
});
