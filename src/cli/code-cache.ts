/**
 * The command line's start-up: its program (dist/cli/program.cjs, the esbuild bundle as one function
 * expression) compiled through `vm.Script` with V8's code cache kept in the user's cache directory, so
 * that a run after the first deserialises the bytecode of the functions the first run compiled instead of
 * parsing and compiling 600 kB of JavaScript again (docs/performance.md, "Start-up").
 *
 * The cache is never trusted:
 * - its file name holds a CRC-32 of the program (its bytes as read), Node's version, the architecture and
 *   the V8 flags the process was started with, and the program's length: another build of ksymcheck or another Node never
 *   finds it (V8 checks the length and its flags again);
 * - the file carries a CRC-32 of its V8 data, checked before V8 sees a byte (V8's release builds check
 *   only a header: a damaged payload would crash or misbehave), and must be a regular file owned by the
 *   user and writable by nobody else. CRC-32, as Node's own compile cache keys and checks its files
 *   (src/compile_cache.cc): it finds damage, and a hand that can write the user's files needs no cache to
 *   change what the command runs (src/codec/crc32.ts says what node:crypto would cost);
 * - what V8 itself rejects (`cachedDataRejected`) is compiled from the text as without a cache;
 * - a cache that is absent, damaged or rejected is written again when the run ends (a temporary file
 *   renamed over it, so a concurrent run reads the old file or the new one); a directory that cannot be
 *   written (read-only, full) leaves the run as it is, without a cache.
 * KSYMCHECK_CODE_CACHE=0 turns it off (neither read nor written). `NODE_DEBUG=ksymcheck` says on stderr
 * what happened to the cache.
 */
import { createRequire } from 'node:module';
import { crc32Of } from '../codec/crc32.js';
import { userCacheDir } from './cache-dir.js';

// Built-ins through require(), not `import` (so in start.ts): an ES module's import of a built-in makes
// its ESM facade, which reads every export, and node:fs's lazy `ReadStream` and `promises` then load
// Node's streams. Those facades were 19 M of a one-module check's ~0.93 G instructions.
const require = createRequire(import.meta.url);
const { closeSync, constants, fstatSync, mkdirSync, openSync, readdirSync, readSync, renameSync, rmSync, statSync, writeFileSync } = require('node:fs') as typeof import('node:fs');
const { join } = require('node:path') as typeof import('node:path');
const { debuglog } = require('node:util') as typeof import('node:util');
const { Script } = require('node:vm') as typeof import('node:vm');
type Script = import('node:vm').Script;

const debug = debuglog('ksymcheck');

/** What the run found: the cache used, none there, one with a bad checksum or not ours, one V8 refused, or turned off. */
export type CacheStatus = 'used' | 'absent' | 'corrupt' | 'rejected' | 'off';

/**
 * How much of the program a cache holds, by the run that wrote it: 0 a run that printed help, a version,
 * a completion or an explanation, or ended in an error (it compiled little); 1 a run that made a report.
 * A cache of rank 0 is written again by the first run of rank 1 that uses it.
 */
export type CacheRank = 0 | 1;

const MAGIC = Buffer.from('ksymcheck code cache 2\n', 'latin1'); // 23 bytes
const RANK_AT = MAGIC.length;
const DIGEST_AT = RANK_AT + 1;
const HEADER = DIGEST_AT + 4; // the CRC-32, little-endian
const MAX_DATA = 64 << 20;
/** Caches of other builds (other ksymcheck versions) kept beside the current one, per Node version. */
const KEEP_OTHERS = 3;

/**
 * The cache file's name for this program in this Node process: `cli-<node version>-<arch>-<CRC-32>-<length>.v8cache`.
 * `source`: its text, or the bytes it was read from (a CRC of 0.7 MB of bytes takes ~0.1 ms; of a string,
 * which zlib first encodes into fresh memory, ~2.5 ms).
 */
export function codeCacheName(source: string | Uint8Array): string {
  // what V8 keys its check on besides the text: its version (Node's) and its flags
  const crc = crc32Of(source, crc32Of(`${process.version}\0${process.arch}\0${process.execArgv.join('\0')}\0${process.env.NODE_OPTIONS ?? ''}\0`));
  return `${cachePrefix()}${crc.toString(16).padStart(8, '0')}-${source.length.toString(16)}.v8cache`;
}

const cachePrefix = () => `cli-${process.version}-${process.arch}-`;

/** The file's V8 data when it is whole and ours, else why not. */
function readCache(file: string): { data: Buffer; rank: CacheRank } | { status: 'absent' | 'corrupt'; why: string } {
  let fd: number;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK); // (a FIFO in its place: not waited on, refused below)
  } catch (e) {
    return { status: 'absent', why: (e as NodeJS.ErrnoException).code ?? String(e) };
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) return { status: 'corrupt', why: 'not a regular file' };
    const uid = process.getuid?.();
    if (uid !== undefined && st.uid !== uid) return { status: 'corrupt', why: `owned by uid ${st.uid}, not ${uid}` };
    if ((st.mode & 0o022) !== 0) return { status: 'corrupt', why: `writable by others (mode ${(st.mode & 0o777).toString(8)})` };
    if (st.size <= HEADER || st.size > HEADER + MAX_DATA) return { status: 'corrupt', why: `${st.size} bytes` };
    const buf = Buffer.allocUnsafe(st.size);
    for (let at = 0; at < buf.length; ) {
      const n = readSync(fd, buf, at, buf.length - at, at);
      if (n === 0) return { status: 'corrupt', why: `cut short at ${at} bytes` };
      at += n;
    }
    if (!buf.subarray(0, MAGIC.length).equals(MAGIC)) return { status: 'corrupt', why: 'no ksymcheck code cache header' };
    const rank = buf[RANK_AT];
    if (rank !== 0 && rank !== 1) return { status: 'corrupt', why: `rank ${rank}` };
    const data = buf.subarray(HEADER);
    if (crc32Of(data) !== buf.readUInt32LE(DIGEST_AT)) return { status: 'corrupt', why: 'checksum mismatch' };
    return { data, rank };
  } catch (e) {
    return { status: 'corrupt', why: (e as Error).message };
  } finally {
    closeSync(fd);
  }
}

/** Write the cache whole or not at all; false (and the run goes on) when the directory will not have it. */
function writeCache(dir: string, name: string, data: Buffer, rank: CacheRank): boolean {
  const file = join(dir, name);
  const tmp = join(dir, `.${name}.${process.pid}.tmp`);
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const header = Buffer.alloc(HEADER);
    MAGIC.copy(header);
    header[RANK_AT] = rank;
    header.writeUInt32LE(crc32Of(data), DIGEST_AT);
    writeFileSync(tmp, Buffer.concat([header, data]), { mode: 0o600, flag: 'wx' });
    renameSync(tmp, file);
  } catch (e) {
    try {
      rmSync(tmp, { force: true });
    } catch {
      // the directory is not there or not ours: nothing was left in it
    }
    debug('code cache not written: %s: %s', file, (e as Error).message);
    return false;
  }
  debug('code cache written: %s (%d bytes, rank %d)', file, data.length + HEADER, rank);
  prune(dir, name);
  return true;
}

/** Other builds' caches for this Node: the newest KEEP_OTHERS kept, older ones removed. */
function prune(dir: string, keep: string): void {
  try {
    const prefix = cachePrefix();
    const others = readdirSync(dir)
      .filter((f) => f.startsWith(prefix) && f.endsWith('.v8cache') && f !== keep)
      .map((f) => ({ f, t: statSync(join(dir, f)).mtimeMs }))
      .sort((a, b) => b.t - a.t);
    for (const { f } of others.slice(KEEP_OTHERS)) rmSync(join(dir, f), { force: true });
  } catch {
    // a cache we cannot tidy costs disk space, not correctness
  }
}

export interface CompiledProgram {
  script: Script;
  status: CacheStatus;
  /** The cache file (undefined: no cache directory, or turned off). */
  file: string | undefined;
  /** At the end of the run: write the cache if it was not used, or holds less than this run compiled. Whether it was written. */
  save(rank: CacheRank): boolean;
}

/**
 * `source` compiled as a script named `filename`, with the code cache of `dir` when there is a good one;
 * `source` as a Buffer: the file's bytes, its text their latin1 decoding (the program is ASCII).
 * `dir` undefined: no cache (nothing read or written).
 */
export function compileWithCache(source: string | Buffer, filename: string, dir: string | undefined): CompiledProgram {
  const text = typeof source === 'string' ? source : source.toString('latin1');
  if (dir === undefined) return { script: new Script(text, { filename }), status: 'off', file: undefined, save: () => false };
  const name = codeCacheName(source);
  const file = join(dir, name);
  const got = readCache(file);
  let status: CacheStatus;
  let script: Script;
  let have: CacheRank | undefined;
  if ('data' in got) {
    script = new Script(text, { filename, cachedData: got.data });
    status = script.cachedDataRejected ? 'rejected' : 'used';
    if (status === 'used') have = got.rank;
    debug('code cache %s: %s', status === 'used' ? 'used' : 'rejected by V8', file);
  } else {
    script = new Script(text, { filename });
    status = got.status;
    debug('code cache %s: %s (%s)', status, file, got.why);
  }
  let saved = false;
  return {
    script,
    status,
    file,
    save(rank) {
      if (saved || (have !== undefined && have >= rank)) return false;
      saved = true;
      // after the run: the functions it compiled lazily are in the data too
      return writeCache(dir, name, script.createCachedData(), rank);
    },
  };
}

/** The words of a command line that make a run of rank 0 whatever its exit status. */
const LIGHT = new Set(['--version', '--help', '-h', 'completion', '--get-yargs-completions', 'explain']);

/** The rank of a run that ended with `exitCode` on command line `args` (process.argv without node and the script). */
export function runRank(args: readonly string[], exitCode: number): CacheRank {
  return exitCode <= 1 && args.length > 0 && !args.some((a) => LIGHT.has(a)) ? 1 : 0;
}

/** The program's parameters (scripts/bundle-cli.mjs wraps the bundle in a function taking these). */
export interface ProgramHost {
  /** src/errors.js as the ES modules the program imports at run time load it: one InputError class for all. */
  errors: unknown;
  /** The program file's URL: what `import.meta.url` stands for in it. */
  url: string;
  /** `require` for the program (node: built-ins, the decoders loaded from node_modules, package.json). */
  require: NodeJS.Require;
  /** `import()` relative to the program's file (a dynamic import inside a `vm.Script` needs a host callback). */
  importModule: (specifier: string) => Promise<unknown>;
}

/**
 * Compile the program at `file` (its text a function expression) with the code cache, run it, and save the
 * cache when the process exits.
 */
export function runProgram(source: string | Buffer, file: string, host: ProgramHost, env: NodeJS.ProcessEnv = process.env): CompiledProgram {
  return runWrapped(source, file, host, env).compiled;
}

/**
 * runProgram() of a bundle the program imports (dist/cli/signing.cjs: the same wrapper, the same code
 * cache under a name of its own): its exports, as the import would give them.
 */
export function loadBundle(source: string | Buffer, file: string, host: ProgramHost, env: NodeJS.ProcessEnv = process.env): unknown {
  return runWrapped(source, file, host, env).exports;
}

function runWrapped(source: string | Buffer, file: string, host: ProgramHost, env: NodeJS.ProcessEnv): { compiled: CompiledProgram; exports: unknown } {
  const off = env.KSYMCHECK_CODE_CACHE === '0';
  const compiled = compileWithCache(source, file, off ? undefined : userCacheDir(env));
  if (off) debug('code cache off (KSYMCHECK_CODE_CACHE=0)');
  const program = compiled.script.runInThisContext() as (require: NodeJS.Require, module: { exports: unknown }, exports: unknown, errors: unknown, url: string, importModule: ProgramHost['importModule']) => void;
  if (compiled.file !== undefined) {
    process.once('exit', (code) => {
      try {
        compiled.save(runRank(process.argv.slice(2), code));
      } catch (e) {
        debug('code cache not written: %s', (e as Error).message); // the run's outcome stands
      }
    });
  }
  const module = { exports: {} };
  program(host.require, module, module.exports, host.errors, host.url, host.importModule);
  return { compiled, exports: module.exports };
}
