/** Compressed containers whose records do not bound their output (decompress and decode-pool tests). */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Compression } from '../../src/codec/decompress.js';
import { ROOT } from './fixtures.js';

const pipe = (cmd: string, input: Buffer) => execFileSync('sh', ['-c', cmd], { input, maxBuffer: 64 << 20 });

/**
 * Containers whose records do not bound the output, so the decoder itself must stop at the limit:
 * two gzip members of `plain` (ISIZE is the last one's), a zstd frame of them from a pipe (no
 * Frame_Content_Size, compressed blocks), and an xz stream whose index lies (scripts/make-bombs.mjs,
 * written under `tmp`). `size`: what each decodes to.
 */
export function unboundedContainers(plain: Buffer, tmp: string): Record<Compression, { buf: Buffer; size: number }> {
  const two = Buffer.concat([plain, plain]);
  const gz = pipe('gzip -9 -n', plain);
  const lying = join(tmp, 'lying');
  execFileSync('node', [join(ROOT, 'scripts', 'make-bombs.mjs'), lying, '1', String(1 << 20)]);
  return {
    gzip: { buf: Buffer.concat([gz, gz]), size: two.length },
    zstd: { buf: pipe('cat | zstd -q -c', two), size: two.length },
    xz: { buf: readFileSync(join(lying, 'bomb-xz-00.ko.xz')), size: 1 << 20 },
  };
}
