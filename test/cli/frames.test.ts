/**
 * Frames in the report (`references[].frames`): every reference of every finding equal to what elfutils'
 * eu-addr2line -i -f prints for the same place (asked by symbol+offset, so eu-addr2line finds the place
 * itself); from the module's own DWARF, or from a separate debug file found by build ID or by path for a
 * stripped module; said once when there is none.
 */
import { spawnSync } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { check, noDwarfNote } from '../../src/check.js';
import { reportSchema, type Report } from '../../src/report/schema.js';
import type { Frame } from '../../src/dwarf/frames.js';
import { CLI, ROOT, sample, SEED } from '../helpers/fixtures.js';
import { haveAddr2line } from '../helpers/addr2line.js';

const RC5 = join(SEED, 'kernels', '4.18-rc5');
const I386 = join(SEED, 'kernels', '4.18-rc5-i386');
const STRIPPED = sample('seed', 'openafs-stripped', 'libafs.ko');
const BY_ID = sample('seed', 'debug', 'by-id');
const BY_PATH = sample('seed', 'debug', 'by-path');

/** eu-addr2line's frames at `function+offset` of a file. */
function oracle(file: string, at: string): Frame[] {
  const out = execFileSync('eu-addr2line', ['-i', '-f', '-e', file, at], { encoding: 'utf8' }).trim().split('\n');
  const src = (s: string) => {
    const m = /^(.*?):(\d+)(?::(\d+))?$/.exec(s)!;
    return m[3] && Number(m[3]) > 0 ? { file: m[1], line: Number(m[2]), column: Number(m[3]) } : { file: m[1], line: Number(m[2]) };
  };
  const frames: Frame[] = [{ function: out[0].split(' inlined at ')[0], ...src(out[1]) }];
  for (let k = 2; k + 1 < out.length; k += 2) frames.push({ function: out[k], ...src(out[k + 1]) });
  return frames;
}

function allReferences(r: Report) {
  return r.modules.flatMap((m) => m.findings.flatMap((f) => f.references));
}

beforeAll(() => {
  if (!haveAddr2line()) throw new Error('eu-addr2line is missing: scripts/build-samples installs elfutils');
});

describe.each([
  ['x86_64', RC5, sample('seed', 'openafs', 'libafs.ko')],
  ['i386', I386, sample('seed', 'openafs-i386', 'libafs.ko')],
])('the seed module (%s) built with -g', (_arch, kernel, ko) => {
  test('every reference of every finding has the frames eu-addr2line prints for its code site', async () => {
    const report = await check({ kernel, modules: [ko], stage: 'both' });
    reportSchema.parse(report);
    const refs = allReferences(report);
    expect(refs.length).toBeGreaterThanOrEqual(16);
    for (const r of refs) {
      expect(r.function).toBeDefined();
      expect(r.frames).toEqual(oracle(ko, `${r.function}+0x${r.offset.toString(16)}`));
      // the module's own function is outermost; put_page() is what it called
      const fns = r.frames!.map((f) => f.function);
      expect(fns[fns.length - 2]).toBe('put_page');
    }
    expect(report.notes).toEqual([]);
    const hints = report.modules[0].findings.map((f) => f.hint);
    for (const h of hints) expect(h).toMatch(/^pulled in by the inline put_page\(\) \(include\/linux\/mm\.h:158\), called from afs_linux_put_page at osi_vm\.c:24, /);
  });
});

describe('a stripped module', () => {
  const unstripped = sample('seed', 'openafs', 'libafs.ko');

  test('without a debug file: function+offset only, and one note saying so', async () => {
    const report = await check({ kernel: RC5, modules: [STRIPPED], stage: 'build', debugDirs: [join(ROOT, 'samples', 'seed')] });
    const refs = allReferences(report);
    expect(refs.length).toBeGreaterThan(0);
    for (const r of refs) expect(r.frames).toBeUndefined();
    expect(report.notes.filter((n) => n.startsWith('modules with references but no DWARF'))).toEqual([noDwarfNote([join(ROOT, 'samples', 'seed')])]);
    expect(report.modules[0].findings[0].hint).not.toContain('pulled in by');
  });

  test.each([
    ['by build ID (.build-id/xx/rest.debug)', BY_ID],
    ['by path (lib/modules/<release>/…/<name>.ko)', BY_PATH],
  ])('with its debug file found %s: the frames of the unstripped module', async (_how, dir) => {
    const want = await check({ kernel: RC5, modules: [unstripped], stage: 'build' });
    const got = await check({ kernel: RC5, modules: [STRIPPED], stage: 'build', debugDirs: ['/nonexistent', dir] });
    expect(got.notes).toEqual([]);
    expect(allReferences(got)).toEqual(allReferences(want));
    expect(allReferences(got).every((r) => r.frames !== undefined)).toBe(true);
    expect(got.modules[0].findings.map((f) => f.hint)).toEqual(want.modules[0].findings.map((f) => f.hint));
  });

  test('the CLI: --debug-dir takes one value per occurrence (a module path after it stays a module)', () => {
    const p = spawnSync(process.execPath, [CLI, '--kernel', RC5, '--stage', 'build', '--format', 'json', '--debug-dir', BY_ID, STRIPPED, '--debug-dir', BY_PATH, unstripped], { encoding: 'utf8' });
    expect(p.status).toBe(1);
    const report = reportSchema.parse(JSON.parse(p.stdout));
    expect(report.modules.map((m) => m.path)).toEqual([STRIPPED, unstripped]);
    const [a, b] = report.modules.map((m) => m.findings.flatMap((f) => f.references));
    expect(a).toEqual(b);
    expect(a.every((r) => r.frames && r.frames.length >= 2)).toBe(true);
  });
});
