/**
 * XXH64 (src/codec/xxh64.ts, no BigInt) against the real `zstd` tool, whose frames record the low 32 bits
 * of XXH64 of their content, against xxHash's published values, and against a BigInt transcription of
 * the specification (xxHash's doc/xxhash_spec.md) for every length up to 300 and for pieces of any size.
 * ZstdStreamDecoder (src/codec/zstd-stream.ts) over the tool's frames: content and checksum.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Xxh64, xxh64Hex } from '../../src/codec/xxh64.js';
import { ZstdStreamDecoder } from '../../src/codec/zstd-stream.js';
import { sample } from '../helpers/fixtures.js';

const M = (1n << 64n) - 1n;
const P1 = 0x9e3779b185ebca87n, P2 = 0xc2b2ae3d27d4eb4fn, P3 = 0x165667b19e3779f9n, P4 = 0x85ebca77c2b2ae63n, P5 = 0x27d4eb2f165667c5n;
const rotl = (x: bigint, r: bigint) => ((x << r) | (x >> (64n - r))) & M;
const round = (a: bigint, i: bigint) => (rotl((a + i * P2) & M, 31n) * P1) & M;
function reference(d: Uint8Array): string {
  const b = Buffer.from(d);
  const n = b.length;
  let p = 0;
  let h: bigint;
  if (n >= 32) {
    const v = [(P1 + P2) & M, P2, 0n, -P1 & M];
    for (; p + 32 <= n; p += 32) for (let k = 0; k < 4; k++) v[k] = round(v[k], b.readBigUInt64LE(p + 8 * k));
    h = (rotl(v[0], 1n) + rotl(v[1], 7n) + rotl(v[2], 12n) + rotl(v[3], 18n)) & M;
    for (const x of v) h = (((h ^ round(0n, x)) * P1) + P4) & M;
  } else h = P5;
  h = (h + BigInt(n)) & M;
  for (; p + 8 <= n; p += 8) h = ((rotl(h ^ round(0n, b.readBigUInt64LE(p)), 27n) * P1) + P4) & M;
  if (p + 4 <= n) {
    h = ((rotl(h ^ ((BigInt(b.readUInt32LE(p)) * P1) & M), 23n) * P2) + P3) & M;
    p += 4;
  }
  for (; p < n; p++) h = (rotl(h ^ ((BigInt(b[p]) * P5) & M), 11n) * P1) & M;
  h ^= h >> 33n;
  h = (h * P2) & M;
  h ^= h >> 29n;
  h = (h * P3) & M;
  h ^= h >> 32n;
  return h.toString(16).padStart(16, '0');
}

const bytes = (n: number, seed: number) => Uint8Array.from({ length: n }, (_, i) => (i * 131 + seed * 7 + (i >> 3)) & 255);

describe('XXH64', () => {
  test("xxHash's published values", () => {
    expect(xxh64Hex(new Uint8Array(0))).toBe('ef46db3751d8e999');
    expect(xxh64Hex(Buffer.from('a'))).toBe('d24ec4f1a98c6e5b');
    expect(xxh64Hex(Buffer.from('abc'))).toBe('44bc2cf5ad770999');
  });

  test('every length 0–300, whole and in pieces, equals the BigInt transcription of the specification', () => {
    for (let n = 0; n <= 300; n++) {
      const b = bytes(n, n);
      const want = reference(b);
      expect([n, xxh64Hex(b)]).toEqual([n, want]);
      const h = new Xxh64();
      const cut = n % 37;
      h.update(b.subarray(0, cut));
      h.update(b.subarray(cut, cut + 5));
      h.update(b.subarray(cut + 5));
      const [hi, lo] = h.digest();
      expect([n, hi.toString(16).padStart(8, '0') + lo.toString(16).padStart(8, '0')]).toEqual([n, want]);
    }
  });

  test.each([['-3'], ['-19'], ['-1', '-B65536']])('the checksum the zstd tool (%s) records for the 6.1 sample vmlinux; the streaming decoder verifies it in pieces of any size', (...args) => {
    const file = sample('v6', 'kernels', '6.1', 'vmlinux');
    const data = readFileSync(file);
    const z = execFileSync('zstd', ['-c', '-q', ...args, file]);
    const low = xxh64Hex(data).slice(8);
    expect(low).toBe(z.readUInt32LE(z.length - 4).toString(16).padStart(8, '0'));
    expect(reference(data.subarray(0, 65536))).toBe(xxh64Hex(data.subarray(0, 65536)));
    for (const piece of [1000, 65536, 1 << 20]) {
      const out: Uint8Array[] = [];
      let checkpoints = 0;
      const d = new ZstdStreamDecoder((c) => out.push(Buffer.from(c)), () => checkpoints++);
      for (let p = 0; p < z.length; p += piece) d.push(z.subarray(p, p + piece));
      d.end();
      expect(Buffer.concat(out).equals(data)).toBe(true);
      expect([checkpoints, d.verifiedFrames, d.uncheckedFrames]).toEqual([1, 1, 0]);
    }
    // one bit of the recorded checksum flipped: the frame's end is an error
    const bad = Buffer.from(z);
    bad[bad.length - 1] ^= 0x10;
    const d = new ZstdStreamDecoder(() => undefined);
    expect(() => d.push(bad)).toThrow(`content checksum of the frame at offset 0 differs (XXH64 ${low}, the frame records ${bad.readUInt32LE(bad.length - 4).toString(16).padStart(8, '0')})`);
  });

  test('a frame without a checksum (zstd --no-check) decodes, unverified; concatenated frames each verified', () => {
    const file = sample('v6', 'kernels', '6.1', 'vmlinux');
    const data = readFileSync(file);
    const z = Buffer.concat([execFileSync('zstd', ['-c', '-q', '--no-check', file]), execFileSync('zstd', ['-c', '-q', file]), execFileSync('zstd', ['-c', '-q', file])]);
    const out: Uint8Array[] = [];
    const d = new ZstdStreamDecoder((c) => out.push(Buffer.from(c)));
    d.push(z);
    d.end();
    expect(Buffer.concat(out).equals(Buffer.concat([data, data, data]))).toBe(true);
    expect([d.verifiedFrames, d.uncheckedFrames]).toEqual([2, 1]);
    const cut = new ZstdStreamDecoder(() => undefined);
    cut.push(z.subarray(0, z.length - 100));
    expect(() => cut.end()).toThrow('truncated data (the input ends inside a frame)');
  });
});
