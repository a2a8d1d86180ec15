/**
 * A Module.symvers of three fields per line (no export type, as kernels before 2.6.18 wrote): modpost of
 * 4.18 read such exports as export_unknown, never GPL-only, and so does ksymcheck — the report now says
 * so, where before a module using GPL-only symbols passed without a word.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { check, loadKernel } from '../../src/index.js';
import { sample } from '../helpers/fixtures.js';

const M = sample('v6', 'modules', 'fpu-user', 'fpu-user.ko');
let dir: string;
let three: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ksymcheck-notes-'));
  three = join(dir, 'Module.symvers');
  const lines = readFileSync(join(sample('v6', 'kernels', '6.1'), 'Module.symvers'), 'utf8').trimEnd().split('\n');
  writeFileSync(three, lines.map((l) => l.split('\t').slice(0, 3).join('\t')).join('\n') + '\n');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test('three fields: the exports counted as untyped, and the note says what that means; the typed file has neither', async () => {
  const k = await loadKernel(three);
  expect([k.exports.size, k.untypedExports]).toEqual([17, 17]);
  const r = await check({ kernel: three, modules: [M], stage: 'build', kernelVersion: '6.1' });
  expect(r.modules.map((m) => [m.verdict, m.findings.length])).toEqual([['pass', 0]]);
  expect(r.notes.filter((n) => n.includes('no export type'))).toEqual([
    `17 of the exports of ${three} have no export type (a Module.symvers of three fields per line, as kernels before 2.6.18 wrote): ` +
      'whether they are GPL-only cannot be told, so no gpl-only finding is made for them (modpost of 5.4 and later refuses such a file)',
  ]);
  const typed = await check({ kernel: join(sample('v6', 'kernels', '6.1'), 'Module.symvers'), modules: [M], stage: 'build', kernelVersion: '6.1' });
  expect([typed.modules[0].verdict, typed.notes.some((n) => n.includes('no export type'))]).toEqual(['fail', false]);
  expect((await loadKernel(join(sample('v6', 'kernels', '6.1'), 'Module.symvers'))).untypedExports).toBeUndefined();
});
