/**
 * .modinfo as readModinfo() reads it (src/module/modinfo.ts): keys by their bytes, each checked once,
 * values decoded on their own. The sample module with entries rewritten in place: what each entry reads
 * as, and the error for one whose key is not a modinfo identifier, every time it is met.
 */
import { readFileSync } from 'node:fs';
import { ElfFile } from '../../src/elf/elf-file.js';
import { ElfFormatError } from '../../src/errors.js';
import { readModinfo } from '../../src/module/modinfo.js';
import { sample } from '../helpers/fixtures.js';

const FILE = sample('seed', 'openafs', 'libafs.ko');

/** The sample with its .modinfo replaced by `entries` (NUL-separated, padded with NULs to the section's size). */
function withModinfo(entries: Buffer[]): { bytes: Buffer; at: number } {
  const bytes = Buffer.from(readFileSync(FILE));
  const sec = ElfFile.fromBuffer(bytes, FILE).section('.modinfo')!;
  const body = Buffer.concat(entries.flatMap((e) => [e, Buffer.alloc(1)]));
  if (body.length > sec.size) throw new Error(`the sample's .modinfo (${sec.size} bytes) is too small`);
  bytes.fill(0, sec.offset, sec.offset + sec.size);
  body.copy(bytes, sec.offset);
  return { bytes, at: sec.offset };
}

test('keys, values with "=" and bytes above 0x7f, an entry without "=", keys met twice', () => {
  const { bytes } = withModinfo([
    Buffer.from('license=GPL'),
    Buffer.from('description=a=b c'),
    Buffer.from('author=J\u00f6rg', 'utf8'),
    Buffer.from([0x76, 0x61, 0x6c, 0x3d, 0xc3, 0x3d]), // val=<a cut UTF-8 character>=
    Buffer.from('intree'),
    Buffer.from('license=Dual MIT/GPL'),
  ]);
  expect(readModinfo(ElfFile.fromBuffer(bytes, FILE))).toEqual([
    { key: 'license', value: 'GPL' },
    { key: 'description', value: 'a=b c' },
    { key: 'author', value: 'J\u00f6rg' },
    { key: 'val', value: '\ufffd=' },
    { key: 'intree', value: '' },
    { key: 'license', value: 'Dual MIT/GPL' },
  ]);
});

test.each([
  ['an empty key', '=foo', 'empty key'],
  ['a space in the key', 'bad key=1', 'key is not a modinfo identifier'],
  ['a byte above 0x7f in the key', 'k\u00e9y=1', 'key is not a modinfo identifier'],
])('%s: an ElfFormatError at the entry, the second time too', (_what, entry, reason) => {
  const { bytes, at } = withModinfo([Buffer.from('license=GPL'), Buffer.from(entry, 'utf8')]);
  for (let round = 0; round < 2; round++) {
    let error: unknown;
    try {
      readModinfo(ElfFile.fromBuffer(bytes, FILE));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ElfFormatError);
    expect((error as ElfFormatError).offset).toBe(at + 12);
    expect((error as Error).message).toBe(`${FILE}: at offset 0x${(at + 12).toString(16)}: .modinfo entry '${entry}': ${reason}`);
  }
});
