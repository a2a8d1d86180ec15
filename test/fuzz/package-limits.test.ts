/**
 * Regression tests for the defects the package fuzzers found (docs/fuzzing.md, "Defects found"): each a
 * hand-made input of the shape the fuzzer's counterexample had.
 */
import { InputError } from '../../src/errors.js';
import { cpioEntries, readRpm } from '../../src/package/rpm.js';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { gunzipSync, gzipSync } from 'node:zlib';
import { streamPackageFiles } from '../../src/package/stream.js';
import { sample } from '../helpers/fixtures.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const TMP = mkdtempSync(join(tmpdir(), 'ksymcheck-pkglimits-'));

/** One newc header: the given fields (hex, 8 digits each; the rest 0), the name, padded. */
function newc(fields: Record<number, number>, name: string): Buffer {
  const f = Array.from({ length: 13 }, (_, i) => (fields[i] ?? 0).toString(16).padStart(8, '0')).join('');
  return Buffer.from(`070701${f}${name}\0`, 'latin1');
}

describe('package readers: defects the fuzzers found', () => {
  test('cpio: a name size near 2^32 is an error at the entry (was: offsets past 2^31 turned negative by `& ~3`, an error at offset -0x5ffffc6c)', () => {
    const buf = Buffer.concat([newc({ 1: 0o100644, 6: 4, 11: 0xa0000010 }, 'x'), Buffer.alloc(64)]);
    expect(() => cpioEntries(buf, 'p.rpm:payload', () => true)).toThrow(new InputError('p.rpm:payload', 'cpio entry of 4 bytes runs past the end of the archive', { offset: 0 }));
  });

  test('cpio: an archive cut inside an entry’s padding: "cut short" at the end (was: at an offset past it)', () => {
    // one entry with a 2-byte name ("x\0") and 1 byte of data: ends at 113, padded to 116; cut at 114
    const buf = Buffer.concat([newc({ 1: 0o100644, 6: 1, 11: 2 }, 'x'), Buffer.from('a\0')]);
    expect(buf.length).toBe(114);
    expect(() => cpioEntries(buf, 'p.rpm:payload', () => true)).toThrow(new InputError('p.rpm:payload', 'cpio archive cut short (no TRAILER!!! entry)', { offset: 114 }));
  });

  test('rpm: a package cut inside the signature’s padding: "header cut short" at the end of the file (was: at an offset past it)', async () => {
    // lead, then a signature header of 0 entries and 4 bytes of data (ends at 96+16+4 = 116, padded to 120)
    const b = Buffer.alloc(118);
    b.writeUInt32BE(0xedabeedb, 0);
    b.writeUIntBE(0x8eade8, 96, 3);
    b[99] = 1;
    b.writeUInt32BE(0, 104);
    b.writeUInt32BE(4, 108);
    const f = join(TMP, 'cut.rpm');
    writeFileSync(f, b);
    await expect(readRpm(f, () => true)).rejects.toThrow(new InputError(f, 'header cut short', { offset: 118 }));
  });

  test('rpm stream: a gzip payload whose cpio is damaged ends in the error (was: a hang — the cpio error thrown inside zlib’s data handler ended its stream with neither end nor error; package-rpm fuzz, 5,000 cases)', async () => {
    const rpm = readFileSync(sample('packages', 'kernel-6.1.0-sample.x86_64.rpm'));
    const at = rpm.indexOf(Buffer.from('1f8b08', 'hex'), 96);
    const cpio = Buffer.from(gunzipSync(rpm.subarray(at)));
    const second = cpio.indexOf('070701', 6);
    cpio[second] = 0x58; // 'X': the second entry's magic
    const file = join(mkdtempSync(join(tmpdir(), 'ksymcheck-limits-')), 'bad-cpio.rpm');
    writeFileSync(file, Buffer.concat([rpm.subarray(0, at), gzipSync(cpio)]));
    let timer: NodeJS.Timeout | undefined;
    const hang = new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('no answer after 10 s (a hang)')), 10_000)));
    const read = streamPackageFiles(file, () => true, async () => undefined, { maxFileSize: 4 << 20 });
    await expect(Promise.race([read, hang]).finally(() => clearTimeout(timer))).rejects.toThrow(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:payload: at offset 0x[0-9a-f]+: not a newc cpio header \\("X70701"\\) \\(at offset ${second} of the decoded payload\\.gz\\)`));
  });
});
