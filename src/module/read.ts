/**
 * A module file (`.ko`, or modpost's input `<mod>.o`) → ModuleFacts: opens it (plain, compressed, or bytes
 * of a package member) and hands the ELF file to facts.ts (every part read eagerly: modinfo.ts for .modinfo,
 * versions.ts for __versions or extended modversions, imports.ts for the undefined symbols of .symtab with
 * every relocation that references them, exports.ts for its own exports) or to deferred.ts (the same facts
 * for trees, the references worked out on first access, the relocations checked by relocation-scan.ts).
 */
import { closeSync, type Stats } from 'node:fs';
import { openInput } from '../files.js';
import { InputError } from '../errors.js';
import { ElfFile, type OpenOptions } from '../elf/elf-file.js';
import { FileSource } from '../elf/source.js';
import { Lease, type ByteBudget } from '../codec/budget.js';
import { readSignature } from '../signing/signature.js';
import { compressionOf, decompress, decompressSync, type DecompressOptions, type Decompressed } from '../codec/decompress.js';
import type { ModuleFacts } from './types.js';
import { moduleFacts } from './facts.js';
import { moduleFactsDeferred } from './deferred.js';
import { readTuning } from './read-tuning.js';

// What this module exported before modinfo, versions, imports, names, exports, facts and the deferred
// reader had files of their own.
export { shareNames } from './names.js';
export { readModinfo } from './modinfo.js';
export { MODVERSION_INFO_SIZE, readVersions, type VersionsInfo } from './versions.js';
export { NO_IMPORT_REFERENCES, codeSiteOf, readImports, type CodeSite } from './imports.js';
export { readTuning } from './read-tuning.js';
export { moduleFacts } from './facts.js';
export { moduleFactsDeferred } from './deferred.js';
export { readModuleExports } from './exports.js';

export interface ReadOptions {
  /**
   * 'eager' (default): every import's references (relocations mapped to function+offset) are worked out
   * now. 'lazy': the relocations are checked now (a broken file fails here just the same), but the
   * references are worked out on first access to an import's `refs`, by reading the file again — for
   * whole trees, where most modules have no finding and nobody looks at them. If the file changed or
   * vanished in between, the references come out empty.
   */
  references?: 'eager' | 'lazy';
  /** Largest decompressed size of a compressed module, in bytes (default 512 MiB). */
  maxModuleSize?: number;
  /**
   * The run's byte budget (asynchronous reads): the file's bytes, and a compressed file's output, are
   * taken from it while the module is read, and given back when its facts are extracted.
   */
  budget?: ByteBudget;
  /**
   * Where compressed modules are decoded (asynchronous reads): a DecodePool (decode-pool.ts, worker
   * threads) for trees; without one, on this thread.
   */
  pool?: {
    decompress(input: Uint8Array, name: string, opts: DecompressOptions): Promise<Decompressed>;
    /** decompress()'s output is no longer needed (the facts keep no view of it): freed now. */
    release?(data: Uint8Array): void;
  };
  /**
   * Hash a signed module's signed bytes (what verifying its signature needs; default true). A run with no
   * trusted key verifies nothing, and then only the trailer is read, not the whole module.
   */
  signatureDigests?: boolean;
}

/**
 * An opened module file: a plain ELF file is read at positions (only the sections needed), a compressed
 * one (told by its magic bytes, as kmod does) is read whole and decompressed in memory.
 */
interface Opened {
  /** Plain file: its source, still open (ElfFile.fromSource takes it over). */
  source?: FileSource;
  /** Compressed file: its source, still open, not yet read (wholeOf() reads it once the budget has room). */
  packed?: FileSource;
  /** Compressed package member: its bytes. */
  compressed?: Buffer;
  /** A module that is no file of its own (a package's member), plain: its bytes. */
  bytes?: Buffer;
}

/**
 * Modules that are no file of their own — the members of a package (`pkg.deb:/lib/modules/…/x.ko`) —
 * by the path they are reported under: where their bytes are got again (synchronously) when their
 * references or frames are asked for. The getter throws an InputError when the bytes are not at hand.
 */
const moduleBytes = new Map<string, () => Buffer>();

export function registerModuleBytes(path: string, get: () => Buffer): void {
  moduleBytes.set(path, get);
}

/** `plainOnly`: a compressed file is closed unread (and nothing of it returned). */
function openFile(path: string, plainOnly = false): Opened {
  const member = moduleBytes.get(path);
  if (member) {
    const bytes = member();
    return compressionOf(bytes) ? { compressed: bytes } : { bytes };
  }
  let fd: number;
  let st: Stats;
  try {
    ({ fd, st } = openInput(path)); // (a FIFO named as a module: refused, not waited on)
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError(path, (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : `cannot read: ${(e as Error).message}`);
  }
  let source: FileSource | undefined;
  try {
    if (st.isDirectory()) throw new InputError(path, 'cannot read: EISDIR: illegal operation on a directory, read');
    source = new FileSource(path, { fd, size: st.size });
    // the magic bytes and, for a plain ELF file, its header (ElfFile reads it from here): one read
    const head = source.size >= 6 ? source.readHead(64) : Buffer.alloc(0);
    if (!compressionOf(head)) return { source };
    if (plainOnly) {
      source.close();
      return {};
    }
    return { packed: source };
  } catch (e) {
    if (source) source.close();
    else closeSync(fd);
    throw e;
  }
}

/** How a module file's ElfFile reads it (read-tuning.ts; tests change the tuning). */
function tuned(): { tableLead: number; tableTrail: number } {
  return { tableLead: readTuning.tableLead, tableTrail: readTuning.tableTrail };
}

/** Where factsOf()'s files have their section header table read (OpenOptions.tableArena): one at a time. */
const TABLE_ARENA = { buf: Buffer.alloc(0) };

/**
 * tuned(), and the table read into TABLE_ARENA, for a file that factsOf() reads and closes before anything
 * else is opened (it runs synchronously from open to close) and whose facts keep no Buffer of it: deferred
 * facts (references: 'lazy'). The eager reader's facts are left their own buffers.
 */
function tunedFor(opts: ReadOptions): OpenOptions {
  return opts.references === 'lazy' ? { ...tuned(), tableArena: TABLE_ARENA } : tuned();
}

/** A compressed module's whole bytes (its file read now and closed). */
function wholeOf(o: Opened): Buffer {
  if (o.compressed) return o.compressed;
  try {
    return o.packed!.read(0, o.packed!.size);
  } finally {
    o.packed!.close();
  }
}

/** Close what openFile() left open (a read that will not happen). */
function closeOpened(o: Opened): void {
  o.source?.close();
  o.packed?.close();
}

/** The file's bytes from the budget's view: a plain file is read only in part, but may be read whole. */
function sizeOfOpened(o: Opened): number {
  return o.source?.size ?? o.packed?.size ?? o.compressed?.length ?? o.bytes?.length ?? 0;
}

function factsOf(path: string, elf: ElfFile, opts: ReadOptions, packed?: Decompressed): ModuleFacts {
  try {
    const facts = opts.references === 'lazy' ? moduleFactsDeferred(elf, path, () => reopen(path, opts)) : moduleFacts(elf, path);
    if (facts.kind === 'ko' && hasTrailer(elf)) facts.signature = signatureOf(elf, opts.signatureDigests ?? true);
    if (packed) {
      facts.compression = packed.compression;
      if (packed.xzCheck) facts.xzCheck = packed.xzCheck;
      if (packed.zstdContentSize !== undefined) facts.zstdContentSize = packed.zstdContentSize;
    }
    return facts;
  } finally {
    elf.close();
  }
}

/**
 * The module's appended signature. A function of its own, not a closure in factsOf(): a closure there that
 * captured `elf` would put it in the context that factsOf()'s `reopen` closure shares — which deferred
 * facts keep for the run — and so keep every module's bytes alive (Debian's 6.1 image .deb: 650 MB
 * instead of 230 MB).
 */
function signatureOf(elf: ElfFile, withDigests: boolean): ModuleFacts['signature'] {
  return readSignature(elf.fileSize, (at, length) => elf.readAt(at, length, 'the appended module signature'), withDigests);
}

/**
 * Are there bytes after the section header table? A linked module ends with that table (ld writes it
 * last); sign-file appends after it. When the table ends the file there is no signature, and the marker's
 * bytes are not read (a tree of unsigned modules costs no read more).
 */
function hasTrailer(elf: ElfFile): boolean {
  const h = elf.header;
  return h.shoff + h.shnum * h.shentsize < elf.fileSize || h.shoff === 0;
}

/** Open the module again (synchronously), for deferred references and for its DWARF. */
export function reopen(path: string, opts: ReadOptions = {}): ElfFile {
  const o = openFile(path);
  if (o.source) return ElfFile.fromSource(o.source, tuned());
  if (o.bytes) return ElfFile.fromBuffer(o.bytes, path);
  return ElfFile.fromBuffer(decompressSync(wholeOf(o), path, opts).data, path);
}

/** Read a module file (`.ko`, `.o`, `.ko.gz`, `.ko.xz`, `.ko.zst`) and extract its facts. */
export async function readModule(path: string, opts: ReadOptions = {}): Promise<ModuleFacts> {
  // the file's size is held from the budget before anything but its first bytes is read (the descriptor
  // is opened first: its fstat gives the size, where a stat of the path was one more system call per file)
  const lease = new Lease(opts.budget);
  try {
    const o = openFile(path);
    if (opts.budget) {
      try {
        await lease.waitFor(sizeOfOpened(o));
      } catch (e) {
        closeOpened(o);
        throw e;
      }
    }
    if (o.source) return factsOf(path, ElfFile.fromSource(o.source, tunedFor(opts)), opts);
    if (o.bytes) return factsOf(path, ElfFile.fromBuffer(o.bytes, path), opts);
    const how = { maxModuleSize: opts.maxModuleSize, lease };
    const whole = wholeOf(o);
    const packed = await (opts.pool ? opts.pool.decompress(whole, path, how) : decompress(whole, path, how));
    try {
      return factsOf(path, ElfFile.fromBuffer(packed.data, path), opts, packed);
    } finally {
      opts.pool?.release?.(packed.data);
    }
  } finally {
    lease.release();
  }
}

/**
 * readModule() of a module that is no file of its own (a package's member): `path` is what it is reported
 * under, `data` its bytes as the package holds them (plain or compressed). Its references and frames are
 * read again through registerModuleBytes().
 */
export async function readModuleBytes(path: string, data: Buffer, opts: ReadOptions = {}): Promise<ModuleFacts> {
  if (!compressionOf(data)) return factsOf(path, ElfFile.fromBuffer(data, path), opts);
  const lease = new Lease(opts.budget);
  try {
    if (opts.budget) await lease.waitFor(data.length);
    const how = { maxModuleSize: opts.maxModuleSize, lease };
    const packed = await (opts.pool ? opts.pool.decompress(data, path, how) : decompress(data, path, how));
    try {
      return factsOf(path, ElfFile.fromBuffer(packed.data, path), opts, packed);
    } finally {
      opts.pool?.release?.(packed.data);
    }
  } finally {
    lease.release();
  }
}

/** readModule(), synchronously (zstd needs its decoder initialised by an earlier asynchronous read). */
export function readModuleSync(path: string, opts: ReadOptions = {}): ModuleFacts {
  const o = openFile(path);
  if (o.source) return factsOf(path, ElfFile.fromSource(o.source, tunedFor(opts)), opts);
  if (o.bytes) return factsOf(path, ElfFile.fromBuffer(o.bytes, path), opts);
  const packed = decompressSync(wholeOf(o), path, opts);
  return factsOf(path, ElfFile.fromBuffer(packed.data, path), opts, packed);
}

/**
 * readModuleSync() of a plain ELF file; undefined for a compressed one, left to readModule() (the run's
 * byte budget, the decode pool). What a reader on a worker thread reads (read-worker.ts).
 */
export function readPlainModuleSync(path: string, opts: ReadOptions = {}): ModuleFacts | undefined {
  const o = openFile(path, true);
  if (!o.source) return undefined;
  return factsOf(path, ElfFile.fromSource(o.source, tunedFor(opts)), opts);
}

export function moduleFactsFromBuffer(buf: Buffer, path: string, opts: ReadOptions = {}): ModuleFacts {
  const elf = ElfFile.fromBuffer(buf, path);
  return opts.references === 'lazy' ? moduleFactsDeferred(elf, path, () => ElfFile.fromBuffer(buf, path)) : moduleFacts(elf, path);
}

