/** A module's `.modinfo` (modpost's get_modinfo(): `key=value\\0` strings). */
import { ElfFormatError } from '../errors.js';
import type { ElfFile } from '../elf/elf-file.js';
import { intern } from './names.js';
import { modinfoSchema } from './schema.js';

/** A key modinfoSchema() accepts (checked here first: a zod parse per entry costs more than the rest of the read). */
const MODINFO_KEY = /^[A-Za-z0-9_.\-]+$/;

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
    const s = data.toString('utf8', i, end);
    const eq = s.indexOf('=');
    const entry = eq < 0 ? { key: intern(s), value: '' } : { key: intern(s.slice(0, eq)), value: s.slice(eq + 1) };
    if (!MODINFO_KEY.test(entry.key)) {
      // the schema has the words for what is wrong (the regex is the schema's own key test)
      const ok = modinfoSchema().safeParse(entry);
      if (!ok.success) throw new ElfFormatError(elf.file, sec.offset + i, `.modinfo entry '${s.slice(0, 60)}': ${ok.error.issues[0]?.message ?? 'invalid'}`);
    }
    out.push(entry);
    i = end + 1;
  }
  return out;
}
