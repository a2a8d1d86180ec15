/**
 * A module's facts as a record a reader on a worker thread posts to the main thread (issue #25): the
 * plain parts (facts.ts's FactsParts, the compression and the signature) cloned, and the columns —
 * imports, `__versions`, extended modversions — as typed arrays whose buffers are transferred, not
 * copied. Their name ids are the worker's (its own name table); the main thread maps them to its own
 * (`NameMap`) before it makes facts of the record again.
 */
import type { ElfFile } from '../elf/elf-file.js';
import { ImportColumns, ModuleImports, ModuleVersions, VersionColumns, importColumns, versionsOf } from './columns.js';
import { deferredImports } from './deferred.js';
import { factsFromParts, type FactsParts } from './facts.js';
import { intern, internId } from './names.js';
import type { ModuleFacts } from './types.js';

/** A versions table's columns (ids in the worker's table). */
interface VersionsRecord {
  ids: Int32Array;
  crcs: Uint32Array;
}

export interface ModuleRecord {
  parts: FactsParts;
  compression?: ModuleFacts['compression'];
  xzCheck?: ModuleFacts['xzCheck'];
  zstdContentSize?: ModuleFacts['zstdContentSize'];
  signature?: ModuleFacts['signature'];
  versions?: VersionsRecord;
  basic?: VersionsRecord;
  imports: { ids: Int32Array; flags: Uint8Array };
}

/** An array that owns its whole buffer (transferred as it is), else a copy that does. */
function own<T extends Int32Array | Uint32Array | Uint8Array>(a: T): T {
  return a.byteOffset === 0 && a.byteLength === a.buffer.byteLength ? a : (a.slice() as T);
}

function versionsRecord(v: VersionColumns | undefined): VersionsRecord | undefined {
  return v && { ids: own(v.ids), crcs: own(v.crcs) };
}

/**
 * The record of facts a reader made (on the worker), and the buffers to transfer with it. Facts whose
 * tables were set by hand (no columns) are not what a reader makes: refused.
 */
export function toRecord(facts: ModuleFacts): { record: ModuleRecord; transfer: ArrayBuffer[] } {
  const tables = versionsOf(facts);
  if (!tables || (facts.versionsFormat !== undefined && tables.versions === undefined)) throw new Error(`${facts.path}: facts not made by a reader`);
  const cols = importColumns(facts);
  const record: ModuleRecord = {
    parts: {
      path: facts.path,
      machine: facts.machine,
      elfClass: facts.elfClass,
      elfHeader: facts.elfHeader!,
      modinfo: facts.modinfo,
      versionsFormat: facts.versionsFormat,
      loaderSections: facts.loaderSections!,
      exports: facts.exports,
    },
    versions: versionsRecord(tables.versions),
    basic: versionsRecord(tables.basic),
    imports: { ids: own(cols.ids), flags: own(cols.flags) },
  };
  if (facts.compression !== undefined) record.compression = facts.compression;
  if (facts.xzCheck !== undefined) record.xzCheck = facts.xzCheck;
  if (facts.zstdContentSize !== undefined) record.zstdContentSize = facts.zstdContentSize;
  const transfer: ArrayBuffer[] = [record.imports.ids.buffer as ArrayBuffer, record.imports.flags.buffer as ArrayBuffer];
  for (const v of [record.versions, record.basic]) if (v) transfer.push(v.ids.buffer as ArrayBuffer, v.crcs.buffer as ArrayBuffer);
  const sig = facts.signature;
  if (sig) {
    // the CMS is a small Buffer, often a view of Node's shared pool: a clone would copy the whole pool
    const cms = sig.cms ? new Uint8Array(sig.cms) : undefined;
    record.signature = cms ? { ...sig, cms: cms as Buffer } : { ...sig };
    if (cms) transfer.push(cms.buffer as ArrayBuffer);
  }
  return { record, transfer };
}

/**
 * A worker's name ids → this thread's: ids below `shared` are the table both started with; the worker's
 * later names are given ids here as its answers bring them (`learn`).
 */
export class NameMap {
  #ids: number[] = [];
  constructor(readonly shared: number) {}

  /** Names the worker gave ids since its last answer, in its id order. */
  learn(names: readonly string[]): void {
    for (const n of names) this.#ids.push(internId(n));
  }

  /** Rewrite worker ids in place. */
  map(ids: Int32Array): void {
    const shared = this.shared;
    const learnt = this.#ids;
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      if (id >= shared) {
        const here = learnt[id - shared];
        if (here === undefined) throw new Error(`name id ${id} was not sent by the reader`);
        ids[i] = here;
      }
    }
  }
}

/**
 * Facts of a record, on this thread: the columns mapped to this thread's name ids, the `.modinfo` keys
 * interned, the references worked out on first access from `reopen()` (as deferred.ts does).
 */
export function fromRecord(r: ModuleRecord, names: NameMap, reopen: () => ElfFile): ModuleFacts {
  const columns = (v: VersionsRecord | undefined) => {
    if (!v) return undefined;
    names.map(v.ids);
    return new VersionColumns(v.ids, v.crcs);
  };
  names.map(r.imports.ids);
  for (const e of r.parts.modinfo) e.key = intern(e.key);
  const imports = new ModuleImports(new ImportColumns(r.imports.ids, r.imports.flags), (c) => deferredImports(c, reopen));
  const facts = factsFromParts(r.parts, new ModuleVersions(columns(r.versions), columns(r.basic)), imports);
  if (r.signature) {
    const cms = r.signature.cms;
    facts.signature = cms ? { ...r.signature, cms: Buffer.from(cms.buffer, cms.byteOffset, cms.byteLength) } : r.signature;
  }
  if (r.compression !== undefined) facts.compression = r.compression;
  if (r.xzCheck !== undefined) facts.xzCheck = r.xzCheck;
  if (r.zstdContentSize !== undefined) facts.zstdContentSize = r.zstdContentSize;
  return facts;
}
