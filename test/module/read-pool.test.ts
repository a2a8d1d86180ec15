/**
 * Plain module files read on reader threads (module/read-pool.ts, `--read-threads`): the facts a worker
 * posts back as records, made facts again here, are the facts this thread reads — every field, the
 * versions tables, the imports with their references (read again from the file on first access), the
 * signature — and unreadable files give the same errors, compressed ones are left to this thread.
 */
import { jest } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { readModules } from '../../src/check.js';
import { ReaderPool } from '../../src/module/read-pool.js';
import { NameMap } from '../../src/module/record.js';
import { readModuleSync } from '../../src/module/read.js';
import type { ModuleFacts } from '../../src/module/types.js';
import { BUILD, elfFilesUnder, sample } from '../helpers/fixtures.js';
import { makeKey, signFile } from '../helpers/sign.js';

let dir: string;
/** The tree: every gcc-built sample `.ko` (each architecture's, `.modinfo`, `__versions`, extended modversions, exports), one signed, and five that are not readable facts. */
let tree: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ksymcheck-read-pool-'));
  tree = join(dir, 'tree');
  mkdirSync(tree);
  const kos = elfFilesUnder(BUILD).filter((p) => p.endsWith('.ko'));
  kos.forEach((p, i) => copyFileSync(p, join(tree, `${String(i).padStart(3, '0')}-${basename(p)}`)));
  const key = makeKey(dir, 'pool', 'rsa');
  signFile(sample('seed', 'openafs', 'libafs.ko'), join(tree, 'signed.ko'), key, 'sha256');
  const whole = readFileSync(sample('seed', 'openafs', 'libafs.ko'));
  writeFileSync(join(tree, 'truncated.ko'), whole.subarray(0, 200));
  writeFileSync(join(tree, 'empty.ko'), Buffer.alloc(0));
  writeFileSync(join(tree, 'text.ko'), 'not an ELF file\n');
  // xz's stream under a plain name: told by its magic bytes, read on the main thread (budget, decode pool)
  writeFileSync(join(tree, 'packed.ko'), execFileSync('xz', ['-c', '--check=crc32'], { input: whole }));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Everything a report may read of a module's facts, as plain data (references and signature included). */
function plain(m: ModuleFacts): unknown {
  return {
    ...m,
    versions: m.versions && [...m.versions],
    basicVersions: m.basicVersions && [...m.basicVersions],
    imports: m.imports.map((i) => ({ name: i.name, weak: i.weak, refs: i.refs })),
    signature: m.signature && { ...m.signature, cms: m.signature.cms && { isBuffer: Buffer.isBuffer(m.signature.cms), hex: m.signature.cms.toString('hex') } },
  };
}

test('a tree read with reader threads gives the facts and errors of a tree read on this thread', async () => {
  const read = jest.spyOn(ReaderPool.prototype, 'read');
  try {
    // threads first: the run's name table is then empty when the readers start, so their ids differ from this thread's
    const threaded = await readModules([tree], undefined, { readThreads: 2, signatureDigests: true });
    const calls = read.mock.calls.length;
    const here = await readModules([tree], undefined, { readThreads: 0, signatureDigests: true });
    expect(read).toHaveBeenCalledTimes(calls);
    // the threads read some of the batches (the main thread takes the first): otherwise this compares nothing
    const onThreads = read.mock.calls.flatMap(([, paths]) => paths);
    expect(onThreads.length).toBeGreaterThan(0);
    expect(threaded.errors).toEqual(here.errors);
    expect(threaded.modules.map((m) => m.path)).toEqual(here.modules.map((m) => m.path));
    threaded.modules.forEach((m, i) => expect(plain(m)).toEqual(plain(here.modules[i])));
    // the cases that matter are among them
    const names = here.modules.map((m) => basename(m.path));
    expect(names).toEqual(expect.arrayContaining(['signed.ko', 'packed.ko']));
    expect(here.modules.find((m) => m.path.endsWith('signed.ko'))!.signature).toMatchObject({ digest: 'sha256', keyAlgorithm: 'rsa' });
    expect(here.modules.find((m) => m.path.endsWith('packed.ko'))!.compression).toBe('xz');
    expect(here.errors.map((e) => basename(e.path))).toEqual(['empty.ko', 'text.ko', 'truncated.ko']);
  } finally {
    read.mockRestore();
  }
});

test("a reader thread's outcomes: facts as this thread reads them, the error in readModules()'s words, a compressed file left here", async () => {
  const pool = new ReaderPool(1, { signatureDigests: false });
  try {
    const paths = ['signed.ko', 'truncated.ko', 'packed.ko', 'text.ko'].map((f) => join(tree, f));
    const [signed, truncated, packed, text] = await pool.read(0, paths);
    expect('facts' in signed && plain(signed.facts)).toEqual(plain(readModuleSync(paths[0], { references: 'lazy', signatureDigests: false })));
    expect(packed).toEqual({ compressed: true });
    const errorOf = (p: string) => {
      try {
        readModuleSync(p, { references: 'lazy' });
      } catch (e) {
        return (e as Error).message;
      }
      throw new Error(`${p} was read`);
    };
    expect(truncated).toEqual({ error: errorOf(paths[1]) });
    expect(text).toEqual({ error: errorOf(paths[3]) });
    expect(text).toEqual({ error: `${paths[3]}: at offset 0x0: not an ELF file: bad magic` });
  } finally {
    await pool.close();
  }
});

test('a closed pool reads nothing', async () => {
  const pool = new ReaderPool(1, { signatureDigests: false });
  await pool.close();
  await expect(pool.read(0, [join(tree, 'signed.ko')])).rejects.toThrow(/^reader pool closed$/);
});

test("a batch whose reader thread failed is read on this thread: the same facts and errors", async () => {
  const here = await readModules([tree], undefined, { readThreads: 0 });
  const read = jest.spyOn(ReaderPool.prototype, 'read').mockImplementationOnce(() => Promise.reject(new Error('reader thread failed: exited with code 1')));
  try {
    const threaded = await readModules([tree], undefined, { readThreads: 1 });
    expect(read).toHaveBeenCalled();
    expect(threaded.errors).toEqual(here.errors);
    expect(threaded.modules.map(plain)).toEqual(here.modules.map(plain));
  } finally {
    read.mockRestore();
  }
});

test('a name id the reader did not send is refused, not mapped to another name', () => {
  const names = new NameMap(10);
  names.learn(['a_name_only_the_reader_had']);
  const ids = new Int32Array([3, 10]);
  names.map(ids);
  expect(ids[0]).toBe(3);
  expect(ids[1]).toBeGreaterThanOrEqual(0);
  expect(() => names.map(new Int32Array([11]))).toThrow('name id 11 was not sent by the reader');
});
