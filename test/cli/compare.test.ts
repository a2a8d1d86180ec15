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
      'changes: 0 added, 0 removed, 2 licence, 0 namespace, 0 CRC, 0 owner',
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
    const lines = readFileSync(from, 'utf8').trimEnd().split('\n').map((l) => l.split('\t'));
    // one edit of each kind, on different symbols; one line dropped and one added
    lines[0][3] = lines[0][3] === 'EXPORT_SYMBOL' ? 'EXPORT_SYMBOL_GPL' : 'EXPORT_SYMBOL';
    lines[1][4] = 'module:kvm,kvm-*';
    lines[2][0] = '0x0badc0de';
    lines[3][2] = 'drivers/foo/foo';
    lines.splice(4, 1);
    lines.push(['0x12345678', 'zz_new_export', 'vmlinux', 'EXPORT_SYMBOL_GPL', 'NEW_NS']);
    const to = join(mkdtempSync(join(tmpdir(), 'ksymcheck-diff-')), 'Module.symvers');
    writeFileSync(to, lines.map((l) => l.join('\t')).join('\n') + '\n');
    const r = await diff({ from, to });
    const want = expectedChanges(from, to);
    expect(sorted(r.changes)).toEqual(sorted(want));
    expect(Object.entries(r.summary).filter(([, v]) => v > 0).map(([k]) => k).sort()).toEqual(['added', 'crc', 'license', 'namespace', 'owner', 'removed']);
    expect(r.changes.find((c) => c.kind === 'namespace')!.to).toBe('module:kvm,kvm-*');
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
      const one = await check({ kernel, modules });
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
  test('a glob matching nothing: exit 2 naming it', () => {
    const pattern = join(SEED, 'kernels', 'nothing-*');
    expect(cli(['matrix', '-k', pattern, AFS])).toEqual({ status: 2, stdout: '', stderr: `ksymcheck: ${pattern}: the pattern matches nothing\n` });
  });
});
