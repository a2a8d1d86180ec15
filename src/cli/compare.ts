/**
 * `ksymcheck matrix` and `ksymcheck diff`: the commands over src/compare.ts, and how a list of kernels
 * is named on the command line (paths, a glob, or a file listing them).
 */
import { readdirSync, readFileSync, statSync, existsSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { Argv } from 'yargs';
import type { StageChoice } from '../check.js';
import { diff, matrix } from '../compare.js';
import { InputError } from '../errors.js';
import { formatDiffText, formatMatrixText } from '../report/compare-text.js';
import { formatJsonChunks } from '../report/json.js';
import { symversCacheDir } from './cache-dir.js';
import { progressDisplay } from './progress.js';
import { writeFileAtomic } from './write-atomic.js';

const GLOB = /[*?[]/;

function globToRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end < 0) re += '\\[';
      else {
        re += `[${pattern.slice(i + 1, end).replace(/^!/, '^').replace(/\\/g, '\\\\')}]`;
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** The entries of a directory matching a pattern in the last path component (`debs/linux-headers-*.deb`), sorted. */
function expandGlob(pattern: string): string[] {
  const dir = dirname(pattern);
  if (GLOB.test(dir)) throw new InputError(pattern, 'only the last path component may hold a pattern (*, ?, [...])');
  const re = globToRegExp(basename(pattern));
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    throw new InputError(pattern, `no such directory: ${dir}`);
  }
  const out = names.filter((n) => re.test(n) && !n.startsWith('.')).sort().map((n) => join(dir, n));
  if (out.length === 0) throw new InputError(pattern, 'the pattern matches nothing');
  return out;
}

/**
 * A text file naming kernels, one per line (`#` comments, blank lines skipped), relative paths from the
 * file's folder: `@file`, or any file whose first entry is an existing path and holds no TAB (a
 * Module.symvers line always does).
 */
function listedKernels(file: string, forced: boolean): string[] | undefined {
  let text: string;
  try {
    if (!statSync(file).isFile()) return undefined;
    const head = readFileSync(file).subarray(0, 4);
    if (!forced && (head[0] === 0x7f || head[0] === 0x1f)) return undefined; // ELF, gzip
    text = readFileSync(file, 'utf8');
  } catch {
    if (forced) throw new InputError(file, 'cannot read the list of kernels');
    return undefined;
  }
  const lines = text.split('\n').map((l, i) => ({ entry: l.trim(), line: i + 1 }));
  const entries = lines.filter(({ entry }) => entry !== '' && !entry.startsWith('#'));
  if (!forced && (entries.length === 0 || entries.some(({ entry }) => entry.includes('\t')) || !safeExists(resolve(dirname(file), entries[0].entry)))) return undefined;
  if (entries.length === 0) throw new InputError(file, 'the list names no kernel');
  // an entry that names nothing is the list's error, at its line (not the kernel loader's, naming a path
  // the user never typed)
  return entries.map(({ entry, line }) => {
    if (entry.includes('\0')) throw new InputError(file, `${JSON.stringify(entry)}: a NUL byte in a path`, { line });
    const path = resolve(dirname(file), entry);
    if (!existsSync(path)) throw new InputError(file, `${entry}: no such file or directory${path === entry ? '' : ` (${path})`}`, { line });
    return path;
  });
}

/** existsSync() of a path that may hold a NUL byte (which it throws on): false then. */
function safeExists(path: string): boolean {
  return !path.includes('\0') && existsSync(path);
}

/** Each --kernel value as kernels: a path, a glob of packages or builds, or a file listing them. */
export function expandKernels(values: string[]): string[] {
  const out: string[] = [];
  for (const v of values) {
    if (v.startsWith('@')) out.push(...listedKernels(v.slice(1), true)!);
    else if (GLOB.test(basename(v)) && !existsSync(v)) out.push(...expandGlob(v));
    else out.push(...(listedKernels(v, false) ?? [v]));
  }
  return out;
}

/** The options matrix and diff share with check. */
function checkOptions<T>(y: Argv<T>) {
  return y
    .option('extra-symbols', { type: 'string', array: true, nargs: 1, default: [] as string[], describe: "other modules' Module.symvers (like KBUILD_EXTRA_SYMBOLS); repeat the option for each file" })
    .option('stage', { choices: ['build', 'load', 'both'] as const, default: 'both' as const, describe: 'build = modpost, load = the module loader' })
    .option('modpost-warn', { type: 'boolean', default: false, describe: 'KBUILD_MODPOST_WARN=1: unresolved symbols are warnings' })
    .option('missing-crc', { choices: ['warn', 'error'] as const, default: 'warn' as const, describe: 'a symbol absent from __versions: mainline warns, Debian kernels refuse' })
    .option('in-tree', { type: 'boolean', default: false, describe: 'the modules are in-tree builds (not M=)' })
    .option('quiet', { alias: 'q', type: 'boolean', default: false, describe: 'no progress display on stderr (shown only when stderr is a terminal)' });
}

/** The check options of checkOptions(), parsed, as the library takes them. */
function checkRequestOf(a: Record<string, unknown>) {
  return {
    extraSymbols: a.extraSymbols as string[],
    stage: a.stage as StageChoice,
    modpostWarn: a.modpostWarn as boolean,
    missingCrc: a.missingCrc as 'warn' | 'error',
    external: !a.inTree,
    onProgress: a.quiet ? undefined : progressDisplay(process.stderr),
    symversCache: symversCacheDir(),
  };
}

type Out = (s: string) => void;

/** What a compare command leaves for main(): its exit status. */
export interface CommandResult {
  exitCode: number;
}

const modulesOf = (a: { modules?: string[]; '--'?: unknown }) => [...(a.modules ?? []), ...((a['--'] as unknown[] | undefined) ?? []).map(String)];

function writeJson(out: Out, r: unknown): void {
  for (const piece of formatJsonChunks(r as object)) out(piece);
}

export function matrixCommand(out: Out, result: CommandResult, usage: (msg: string) => Error, toolVersion = '') {
  return {
    command: 'matrix [modules..]',
    describe: 'check modules against several kernel builds: one verdict per module, kernel and stage',
    builder: (y: Argv) =>
      checkOptions(
        y
          .positional('modules', { type: 'string', array: true, describe: '.ko / .o files, directories of them, or .deb / .rpm packages of modules' })
          .option('kernel', { alias: 'k', type: 'string', array: true, nargs: 1, demandOption: true, describe: 'a kernel build (as for check), a glob of them, or a file listing them; repeat for each' }),
      )
        // html: the module × kernel grid (one column per kernel), as `check --format html` draws one
        .option('format', { choices: ['text', 'json', 'html'] as const, default: 'text' as const })
        .option('output', { alias: 'o', type: 'string', requiresArg: true, describe: 'write the report to this file (whole or not at all) instead of stdout' }),
    handler: async (a: Record<string, unknown>) => {
      const modules = modulesOf(a as { modules?: string[] });
      if (modules.length === 0) throw usage('no modules given: name .ko/.o files or directories');
      const kernels = expandKernels(a.kernel as string[]);
      const r = await matrix({ kernels, modules, ...checkRequestOf(a) });
      const pieces =
        a.format === 'html'
          ? await import('../report/html.js').then((html) => [html.formatHtml(html.matrixReports(r), { toolVersion })])
          : a.format === 'json'
            ? formatJsonChunks(r)
            : [formatMatrixText(r)];
      if (a.output !== undefined) writeFileAtomic(String(a.output), pieces);
      else for (const piece of pieces) out(piece);
      result.exitCode = r.errors.length ? 2 : r.cells.some((c) => c.verdict === 'fail') ? 1 : 0;
    },
  };
}

export function diffCommand(out: Out, result: CommandResult) {
  return {
    command: 'diff [modules..]',
    describe: 'what changed in the exports from one kernel build to another, and which modules that breaks or fixes',
    builder: (y: Argv) =>
      checkOptions(
        y
          .positional('modules', { type: 'string', array: true, describe: 'modules to say the change breaks or fixes (optional)' })
          .option('from', { type: 'string', demandOption: true, describe: 'the kernel build moved from (as for check)' })
          .option('to', { type: 'string', demandOption: true, describe: 'the kernel build moved to' }),
      )
        .option('format', { choices: ['text', 'json'] as const, default: 'text' as const })
        .option('verbose', { alias: 'v', type: 'boolean', default: false, describe: 'text: list every change (by default CRC changes are one counting line, and with modules only the changes that break or fix one are listed)' }),
    handler: async (a: Record<string, unknown>) => {
      const r = await diff({ from: a.from as string, to: a.to as string, modules: modulesOf(a as { modules?: string[] }), ...checkRequestOf(a) });
      if (a.format === 'json') writeJson(out, r);
      else out(formatDiffText(r, { verbose: a.verbose as boolean }));
      // 1 when the change breaks a module given
      result.exitCode = r.errors.length ? 2 : r.breaks.length > 0 ? 1 : 0;
    },
  };
}
