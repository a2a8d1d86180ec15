/**
 * A module's symbol versions as columns (issue #25): the name ids of its `__versions` (or extended
 * modversions) entries in an Int32Array and their CRCs in a Uint32Array, over the run's name table
 * (names.ts: one string and one id per distinct name). A tree's 190,000 entries then cost two typed
 * arrays per module instead of a Map each (hash tables, and a heap number per CRC above 2^30) that the
 * young-generation collector copies because they survive.
 *
 * `ModuleFacts.versions`/`basicVersions` stay Maps for whoever reads them: built from the columns on
 * first access (versionsView()). The rules ask through `VersionLookup` instead, which the columns answer
 * without a Map: the module's entries scattered into run-wide arrays indexed by name id, tagged with a
 * stamp of the table scattered last.
 */
import { internId, nameCount, nameId, nameOf } from './names.js';
import type { Import } from './types.js';

/** What the rules ask of a module's versions table (a Map answers it too: facts made by hand). */
export interface VersionLookup {
  get(name: string): number | undefined;
  has(name: string): boolean;
}

let crcById = new Uint32Array(0);
let stampById = new Int32Array(0);
let stamp = 0;
let scattered: VersionColumns | undefined;

export class VersionColumns implements VersionLookup {
  #stamp = 0;
  constructor(
    /** Name ids (names.ts), in table order; a name may repeat (the last CRC wins, as Map.set). */
    readonly ids: Int32Array,
    readonly crcs: Uint32Array,
  ) {}

  get length(): number {
    return this.ids.length;
  }

  /** The table as the Map readers used to build: names in first-seen order, the last CRC of each. */
  toMap(): Map<string, number> {
    const m = new Map<string, number>();
    for (let i = 0; i < this.ids.length; i++) m.set(nameOf(this.ids[i]), this.crcs[i]);
    return m;
  }

  get(name: string): number | undefined {
    const id = nameId(name);
    if (id < 0) return undefined;
    return this.getId(id);
  }

  /** get() by name id (names.ts). */
  getId(id: number): number | undefined {
    this.#scatter();
    return stampById[id] === this.#stamp ? crcById[id] : undefined;
  }

  has(name: string): boolean {
    return this.get(name) !== undefined;
  }

  #scatter(): void {
    if (scattered === this) return;
    const n = nameCount();
    if (crcById.length < n) {
      const size = Math.max(n, crcById.length * 2, 1024);
      crcById = new Uint32Array(size);
      stampById = new Int32Array(size);
      stamp = 0;
    }
    this.#stamp = ++stamp;
    const { ids, crcs } = this;
    for (let i = 0; i < ids.length; i++) {
      crcById[ids[i]] = crcs[i];
      stampById[ids[i]] = this.#stamp;
    }
    scattered = this;
  }
}

/** A column twice as long, its entries copied (the builders grow their columns this way). */
function doubled<T extends Int32Array | Uint32Array | Uint8Array>(a: T): T {
  const b = new (a.constructor as new (length: number) => T)(a.length * 2);
  b.set(a);
  return b;
}

type Column = Int32Array | Uint32Array | Uint8Array;

/**
 * Where finished columns are kept: each a view of a run-wide chunk of CHUNK entries, not a buffer of its
 * own. A tree's 4,000 modules made ~16,000 small ArrayBuffers (each a malloc'd backing store the collector
 * tracks and sweeps); now 47 over Debian 6.1's tree. A column longer than a quarter of a chunk gets its
 * own buffer. Nothing writes to a finished column (a reader thread's record copies a view before
 * transferring it).
 */
class Chunks<T extends Column> {
  static readonly CHUNK = 16384;
  #chunk: T;
  #at = 0;
  constructor(private readonly make: (length: number) => T) {
    this.#chunk = make(0);
  }
  /** The first `n` entries of `from`, copied into a chunk. */
  copy(from: T, n: number): T {
    if (n > Chunks.CHUNK >>> 2) return from.slice(0, n) as T;
    if (this.#at + n > this.#chunk.length) {
      this.#chunk = this.make(Chunks.CHUNK);
      this.#at = 0;
    }
    const out = this.#chunk.subarray(this.#at, this.#at + n) as T;
    out.set(from.subarray(0, n));
    this.#at += n;
    return out;
  }
}

const ID_CHUNKS = new Chunks((n) => new Int32Array(n));
const CRC_CHUNKS = new Chunks((n) => new Uint32Array(n));
const FLAG_CHUNKS = new Chunks((n) => new Uint8Array(n));

/**
 * The columns a builder fills, shared from module to module (a builder per module allocated and grew its
 * own). One builder of a kind builds at a time: a new one takes them over, and the one it took them from
 * fails if pushed to again (a builder left unfinished by a bad file is simply dropped).
 */
class Scratch<A extends Column, B extends Column> {
  owner: object | undefined;
  constructor(
    public a: A,
    public b: B,
  ) {}
  take(owner: object): this {
    this.owner = owner;
    return this;
  }
  grow(): void {
    this.a = doubled(this.a);
    this.b = doubled(this.b);
  }
}

const VERSIONS_SCRATCH = new Scratch(new Int32Array(256), new Uint32Array(256));
const IMPORTS_SCRATCH = new Scratch(new Int32Array(256), new Uint8Array(256));

function notMine(): never {
  throw new Error('two column builders of one kind at once: the first was taken over');
}

/** Builds the columns of one table: names pushed in order (interned, given ids), CRCs beside them. */
export class VersionColumnsBuilder {
  #s = VERSIONS_SCRATCH.take(this);
  #n = 0;
  push(id: number, crc: number): void {
    const s = this.#s;
    if (s.owner !== this) notMine();
    if (this.#n === s.a.length) s.grow();
    s.a[this.#n] = id;
    s.b[this.#n] = crc;
    this.#n++;
  }
  done(): VersionColumns {
    const s = this.#s;
    if (s.owner !== this) notMine();
    s.owner = undefined;
    return new VersionColumns(ID_CHUNKS.copy(s.a, this.#n), CRC_CHUNKS.copy(s.b, this.#n));
  }
}

/** A module's versions tables: the columns, the Maps made of them on first access, or Maps set by hand. */
export class ModuleVersions {
  #versionsMap: Map<string, number> | undefined;
  #basicMap: Map<string, number> | undefined;
  constructor(
    public versions: VersionColumns | undefined,
    public basic: VersionColumns | undefined,
  ) {}
  versionsView(): Map<string, number> | undefined {
    return (this.#versionsMap ??= this.versions?.toMap());
  }
  basicView(): Map<string, number> | undefined {
    return (this.#basicMap ??= this.basic?.toMap());
  }
  setVersions(m: Map<string, number> | undefined): void {
    this.#versionsMap = m;
    this.versions = undefined;
  }
  setBasic(m: Map<string, number> | undefined): void {
    this.#basicMap = m;
    this.basic = undefined;
  }
  /** What the rules look CRCs up in: the columns, or the Map set by hand; undefined when there is no table. */
  versionsLookup(): VersionLookup | undefined {
    return this.#versionsMap ?? this.versions;
  }
  basicLookup(): VersionLookup | undefined {
    return this.#basicMap ?? this.basic;
  }
}

const tables = new WeakMap<object, ModuleVersions>();

/** Register the versions tables of facts made by a reader. */
export function attachVersions(facts: object, v: ModuleVersions): void {
  tables.set(facts, v);
}

/** The versions tables of facts made by a reader (undefined for facts made by hand). */
export function versionsOf(facts: object): ModuleVersions | undefined {
  return tables.get(facts);
}

/** Flag bits of an import's column entry. */
export const IMPORT_WEAK = 1;

/**
 * A module's imports as columns (issue #25, second part): the name ids (names.ts) of its GLOBAL/WEAK
 * undefined symbols in .symtab order, and a flags byte each (IMPORT_WEAK). A tree's 185,000 imports then
 * cost two typed arrays per module instead of an object each that survives the whole run.
 */
export class ImportColumns {
  constructor(
    readonly ids: Int32Array,
    readonly flags: Uint8Array,
  ) {}

  get length(): number {
    return this.ids.length;
  }

  name(i: number): string {
    return nameOf(this.ids[i]);
  }

  weak(i: number): boolean {
    return (this.flags[i] & IMPORT_WEAK) !== 0;
  }

  /** The position of the first import of that name, or -1. */
  indexOf(name: string): number {
    const id = nameId(name);
    if (id < 0) return -1;
    return this.ids.indexOf(id);
  }

  /** Columns of Import objects (facts made by hand, or imports read eagerly or set). */
  static of(list: readonly Import[]): ImportColumns {
    const ids = new Int32Array(list.length);
    const flags = new Uint8Array(list.length);
    for (let i = 0; i < list.length; i++) {
      ids[i] = internId(list[i].name);
      flags[i] = list[i].weak ? IMPORT_WEAK : 0;
    }
    return new ImportColumns(ids, flags);
  }
}

/** Builds a module's import columns, one symbol at a time. */
export class ImportColumnsBuilder {
  #s = IMPORTS_SCRATCH.take(this);
  #n = 0;
  push(id: number, flags: number): void {
    const s = this.#s;
    if (s.owner !== this) notMine();
    if (this.#n === s.a.length) s.grow();
    s.a[this.#n] = id;
    s.b[this.#n] = flags;
    this.#n++;
  }
  get length(): number {
    return this.#n;
  }
  done(): ImportColumns {
    const s = this.#s;
    if (s.owner !== this) notMine();
    s.owner = undefined;
    return new ImportColumns(ID_CHUNKS.copy(s.a, this.#n), FLAG_CHUNKS.copy(s.b, this.#n));
  }
}

/**
 * A module's imports: the columns a reader made, the Import objects made of them on first access
 * (`ModuleFacts.imports`), or a list set by hand. Once the list exists it is what the imports are (whoever
 * holds it may change it), and the columns are made of it when asked.
 */
export class ModuleImports {
  #list: Import[] | undefined;
  constructor(
    public columns: ImportColumns | undefined,
    readonly materialise: (c: ImportColumns) => Import[],
  ) {}
  view(): Import[] {
    return (this.#list ??= this.columns ? this.materialise(this.columns) : []);
  }
  set(list: Import[]): void {
    this.#list = list;
    this.columns = undefined;
  }
  /** The columns while no Import object was made; else columns made of the list as it is now. */
  now(): ImportColumns {
    return this.#list === undefined && this.columns !== undefined ? this.columns : ImportColumns.of(this.#list ?? []);
  }
}

const importTables = new WeakMap<object, ModuleImports>();

/** Register the imports of facts made by a reader. */
export function attachImports(facts: object, i: ModuleImports): void {
  importTables.set(facts, i);
}

/** The imports of facts made by a reader (undefined for facts made by hand). */
export function importsOf(facts: object): ModuleImports | undefined {
  return importTables.get(facts);
}

/**
 * What the rules iterate: a module's imports as columns — the reader's, while nobody made Import objects
 * of them, else made of `facts.imports` as it is now (facts made by hand included).
 */
export function importColumns(facts: { imports: readonly Import[] }): ImportColumns {
  const t = importTables.get(facts);
  return t ? t.now() : ImportColumns.of(facts.imports);
}

/** A CRC from a versions table by name id: the columns without the name's look-up, a Map by name. */
export function versionById(table: VersionLookup, id: number): number | undefined {
  return table instanceof VersionColumns ? table.getId(id) : table.get(nameOf(id));
}
