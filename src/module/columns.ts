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
import { nameCount, nameId, nameOf } from './names.js';

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

/** Builds the columns of one table: names pushed in order (interned, given ids), CRCs beside them. */
export class VersionColumnsBuilder {
  #ids = new Int32Array(64);
  #crcs = new Uint32Array(64);
  #n = 0;
  push(id: number, crc: number): void {
    if (this.#n === this.#ids.length) {
      const ids = new Int32Array(this.#n * 2);
      ids.set(this.#ids);
      this.#ids = ids;
      const crcs = new Uint32Array(this.#n * 2);
      crcs.set(this.#crcs);
      this.#crcs = crcs;
    }
    this.#ids[this.#n] = id;
    this.#crcs[this.#n] = crc;
    this.#n++;
  }
  done(): VersionColumns {
    return new VersionColumns(this.#ids.slice(0, this.#n), this.#crcs.slice(0, this.#n));
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
