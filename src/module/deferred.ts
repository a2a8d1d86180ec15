/**
 * The same facts as moduleFacts() without the per-symbol and per-reference work nobody may need: for trees.
 */
import { ElfFormatError } from '../errors.js';
import { SHN_UNDEF, SHT_STRTAB, SHT_SYMTAB, SHT_SYMTAB_SHNDX, STB_GLOBAL, STB_WEAK } from '../elf/constants.js';
import type { ElfFile, ElfSection } from '../elf/elf-file.js';
import type { Import, ModuleFacts, Reference } from './types.js';
import { internBytes } from './names.js';
import { IMPORT_WEAK, ImportColumns, ImportColumnsBuilder, ModuleImports } from './columns.js';
import { readModinfo } from './modinfo.js';
import { readVersions } from './versions.js';
import { readImports } from './imports.js';
import { readModuleExports } from './exports.js';
import { assembleFacts } from './facts.js';
import { checkImportRelocations } from './relocation-scan.js';
import { readTuning } from './read-tuning.js';

const UNDERSCORE = 95;

/** Where moduleFactsDeferred() reads a file's fact sections (reused from file to file). */
const PREFETCH_ARENA = { buf: Buffer.alloc(0) };

/**
 * Sections the facts are read from (relocations aside: they are scanned once, through a scratch buffer).
 * String tables only as a symbol table's: .shstrtab was read with the section headers.
 */
function factSection(s: ElfSection, symbolNames: ReadonlySet<number>): boolean {
  if (s.type === SHT_SYMTAB || s.type === SHT_SYMTAB_SHNDX || (s.type === SHT_STRTAB && symbolNames.has(s.index))) return true;
  return isFactSectionName(s.name);
}

/** The named sections the facts are read from: .modinfo, the versions tables, the export tables. */
export function isFactSectionName(n: string): boolean {
  return n === '.modinfo' || n === '__versions' || n.startsWith('__version_ext_') || n.startsWith('__ksymtab') || n.startsWith('__kcrctab') || n === '__kflagstab' || n === '.export_symbol';
}

/** The import columns factSymbol() adds to while deferredFacts() runs selectSymbols() (one file at a time). */
let importsInto: ImportColumnsBuilder | undefined;

/**
 * Symbols a module's facts need as objects: index 0, `__`-prefixed labels (exports). An import (an
 * undefined GLOBAL or WEAK symbol with a name) goes to `importsInto` as its name's id, read from the
 * string table's bytes (internBytes), with no symbol object and no string made for it.
 */
function factSymbol(index: number, info: number, shndx: number, names: Buffer, nameOffset: number, section: number | undefined): boolean {
  if (index === 0) return true;
  if (nameOffset === 0 || names[nameOffset] === 0) return false;
  const bind = info >> 4;
  if (shndx === SHN_UNDEF && section === undefined && (bind === STB_GLOBAL || bind === STB_WEAK)) {
    let end = nameOffset + 1;
    while (names[end] !== 0) end++; // selectSymbols() checked that a NUL ends the name
    importsInto!.push(internBytes(names, nameOffset, end), bind === STB_WEAK ? IMPORT_WEAK : 0);
    return false;
  }
  if (names[nameOffset] !== UNDERSCORE || names[nameOffset + 1] !== UNDERSCORE) return false;
  for (let j = 0; j < LABEL_PREFIXES.length; j++) {
    const p = LABEL_PREFIXES[j];
    if (nameOffset + p.length > names.length) continue;
    let k = 2;
    while (k < p.length && names[nameOffset + k] === p[k]) k++;
    if (k === p.length) return true;
  }
  return false;
}

/** The labels readKsymtab() reads (fromLabels, fromExportMarkers); a module has thousands of other `__` names. */
const LABEL_PREFIXES = ['__ksymtab_', '__kstrtabns_', '__crc_', '__flags_', '__export_symbol_'].map((p) => Buffer.from(p, 'latin1'));

/**
 * moduleFacts() for trees: the same facts and the same errors, but only the symbols the facts need
 * are decoded (ElfFile.selectSymbols), the relocations against imports are checked without being
 * decoded into objects, and the references are worked out on first access from `reopen()`.
 */
export function moduleFactsDeferred(elf: ElfFile, path: string, reopen: () => ElfFile): ModuleFacts {
  // The fact sections land in one arena reused from file to file (facts hold no Buffer), and the ElfFile
  // forgets them on the way out, so a caller that keeps it open reads its own bytes again, not the next
  // file's.
  const symbolNames = new Set<number>();
  for (const s of elf.sections) if (s.type === SHT_SYMTAB) symbolNames.add(s.link);
  elf.prefetch(
    elf.sections.filter((s) => factSection(s, symbolNames)),
    readTuning.mergeGap,
    PREFETCH_ARENA,
  );
  try {
    return deferredFacts(elf, path, reopen);
  } finally {
    elf.dropSectionData();
  }
}

function deferredFacts(elf: ElfFile, path: string, reopen: () => ElfFile): ModuleFacts {
  const modinfo = readModinfo(elf);
  const columns = new ImportColumnsBuilder();
  importsInto = columns;
  let selected: ReturnType<ElfFile['selectSymbols']>;
  try {
    selected = elf.selectSymbols(factSymbol);
  } finally {
    importsInto = undefined;
  }
  const { symbols, count } = selected;
  if (count === 0) throw new ElfFormatError(path, elf.header.shoff, 'no symbol table: a module always has .symtab');
  const versionInfo = readVersions(elf);
  if (columns.length > 0) checkImportRelocations(elf, count);
  const exports = readModuleExports(elf, symbols);
  return assembleFacts(elf, path, modinfo, versionInfo, new ModuleImports(columns.done(), (c) => deferredImports(c, reopen)), exports);
}

/** The Import objects of a module's columns, their references read from the file on first access. */
export function deferredImports(c: ImportColumns, reopen: () => ElfFile): Import[] {
  const imports: Import[] = new Array(c.length);
  const fill = deferReferences(imports, () => {
    const again = reopen();
    try {
      return readImports(again, again.symbols());
    } finally {
      again.close();
    }
  });
  for (let i = 0; i < c.length; i++) imports[i] = deferredImport(c.name(i), c.weak(i), fill);
  return imports;
}

/** The filler of every import's `refs`: from `load()` (the eager readImports() of the same file), once. */
function deferReferences(imports: Import[], load: () => Import[]): () => void {
  let done = false;
  const settle = (imp: Import, refs: Reference[]) => Object.defineProperty(imp, 'refs', { value: refs, writable: true, enumerable: true, configurable: true });
  const fill = () => {
    if (done) return;
    done = true;
    let full: Import[] | undefined;
    try {
      full = load();
    } catch {
      full = undefined; // the file changed or vanished since it was read
    }
    const same = full !== undefined && full.length === imports.length && full.every((f, i) => f.name === imports[i].name);
    imports.forEach((imp, i) => settle(imp, same ? full![i].refs : []));
  };
  return fill;
}

/** One accessor pair for every deferred import (a closure pair per import is most of a tree's garbage). */
const DEFERRED_REFS: PropertyDescriptor = {
  get(this: DeferredImport): Reference[] {
    DeferredImport.fill(this);
    return this.refs;
  },
  set(this: DeferredImport, v: Reference[]) {
    Object.defineProperty(this, 'refs', { value: v, writable: true, enumerable: true, configurable: true });
  },
  enumerable: true,
  configurable: true,
};

/**
 * An import whose `refs` is an own accessor until its module's filler replaces it with the data property.
 * The filler sits in a private field: invisible to spreads, JSON, structured clones and toEqual. Of the
 * ways measured (docs/performance.md), the only one as cheap in time and heap as a plain object.
 */
class DeferredImport implements Import {
  readonly #fill: () => void;
  declare refs: Reference[];
  constructor(
    public name: string,
    public weak: boolean,
    fill: () => void,
  ) {
    this.#fill = fill;
    Object.defineProperty(this, 'refs', DEFERRED_REFS);
  }
  static fill(imp: DeferredImport): void {
    imp.#fill();
  }
}

function deferredImport(name: string, weak: boolean, fill: () => void): Import {
  return new DeferredImport(name, weak, fill);
}

