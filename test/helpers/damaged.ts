/**
 * The unpacked tree the damaged-package tests build their packages from (test/module/damaged-package and
 * damaged-rpm): m00.ko … m11.ko (the gcc-built sample modules in turn), each followed by 24 KB of bytes
 * that do not compress (mNN.dat), so that a cut or a flip lands between modules the way it lands in a
 * real package.
 */
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sample } from './fixtures.js';

const SOURCES = ['ns-missing', 'fpu-user', 'exporter', 'weak-user', 'ns-imported', 'dup-export'];
export const COUNT = 12;

/** Bytes that do not compress, the same on every run. */
export function noise(seed: string, size: number): Buffer {
  const parts: Buffer[] = [];
  let h = Buffer.from(seed);
  for (let n = 0; n < size; n += 32) parts.push((h = createHash('sha256').update(h).digest()));
  return Buffer.concat(parts).subarray(0, size);
}

/** The modules and the noise between them written to `dir`. */
export function stageModules(dir: string): void {
  mkdirSync(dir, { recursive: true });
  for (let i = 0; i < COUNT; i++) {
    const n = String(i).padStart(2, '0');
    const src = SOURCES[i % SOURCES.length];
    cpSync(sample('v6', 'modules', src, `${src}.ko`), join(dir, `m${n}.ko`));
    writeFileSync(join(dir, `m${n}.dat`), noise(n, 24 << 10));
  }
}
