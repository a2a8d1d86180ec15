/**
 * check() reads modules from disk with `references: 'lazy'` (moduleFactsDeferred: only the symbols the
 * facts need are decoded, relocations against imports checked without being decoded, positional reads
 * through reused buffers, references worked out on first access by reading the file again). It promises
 * the same facts and the same accept/reject as the eager reader over a buffer. This property holds it
 * to that on mutated real modules, three ways (eager from a buffer, lazy from a buffer, lazy from a file
 * as check() does): all accept with equal facts (references included), or all reject with an
 * ElfFormatError.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import fc from 'fast-check';
import { ElfFormatError } from '../../src/errors.js';
import { moduleFactsFromBuffer, readModuleSync } from '../../src/module/read.js';
import type { ModuleFacts } from '../../src/module/types.js';
import { caseArb, type Case } from './elf-mutate.js';
import { assertProperty, Defect, keepFailure, runsFor, Stats, step, timeoutFor, type InputShape } from './harness.js';
import { MODULES, weighted } from './samples.js';

/** Facts as plain data, references forced (the lazy ones are accessors until first read). */
function plain(f: ModuleFacts): unknown {
  for (const i of f.imports) void i.refs;
  return { ...f, imports: f.imports.map((i) => ({ name: i.name, weak: i.weak, refs: i.refs })), versions: f.versions && [...f.versions], basicVersions: f.basicVersions && [...f.basicVersions] };
}

describe('fuzz: lazy module facts against eager ones', () => {
  const stats = new Stats('module-lazy-vs-eager');
  afterAll(() => stats.print());
  const runs = runsFor(800, 0.5);
  const samples = weighted(MODULES, () => 1);
  const dir = mkdtempSync(join(tmpdir(), 'ksymcheck-lazy-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  test(
    `module-lazy-vs-eager: ${samples.length} samples (${runs} cases)`,
    () => {
      const fds = () => (existsSync('/proc/self/fd') ? readdirSync('/proc/self/fd').length : 0);
      const before = fds();
      assertProperty(
        'module-lazy-vs-eager',
        fc.property(caseArb(samples), (c: Case) => {
          const buf = c.build();
          const shape: InputShape = { file: `fuzz/${basename(c.layout.id)}`, size: buf.length };
          try {
            stats.time(
              () => c.toString(),
              () => {
                const eager = step(stats, ElfFormatError, shape, 'eager', () => moduleFactsFromBuffer(buf, shape.file));
                const eagerError = eager ? undefined : stats.lastRejection?.message;
                const lazy = step(stats, ElfFormatError, shape, 'lazy', () => moduleFactsFromBuffer(buf, shape.file, { references: 'lazy' }));
                const lazyError = lazy ? undefined : stats.lastRejection?.message;
                if (!eager !== !lazy) throw new Defect(`eager ${eager ? 'accepted' : `rejected (${eagerError})`}, lazy ${lazy ? 'accepted' : `rejected (${lazyError})`}`);
                if (eager && lazy) expect(plain(lazy)).toEqual(plain(eager));
                // from a file, as check() reads it (the name is the path there)
                const path = join(dir, basename(c.layout.id));
                writeFileSync(path, buf);
                const fromFile = step(stats, ElfFormatError, { file: path, size: buf.length }, 'lazy-file', () => readModuleSync(path, { references: 'lazy' }));
                const fileError = fromFile ? undefined : stats.lastRejection?.message;
                if (!eager !== !fromFile) throw new Defect(`eager ${eager ? 'accepted' : `rejected (${eagerError})`}, lazy from a file ${fromFile ? 'accepted' : `rejected (${fileError})`}`);
                if (eager && fromFile) expect(plain({ ...fromFile, path: shape.file })).toEqual(plain(eager));
              },
            );
          } catch (e) {
            keepFailure('module-lazy-vs-eager', buf, c.toString());
            throw e;
          }
        }),
        runs,
      );
      // every file opened for a case is closed again, accepted or rejected (a leak ends a tree run in EMFILE)
      expect(fds() - before).toBeLessThan(16);
    },
    timeoutFor(runs, 3),
  );
});
