/**
 * ModuleFacts assembled from what modinfo.ts, versions.ts, imports.ts and exports.ts read of an opened ELF
 * file: `moduleFacts()` reads every part eagerly; deferred.ts reads the same parts for trees and assembles
 * them here too, so both readers give one object shape.
 */
import { basename } from 'node:path';
import { ElfFormatError } from '../errors.js';
import { SHF_ALLOC, SHT_NOBITS } from '../elf/constants.js';
import type { ElfFile, ElfSection } from '../elf/elf-file.js';
import type { Import, LoaderSections, ModuleExport, ModuleFacts } from './types.js';
import { readModinfo } from './modinfo.js';
import { readVersions, type VersionsInfo } from './versions.js';
import { readImports } from './imports.js';
import { readModuleExports } from './exports.js';
import { attachImports, attachVersions, importsOf, ModuleImports, ModuleVersions, versionsOf } from './columns.js';

export function moduleFacts(elf: ElfFile, path: string): ModuleFacts {
  const modinfo = readModinfo(elf);
  const symbols = elf.symbols();
  if (symbols.length === 0) throw new ElfFormatError(path, elf.header.shoff, 'no symbol table: a module always has .symtab');
  const versionInfo = readVersions(elf);
  const imports = readImports(elf, symbols);
  const exports = readModuleExports(elf, symbols);
  const list = new ModuleImports(undefined, () => []);
  list.set(imports);
  return assembleFacts(elf, path, modinfo, versionInfo, list, exports);
}

/** ModuleFacts from the parts both readers (eager and deferred) extract. */
export function assembleFacts(
  elf: ElfFile,
  path: string,
  modinfo: Array<{ key: string; value: string }>,
  v: VersionsInfo,
  imports: ModuleImports,
  exports: ModuleExport[],
): ModuleFacts {
  const h = elf.header;
  const parts: FactsParts = {
    path,
    machine: h.machine,
    elfClass: h.elfClass,
    elfHeader: { type: h.type, littleEndian: h.littleEndian, shentsize: h.shentsize, flags: h.flags },
    modinfo,
    versionsFormat: v.versionsFormat,
    loaderSections: loaderSections(elf, v.extProblem),
    exports,
  };
  return factsFromParts(parts, new ModuleVersions(v.versions, v.basicVersions), imports);
}

/**
 * What a reader takes from the file besides the versions tables and the imports: plain data, which a
 * reader on a worker thread posts as it is (module/record.ts). The rest of ModuleFacts follows from it.
 */
export interface FactsParts {
  path: string;
  machine: number;
  elfClass: 32 | 64;
  elfHeader: NonNullable<ModuleFacts['elfHeader']>;
  modinfo: Array<{ key: string; value: string }>;
  versionsFormat: ModuleFacts['versionsFormat'];
  loaderSections: LoaderSections;
  exports: ModuleExport[];
}

/** ModuleFacts of a reader's parts, its versions tables and its imports (fields in one order, whoever made them). */
export function factsFromParts(p: FactsParts, tables: ModuleVersions, imports: ModuleImports): ModuleFacts {
  const { path, modinfo } = p;
  const get = (k: string) => modinfo.filter((e) => e.key === k).map((e) => e.value);
  const nameFromFile = basename(path).replace(/\.(ko|o)(\.(gz|xz|zst))?$/, '');
  const dependsValues = get('depends');
  // Data properties first, the three accessors defined with shared functions, in the fields' order: an
  // object literal with accessors is made in dictionary mode (1.6 KB a module, no inline caches for the
  // rules' reads of it), while this keeps one hidden class for every module's facts.
  const facts = {
    path,
    name: get('name')[0] ?? nameFromFile,
    kind: /\.ko(\.(gz|xz|zst))?$/.test(path) ? 'ko' : 'o',
    machine: p.machine,
    elfClass: p.elfClass,
    elfHeader: p.elfHeader,
    modinfo,
    licenses: get('license'),
    importNs: get('import_ns'),
    depends: dependsValues.length ? dependsValues[0].split(',').filter((d) => d !== '') : undefined,
    vermagic: get('vermagic')[0],
    intree: get('intree').includes('Y'),
  } as ModuleFacts;
  attachVersions(facts, tables);
  attachImports(facts, imports);
  // the versions tables are columns (columns.ts); a Map is made of them for whoever reads these
  Object.defineProperty(facts, 'versions', VERSIONS);
  facts.versionsFormat = p.versionsFormat;
  Object.defineProperty(facts, 'basicVersions', BASIC_VERSIONS);
  facts.loaderSections = p.loaderSections;
  // set by readModule() for a compressed file; present (undefined) on every module: one object shape
  facts.compression = undefined;
  facts.xzCheck = undefined;
  facts.zstdContentSize = undefined;
  facts.signature = undefined;
  // columns too (columns.ts): Import objects are made of them for whoever reads these
  Object.defineProperty(facts, 'imports', IMPORTS);
  facts.exports = p.exports;
  return facts;
}

/**
 * ModuleFacts' `versions`, `basicVersions` and `imports`: own enumerable accessors (spreads and JSON see
 * them), the same functions for every module, reading the tables attached to the facts (columns.ts).
 */
const versionsTable = (view: (t: ModuleVersions) => Map<string, number> | undefined, set: (t: ModuleVersions, m: Map<string, number> | undefined) => void): PropertyDescriptor => ({
  get(this: object) {
    const t = versionsOf(this);
    return t && view(t);
  },
  set(this: object, m: Map<string, number> | undefined) {
    const t = versionsOf(this);
    if (t) set(t, m);
  },
  enumerable: true,
  configurable: true,
});
const VERSIONS = versionsTable(
  (t) => t.versionsView(),
  (t, m) => t.setVersions(m),
);
const BASIC_VERSIONS = versionsTable(
  (t) => t.basicView(),
  (t, m) => t.setBasic(m),
);
const IMPORTS: PropertyDescriptor = {
  get(this: object) {
    return importsOf(this)?.view() ?? [];
  },
  set(this: object, list: Import[]) {
    importsOf(this)?.set(list);
  },
  enumerable: true,
  configurable: true,
};

/** An allocated section of that name (what the loader's find_sec()/section_addr() find). */
function allocSection(elf: ElfFile, name: string): ElfSection | undefined {
  const s = elf.section(name);
  return s && (s.flags & SHF_ALLOC) !== 0n ? s : undefined;
}

function loaderSections(elf: ElfFile, extVersions: LoaderSections['extVersions']): LoaderSections {
  const mod = elf.section('.gnu.linkonce.this_module');
  const ksymtab = allocSection(elf, '__ksymtab');
  const out: LoaderSections = {
    ksymtabEntries: ksymtab !== undefined && ksymtab.size > 0,
    kflagstab: allocSection(elf, '__kflagstab') !== undefined,
    ksymtabGpl: allocSection(elf, '__ksymtab_gpl') !== undefined,
    kcrctabGpl: allocSection(elf, '__kcrctab_gpl') !== undefined,
  };
  if (mod && mod.type !== SHT_NOBITS) out.thisModuleSize = mod.size;
  if (extVersions) out.extVersions = extVersions;
  return out;
}
