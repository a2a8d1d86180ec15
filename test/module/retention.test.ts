/**
 * Facts read lazily from a module's bytes in memory (a package member) must not keep those bytes alive:
 * a tree of 4,000 members would hold them all. A closure in factsOf() that captured the ElfFile once put it
 * in the context its `reopen` closure shares — kept by the deferred facts — and Debian's 6.1 image .deb
 * then peaked at 650 MB instead of 230 MB (caught by test/kernel-real/arch.test.ts's memory bound).
 */
import { readFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { readModuleBytes } from '../../src/module/read.js';
import { sample } from '../helpers/fixtures.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

test('a module read from memory with lazy references: its bytes are collectable once read', async () => {
  const path = sample('seed', 'openafs', 'libafs.ko');
  let bytes: Buffer | undefined = Buffer.from(readFileSync(path));
  const ref = new WeakRef(bytes.buffer);
  const facts = await readModuleBytes('member.ko', bytes, { references: 'lazy' });
  bytes = undefined;
  for (let i = 0; i < 5 && ref.deref() !== undefined; i++) {
    await new Promise((r) => setImmediate(r));
    gc();
  }
  expect(ref.deref()).toBeUndefined();
  // the facts are whole all the same
  expect(facts.name).toBe('libafs');
  expect(facts.imports.length).toBeGreaterThan(0);
});
