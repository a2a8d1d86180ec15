/** A module's `.modinfo` (modpost's get_modinfo(): `key=value\\0` strings). */
import { ElfFormatError } from '../errors.js';
import type { ElfFile } from '../elf/elf-file.js';
import { intern } from './names.js';
import { ByteMap } from '../codec/byte-map.js';
import { modinfoSchema } from './schema.js';

/** A key modinfoSchema() accepts (checked here first: a zod parse per entry costs more than the rest of the read). */
const MODINFO_KEY = /^[A-Za-z0-9_.\-]+$/;

const EQUALS = 0x3d;

/** Keys met so far by their bytes: the key (interned), or null for bytes that are no key. */
const KEYS = new ByteMap<string | null>(1 << 20);

function keyOf(data: Buffer, start: number, end: number): string | null {
  const key = data.toString('utf8', start, end);
  return MODINFO_KEY.test(key) ? intern(key) : null;
}

/** The error for an entry whose key is not one (the schema has the words for what is wrong; the regex is its key test). */
function badEntry(elf: ElfFile, at: number, s: string): ElfFormatError {
  const eq = s.indexOf('=');
  const entry = eq < 0 ? { key: s, value: '' } : { key: s.slice(0, eq), value: s.slice(eq + 1) };
  const ok = modinfoSchema().safeParse(entry);
  return new ElfFormatError(elf.file, at, `.modinfo entry '${s.slice(0, 60)}': ${ok.success ? 'invalid' : (ok.error.issues[0]?.message ?? 'invalid')}`);
}

/** `.modinfo`: `key=value\0` strings, runs of NULs skipped (modpost's next_string()). */
export function readModinfo(elf: ElfFile): Array<{ key: string; value: string }> {
  const sec = elf.section('.modinfo');
  if (!sec) return [];
  const data = elf.sectionData(sec);
  const out: Array<{ key: string; value: string }> = [];
  let i = 0;
  while (i < data.length) {
    if (data[i] === 0) {
      i++;
      continue;
    }
    let end = data.indexOf(0, i);
    if (end < 0) end = data.length; // unterminated last string: the loader would read past; we stop at the section end
    let eq = i;
    while (eq < end && data[eq] !== EQUALS) eq++;
    // The key from its bytes (one string per distinct key, checked once), the value decoded on its own:
    // decoding `key=value` whole and slicing kept a sliced string and its parent per entry (84,000 in a
    // 6.1 tree). '=' is one byte in UTF-8 and never inside a character, so the parts decode as the whole.
    const key = KEYS.get(data, i, eq, keyOf);
    if (key === null) throw badEntry(elf, sec.offset + i, data.toString('utf8', i, end));
    out.push({ key, value: eq < end ? data.toString('utf8', eq + 1, end) : '' });
    i = end + 1;
  }
  return out;
}
