#!/usr/bin/env node
/**
 * ksymcheck's command line: yargs commands mapping flags to library calls and exit codes.
 * Exit status: 0 no error findings, 1 at least one error finding, 2 usage error or unreadable input.
 */
import { createRequire } from 'node:module';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { check, type StageChoice } from '../check.js';
import { InputError } from '../errors.js';
import { loadKernel } from '../kernel/load.js';
import { runningKernel } from '../kernel/locate.js';
import { formatSymvers } from '../kernel/symvers.js';
import { parseKernelVersion } from '../kernel/version.js';
import { FORMATS, render, type FormatName } from '../report/formats.js';
import { isNoDwarfNote } from '../report/frames-note.js';
import type { Report } from '../report/schema.js';
import { visible, visibleLines } from '../report/visible.js';
import { DETAIL_THRESHOLD } from '../report/text.js';
import { RULE_IDS, ruleDocs } from '../rules/index.js';
import { parseKmodVersion } from '../rules/kmod-decompress.js';
import { dkmsVerdict, formatDkmsText } from '../dkms/text.js';
import { checkDkms } from '../dkms/check.js';
import { diffCommand, matrixCommand, type CommandResult } from './compare.js';
import { formatRuleInfo, formatRuleList, isRuleId } from './explain.js';
import { symversCacheDir } from './cache-dir.js';
import { closablePipe } from './output.js';
import { repeatedOption } from './once.js';
import { progressDisplay } from './progress.js';
import { writeFileAtomic } from './write-atomic.js';

class UsageError extends Error {}

/** package.json's version (and homepage), read where the bin runs from (dist/cli/ of the package). */
const PACKAGE = createRequire(import.meta.url)('../../package.json') as { version: string; homepage?: string };
const VERSION = PACKAGE.version;
/** Where to learn about ksymcheck: the package's homepage, else its README where it is installed. */
const INFORMATION_URI = PACKAGE.homepage ?? new URL('../../README.md', import.meta.url).href;

function useColor(): boolean {
  return Boolean(process.stdout.isTTY) && !('NO_COLOR' in process.env && process.env.NO_COLOR !== '');
}

/** --shard i/n → { index, count }, 1 ≤ i ≤ n. */
function shardOption(v: unknown): { index: number; count: number } | undefined {
  if (v === undefined) return undefined;
  const m = /^(\d+)\/(\d+)$/.exec(String(v));
  const index = m ? Number(m[1]) : NaN;
  const count = m ? Number(m[2]) : NaN;
  if (!m || count < 1 || index < 1 || index > count) throw new UsageError(`--shard: '${String(v)}' is not i/n with 1 <= i <= n (e.g. --shard 2/4)`);
  return { index, count };
}

function checkVersionOption(v: unknown): void {
  // (a release string with a distro suffix, 6.1.0-47-amd64, is a version; 6.1-rc without its number is not)
  if (v !== undefined && (!parseKernelVersion(String(v)) || /^\s*\d+\.\d+(?:\.\d+)?[-.~]?rc(?!\d)/.test(String(v)))) throw new UsageError(`--kernel-version: '${String(v)}' is not a kernel version (expected X.Y[.Z][-rcN])`);
}

/** --kmod: what `kmod --version` prints, which names the version or the decompressors (+XZ -ZSTD …) or both. */
function checkKmodOption(v: unknown): void {
  if (v === undefined) return;
  const k = parseKmodVersion(String(v));
  if (k.version === undefined && Object.keys(k.has).length === 0) {
    throw new UsageError(`--kmod: '${String(v)}' is not what \`kmod --version\` prints (expected 'kmod version N' and its '+XZ -ZSTD …' line): give --kmod "$(kmod --version)"`);
  }
}

/** A module named where a Module.symvers belongs: `--extra-symbols foo.ko` (a forgotten symvers file). */
function looksLikeModule(path: string): boolean {
  return /\.(?:ko(?:\.(?:gz|xz|zst))?|o)$/.test(path);
}

function checkExtraSymbols(files: string[]): void {
  const mod = files.find(looksLikeModule);
  if (mod === undefined) return;
  throw new UsageError(
    `--extra-symbols ${mod}: a module, not a Module.symvers; --extra-symbols takes one Module.symvers per occurrence, ` +
      `so name the symbols file right after it and the modules elsewhere (e.g. --extra-symbols other/Module.symvers ${mod})`,
  );
}

/** `--read-threads`: a whole number from 0 to 64. */
function threadCount(v: string): number {
  const n = /^\d+$/.test(v) ? Number(v) : NaN;
  if (!(n >= 0 && n <= 64)) throw new UsageError(`--read-threads: '${v}' is not a number of threads (0 to 64)`);
  return n;
}

/** `--max-module-size`: bytes, or a number with K/M/G (KiB/MiB/GiB: powers of 1024). */
export function parseSize(v: string): number {
  const m = /^(\d+)\s*(?:([KMG])(?:i?B)?)?$/i.exec(v.trim());
  const n = m ? Number(m[1]) * 1024 ** ' KMG'.indexOf((m[2] ?? ' ').toUpperCase()) : NaN;
  if (!Number.isSafeInteger(n) || n <= 0) throw new UsageError(`--max-module-size: '${v}' is not a size (bytes, or a number with K, M or G)`);
  return n;
}

/**
 * `check …` runs as the default command it also is: yargs lays out the whole help text after every
 * explicitly named command (to have it ready for a later error), a seventh of a one-module run's
 * instructions; the default command skips that. `check --help` keeps the command's own help.
 */
function asDefaultCommand(argv: string[]): string[] {
  if (argv[0] !== 'check') return argv;
  const rest = argv.slice(1);
  // --help asks for the command's own help; a module path spelt `check` would become the command word
  return rest.some((a) => a === '--help' || a === '-h' || a === 'check') ? argv : rest;
}

/** Characters of a report written to stdout at once. */
const WRITE_CHUNK = 1 << 20;

/** Write a report in a format to --output or stdout; the exit status it calls for. */
async function emit(report: Report, format: FormatName, output: string | undefined, write: (s: string) => void, verbose = false): Promise<number> {
  const rendered = await render(report, format, { color: useColor() && output === undefined, toolVersion: VERSION, informationUri: INFORMATION_URI, verbose });
  if (output !== undefined) writeFileAtomic(output, rendered);
  else {
    // pieces joined up to WRITE_CHUNK: a tree's JSON report is one piece per module, a system call each
    let pending = '';
    for (const piece of rendered) {
      pending += piece;
      if (pending.length >= WRITE_CHUNK) {
        write(pending);
        pending = '';
      }
    }
    if (pending !== '') write(pending);
  }
  return report.errors.length ? 2 : report.modules.some((m) => m.verdict === 'fail') ? 1 : 0;
}

export async function main(argv: string[]): Promise<number> {
  let exitCode = 0;
  const compared: CommandResult = { exitCode: 0 };
  const out = closablePipe(process.stdout);
  closablePipe(process.stderr); // `2>&1 | head`: the progress line and notes go quietly too
  const parser = yargs(asDefaultCommand(argv))
    .scriptName('ksymcheck')
    // the same usage lines as the README's (test/cli/usage.test.ts runs both as written)
    .usage(
      '$0 [check] --kernel <kernel build> [--extra-symbols <Module.symvers>]... <module.ko|module.o|dir>...\n' +
        '$0 exports --kernel <kernel build> [--format symvers|json]\n' +
        '$0 matrix --kernel <kernel build>... <module.ko|module.o|dir>...\n' +
        '$0 diff --from <kernel build> --to <kernel build> [<module.ko|module.o|dir>...]\n\n' +
        '<kernel build>: a build or headers dir, a Module.symvers[.gz], or a vmlinux',
    )
    .command(
      ['check [modules..]', '$0 [modules..]'],
      "predict modpost's and the module loader's verdicts for modules against a kernel build",
      (y) =>
        y
          .positional('modules', { type: 'string', array: true, describe: '.ko / .o files, directories of them, or .deb / .rpm packages of modules' })
          .option('kernel', { alias: 'k', type: 'string', describe: 'kernel build/headers dir, Module.symvers[.gz] or vmlinux (default: the running kernel\'s /lib/modules/$(uname -r)/build, /boot/symvers-$(uname -r).gz or /lib/modules/$(uname -r)/symvers.gz)' })
          .option('extra-symbols', { type: 'string', array: true, nargs: 1, default: [], describe: "other modules' Module.symvers (like KBUILD_EXTRA_SYMBOLS); repeat the option for each file" })
          .option('kernel-version', { type: 'string', describe: 'apply the rules of this kernel version (X.Y[.Z][-rcN])' })
          .option('stage', { choices: ['build', 'load', 'both'] as const, default: 'both' as const, describe: 'build = modpost, load = the module loader' })
          .option('modpost-warn', { type: 'boolean', default: false, describe: 'KBUILD_MODPOST_WARN=1: unresolved symbols are warnings' })
          .option('extra-warn', { type: 'boolean', default: false, describe: "W=1 (modpost -W): also the warnings modpost prints only then (6.12-6.14's missing MODULE_DESCRIPTION())" })
          .option('missing-crc', { choices: ['warn', 'error'] as const, default: 'warn' as const, describe: 'a symbol absent from __versions: mainline warns, Debian kernels refuse' })
          .option('kmod', { type: 'string', requiresArg: true, describe: "what `kmod --version` prints for the kmod that loads the modules (--kmod \"$(kmod --version)\"): its version and which compressed modules it can decompress itself" })
          .option('format', { choices: FORMATS, default: 'text' as const, describe: 'text, json (the report schema: docs/report.schema.json), sarif, junit, markdown, html' })
          .option('output', { alias: 'o', type: 'string', requiresArg: true, describe: 'write the report to this file (whole or not at all) instead of stdout' })
          .option('shard', { type: 'string', requiresArg: true, describe: "report shard i of n (e.g. 2/4) of the modules, split by path; join the shards' --format json reports with `ksymcheck merge`" })
          .option('in-tree', { type: 'boolean', default: false, describe: 'the modules are in-tree builds (not M=)' })
          .option('verbose', { alias: 'v', type: 'boolean', default: false, describe: `text: every finding of every module (the default above ${DETAIL_THRESHOLD} modules is one line per failing module)` })
          .option('quiet', { alias: 'q', type: 'boolean', default: false, describe: 'no progress display on stderr (shown only when stderr is a terminal)' })
          .option('max-module-size', { type: 'string', describe: 'largest decompressed .ko.gz/.ko.xz/.ko.zst accepted (bytes, or with K/M/G; default 512M)' })
          .option('read-threads', { type: 'string', requiresArg: true, describe: 'worker threads that read plain module files beside the main thread (default 0; docs/performance.md says when they pay)' })
          .option('debug-dir', { type: 'string', nargs: 1, requiresArg: true, describe: 'where separate debug files of stripped modules are (repeatable; default /usr/lib/debug)' })
          .option('trusted-key', { type: 'string', nargs: 1, requiresArg: true, describe: "a key the kernel trusts for module signatures (repeatable): a certificate (PEM or DER, e.g. DKMS's /var/lib/dkms/mok.pub), an EFI signature list (MokListRT), or a vmlinux / vmlinuz whose built-in keys are read" })
          .option('sig-enforce', { type: 'boolean', describe: 'module.sig_enforce=1 (or --no-sig-enforce: not enforced); default: the running kernel\'s /sys/module/module/parameters/sig_enforce, CONFIG_MODULE_SIG_FORCE, else unknown (assumed off, said so)' })
          .option('lockdown', { choices: ['none', 'integrity', 'confidentiality'] as const, describe: "the kernel's lockdown level (default: the running kernel's /sys/kernel/security/lockdown, else unknown)" })
          .option('secure-boot', { type: 'boolean', describe: "booted with UEFI Secure Boot: Debian's kernel locks itself down (integrity), so unsigned or untrusted modules are refused" }),
      async (a) => {
        checkVersionOption(a.kernelVersion);
        checkKmodOption(a.kmod);
        checkExtraSymbols(a.extraSymbols as string[]);
        const shard = shardOption(a.shard);
        // files after `--` (names that start with a dash) are modules too
        const modules = [...(a.modules ?? []), ...((a['--'] as unknown[] | undefined) ?? []).map(String)];
        if (modules.length === 0) throw new UsageError('no modules given: name .ko/.o files or directories');
        const report = await check({
          kernel: a.kernel,
          modules,
          extraSymbols: a.extraSymbols as string[],
          kernelVersion: a.kernelVersion,
          symversCache: symversCacheDir(),
          stage: a.stage as StageChoice,
          modpostWarn: a.modpostWarn,
          extraWarn: a.extraWarn,
          missingCrc: a.missingCrc,
          kmod: a.kmod,
          external: !a.inTree,
          maxModuleSize: a.maxModuleSize === undefined ? undefined : parseSize(String(a.maxModuleSize)),
          readThreads: a.readThreads === undefined ? undefined : threadCount(String(a.readThreads)),
          onProgress: a.quiet ? undefined : progressDisplay(process.stderr),
          shard,
          debugDirs: a.debugDir === undefined ? undefined : ([] as string[]).concat(a.debugDir),
          trustedKeys: a.trustedKey === undefined ? undefined : ([] as string[]).concat(a.trustedKey),
          sigEnforce: a.sigEnforce,
          lockdown: a.lockdown,
          secureBoot: a.secureBoot,
        });
        exitCode = await emit(report, a.format, a.output, out, a.verbose);
        // text, Markdown and HTML say the notes in the report; the DWARF note where references without frames are shown
        for (const n of report.notes) if (a.format !== 'text' && !(isNoDwarfNote(n) && (a.format === 'html' || a.format === 'markdown'))) process.stderr.write(`ksymcheck: note: ${visible(n)}\n`);
      },
    )
    .command(
      'merge <reports..>',
      "join the --format json reports of a run's shards (--shard i/n) into the whole run's report",
      (y) =>
        y
          .positional('reports', { type: 'string', array: true, describe: "the shards' JSON reports" })
          .option('format', { choices: FORMATS, default: 'json' as const, describe: 'as for check' })
          .option('output', { alias: 'o', type: 'string', requiresArg: true, describe: 'write the report to this file (whole or not at all) instead of stdout' }),
      async (a) => {
        const { mergeReports, readReport } = await import('../report/merge.js');
        const report = mergeReports((a.reports ?? []).map(readReport));
        exitCode = await emit(report, a.format, a.output, out);
      },
    )
    .command(
      'exports',
      'print the export index ksymcheck built for a kernel',
      (y) =>
        y
          .option('kernel', { alias: 'k', type: 'string', describe: "as for check (default: the running kernel's)" })
          .option('extra-symbols', { type: 'string', array: true, nargs: 1, default: [], describe: "other modules' Module.symvers; repeat the option for each file" })
          .option('format', { choices: ['symvers', 'json'] as const, default: 'symvers' as const }),
      async (a) => {
        checkExtraSymbols(a.extraSymbols as string[]);
        const kernel = await loadKernel(a.kernel ?? runningKernel(), { extraSymbols: a.extraSymbols as string[] });
        const list = [...kernel.exports.values()];
        if (a.format === 'json') {
          out(JSON.stringify({ release: kernel.release ?? null, exports: list.map(({ origin, ...e }) => ({ ...e, origin: origin.file })) }, null, 2) + '\n');
        } else {
          out(formatSymvers(list));
        }
      },
    )
    .command(matrixCommand(out, compared, (m) => new UsageError(m), VERSION))
    .command(diffCommand(out, compared))
    // One value per occurrence of a repeatable option: yargs' greedy arrays took every file after
    // `--extra-symbols F` as another symbols file, so `--extra-symbols F foo.ko` checked nothing.
    .command(
      'dkms [which]',
      'check what DKMS built (<tree>/<module>/<version>/<release>/<arch>/module/, or a failed build\'s objects) against the kernel each was built for',
      (y) =>
        y
          .positional('which', { type: 'string', describe: '<module> or <module>/<version> (default: every build)' })
          .option('k', { alias: 'kernel-release', type: 'string', describe: 'only the builds for this kernel release' })
          .option('dkms-tree', { type: 'string', default: '/var/lib/dkms', describe: "DKMS's tree" })
          .option('stage', { choices: ['build', 'load', 'both'] as const, default: 'both' as const, describe: 'for kept builds (a failed build is checked at build)' })
          .option('missing-crc', { choices: ['warn', 'error'] as const, default: 'warn' as const })
          .option('format', { choices: ['text', 'json'] as const, default: 'text' as const })
          .option('verbose', { alias: 'v', type: 'boolean', default: false }),
      async (a) => {
        const r = await checkDkms({ which: a.which, release: a.k, tree: a.dkmsTree, stage: a.stage as StageChoice, missingCrc: a.missingCrc, symversCache: symversCacheDir() });
        if (r.builds.length === 0) throw new UsageError(`no DKMS build in ${a.dkmsTree}${a.which ? ` for ${a.which}` : ''}${a.k ? ` for kernel ${a.k}` : ''}`);
        if (a.format === 'json') out(JSON.stringify(r, null, 2) + '\n');
        else out(formatDkmsText(r, { color: useColor(), verbose: a.verbose }));
        const v = r.builds.map(dkmsVerdict);
        exitCode = v.includes('error') ? 2 : v.includes('fail') ? 1 : 0;
      },
    )
    .command(
      'explain [rule]',
      'what a rule checks, the kernel versions it applies to and how to fix it (no rule: list the rules)',
      (y) => y.positional('rule', { type: 'string', describe: 'a rule id, as in the report' }),
      (a) => {
        if (a.rule === undefined) out(formatRuleList());
        else if (isRuleId(a.rule)) out(formatRuleInfo(ruleDocs[a.rule]));
        else throw new UsageError(`explain: unknown rule '${a.rule}'; the rules are: ${RULE_IDS.join(', ')}`);
      },
    )
    .completion('completion', 'print a bash/zsh completion script (ksymcheck completion >> ~/.bashrc)', (current: string, argv: { _: Array<string | number> }, defaultCompletion: () => void, done: (completions: string[]) => void) => {
      // `explain <TAB>`: the rule ids (yargs completes commands and options, not free positionals)
      if (argv._.includes('explain')) done(RULE_IDS.filter((id) => id.startsWith(current)));
      else defaultCompletion();
    })
    .parserConfiguration({ 'greedy-arrays': false, 'populate--': true })
    .middleware((a) => {
      const twice = repeatedOption(a);
      if (twice) throw new UsageError(`${twice}: give it once (it was given more than once)`);
    })
    .strict()
    .help()
    .version(VERSION)
    .exitProcess(false)
    .fail((msg, err) => {
      throw err ?? new UsageError(msg);
    });
  // yargs writes the completion script or the completions, and with exitProcess(false) goes on to
  // validate the words as the default command: what it then finds missing is no error of the user's
  const completing = argv[0] === 'completion' || argv.includes('--get-yargs-completions');
  try {
    await parser.parseAsync();
    exitCode = Math.max(exitCode, compared.exitCode);
  } catch (e) {
    if (completing) return 0;
    if (e instanceof UsageError) {
      process.stderr.write(`ksymcheck: ${visibleLines(e.message)}\nRun 'ksymcheck --help' for usage.\n`);
      return 2;
    }
    if (e instanceof InputError) {
      process.stderr.write(`ksymcheck: ${visibleLines(e.message)}\n`);
      return 2;
    }
    if (e instanceof Error && e.name === 'YError') {
      process.stderr.write(`ksymcheck: ${visibleLines(e.message)}\n`);
      return 2;
    }
    process.stderr.write(`ksymcheck: internal error: ${(e as Error).stack ?? String(e)}\n`);
    return 3;
  }
  return exitCode;
}

main(hideBin(process.argv)).then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    process.stderr.write(`ksymcheck: internal error: ${String(e)}\n`);
    process.exitCode = 3;
  },
);
