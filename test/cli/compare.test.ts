/**
 * Across kernel builds: `matrix` (modules read once, one verdict per module, kernel and stage) and
 * `diff` (export changes, with the modules each breaks or fixes), on the gcc-built samples: the seed's
 * 4.18-rc5 → 4.18 pair (31c5bda3a656 turned both put_page() exports into EXPORT_SYMBOL) and the v6
 * kernels. Expected changes are worked out here from the raw Module.symvers text, not by our reader.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { check } from '../../src/check.js';
import { diff, matrix } from '../../src/compare.js';
import { expandKernels } from '../../src/cli/compare.js';
import { diffReportSchema, matrixReportSchema } from '../../src/report/compare-schema.js';
import { formatJsonChunks } from '../../src/report/json.js';
import { CLI, sample, SEED } from '../helpers/fixtures.js';

const RC5 = join(SEED, 'kernels', '4.18-rc5');
const FINAL = join(SEED, 'kernels', '4.18');
const AFS = sample('seed', 'openafs', 'libafs.ko');
const AFS_GPL = sample('seed', 'openafs-gpl', 'libafs.ko');
const K61 = sample('v6', 'kernels', '6.1');
const K616 = sample('v6', 'kernels', '6.16');

function cli(args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', maxBuffer: 64 << 20 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Module.symvers read with split('\t') alone: name → [crc, owner, type, namespace]. */
function rawSymvers(file: string): Map<string, { crc: string; owner: string; type: string; ns: string }> {
  const m = new Map<string, { crc: string; owner: string; type: string; ns: string }>();
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const f = line.split('\t');
    if (f.length < 4) continue;
    // 4 columns (≤5.3): crc sym owner type; 5 columns (≥5.6-rc7): crc sym owner type namespace
    m.set(f[1], { crc: f[0], owner: f[2], type: f[3], ns: f[4] ?? '' });
  }
  return m;
}

function expectedChanges(a: string, b: string) {
  const A = rawSymvers(a);
  const B = rawSymvers(b);
  const out: Array<{ symbol: string; kind: string; from: string | null; to: string | null }> = [];
  for (const [name, x] of A) {
    const y = B.get(name);
    if (!y) {
      out.push({ symbol: name, kind: 'removed', from: x.type, to: null });
      continue;
    }
    if (x.type !== y.type) out.push({ symbol: name, kind: 'license', from: x.type, to: y.type });
    if (x.ns !== y.ns) out.push({ symbol: name, kind: 'namespace', from: x.ns, to: y.ns });
    if (x.crc !== y.crc) out.push({ symbol: name, kind: 'crc', from: x.crc, to: y.crc });
    if (x.owner !== y.owner) out.push({ symbol: name, kind: 'owner', from: x.owner, to: y.owner });
  }
  for (const [name, y] of B) if (!A.has(name)) out.push({ symbol: name, kind: 'added', from: null, to: y.type });
  return out;
}

/**
 * The 6.1 sample's Module.symvers with one edit of each kind, on different symbols (a licence flip, a
 * namespace, a CRC, an owner; one line dropped and one added), and the CRC of each symbol of `crcs`
 * changed too. Written to a new temporary folder; its path.
 */
function editedSixOne(crcs: string[] = []): string {
  const lines = readFileSync(join(K61, 'Module.symvers'), 'utf8').trimEnd().split('\n').map((l) => l.split('\t'));
  lines[0][3] = lines[0][3] === 'EXPORT_SYMBOL' ? 'EXPORT_SYMBOL_GPL' : 'EXPORT_SYMBOL';
  lines[1][4] = 'module:kvm,kvm-*';
  lines[2][0] = '0x0badc0de';
  lines[3][2] = 'drivers/foo/foo';
  lines.splice(4, 1);
  lines.push(['0x12345678', 'zz_new_export', 'vmlinux', 'EXPORT_SYMBOL_GPL', 'NEW_NS']);
  for (const l of lines) if (crcs.includes(l[1])) l[0] = '0x00c0ffee';
  const to = join(mkdtempSync(join(tmpdir(), 'ksymcheck-diff-')), 'Module.symvers');
  writeFileSync(to, lines.map((l) => l.join('\t')).join('\n') + '\n');
  return to;
}

const sorted = <T extends { symbol: string; kind: string }>(l: T[]) => [...l].sort((x, y) => (x.symbol + '\0' + x.kind < y.symbol + '\0' + y.kind ? -1 : 1));

describe('diff', () => {
  test('4.18-rc5 → 4.18: the two licence flips of 31c5bda3a656, and the seed module fixed by them', async () => {
    const r = await diff({ from: RC5, to: FINAL, modules: [AFS, AFS_GPL] });
    expect(diffReportSchema.parse(r)).toEqual(r);
    expect(r.changes).toEqual([
      { symbol: '__put_devmap_managed_page', kind: 'license', from: 'EXPORT_SYMBOL_GPL', to: 'EXPORT_SYMBOL' },
      { symbol: 'devmap_managed_key', kind: 'license', from: 'EXPORT_SYMBOL_GPL', to: 'EXPORT_SYMBOL' },
    ]);
    expect(sorted(r.changes)).toEqual(sorted(expectedChanges(join(RC5, 'Module.symvers'), join(FINAL, 'Module.symvers'))));
    expect(r.summary).toEqual({ added: 0, removed: 0, license: 2, namespace: 0, crc: 0, owner: 0 });
    expect(r.modules).toBe(2);
    expect(r.breaks).toEqual([]);
    // the GPL control module is neither broken nor fixed: not listed
    expect(r.fixes.map((f) => [f.module, f.rule, f.stage, f.symbol])).toEqual([
      [AFS, 'gpl-only', 'build', 'devmap_managed_key'],
      [AFS, 'gpl-only', 'build', '__put_devmap_managed_page'],
      [AFS, 'gpl-only', 'load', 'devmap_managed_key'],
      [AFS, 'gpl-only', 'load', '__put_devmap_managed_page'],
    ]);
  });

  test('the other way round the same flips break it: exit 1, the change and the module named', () => {
    const r = cli(['diff', '--from', FINAL, '--to', RC5, AFS]);
    expect(r.status).toBe(1);
    expect(r.stdout.split('\n').slice(2)).toEqual([
      'changes: 0 removed, 2 licence, 0 namespace, 0 owner, 0 added, 0 CRC',
      '  licence    __put_devmap_managed_page  EXPORT_SYMBOL → EXPORT_SYMBOL_GPL',
      '    breaks libafs (gpl-only build, gpl-only load)',
      '  licence    devmap_managed_key         EXPORT_SYMBOL → EXPORT_SYMBOL_GPL',
      '    breaks libafs (gpl-only build, gpl-only load)',
      '1 module(s) checked against both: 1 broken by the change, 0 fixed by it; the others are not listed',
      '',
    ]);
    const j = diffReportSchema.parse(JSON.parse(cli(['diff', '--from', FINAL, '--to', RC5, '--format', 'json', AFS]).stdout));
    expect(j.breaks.map((b) => `${b.stage} ${b.rule} ${b.symbol} ${b.message}`)).toEqual([
      "build gpl-only devmap_managed_key FATAL: modpost: GPL-incompatible module libafs.ko uses GPL-only symbol 'devmap_managed_key'",
      "build gpl-only __put_devmap_managed_page FATAL: modpost: GPL-incompatible module libafs.ko uses GPL-only symbol '__put_devmap_managed_page'",
      'load gpl-only devmap_managed_key libafs: Unknown symbol devmap_managed_key (err 0)',
      'load gpl-only __put_devmap_managed_page libafs: Unknown symbol __put_devmap_managed_page (err 0)',
    ]);
  });

  test('4.18 (4 columns) → 6.16 (5 columns): additions and removals equal the raw files’', async () => {
    const r = await diff({ from: FINAL, to: K616 });
    const want = expectedChanges(join(FINAL, 'Module.symvers'), join(K616, 'Module.symvers'));
    expect(r.changes).toEqual(sorted(r.changes));
    expect(sorted(r.changes)).toEqual(sorted(want));
    expect([r.summary.added, r.summary.removed]).toEqual([want.filter((c) => c.kind === 'added').length, want.filter((c) => c.kind === 'removed').length]);
    expect(r.summary.added * r.summary.removed).toBeGreaterThan(0);
    expect(r.modules).toBe(0);
  });

  test('licence, namespace (to module:), CRC and owner changes of an edited 6.1 Module.symvers equal the raw files’', async () => {
    const from = join(K61, 'Module.symvers');
    const to = editedSixOne();
    const r = await diff({ from, to });
    const want = expectedChanges(from, to);
    expect(sorted(r.changes)).toEqual(sorted(want));
    expect(Object.entries(r.summary).filter(([, v]) => v > 0).map(([k]) => k).sort()).toEqual(['added', 'crc', 'license', 'namespace', 'owner', 'removed']);
    expect(r.changes.find((c) => c.kind === 'namespace')!.to).toBe('module:kvm,kvm-*');
  });

  describe('the text leads with what breaks: removed, licence, namespace, owner, added; the CRC changes in one line', () => {
    const from = join(K61, 'Module.symvers');
    const RUST = '_RNvNtNtCs3o2tGsuHyou_6kernel4sync4lock21global_lock_acquire_helper';
    // the symbols padded to the longest listed (the Rust one)
    const line = (kind: string, symbol: string, value: string) => `  ${kind.padEnd(9)}  ${symbol.padEnd(RUST.length)}  ${value}`;
    const kinds = [
      line('removed', '_printk', 'EXPORT_SYMBOL'),
      line('licence', RUST, 'EXPORT_SYMBOL_GPL → EXPORT_SYMBOL'),
      line('namespace', '__fentry__', '(none) → module:kvm,kvm-*'),
      line('owner', '__x86_return_thunk', 'vmlinux → drivers/foo/foo'),
      line('added', 'zz_new_export', 'EXPORT_SYMBOL_GPL'),
    ];
    /** The lines after the two kernel lines, the version notes left out (the samples' Module.symvers tell no version). */
    const body = (stdout: string) => stdout.split('\n').slice(2).filter((l) => !l.startsWith('note: kernel version unknown'));

    test('module_layout not among the CRC changes: the count, and that only the modules using them need a rebuild', () => {
      const to = editedSixOne();
      const r = cli(['diff', '-q', '--from', from, '--to', to]);
      expect(r.stdout.split('\n').slice(0, 2)).toEqual([expect.stringMatching(`^from: release unknown \\(${from}\\): rules of `), expect.stringMatching(`^to: +release unknown \\(${to}\\)`)]);
      expect(body(r.stdout)).toEqual([
        'changes: 1 removed, 1 licence, 1 namespace, 1 owner, 1 added, 1 CRC',
        ...kinds,
        'CRC: 1 changed, module_layout not among them: a module must be rebuilt only if it uses one of them; --verbose lists them',
        '',
      ]);
      expect([r.status, r.stderr]).toEqual([0, '']);
    });

    test('module_layout among them: every module built for the old ABI must be rebuilt; --verbose lists each CRC change', () => {
      const to = editedSixOne(['module_layout', 'kfree']);
      const crcLine = 'CRC: 3 changed, module_layout among them: every module built for the old ABI must be rebuilt (the loader refuses a module whose module_layout CRC differs)';
      expect(body(cli(['diff', '-q', '--from', from, '--to', to]).stdout)).toEqual([
        'changes: 1 removed, 1 licence, 1 namespace, 1 owner, 1 added, 3 CRC',
        ...kinds,
        `${crcLine}; --verbose lists them`,
        '',
      ]);
      expect(body(cli(['diff', '-q', '--verbose', '--from', from, '--to', to]).stdout)).toEqual([
        'changes: 1 removed, 1 licence, 1 namespace, 1 owner, 1 added, 3 CRC',
        ...kinds,
        `${crcLine}:`,
        line('CRC', '__kmalloc', '0x5b7a0de9 → 0x0badc0de'),
        line('CRC', 'kfree', '0xde2cfaa5 → 0x00c0ffee'),
        line('CRC', 'module_layout', '0x8f50bf01 → 0x00c0ffee'),
        '',
      ]);
    });

    test('the JSON is the report, byte for byte, with or without --verbose', async () => {
      const to = editedSixOne(['module_layout']);
      const want = [...formatJsonChunks(await diff({ from, to }))].join('');
      expect(cli(['diff', '-q', '--format', 'json', '--from', from, '--to', to]).stdout).toBe(want);
      expect(cli(['diff', '-q', '--verbose', '--format', 'json', '--from', from, '--to', to]).stdout).toBe(want);
      // the changes in it stay sorted by symbol, whatever order the text gives them
      const j = diffReportSchema.parse(JSON.parse(want));
      expect(j.changes.map((c) => c.symbol)).toEqual([...j.changes.map((c) => c.symbol)].sort());
    });

    test('with modules: a CRC change that breaks one is listed under the count, the others are not', () => {
      const to = editedSixOne(['irq_fpu_usable', 'kfree']);
      const r = cli(['diff', '-q', '--from', from, '--to', to, sample('v6', 'modules', 'fpu-user', 'fpu-user.ko')]);
      const short = (kind: string, symbol: string, value: string) => `  ${kind.padEnd(9)}  ${symbol.padEnd('irq_fpu_usable'.length)}  ${value}`;
      // kfree and __kmalloc changed too: fpu-user uses neither, so they are only counted
      expect(body(r.stdout)).toEqual([
        'changes: 1 removed, 1 licence, 1 namespace, 1 owner, 1 added, 3 CRC',
        short('removed', '_printk', 'EXPORT_SYMBOL'),
        '    breaks fpu_user (unresolved build, unresolved load)',
        short('namespace', '__fentry__', '(none) → module:kvm,kvm-*'),
        '    breaks fpu_user (namespace-not-imported build, namespace-not-imported load)',
        'CRC: 3 changed, module_layout not among them: a module must be rebuilt only if it uses one of them; those that break or fix a module given below (--verbose lists all)',
        short('CRC', 'irq_fpu_usable', '0xdc49019e → 0x00c0ffee'),
        '    breaks fpu_user (crc-mismatch load)',
        '1 module(s) checked against both: 1 broken by the change, 0 fixed by it; the others are not listed',
        '',
      ]);
      expect(r.status).toBe(1);
      // --verbose: every change, the breaks under theirs
      const v = body(cli(['diff', '-q', '-v', '--from', from, '--to', to, sample('v6', 'modules', 'fpu-user', 'fpu-user.ko')]).stdout);
      expect(v.filter((l) => l.startsWith('  CRC'))).toEqual([line('CRC', '__kmalloc', '0x5b7a0de9 → 0x0badc0de'), line('CRC', 'irq_fpu_usable', '0xdc49019e → 0x00c0ffee'), line('CRC', 'kfree', '0xde2cfaa5 → 0x00c0ffee')]);
      expect(v.slice(-2)).toEqual(['1 module(s) checked against both: 1 broken by the change, 0 fixed by it', '']);
      expect(v.filter((l) => l.startsWith('    breaks'))).toHaveLength(3);
    });
  });
});

describe('matrix', () => {
  const modules = [AFS, AFS_GPL];
  test('one cell per module, kernel and stage; each equal to check() against that kernel; first failing kernel', async () => {
    const r = await matrix({ kernels: [RC5, FINAL], modules });
    expect(matrixReportSchema.parse(r)).toEqual(r);
    expect(r.kernels.map((k) => k.source)).toEqual([RC5, FINAL]);
    expect(r.cells.map((c) => [c.module, c.kernel, c.stage, c.verdict, c.findings.map((f) => `${f.rule} ${f.symbol}`)])).toEqual([
      [AFS, RC5, 'build', 'fail', ['gpl-only devmap_managed_key', 'gpl-only __put_devmap_managed_page']],
      [AFS, RC5, 'load', 'fail', ['gpl-only devmap_managed_key', 'gpl-only __put_devmap_managed_page']],
      [AFS_GPL, RC5, 'build', 'pass', []],
      [AFS_GPL, RC5, 'load', 'pass', []],
      [AFS, FINAL, 'build', 'pass', []],
      [AFS, FINAL, 'load', 'pass', []],
      [AFS_GPL, FINAL, 'build', 'pass', []],
      [AFS_GPL, FINAL, 'load', 'pass', []],
    ]);
    expect(r.modules.map((m) => [m.path, m.firstFailing])).toEqual([
      [AFS, RC5],
      [AFS_GPL, null],
    ]);
    for (const kernel of [RC5, FINAL]) {
      const one = await check({ kernel, modules, frames: false }); // (matrix cells carry no frames)
      for (const m of one.modules) {
        for (const stage of ['build', 'load'] as const) {
          const cell = r.cells.find((c) => c.module === m.path && c.kernel === kernel && c.stage === stage)!;
          expect(cell.findings).toEqual(m.findings.filter((f) => f.stage === stage));
        }
      }
    }
  });

  test('the CLI: the grid, each failing cell’s decisive finding, exit 1', () => {
    const r = cli(['matrix', '-k', RC5, '-k', FINAL, AFS, AFS_GPL]);
    expect(r.status).toBe(1);
    expect(r.stdout.split('\n').slice(3)).toEqual([
      'stages: build+load',
      '',
      'module                 [1]   [2]   first failing',
      'openafs/libafs.ko      FAIL  pass  [1]',
      "  [1] build: FATAL: modpost: GPL-incompatible module libafs.ko uses GPL-only symbol 'devmap_managed_key' (+1 more)",
      '  [1] load: libafs: Unknown symbol devmap_managed_key (err 0) (+1 more)',
      'openafs-gpl/libafs.ko  pass  pass  -',
      '',
      '2 module(s) × 2 kernel(s): 1 fail on at least one (failing per kernel: [1] 1, [2] 0); 0 unreadable',
      '',
    ]);
    expect(matrixReportSchema.parse(JSON.parse(cli(['matrix', '-k', RC5, '-k', FINAL, '--format', 'json', AFS]).stdout)).cells).toHaveLength(4);
  });
});

describe('naming kernels', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'ksymcheck-kernels-'));
  test('a glob in the last component, sorted', () => {
    expect(expandKernels([join(SEED, 'kernels', '4.18*')])).toEqual([FINAL, RC5, join(SEED, 'kernels', '4.18-rc5-i386')]);
  });
  test('a file listing them (relative to the file; comments and blank lines skipped), with @ or by its content', () => {
    const list = join(tmp, 'kernels.txt');
    writeFileSync(list, `# the pair\n${RC5}\n\n${join('..', ...FINAL.split('/').slice(1)).replace(/^\.\./, '/')}\n`);
    expect(expandKernels([`@${list}`])).toEqual([RC5, FINAL]);
    expect(expandKernels([list])).toEqual([RC5, FINAL]);
    // a Module.symvers is a kernel, not a list
    expect(expandKernels([join(RC5, 'Module.symvers')])).toEqual([join(RC5, 'Module.symvers')]);
  });
  test('a listed kernel that is not there: the list named, with the line', () => {
    const list = join(tmp, 'missing.txt');
    writeFileSync(list, `${RC5}\n# next\n/nonexistent/kernel\n`);
    expect(cli(['matrix', '-k', list, AFS])).toEqual({ status: 2, stdout: '', stderr: `ksymcheck: ${list}:3: /nonexistent/kernel: no such file or directory\n` });
    const rel = join(tmp, 'relative.txt');
    writeFileSync(rel, `${RC5}\nnot/here\n`);
    expect(cli(['matrix', '-k', `@${rel}`, AFS])).toEqual({ status: 2, stdout: '', stderr: `ksymcheck: ${rel}:2: not/here: no such file or directory (${join(tmp, 'not', 'here')})\n` });
    const nul = join(tmp, 'nul.txt');
    writeFileSync(nul, `${RC5}\n/tmp/a\0b\n`);
    expect(cli(['matrix', '-k', nul, AFS])).toEqual({ status: 2, stdout: '', stderr: `ksymcheck: ${nul}:2: "/tmp/a\\u0000b": a NUL byte in a path\n` });
  });
  test('a glob matching nothing: exit 2 naming it', () => {
    const pattern = join(SEED, 'kernels', 'nothing-*');
    expect(cli(['matrix', '-k', pattern, AFS])).toEqual({ status: 2, stdout: '', stderr: `ksymcheck: ${pattern}: the pattern matches nothing\n` });
  });
});
