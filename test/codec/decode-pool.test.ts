/**
 * The decode pool (worker threads): the same output, check type and errors as decompress() on this
 * thread, for the fixtures scripts/build-samples makes with the real gzip/xz/zstd tools, corrupt copies of
 * them and containers whose records do not bound the output; the byte budget held as on one thread; and
 * bytes from anywhere (a view into a larger buffer, as a tar stream hands out) left intact. The worker is
 * tsc's build (dist/codec/decode-worker.js), which `npm test` makes first.
 */
import { jest } from '@jest/globals';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { check } from '../../src/check.js';
import { InputError } from '../../src/errors.js';
import { ByteBudget, Lease } from '../../src/codec/budget.js';
import { DecodePool } from '../../src/codec/decode-pool.js';
import { decompress, type Compression } from '../../src/codec/decompress.js';
import { BUILD, sample } from '../helpers/fixtures.js';
import { unboundedContainers } from '../helpers/unbounded.js';

const DIR = join(BUILD, 'compressed');
const d = existsSync(join(BUILD, 'compressed.SKIPPED')) ? describe.skip : describe;
const FILES: Record<string, { file: () => string; kind: Compression; check?: string }> = {
  gzip: { file: () => join(DIR, 'gz', 'libafs.ko.gz'), kind: 'gzip' },
  xz32: { file: () => join(DIR, 'xz-crc32', 'libafs.ko.xz'), kind: 'xz', check: 'crc32' },
  xz64: { file: () => join(DIR, 'xz-crc64', 'libafs.ko.xz'), kind: 'xz', check: 'crc64' },
  zstd: { file: () => join(DIR, 'zst', 'libafs.ko.zst'), kind: 'zstd' },
};

/** What a promise settles to, errors as their messages (to compare the pool with decompress()). */
const settle = <T>(p: Promise<T>) => p.then((v) => ({ ok: v }), (e: Error) => ({ error: e.message, input: e instanceof InputError }));

d('decode pool (worker threads)', () => {
  let pool: DecodePool;
  let tmp: string;
  let plainBytes: Buffer;
  beforeAll(() => {
    pool = new DecodePool(2);
    tmp = mkdtempSync(join(tmpdir(), 'ksymcheck-pool-'));
    plainBytes = readFileSync(sample('seed', 'openafs', 'libafs.ko'));
  });
  afterAll(async () => {
    await pool.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  test.each(Object.keys(FILES))('%s: the plain module, its format and check type, as decompress() gives them', async (k) => {
    const f = FILES[k];
    const got = await pool.decompress(readFileSync(f.file()), f.file());
    expect(got.data.equals(plainBytes)).toBe(true);
    expect(got.compression).toBe(f.kind);
    expect(got.xzCheck).toBe(f.check);
  });

  test('bytes from anywhere: a view into a larger buffer is copied (the buffer left intact), a whole buffer is handed over', async () => {
    const xz = readFileSync(FILES.xz32.file());
    const big = new Uint8Array(xz.length + 100);
    big.set(xz, 50);
    const view = big.subarray(50, 50 + xz.length);
    expect((await pool.decompress(view, 'member.ko.xz')).data.equals(plainBytes)).toBe(true);
    expect(big.byteLength).toBe(xz.length + 100);
    expect(Buffer.from(view).equals(xz)).toBe(true);
    const whole = new Uint8Array(xz); // owns its ArrayBuffer: transferred, not copied
    expect((await pool.decompress(whole, 'whole.ko.xz')).data.equals(plainBytes)).toBe(true);
    expect(whole.byteLength).toBe(0);
  });

  test('release(): an output of the pool is freed at once (detached), once; any other buffer is left alone', async () => {
    const got = await pool.decompress(readFileSync(FILES.xz32.file()), 'released.ko.xz');
    expect(got.data.equals(plainBytes)).toBe(true);
    const other = Buffer.from(plainBytes);
    pool.release(other);
    expect(other.equals(plainBytes)).toBe(true);
    pool.release(got.data);
    expect(got.data.buffer.byteLength).toBe(0);
    pool.release(got.data); // a second time: nothing
    // the pool goes on, and its next output is whole
    expect((await pool.decompress(readFileSync(FILES.xz64.file()), 'next.ko.xz')).data.equals(plainBytes)).toBe(true);
  });

  test.each(Object.keys(FILES))('%s: corrupt or truncated input: decompress()\'s error, naming the file, and the pool goes on', async (k) => {
    const good = readFileSync(FILES[k].file());
    const flipped = Buffer.from(good);
    flipped[flipped.length >> 1] ^= 0x55;
    for (const bad of [good.subarray(0, good.length >> 1), good.subarray(0, good.length - 6), flipped, Buffer.concat([good, Buffer.from('garbage!')])]) {
      const name = join(tmp, `${k}.ko.x`);
      const want = await settle(decompress(Buffer.from(bad), name));
      expect(want).toMatchObject({ input: true });
      expect(await settle(pool.decompress(Buffer.from(bad), name))).toEqual(want);
    }
    expect((await pool.decompress(readFileSync(FILES[k].file()), 'after.ko')).data.equals(plainBytes)).toBe(true);
  });

  test('not a compressed file: refused here, as decompress() refuses it', async () => {
    await expect(pool.decompress(plainBytes, 'plain.ko')).rejects.toThrow(new InputError('plain.ko', 'not a gzip, xz or zstd file'));
  });

  /** Containers whose records do not bound the output (test/helpers/unbounded.ts). */
  const unbounded = () => unboundedContainers(plainBytes, tmp);

  test.each(['gzip', 'zstd', 'xz'] as const)('%s, no record bounds it: stopped at the limit with decompress()\'s words; under a budget too small, counted, then decoded holding it alone; all given back', async (kind) => {
    const { buf, size } = unbounded()[kind];
    const message = `x.ko: ${kind}: decompresses to more than ${size - 1} bytes (limit ${size - 1} bytes, --max-module-size)`;
    await expect(pool.decompress(Buffer.from(buf), 'x.ko', { maxModuleSize: size - 1 })).rejects.toThrow(message);
    if (kind === 'xz') {
      // the lying index is refused once decoded
      await expect(pool.decompress(Buffer.from(buf), 'x.ko')).rejects.toThrow('x.ko: xz: corrupt or truncated data (corrupt data)');
      return;
    }
    const budget = new ByteBudget(1024);
    const lease = new Lease(budget);
    await lease.waitFor(buf.length);
    const got = await pool.decompress(Buffer.from(buf), 'x.ko', { lease });
    expect(got.data.equals(Buffer.concat([plainBytes, plainBytes]))).toBe(true);
    expect(lease.bytes).toBe(buf.length + size);
    expect(budget.inUse).toBe(buf.length + size);
    lease.release();
    expect(budget.inUse).toBe(0);
  });

  test('a recorded size is set aside from the budget before decoding, waiting while others hold it', async () => {
    const xz = readFileSync(FILES.xz32.file());
    const budget = new ByteBudget(xz.length + plainBytes.length);
    const lease = new Lease(budget);
    await lease.waitFor(xz.length);
    const other = new Lease(budget);
    await other.waitFor(plainBytes.length); // the budget is full
    let done = false;
    const p = pool.decompress(Buffer.from(xz), 'x.ko.xz', { lease }).then((r) => {
      done = true;
      return r;
    });
    await new Promise((r) => setTimeout(r, 50));
    expect(done).toBe(false); // waits for the output's bytes, holding nothing
    other.release();
    expect((await p).data.equals(plainBytes)).toBe(true);
    expect(lease.bytes).toBe(xz.length + plainBytes.length);
    lease.release();
    expect(budget.inUse).toBe(0);
  });

  test('a tree: the same report decoded on the pool as on the main thread, a corrupt file an error naming it, the rest checked', async () => {
    const tree = join(tmp, 'tree');
    mkdirSync(tree);
    const kinds = Object.values(FILES);
    for (let i = 0; i < 20; i++) copyFileSync(kinds[i % kinds.length].file(), join(tree, `m${String(i).padStart(2, '0')}.ko${['.gz', '.xz', '.xz', '.zst'][i % 4]}`));
    const bad = readFileSync(FILES.xz32.file());
    writeFileSync(join(tree, 'm99.ko.xz'), bad.subarray(0, bad.length >> 1));
    const kernel = join(BUILD, 'v6', 'kernels', '6.1');
    const spy = jest.spyOn(DecodePool.prototype, 'decompress');
    const pooled = await check({ kernel, modules: [tree] });
    expect(spy).toHaveBeenCalledTimes(21);
    spy.mockClear();
    const alone = await check({ kernel, modules: [tree], decodeThreads: 0 });
    expect(spy).not.toHaveBeenCalled();
    spy.mockRestore();
    expect(pooled).toEqual(alone);
    expect(pooled.modules).toHaveLength(20);
    expect(pooled.errors).toEqual([{ path: join(tree, 'm99.ko.xz'), message: `${join(tree, 'm99.ko.xz')}: xz: corrupt or truncated data (truncated data)` }]);
  });
});
