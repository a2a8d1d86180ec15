/**
 * The 7.2 samples (scripts/build-samples, samples/build/v6/kernels/7.2 and v6/v72/): a kernel and modules
 * whose exports are laid out as 7.1+ modpost writes them — every export in one `__ksymtab`, its GPL-only
 * flag a byte of `__kflagstab` (KSYMTAB_*() + SYMBOL_FLAGS() in .vmlinux.export.c / <mod>.mod.c), no
 * `__ksymtab_gpl` — read by ksymcheck's ELF paths (labels and, stripped, the decoded entries).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { check } from '../../src/check.js';
import { ElfFile } from '../../src/elf/elf-file.js';
import { readKsymtab } from '../../src/kernel/ksymtab.js';
import { readVmlinux } from '../../src/kernel/vmlinux.js';
import { readModule } from '../../src/module/read.js';
import { reportSchema } from '../../src/report/schema.js';
import { sample } from '../helpers/fixtures.js';

const K72 = () => sample('v6', 'kernels', '7.2');
const V72 = (name: string, ext: string) => sample('v6', 'v72', name, `${name}.${ext}`);

/** Module.symvers rows as `name type namespace`, sorted. */
function symversRows(dir: string): string[] {
  return readFileSync(join(dir, 'Module.symvers'), 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => {
      const [, name, , type, ns] = l.split('\t');
      return `${name} ${type} ${ns}`;
    })
    .sort();
}

describe('7.2 export tables: __kflagstab', () => {
  test('the sample vmlinux has __kflagstab and no __ksymtab_gpl', () => {
    const elf = ElfFile.open(join(K72(), 'vmlinux'));
    try {
      const names = elf.sections.map((s) => s.name);
      expect(names).toEqual(expect.arrayContaining(['__ksymtab', '__kcrctab', '__kflagstab']));
      expect(names).not.toContain('__ksymtab_gpl');
      expect(names).not.toContain('__kcrctab_gpl');
    } finally {
      elf.close();
    }
  });

  test('vmlinux by labels: every export typed as Module.symvers types it (8 GPL-only from their flag byte)', () => {
    const got = readVmlinux(join(K72(), 'vmlinux'))
      .exports.map((e) => `${e.name} ${e.type} ${e.namespace}`)
      .sort();
    expect(got).toEqual(symversRows(K72()));
    expect(got.filter((l) => l.includes('EXPORT_SYMBOL_GPL'))).toHaveLength(8);
  });

  test('stripped vmlinux (entries decoded, flags by position): the same exports', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ksymcheck-v72-'));
    try {
      const out = join(dir, 'vmlinux');
      const r = spawnSync('objcopy', ['--strip-all', join(K72(), 'vmlinux'), out], { encoding: 'utf8' });
      expect(r.status).toBe(0);
      const elf = ElfFile.open(out);
      try {
        expect(elf.symbols()).toEqual([]);
        const got = readKsymtab(elf)
          .map((e) => `${e.name} ${e.type} ${e.namespace}`)
          .sort();
        expect(got).toEqual(symversRows(K72()));
      } finally {
        elf.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a 7.2 .ko: its exports typed from __kflagstab', async () => {
    const m = await readModule(V72('export-marker', 'ko'));
    expect(m.exports.map((e) => `${e.name} ${e.type} ${e.namespace}`).sort()).toEqual([
      'marker_gpl_fn EXPORT_SYMBOL_GPL ',
      'marker_ns_fn EXPORT_SYMBOL_GPL MARKER_NS',
      'marker_plain_fn EXPORT_SYMBOL ',
    ]);
  });

  test('a Proprietary user checked beside the 7.2 exporter .ko: the two GPL-only uses and the namespace, build and load', async () => {
    const r = await check({ kernel: K72(), modules: [V72('export-marker', 'ko'), V72('marker-user', 'ko')], stage: 'both' });
    expect(reportSchema.parse(r)).toEqual(r);
    expect(r.errors).toEqual([]);
    expect(r.modules.map((m) => `${m.name} ${m.verdict}`)).toEqual(['export_marker pass', 'marker_user fail']);
    // (the sample's modpost resolved the user's __versions against the kernel's Module.symvers only, so the
    // exporter's plain symbol has no CRC there: the loader's warning)
    expect(r.modules[1].findings.map((f) => `${f.stage} ${f.severity} ${f.rule} ${f.symbol} ${f.message}`)).toEqual([
      "build error gpl-only marker_gpl_fn ERROR: modpost: GPL-incompatible module marker-user.ko uses GPL-only symbol 'marker_gpl_fn'",
      "build error gpl-only marker_ns_fn ERROR: modpost: GPL-incompatible module marker-user.ko uses GPL-only symbol 'marker_ns_fn'",
      'build error namespace-not-imported marker_ns_fn ERROR: modpost: module marker-user uses symbol marker_ns_fn from namespace MARKER_NS, but does not import it.',
      // 6.13+: an M= build's object relative to the module directory
      'build warning missing-description undefined WARNING: modpost: missing MODULE_DESCRIPTION() in marker-user.o',
      'load error gpl-only marker_gpl_fn marker_user: Unknown symbol marker_gpl_fn (err -2)',
      'load error gpl-only marker_ns_fn marker_user: Unknown symbol marker_ns_fn (err -2)',
      'load warning missing-crc marker_plain_fn marker_user: no symbol version for marker_plain_fn',
    ]);
  });
});
