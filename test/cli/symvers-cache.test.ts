/**
 * `check` and `matrix` keep each kernel's Module.symvers index in the user's cache directory
 * (src/kernel/symvers-cache.ts): the report, the notes and the exit status are the same without a cache,
 * when it is written and when it is used; KSYMCHECK_SYMVERS_CACHE=0 neither reads nor writes one.
 * Asserted by what the runs print (NODE_DEBUG=ksymcheck says what happened to the index), never by their
 * timing.
 */
import { spawnSync } from 'node:child_process';
import { appendFileSync, cpSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { CLI, sample } from '../helpers/fixtures.js';

let root: string;
let kernel: string;
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'ksymcheck-cli-symvers-cache-'));
  // the v6 sample 6.1 kernel, its Module.symvers grown past the size that gets an index (exports no module uses)
  kernel = join(root, 'kernel');
  cpSync(sample('v6', 'kernels', '6.1'), kernel, { recursive: true });
  appendFileSync(join(kernel, 'Module.symvers'), Array.from({ length: 2000 }, (_, i) => `0x${(i * 2654435761 >>> 0).toString(16).padStart(8, '0')}\tpadding_export_${i}\tvmlinux\tEXPORT_SYMBOL\t\n`).join(''));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

const KO = (name: string) => sample('v6', 'modules', name, `${name}.ko`);

function check(env: Record<string, string>, command: string[] = ['check', '--format', 'json', '--kernel', kernel]) {
  const p = spawnSync(process.execPath, [CLI, ...command, KO('ns-missing'), KO('ns-imported'), KO('dup-export')], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', KSYMCHECK_CODE_CACHE: '0', NODE_DEBUG: 'ksymcheck', ...env },
  });
  const debug = p.stderr.split('\n').filter((l) => /^KSYMCHECK \d+: symvers index/.test(l)).map((l) => l.replace(/^KSYMCHECK \d+: /, '').replace(/: .*/, ''));
  const stderr = p.stderr.split('\n').filter((l) => !l.startsWith('KSYMCHECK ')).join('\n');
  return { status: p.status, stdout: p.stdout, stderr, debug };
}

test('the same report without an index, when it is written, and when it is used', () => {
  const xdg = join(root, 'xdg');
  const off = check({ XDG_CACHE_HOME: xdg, KSYMCHECK_SYMVERS_CACHE: '0' });
  expect(off.debug).toEqual([]);
  expect(existsSync(join(xdg, 'ksymcheck'))).toBe(false);
  expect(off.status).toBe(1);
  const report = JSON.parse(off.stdout) as { modules: Array<{ name: string; verdict: string; findings: Array<{ rule: string; stage: string; symbol?: string; message: string }> }> };
  expect(report.modules.map((m) => [m.name, m.verdict])).toEqual([['ns_missing', 'fail'], ['ns_imported', 'pass'], ['dup_export', 'fail']]);
  expect(report.modules[0]!.findings.find((f) => f.stage === 'build')).toMatchObject({
    symbol: 'usb_stor_suspend',
    message: 'ERROR: modpost: module ns-missing uses symbol usb_stor_suspend from namespace USB_STORAGE, but does not import it.',
  });

  const written = check({ XDG_CACHE_HOME: xdg });
  expect(written.debug).toEqual(['symvers index not used', 'symvers index written']);
  expect(readdirSync(join(xdg, 'ksymcheck')).filter((f) => f.endsWith('.idx'))).toHaveLength(1);
  const used = check({ XDG_CACHE_HOME: xdg });
  expect(used.debug[0]).toBe('symvers index used');
  for (const r of [written, used]) {
    expect(r.status).toBe(off.status);
    expect(r.stdout).toBe(off.stdout);
    expect(r.stderr).toBe(off.stderr);
  }
});

test('matrix: the same report without an index, when it is written, and when it is used', () => {
  const xdg = join(root, 'xdg-matrix');
  const matrix = ['matrix', '--format', 'json', '--kernel', kernel, '--kernel', sample('v6', 'kernels', '6.16')];
  const off = check({ XDG_CACHE_HOME: xdg, KSYMCHECK_SYMVERS_CACHE: '0' }, matrix);
  expect(off.debug).toEqual([]);
  expect(off.status).toBe(1);
  const cells = (JSON.parse(off.stdout) as { cells: Array<{ module: string; kernel: string; verdict: string }> }).cells;
  // a cell per module, kernel and stage
  expect([...new Set(cells.filter((c) => c.verdict === 'fail').map((c) => `${basename(c.module)} on ${c.kernel === kernel ? '6.1' : '6.16'}`))].sort()).toEqual([
    'dup-export.ko on 6.1',
    'dup-export.ko on 6.16',
    'ns-missing.ko on 6.1',
    'ns-missing.ko on 6.16',
  ]);
  const written = check({ XDG_CACHE_HOME: xdg }, matrix);
  expect(written.debug).toEqual(['symvers index not used', 'symvers index written']); // the 6.16 sample's is under 64 KiB
  const used = check({ XDG_CACHE_HOME: xdg }, matrix);
  expect(used.debug[0]).toBe('symvers index used');
  for (const r of [written, used]) {
    expect(r.status).toBe(off.status);
    expect(r.stdout).toBe(off.stdout);
    expect(r.stderr).toBe(off.stderr);
  }
});
