/**
 * xz-embedded's CRC32 replaced by slice-by-8 (src/codec/xz-crc32.ts): the shipped module is the one the
 * replacement expects (else the byte-at-a-time loop would silently stay), and data of every length modulo
 * 8 made by the real xz tool with CRC32 checks decodes to itself, while a flipped byte of the check is refused.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { decompressSync } from '../../src/codec/decompress.js';
import { withSliceBy8 } from '../../src/codec/xz-crc32.js';

test('the xz-decompress module shipped has xz_crc32 where the replacement expects it', () => {
  const bundle = readFileSync(createRequire(import.meta.url).resolve('xz-decompress'), 'utf8');
  const wasm = Buffer.from(/data:application\/wasm;base64,([A-Za-z0-9+/=]+)/.exec(bundle)![1], 'base64');
  const fast = withSliceBy8(wasm);
  expect(fast).toBeDefined();
  expect(withSliceBy8(fast!)).toBeUndefined(); // only xz_crc32's own body is replaced
});

test.each([0, 1, 7, 8, 9, 15, 16, 17, 4099, 65536 + 5, 300_001])('%i bytes, CRC32 check: decoded to themselves; the stored check flipped is refused', (n) => {
  const data = randomBytes(n);
  const xz = execFileSync('xz', ['-c', '--check=crc32'], { input: data, maxBuffer: 16 << 20 });
  expect(decompressSync(xz, 'x.xz').data.equals(data)).toBe(true);
  // the block's check: the 4 bytes before the index (index indicator 0x00 at the start of the index)
  const backward = xz.readUInt32LE(xz.length - 8);
  const indexStart = xz.length - 12 - (backward + 1) * 4;
  const bad = Buffer.from(xz);
  bad[indexStart - 1] ^= 0x01;
  expect(() => decompressSync(bad, 'x.xz')).toThrow(/^x\.xz: xz: corrupt or truncated data/);
});
