/**
 * Whether the kernel has CONFIG_MODVERSIONS, and where that belief came from: its configuration; its
 * exports (a non-zero CRC → on; every CRC 0 and no module_layout → off, what Module.symvers of a kernel
 * built without modversions holds — Debian from 6.18.1); or nothing (unknown, assumed on, said).
 * Kernels: the sample 7.2 build (scripts/build-samples) and Module.symvers files derived from it.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { check } from '../../src/check.js';
import { loadKernel } from '../../src/kernel/load.js';
import { reportSchema } from '../../src/report/schema.js';
import { formatText } from '../../src/report/text.js';
import { sample } from '../helpers/fixtures.js';

const K72 = () => sample('v6', 'kernels', '7.2');
const USER = () => sample('v6', 'v72', 'marker-user', 'marker-user.ko');

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ksymcheck-modversions-'));
  const rows = readFileSync(join(K72(), 'Module.symvers'), 'utf8').split('\n').filter(Boolean);
  // a kernel built without modversions: every CRC 0x00000000, no module_layout line
  writeFileSync(join(dir, 'off.symvers'), rows.filter((l) => l.split('\t')[1] !== 'module_layout').map((l) => l.replace(/^0x[0-9a-f]{8}/, '0x00000000')).join('\n') + '\n');
  // zero CRCs but module_layout still there: nothing tells
  writeFileSync(join(dir, 'unknown.symvers'), rows.map((l) => l.replace(/^0x[0-9a-f]{8}/, '0x00000000')).join('\n') + '\n');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('CONFIG_MODVERSIONS of a kernel', () => {
  test('the build directory: from its .config', async () => {
    const k = await loadKernel(K72());
    expect([k.modversions, k.modversionsSource]).toEqual([true, 'config']);
  });

  test('its Module.symvers alone: on, from the non-zero CRCs', async () => {
    const k = await loadKernel(join(K72(), 'Module.symvers'));
    expect([k.modversions, k.modversionsSource]).toEqual([true, 'exports']);
  });

  test('only zero CRCs and no module_layout: off, inferred from the exports', async () => {
    const k = await loadKernel(join(dir, 'off.symvers'));
    expect([k.modversions, k.modversionsSource]).toEqual([false, 'exports']);
  });

  test('zero CRCs with module_layout: unknown', async () => {
    const k = await loadKernel(join(dir, 'unknown.symvers'));
    expect([k.modversions, k.modversionsSource]).toEqual([undefined, 'unknown']);
  });

  test('the report says what was assumed (JSON field, note, text header)', async () => {
    const off = await check({ kernel: join(dir, 'off.symvers'), modules: [USER()], stage: 'load', kernelVersion: '7.2' });
    expect(reportSchema.parse(off)).toEqual(off);
    expect([off.kernel.modversions, off.kernel.modversionsSource]).toEqual([false, 'exports']);
    expect(off.notes.filter((n) => n.startsWith('CONFIG_MODVERSIONS'))).toEqual([
      `CONFIG_MODVERSIONS of ${join(dir, 'off.symvers')} taken as off: no configuration beside it, every export's CRC is 0 and module_layout is not exported (a kernel built without modversions); the loader's CRC checks were not applied`,
    ]);
    expect(formatText(off, { color: false })).toContain('modversions off (inferred from its exports)');
    // no CRC check: the exporter's symbols are unknown (not in the run), nothing about versions
    expect(off.modules[0].findings.filter((f) => f.rule === 'missing-crc' || f.rule === 'crc-mismatch')).toEqual([]);

    const unknown = await check({ kernel: join(dir, 'unknown.symvers'), modules: [USER()], stage: 'load', kernelVersion: '7.2' });
    expect([unknown.kernel.modversions, unknown.kernel.modversionsSource]).toEqual([null, 'unknown']);
    expect(unknown.notes.filter((n) => n.startsWith('CONFIG_MODVERSIONS'))).toEqual([
      `CONFIG_MODVERSIONS of ${join(dir, 'unknown.symvers')} unknown (no configuration, no CRC, module_layout exported without one): assumed on, the loader's CRC checks applied; pass the build or headers directory (its .config) to decide`,
    ]);
    expect(formatText(unknown, { color: false })).toContain('modversions unknown (assumed on)');

    const conf = await check({ kernel: K72(), modules: [USER()], stage: 'load' });
    expect([conf.kernel.modversions, conf.kernel.modversionsSource, conf.notes.filter((n) => n.startsWith('CONFIG_MODVERSIONS'))]).toEqual([true, 'config', []]);
  });
});
