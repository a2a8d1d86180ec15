/**
 * Frames for the references a report shows: each module with such references is opened again and its
 * DWARF (or its separate debug file's) read for the code sites alone; a module without findings is never
 * opened. The explanation people ask for — which inline function brought in a symbol their source never
 * names — is then written into the finding's hint from those frames.
 */
import { hasZstdDebugSection, prepareZstd } from '../dwarf/sections.js';
import { FrameFinder } from '../dwarf/frames.js';
import { frameWhere, type Frame } from '../dwarf/where.js';
import type { ElfFile } from '../elf/elf-file.js';
import { InputError } from '../errors.js';
import { DEFAULT_DEBUG_DIR, openDebugFile } from './debug-file.js';
import { codeSiteOf, reopen } from '../module/read.js';
import type { ModuleFacts, Reference } from '../module/types.js';

export interface FramesOptions {
  /** Where separate debug files are looked for (gdb's debug-file-directory). Default /usr/lib/debug. */
  debugDirs?: string[];
  /**
   * The module reader's own codeSiteOf() and reopen() (default: this file's imports). The CLI bundle
   * loads this file at run time from tsc's output, beside its bundled copy of the reader: the code sites
   * are known to the copy that read the modules, and only it has the zstd decoder initialised.
   */
  reader?: { codeSiteOf: typeof codeSiteOf; reopen: typeof reopen };
}

/** A report's module as far as frames go: its path, and its findings' references and hint (filled in place). */
export interface FramedModule {
  path: string;
  findings: Array<{ references: unknown[]; hint?: string }>;
}

export interface FramesOutcome {
  /** Modules whose references got no frames: no DWARF in them, none found apart. */
  withoutDwarf: string[];
  /** Modules whose DWARF could not be read (the error; their references keep function+offset). */
  errors: Array<{ path: string; message: string }>;
}

/** The references of a module's findings that have a code site and no frames yet. */
function wanted(report: FramedModule, siteOf: typeof codeSiteOf): Reference[] {
  const out: Reference[] = [];
  const seen = new Set<Reference>();
  for (const f of report.findings) {
    for (const r of f.references as Reference[]) {
      if (seen.has(r) || r.frames !== undefined || !siteOf(r)) continue;
      seen.add(r);
      out.push(r);
    }
  }
  return out;
}

/**
 * Fill `frames` of every reference of every finding (in place: the references are the modules'), and
 * explain inlined ones in the findings' hints. A report's module is the one of `modules` with its path.
 */
export async function attachFrames(modules: ModuleFacts[], reports: FramedModule[], opts: FramesOptions = {}): Promise<FramesOutcome> {
  const debugDirs = opts.debugDirs?.length ? opts.debugDirs : [DEFAULT_DEBUG_DIR];
  const outcome: FramesOutcome = { withoutDwarf: [], errors: [] };
  const byPath = new Map(modules.map((m) => [m.path, m]));
  const reader = opts.reader ?? { codeSiteOf, reopen };
  for (let i = 0; i < reports.length; i++) {
    const refs = wanted(reports[i], reader.codeSiteOf);
    const m = byPath.get(reports[i].path);
    if (refs.length === 0 || !m) continue;
    let elf: ElfFile | undefined;
    let dbg: ElfFile | undefined;
    try {
      elf = reader.reopen(m.path);
      let ff = new FrameFinder(elf);
      if (!ff.hasDwarf) {
        dbg = openDebugFile(elf, m.path, debugDirs, m.vermagic?.split(' ')[0]);
        if (!dbg) {
          outcome.withoutDwarf.push(m.path);
          continue;
        }
        ff = new FrameFinder(dbg);
      }
      const src = dbg ?? elf;
      if (hasZstdDebugSection(src)) await prepareZstd();
      // the debug file has the module's section table: a code site's section index is the same there
      for (const r of refs) {
        const site = reader.codeSiteOf(r)!;
        const frames = ff.framesAt(site.section, site.offset, r.function);
        if (frames) r.frames = frames;
      }
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      outcome.errors.push({ path: m.path, message: e.message });
    } finally {
      dbg?.close();
      elf?.close();
    }
    for (const f of reports[i].findings) {
      const why = inlineHint(f.references as Reference[]);
      if (why) f.hint = f.hint ? `${why}; ${f.hint}` : why;
    }
  }
  return outcome;
}

/**
 * "pulled in by the inline put_page() (include/linux/mm.h:947), called from afs_linux_put_page at
 * osi_vm.c:88 …": from the frames of the references that go through an inline function (the inline
 * called by the module's own function, and where). Undefined when no reference does.
 */
export function inlineHint(refs: Reference[]): string | undefined {
  const byInline = new Map<string, { inline: Frame; callers: Map<string, Frame> }>();
  for (const r of refs) {
    const fr = r.frames;
    if (!fr || fr.length < 2) continue;
    const inline = fr[fr.length - 2];
    const caller = fr[fr.length - 1];
    const key = `${inline.function}\0${inline.file}\0${inline.line}`;
    let g = byInline.get(key);
    if (!g) byInline.set(key, (g = { inline, callers: new Map() }));
    const ck = `${caller.function}\0${caller.file}\0${caller.line}`;
    if (!g.callers.has(ck)) g.callers.set(ck, caller);
  }
  if (byInline.size === 0) return undefined;
  const parts: string[] = [];
  for (const { inline, callers: unique } of byInline.values()) {
    const callers = [...unique.values()];
    const shown = callers.slice(0, 3).map((c) => `${c.function} at ${frameWhere(c)}`);
    const more = callers.length > 3 ? ` and ${callers.length - 3} more` : '';
    parts.push(`the inline ${inline.function}() (${frameWhere(inline)}), called from ${shown.join(', ')}${more}`);
    if (parts.length === 3) break;
  }
  const more = byInline.size > 3 ? `, and ${byInline.size - 3} more inline functions` : '';
  return `pulled in by ${parts.join('; by ')}${more}`;
}
