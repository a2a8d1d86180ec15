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
import { compressionOf, decompress, decompressSync, xzCheckOf, xzRecordedSize, zstdFrames } from '../../src/module/decompress.js';
import { readModule, readModuleSync } from '../../src/module/read.js';
import type { ModuleFacts } from '../../src/module/types.js';
import { BUILD, sample } from '../helpers/fixtures.js';

const DIR = join(BUILD, 'compressed');
const skipped = existsSync(join(BUILD, 'compressed.SKIPPED'));
const d = skipped ? describe.skip : describe;
const PLAIN = () => sample('seed', 'openafs', 'libafs.ko');
const FILES = {
  gzip: () => join(DIR, 'gz', 'libafs.ko.gz'),
  xz32: () => join(DIR, 'xz-crc32', 'libafs.ko.xz'),
  xz64: () => join(DIR, 'xz-crc64', 'libafs.ko.xz'),
  zstd: () => join(DIR, 'zst', 'libafs.ko.zst'),
};

/** Facts as plain data with the path left out (the compressed copies live elsewhere). */
function plain(f: ModuleFacts): unknown {
  for (const i of f.imports) void i.refs;
  const { path: _p, compression: _c, xzCheck: _x, ...rest } = f;
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
    for (const f of [FILES.xz32(), FILES.xz64()]) {
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
    // (the decoder itself takes one stream, like the kernel's: `cat a.xz b.xz` is refused, not cut short)
    expect(() => decompressSync(two, 'two.xz')).toThrow(InputError);
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
    expect(lazy.xzCheck).toBe(k === 'xz32' ? 'crc32' : k === 'xz64' ? 'crc64' : undefined);
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

  test('a container whose structure cannot be followed records no length (the decoder rejects it)', () => {
    const xz = readFileSync(FILES.xz32());
    expect(xzRecordedSize(xz.subarray(0, xz.length - 1))).toBeUndefined();
    expect(zstdFrames(readFileSync(FILES.zstd()).subarray(0, 20))).toBeUndefined();
  });
});
