/** Paths of the gcc-built samples (scripts/build-samples, run by `npm test` before jest). */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BUILD = join(ROOT, 'samples', 'build');
export const SEED = join(BUILD, 'seed');
/** Real `Module.symvers` files from public repositories (test/data/symvers/MANIFEST.md says where each came from). */
export const CORPUS = join(ROOT, 'test', 'data', 'symvers');

export function sample(...parts: string[]): string {
  const p = join(BUILD, ...parts);
  if (!existsSync(p)) throw new Error(`sample ${p} is missing: run scripts/build-samples`);
  return p;
}

/** Every ELF file under a folder (by magic), recursively. */
export function elfFilesUnder(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile() && statSync(p).size >= 16) {
        const head = readFileSync(p).subarray(0, 4);
        if (head.equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46]))) out.push(p);
      }
    }
  };
  walk(dir);
  return out.sort();
}

export function run(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
}

/** The CLI, as a user runs it (tsx-free: the compiled dist/ when present, else ts via node's loader is not used). */
export const CLI = join(ROOT, 'dist', 'cli', 'main.cjs');
