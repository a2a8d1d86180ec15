/**
 * A module's separate debug file, found the way gdb finds one (distributions and DKMS strip the DWARF
 * out of the modules they install): under a debug directory (default /usr/lib/debug) by the module's
 * NT_GNU_BUILD_ID note (`.build-id/xx/rest.debug`), by its `.gnu_debuglink` name (beside the module, in
 * its `.debug/` folder, and under the debug directory + the module's folder), by the module's own path
 * under the debug directory, and — Debian's linux-image-*-dbg layout — as
 * `<debug dir>/lib/modules/<release>/…/<name>.ko[.debug]`, the release from the module's vermagic.
 * A candidate is taken only when its build ID, if both have one, is the module's.
 */
import { existsSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { ElfFile } from '../elf/elf-file.js';
import { InputError } from '../errors.js';

export const DEFAULT_DEBUG_DIR = '/usr/lib/debug';
const SHT_NOTE = 7;
const NT_GNU_BUILD_ID = 3;

/** The NT_GNU_BUILD_ID note's bytes as hex, or undefined. */
export function buildIdOf(elf: ElfFile): string | undefined {
  const f = elf.fields;
  for (const s of elf.sections) {
    if (s.type !== SHT_NOTE || s.size < 12 || s.offset + s.size > elf.fileSize) continue;
    const d = elf.sectionData(s);
    for (let o = 0; o + 12 <= d.length; ) {
      const namesz = f.u32(d, o);
      const descsz = f.u32(d, o + 4);
      const type = f.u32(d, o + 8);
      const name = o + 12;
      const desc = name + ((namesz + 3) & ~3);
      const next = desc + ((descsz + 3) & ~3);
      if (next > d.length || next <= o) break;
      if (type === NT_GNU_BUILD_ID && namesz === 4 && d.toString('latin1', name, name + 3) === 'GNU' && descsz > 0) return d.toString('hex', desc, desc + descsz);
      o = next;
    }
  }
  return undefined;
}

/** The file name `.gnu_debuglink` names, or undefined. */
function debugLinkOf(elf: ElfFile): string | undefined {
  const s = elf.section('.gnu_debuglink');
  if (!s || s.offset + s.size > elf.fileSize) return undefined;
  const d = elf.sectionData(s);
  const end = d.indexOf(0);
  return end > 0 ? d.toString('utf8', 0, end) : undefined;
}

/** Per debug directory and release: module file name → paths under lib/modules/<release>. */
const releaseIndex = new Map<string, Map<string, string[]>>();

function modulesUnder(root: string): Map<string, string[]> {
  const hit = releaseIndex.get(root);
  if (hit) return hit;
  const out = new Map<string, string[]>();
  const walk = (dir: string, depth: number): void => {
    if (depth > 16) return;
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p, depth + 1);
      else if (e.isFile()) {
        const key = e.name.replace(/\.debug$/, '');
        const list = out.get(key);
        if (list) list.push(p);
        else out.set(key, [p]);
      }
    }
  };
  walk(root, 0);
  releaseIndex.set(root, out);
  return out;
}

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

/** Candidate paths, in the order gdb tries them (then Debian's by-release layout). */
function candidates(elf: ElfFile, modulePath: string, debugDirs: string[], release: string | undefined): string[] {
  const out: string[] = [];
  const id = buildIdOf(elf);
  let real = modulePath;
  try {
    real = realpathSync(modulePath);
  } catch {
    // the module was read; its path resolves unless it vanished since
  }
  const dir = dirname(real);
  for (const dd of debugDirs) if (id && id.length > 2) out.push(join(dd, '.build-id', id.slice(0, 2), `${id.slice(2)}.debug`));
  const link = debugLinkOf(elf);
  if (link) {
    out.push(join(dir, link), join(dir, '.debug', link));
    for (const dd of debugDirs) out.push(join(dd, dir, link));
  }
  const plainName = basename(real).replace(/\.(gz|xz|zst)$/, '');
  for (const dd of debugDirs) {
    out.push(join(dd, dir, plainName), join(dd, dir, `${plainName}.debug`));
    if (release) {
      const root = join(dd, 'lib', 'modules', release);
      if (existsSync(root)) out.push(...(modulesUnder(root).get(plainName) ?? []));
    }
  }
  return out.filter((p) => p !== real);
}

/**
 * The separate debug file for a module (opened; the caller closes it), or undefined. `release` is the
 * kernel release the module was built for (its vermagic's first word).
 */
export function openDebugFile(elf: ElfFile, modulePath: string, debugDirs: string[], release: string | undefined): ElfFile | undefined {
  const id = buildIdOf(elf);
  for (const p of candidates(elf, modulePath, debugDirs, release)) {
    if (!isFile(p)) continue;
    let dbg: ElfFile;
    try {
      dbg = ElfFile.open(p);
    } catch (e) {
      if (e instanceof InputError) continue; // not an ELF file, unreadable: not this module's debug file
      throw e;
    }
    const info = dbg.section('.debug_info') ?? dbg.section('.zdebug_info');
    const theirs = buildIdOf(dbg);
    if (info && info.size > 0 && (!id || !theirs || id === theirs)) return dbg;
    dbg.close();
  }
  return undefined;
}
