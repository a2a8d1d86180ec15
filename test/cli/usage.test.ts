/**
 * Every usage line of the README and of `--help`, run as written with real sample files in place of
 * the placeholders, and the orders people type (options after the files, `--opt=value`, repeated
 * options, `--` before a file name that starts with a dash): each run must check exactly the modules
 * named, and read every `--extra-symbols` file named (yargs' greedy arrays once took the modules as
 * more symbols files: `--extra-symbols F foo.ko` checked nothing).
 *
 * The proof that a symbols file was read: the 4.18 OpenAFS-like libafs.ko against the 6.1 sample kernel
 * has five imports that kernel does not export; EXTRA (written here) exports exactly those, so with it
 * the `unresolved` findings disappear and without it all five are there.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { check } from '../../src/check.js';
import { parseSymvers } from '../../src/kernel/symvers.js';
import { reportSchema } from '../../src/report/schema.js';
import { CLI, ROOT, sample } from '../helpers/fixtures.js';

const K = sample('v6', 'kernels', '6.1');
const K616 = sample('v6', 'kernels', '6.16');
const LIBAFS = sample('seed', 'openafs', 'libafs.ko');
const EXT_BOTH = sample('v6', 'modules', 'ext-both', 'ext-both.ko');
const WEAK_O = sample('v6', 'modules', 'weak-user', 'weak-user.o');

const TMP = mkdtempSync(join(tmpdir(), 'ksymcheck-usage-'));
const EXTRA = join(TMP, 'third-party', 'Module.symvers');
const EMPTY = join(TMP, 'empty', 'Module.symvers'); // an external module that exports nothing: normal
const DIR = join(TMP, 'tree');
const DIR_MODULES = [join(DIR, 'fs', 'afs', 'libafs.ko'), join(DIR, 'misc', 'ext-both.ko')];
const DASH_DIR = join(TMP, 'dash');

/** What libafs.ko imports that the 6.1 sample kernel does not export (worked out, not pinned). */
let missing: string[] = [];

beforeAll(async () => {
  const r = await check({ kernel: K, modules: [LIBAFS], stage: 'build' });
  missing = r.modules[0].findings.filter((f) => f.rule === 'unresolved').map((f) => f.symbol!).sort();
  mkdirSync(join(TMP, 'third-party'));
  mkdirSync(join(TMP, 'empty'));
  writeFileSync(EXTRA, missing.map((s) => `0x00000000\t${s}\tthird-party/afs-helpers\tEXPORT_SYMBOL\t\n`).join(''));
  writeFileSync(EMPTY, '');
  for (const [from, to] of [[LIBAFS, DIR_MODULES[0]], [EXT_BOTH, DIR_MODULES[1]]]) {
    mkdirSync(join(to, '..'), { recursive: true });
    copyFileSync(from, to);
  }
  mkdirSync(DASH_DIR);
  copyFileSync(LIBAFS, join(DASH_DIR, '-libafs.ko'));
});

test('the premise: libafs.ko has five imports the 6.1 sample kernel lacks', () => {
  expect(missing).toEqual(['__put_devmap_managed_page', '__put_page', '__x86_indirect_thunk_rax', 'devmap_managed_key', 'printk']);
  expect(parseSymvers(readFileSync(EXTRA, 'utf8'), EXTRA).exports.map((e) => e.name).sort()).toEqual(missing);
});

function run(args: string[], cwd = ROOT) {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

// ---------------------------------------------------------------------------------- usage lines ----

/** The README's usage block: the lines of the first ``` block after "## Usage". */
function readmeUsage(): string[] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const block = /## Usage\s+```\n([\s\S]*?)```/.exec(readme);
  if (!block) throw new Error('README.md: no ``` block under ## Usage');
  return block[1].split('\n').filter((l) => l.startsWith('ksymcheck '));
}

/** `--help`'s usage paragraph: lines starting with `ksymcheck `, wrapped continuation lines joined. */
function helpUsage(): string[] {
  const help = run(['--help']).stdout;
  const para = help.split('\n\n')[0].split('\n');
  const lines: string[] = [];
  for (const l of para) {
    if (l.startsWith('ksymcheck ')) lines.push(l);
    else lines[lines.length - 1] += ' ' + l.trim();
  }
  return lines;
}

/** Split a usage line into words, keeping `[…]` and `<…>` groups (with their spaces) whole. */
function words(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let depth = 0;
  for (const c of line) {
    if (c === '[' || c === '<') depth++;
    if (c === ']' || c === '>') depth--;
    if (c === ' ' && depth === 0) {
      if (cur) out.push(cur);
      cur = '';
    } else cur += c;
  }
  if (cur) out.push(cur);
  return out;
}

/** One concrete command line and what it must check. */
interface Case {
  args: string[];
  modules: string[];
  extras: string[];
  kernels: string[];
  format?: string;
}

/** Each placeholder of a usage line → the real sample arguments it can stand for. */
function alternatives(word: string): Array<Partial<Case> & { args: string[] }> {
  switch (word) {
    case 'ksymcheck':
      return [{ args: [] }];
    case '[check]':
      return [{ args: [] }, { args: ['check'] }];
    case 'check':
    case 'exports':
    case 'matrix':
    case 'diff':
    case '--kernel':
    case '--from':
    case '--to':
      return [{ args: [word] }];
    case '<kernel build>':
      return [
        { args: [K], kernels: [K] },
        { args: [join(K, 'Module.symvers')], kernels: [K] },
        { args: [join(K, 'vmlinux')], kernels: [K] },
      ];
    case '<kernel build>...': // matrix: the option repeated, or a glob
      return [
        { args: [K], kernels: [K] },
        { args: [K, '--kernel', K616], kernels: [K, K616] },
        { args: [join(K, '..', '6.1*')], kernels: [K, K616] },
      ];
    case '[<module.ko|module.o|dir>...]':
      return [{ args: [] }, ...alternatives('<module.ko|module.o|dir>...')];
    case '[--extra-symbols <Module.symvers>]...':
      return [
        { args: [], extras: [] },
        { args: ['--extra-symbols', EXTRA], extras: [EXTRA] },
        { args: ['--extra-symbols', EXTRA, '--extra-symbols', EMPTY], extras: [EXTRA, EMPTY] },
      ];
    case '<module.ko|module.o|dir>...':
      return [
        { args: [LIBAFS, EXT_BOTH], modules: [LIBAFS, EXT_BOTH] },
        { args: [WEAK_O], modules: [WEAK_O] },
        { args: [DIR], modules: DIR_MODULES },
      ];
    case '[--format symvers|json]':
      return [{ args: [] }, { args: ['--format', 'symvers'], format: 'symvers' }, { args: ['--format', 'json'], format: 'json' }];
    default:
      throw new Error(`usage word '${word}' has no sample to stand for it: extend test/cli/usage.test.ts`);
  }
}

const join1 = (c: Case, alt: Partial<Case> & { args: string[] }): Case => ({
  args: [...c.args, ...alt.args],
  modules: [...c.modules, ...(alt.modules ?? [])],
  extras: [...c.extras, ...(alt.extras ?? [])],
  kernels: [...c.kernels, ...(alt.kernels ?? [])],
  format: alt.format ?? c.format,
});

/**
 * Concrete command lines for a usage line: every combination of the placeholders' samples ('product',
 * check and exports), or each sample at least once ('zip', case i taking sample i of each placeholder).
 */
function expand(line: string, mode: 'product' | 'zip' = 'product'): Case[] {
  const slots = words(line).map(alternatives);
  if (mode === 'zip') {
    const n = Math.max(...slots.map((s) => s.length));
    return Array.from({ length: n }, (_, i) => slots.reduce((c, s) => join1(c, s[i % s.length]), { args: [], modules: [], extras: [], kernels: [] } as Case));
  }
  let cases: Case[] = [{ args: [], modules: [], extras: [], kernels: [] }];
  for (const s of slots) cases = cases.flatMap((c) => s.map((alt) => join1(c, alt)));
  return cases;
}

/** The module header lines of the text report: `PASS|FAIL <name> (<path>) license: …`. */
function textModules(stdout: string): string[] {
  return [...stdout.matchAll(/^(?:PASS|FAIL) \S+ \((.*)\) license:/gm)].map((m) => m[1]).sort();
}

function textUnresolved(stdout: string): string[] {
  return [...new Set([...stdout.matchAll(/^ {2}build error \[unresolved\] (\S+)$/gm)].map((m) => m[1]))].sort();
}

/** A check run must name exactly the modules given, and libafs's unresolved set says whether EXTRA was read. */
function expectChecked(stdout: string, c: Case, json: boolean): void {
  const withExtra = c.extras.includes(EXTRA);
  if (json) {
    const r = reportSchema.parse(JSON.parse(stdout));
    expect(r.errors).toEqual([]);
    expect(r.modules.map((m) => m.path).sort()).toEqual([...c.modules].sort());
    const afs = r.modules.find((m) => m.name === 'libafs');
    if (afs) expect([...new Set(afs.findings.filter((f) => f.rule === 'unresolved').map((f) => f.symbol))].sort()).toEqual(withExtra ? [] : missing);
  } else {
    expect(textModules(stdout)).toEqual([...c.modules].sort());
    if (c.modules.some((m) => m.endsWith('libafs.ko'))) expect(textUnresolved(stdout)).toEqual(withExtra ? [] : missing);
  }
}

describe('the usage lines of the README and of --help, as written', () => {
  const USAGE = [
    'ksymcheck [check] --kernel <kernel build> [--extra-symbols <Module.symvers>]... <module.ko|module.o|dir>...',
    'ksymcheck exports --kernel <kernel build> [--format symvers|json]',
    'ksymcheck matrix --kernel <kernel build>... <module.ko|module.o|dir>...',
    'ksymcheck diff --from <kernel build> --to <kernel build> [<module.ko|module.o|dir>...]',
  ];
  test('both say the same lines (check, exports, matrix, diff)', () => {
    expect(readmeUsage()).toEqual(USAGE);
    expect(helpUsage()).toEqual(USAGE);
  });

  const cases = [...USAGE.slice(0, 2).flatMap((l) => expand(l)), ...USAGE.slice(2).flatMap((l) => expand(l, 'zip'))];
  test.each(cases.map((c) => [c.args.join(' '), c] as const))('ksymcheck %s', (where, c) => {
    const r = run(c.args);
    if (c.args[0] === 'exports') {
      expect({ where, status: r.status, stderr: r.stderr }).toEqual({ where, status: 0, stderr: '' });
      const kernelRows = readFileSync(join(K, 'Module.symvers'), 'utf8').trim().split('\n').length;
      if (c.format === 'json') expect((JSON.parse(r.stdout) as { exports: unknown[] }).exports).toHaveLength(kernelRows);
      else expect(r.stdout.trim().split('\n')).toHaveLength(kernelRows);
      return;
    }
    // libafs (a 4.18 module on a 6.x kernel) fails at load even when EXTRA resolves its imports
    const fails = c.modules.some((m) => m.endsWith('libafs.ko'));
    if (c.args[0] === 'matrix') {
      expect({ where, status: r.status, stderr: r.stderr }).toEqual({ where, status: fails ? 1 : 0, stderr: '' });
      expect(r.stdout).toContain(`\n${c.modules.length} module(s) × ${c.kernels.length} kernel(s): `);
      return;
    }
    if (c.args[0] === 'diff') {
      expect({ where, stderr: r.stderr }).toEqual({ where, stderr: '' });
      expect(r.stdout).toMatch(/^changes: \d+ removed, \d+ licence, \d+ namespace, \d+ owner, \d+ added, \d+ CRC$/m);
      if (c.modules.length > 0) expect(r.stdout).toContain(`\n${c.modules.length} module(s) checked against both: `);
      else expect(r.status).toBe(0);
      return;
    }
    expect({ where, status: r.status }).toEqual({ where, status: fails ? 1 : 0 });
    expectChecked(r.stdout, c, false);
  });
});

// ------------------------------------------------------------------------ the orders people type ----

describe('orders people type', () => {
  const cases: Array<[string, string[], string[], string[], string]> = [
    ['options after the files', [LIBAFS, EXT_BOTH, '--kernel', K, '--extra-symbols', EXTRA, '--format', 'json'], [LIBAFS, EXT_BOTH], [EXTRA], ROOT],
    ['the symbols file right before the modules', ['check', '--kernel', K, '--format', 'json', '--extra-symbols', EXTRA, LIBAFS, EXT_BOTH], [LIBAFS, EXT_BOTH], [EXTRA], ROOT],
    ['--opt=value', ['--kernel=' + K, '--extra-symbols=' + EXTRA, '--format=json', LIBAFS, EXT_BOTH], [LIBAFS, EXT_BOTH], [EXTRA], ROOT],
    ['options between the files', [LIBAFS, '--extra-symbols', EXTRA, EXT_BOTH, '-k', K, '--format', 'json'], [LIBAFS, EXT_BOTH], [EXTRA], ROOT],
    ['a repeated option', ['--kernel', K, '--extra-symbols', EMPTY, '--extra-symbols', EXTRA, '--format', 'json', LIBAFS], [LIBAFS], [EMPTY, EXTRA], ROOT],
    ['no symbols file', ['--kernel', K, '--format', 'json', LIBAFS, WEAK_O], [LIBAFS, WEAK_O], [], ROOT],
    ['`--` before a file name that starts with a dash', ['--kernel', K, '--extra-symbols', EXTRA, '--format', 'json', '--', '-libafs.ko'], ['-libafs.ko'], [EXTRA], DASH_DIR],
    ['`--` after a file', ['--kernel', K, '--format', 'json', EXT_BOTH, '--', '-libafs.ko'], [EXT_BOTH, '-libafs.ko'], [], DASH_DIR],
  ];
  test.each(cases)('%s', (_name, args, modules, extras, cwd) => {
    const r = run(args, cwd);
    // (the v6 samples are built without -g: frames say once that there is no DWARF)
    expect(r.stderr.replace(/^ksymcheck: note: modules with references but no DWARF.*\n/m, '')).toBe('');
    expectChecked(r.stdout, { args, modules, extras, kernels: [K] }, true);
  });

  test('exports: a repeated --extra-symbols adds each file once, the format option may follow it', () => {
    const r = run(['exports', '--kernel', K, '--extra-symbols', EXTRA, '--extra-symbols', EMPTY, '--format', 'json']);
    expect(r.status).toBe(0);
    const names = (JSON.parse(r.stdout) as { exports: Array<{ name: string }> }).exports.map((e) => e.name);
    for (const s of missing) expect(names.filter((n) => n === s)).toHaveLength(1);
  });
});

describe('a module given where a Module.symvers belongs', () => {
  test.each([
    [['--kernel', K, '--extra-symbols', LIBAFS]],
    [['--kernel', K, '--extra-symbols', LIBAFS, EXT_BOTH]],
    [['exports', '--kernel', K, '--extra-symbols=' + WEAK_O]],
  ])('%j: usage error naming the file and the order to use', (args) => {
    const r = run(args);
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    const file = args.find((a) => /\.(ko|o)$/.test(a.replace(/^--extra-symbols=/, '')))!.replace(/^--extra-symbols=/, '');
    expect(r.stderr.split('\n')[0]).toBe(
      `ksymcheck: --extra-symbols ${file}: a module, not a Module.symvers; --extra-symbols takes one Module.symvers per occurrence, ` +
        `so name the symbols file right after it and the modules elsewhere (e.g. --extra-symbols other/Module.symvers ${file})`,
    );
  });
});

describe('an option that takes one value, given twice', () => {
  // yargs made an array of it, read as the value: `--stage build --stage both` checked no stage and
  // passed a failing module with exit status 0; `--format json --format text` was an internal error
  const NS_MISSING = sample('v6', 'modules', 'ns-missing', 'ns-missing.ko');
  test.each([
    [['--kernel', K616, '--stage', 'build', '--stage', 'both', NS_MISSING], '--stage'],
    [['--kernel', K616, '--stage', 'load', '--stage', 'load', NS_MISSING], '--stage'],
    [['--kernel', K616, '--format', 'json', '--format', 'text', NS_MISSING], '--format'],
    [['--kernel', K616, '--kernel-version', '6.1', '--kernel-version', '6.16', NS_MISSING], '--kernel-version'],
    [['-k', K616, '-k', K, NS_MISSING], '--kernel'],
    [['--kernel', K616, '-o', join(TMP, 'a.txt'), '--output', join(TMP, 'b.txt'), NS_MISSING], '--output'],
    [['--kernel', K616, '--shard', '1/2', '--shard', '2/2', NS_MISSING], '--shard'],
    [['matrix', '-k', K616, '-k', K, '--stage', 'build', '--stage', 'both', NS_MISSING], '--stage'],
    [['exports', '-k', K616, '-k', K], '--kernel'],
    [['diff', '--from', K616, '--from', K, '--to', K616], '--from'],
    [['dkms', '-k', '6.1.0', '-k', '6.16.0', '--dkms-tree', TMP], '--kernel-release'],
  ])('%j: a usage error naming %s, nothing checked', (args, option) => {
    const r = run(args);
    expect([r.status, r.stdout, r.stderr]).toEqual([2, '', `ksymcheck: ${option}: give it once (it was given more than once)\nRun 'ksymcheck --help' for usage.\n`]);
  });

  test('the options meant to be repeated still are: matrix -k A -k B checks against both', () => {
    const r = run(['matrix', '-k', K616, '-k', K, '--stage', 'build', '--format', 'json', NS_MISSING]);
    expect(r.status).toBe(1);
    const m = JSON.parse(r.stdout) as { kernels: Array<{ source: string }> };
    expect(m.kernels.map((k) => k.source)).toEqual([K616, K]);
  });
});

describe('module paths absolute and relative in one run', () => {
  // the text report's common folder of '/tmp/…' and 'samples/…' looped for ever (the parent of '/' was '/')
  test('the run finishes and labels each module by its whole path', () => {
    const abs = join(TMP, 'abs', 'exporter.ko');
    mkdirSync(join(TMP, 'abs'));
    copyFileSync(sample('v6', 'modules', 'exporter', 'exporter.ko'), abs);
    const rel = join('samples', 'build', 'v6', 'modules', 'ns-missing', 'ns-missing.ko');
    const r = spawnSync(process.execPath, [CLI, '--kernel', K616, '--stage', 'build', abs, rel], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    expect(r.signal).toBeNull();
    expect(r.stdout.split('\n').filter((l) => /^(PASS|FAIL) /.test(l))).toEqual([
      `PASS exporter (${abs}) license: "GPL"`,
      `FAIL ns_missing (${rel}) license: "GPL"`,
    ]);
  });
});
