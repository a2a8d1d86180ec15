#!/usr/bin/env node
/**
 * Decompression bombs for the bounded-decompression tests and `npm run bench` (generated, never committed):
 *
 *   node scripts/make-bombs.mjs <dir> <count per format> <bytes of zeros>
 *   node scripts/make-bombs.mjs --lie-index <one-block.xz> <claimed bytes> <out.xz>
 *
 * writes <count> copies each of bomb-gz-NN.ko.gz (`gzip -1`: one member, ISIZE records the size modulo
 * 2^32), bomb-zst-NN.ko.zst (`zstd` from a pipe: no Frame_Content_Size, RLE blocks) and bomb-xz-NN.ko.xz
 * (one xz stream of identical blocks, CRC32 check, its index true); bomb-xz-00 has a lying index: every
 * record claims 4 KiB, the footer and CRCs consistent, so only decoding tells. Each holds <bytes> zeros
 * (rounded up to whole 64 MiB blocks for xz, of at most 64 MiB).
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';

/** xz variable-length integer. */
function vli(n) {
  const out = [];
  while (n >= 0x80) {
    out.push((n % 0x80) | 0x80);
    n = Math.floor(n / 0x80);
  }
  out.push(n);
  return out;
}

const u32le = (v) => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(v >>> 0);
  return b;
};

/** Pieces of a one-block xz stream as xz(1) wrote it: header, block (padded), its index record sizes. */
function splitOneBlock(xz) {
  const end = xz.length;
  const backward = xz.readUInt32LE(end - 8);
  const indexSize = (backward + 1) * 4;
  const indexStart = end - 12 - indexSize;
  let p = indexStart + 1;
  const read = () => {
    let v = 0;
    for (let i = 0; ; i++) {
      const byte = xz[p++];
      v += (byte & 0x7f) * 2 ** (7 * i);
      if ((byte & 0x80) === 0) return v;
    }
  };
  if (read() !== 1) throw new Error('expected one block');
  const unpadded = read();
  const uncompressed = read();
  return { header: xz.subarray(0, 12), block: xz.subarray(12, indexStart), footerFlags: xz.subarray(end - 4, end - 2), unpadded, uncompressed };
}

/** An xz stream of `count` copies of one block, its index recording `claimed` bytes per block. */
function xzStream(one, count, claimed) {
  const records = [0x00, ...vli(count)];
  for (let i = 0; i < count; i++) records.push(...vli(one.unpadded), ...vli(claimed));
  while (records.length % 4 !== 0) records.push(0);
  const index = Buffer.from(records);
  const indexFull = Buffer.concat([index, u32le(crc32(index))]);
  const backward = u32le(indexFull.length / 4 - 1);
  const footerBody = Buffer.concat([backward, one.footerFlags]);
  const footer = Buffer.concat([u32le(crc32(footerBody)), footerBody, Buffer.from('YZ')]);
  return Buffer.concat([one.header, ...Array(count).fill(one.block), indexFull, footer]);
}

const BLOCK_MAX = 64 << 20;

export function makeBombs(dir, count, bytes) {
  mkdirSync(dir, { recursive: true });
  const zeros = `head -c ${bytes} /dev/zero`;
  const sh = (cmd) => execFileSync('sh', ['-c', cmd], { maxBuffer: 1 << 30 });
  const gz = sh(`${zeros} | gzip -1 -n`);
  const zst = sh(`${zeros} | zstd -q -c`);
  const blockBytes = Math.min(bytes, BLOCK_MAX);
  const one = splitOneBlock(sh(`head -c ${blockBytes} /dev/zero | xz -c -T1 --check=crc32 --lzma2=dict=1MiB`));
  const blocks = Math.ceil(bytes / blockBytes);
  const xzTrue = xzStream(one, blocks, one.uncompressed);
  const xzLying = xzStream(one, blocks, 4096);
  const files = [];
  const put = (name, data, from) => {
    const f = join(dir, name);
    if (from) copyFileSync(join(dir, from), f);
    else writeFileSync(f, data);
    files.push(f);
  };
  for (let i = 0; i < count; i++) {
    const nn = String(i).padStart(2, '0');
    put(`bomb-gz-${nn}.ko.gz`, gz, i > 0 && 'bomb-gz-00.ko.gz');
    put(`bomb-zst-${nn}.ko.zst`, zst, i > 0 && 'bomb-zst-00.ko.zst');
    put(`bomb-xz-${nn}.ko.xz`, i === 0 ? xzLying : xzTrue, i > 1 && 'bomb-xz-01.ko.xz');
  }
  return files;
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop())) {
  if (process.argv[2] === '--lie-index') {
    // an xz file of one block as xz(1) writes it, its index rewritten to claim another size (CRCs kept right)
    const [, from, claimed, to] = process.argv.slice(2);
    writeFileSync(to, xzStream(splitOneBlock(readFileSync(from)), 1, Number(claimed)));
    process.exit(0);
  }
  const [dir, count, bytes] = process.argv.slice(2);
  if (!dir || !count || !bytes) {
    process.stderr.write('usage: make-bombs.mjs <dir> <count per format> <bytes of zeros>\n');
    process.exit(2);
  }
  for (const f of makeBombs(dir, Number(count), Number(bytes))) process.stdout.write(`${f}\n`);
}
