/** The module files of a run: directories expanded as depmod walks /lib/modules/<release>. */
import { isUtf8 } from 'node:buffer';
import { readdirSync, statSync } from 'node:fs';
import { normalize } from 'node:path';
import { MODULE_FILE_NAME } from '../codec/decompress.js';
import { describeFsError } from '../kernel/locate.js';
import type { Report } from '../report/schema.js';

/** Directory names depmod does not descend into (the `build` and `source` links of /lib/modules/<release>). */
const SKIPPED_DIRS = new Set(['build', 'source']);

/**
 * The entries of `dir` whose names are not UTF-8, as readdir gave them (a U+FFFD for each bad byte).
 * ksymcheck names files by their paths as strings, and such a name does not come back to the same file:
 * a module was reported as missing, a folder as unreadable. Each module file or folder among them is an
 * error saying so, the name's bytes outside printable ASCII shown as \xHH; other files are passed over,
 * as always.
 */
function notUtf8(dir: string, prefix: string, errors: Report['errors']): Set<string> {
  const skip = new Set<string>();
  for (const raw of readdirSync(dir, { withFileTypes: true, encoding: 'buffer' })) {
    const bytes = raw.name as unknown as Buffer;
    if (isUtf8(bytes)) continue;
    skip.add(bytes.toString('utf8'));
    const shown = prefix + [...bytes].map((b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`)).join('');
    if (raw.isDirectory() || MODULE_FILE_NAME.test(bytes.toString('latin1'))) {
      errors.push({ path: shown, message: `${shown}: a ${raw.isDirectory() ? 'folder' : 'file'} name that is not UTF-8: not read (ksymcheck names files by UTF-8 paths; rename it)` });
    }
  }
  return skip;
}

/**
 * Expand directories into the module files below them, as depmod walks /lib/modules/<release>: `.ko`,
 * `.ko.gz`, `.ko.xz`, `.ko.zst`; symbolic links to directories followed (once: a link back up is not a
 * loop), `build` and `source` left out; sorted, so reports are stable.
 */
export async function expandModulePaths(paths: string[], errors: Report['errors']): Promise<string[]> {
  // Synchronous calls: a tree has hundreds of directories, and a trip through libuv's pool per readdir
  // and realpath cost 120-180 ms of waiting for Debian's 883 (now ~25 ms).
  const out: string[] = [];
  const seen = new Set<string>();
  // A child's path is `normalize(dir)/name`: what path.join() gives for a name without a slash, without
  // normalizing the whole path again for each of a tree's ~5,000 entries (~15 ms of a run).
  const walk = (dir: string): void => {
    // a directory is known by device and inode: one stat, where realpath(3) read every path component
    let id: string;
    try {
      const st = statSync(dir, { bigint: true });
      id = `${st.dev}:${st.ino}`;
    } catch {
      id = dir;
    }
    if (seen.has(id)) return;
    seen.add(id);
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch (e) {
      errors.push({ path: dir, message: `${dir}: cannot read directory: ${describeFsError(e)}` });
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const base = normalize(dir);
    const prefix = base === '.' ? '' : base.endsWith('/') ? base : `${base}/`;
    const unnamed = entries.some((e) => e.name.includes('\ufffd')) ? notUtf8(dir, prefix, errors) : undefined;
    for (const e of entries) {
      if (unnamed?.has(e.name)) continue;
      const p = prefix + e.name;
      if (e.isDirectory()) walk(p);
      else if (e.isSymbolicLink()) {
        let st;
        try {
          st = statSync(p);
        } catch {
          st = undefined;
        }
        if (st?.isDirectory()) {
          if (!SKIPPED_DIRS.has(e.name)) walk(p);
        } else if (MODULE_FILE_NAME.test(e.name)) out.push(p); // a dangling link is reported when read
      } else if (e.isFile() && MODULE_FILE_NAME.test(e.name)) out.push(p);
    }
  };
  for (const p of paths) {
    let st;
    try {
      st = statSync(p);
    } catch (e) {
      // (what stat says: a symbolic link loop or a forbidden folder is not 'no such file')
      errors.push({ path: p, message: `${p}: ${describeFsError(e)}` });
      continue;
    }
    if (st.isDirectory()) walk(p);
    else out.push(p);
  }
  return out;
}
