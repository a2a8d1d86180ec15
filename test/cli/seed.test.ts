/**
 * The seed case end to end: the OpenAFS-like module against "4.18-rc5" (FAIL: put_page() pulls in two
 * EXPORT_SYMBOL_GPL symbols) and "4.18" (PASS), through Module.symvers and through vmlinux alone, via
 * the library and via the CLI (exit codes, JSON validated against the exported zod schema).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { check } from '../../src/check.js';
import { parseSymvers } from '../../src/kernel/symvers.js';
import { reportSchema, type Report } from '../../src/report/schema.js';
import { CLI, ROOT, sample, SEED } from '../helpers/fixtures.js';

const KO = sample('seed', 'openafs', 'libafs.ko');
const RC5 = join(SEED, 'kernels', '4.18-rc5');
const FINAL = join(SEED, 'kernels', '4.18');

function brief(r: Report) {
  return r.modules.map((m) => ({
    name: m.name,
    verdict: m.verdict,
    findings: m.findings.map((f) => ({ rule: f.rule, stage: f.stage, severity: f.severity, symbol: f.symbol, message: f.message, modpostPrints: f.evidence.modpostPrints })),
  }));
}

const RC5_FINDINGS = [
  {
    name: 'libafs',
    verdict: 'fail',
    findings: [
      // 4.18's modpost FATALs at the first GPL-only symbol of its (reversed) unresolved list, as in the 2018 report.
      { rule: 'gpl-only', stage: 'build', severity: 'error', symbol: 'devmap_managed_key', message: "FATAL: modpost: GPL-incompatible module libafs.ko uses GPL-only symbol 'devmap_managed_key'", modpostPrints: false },
      { rule: 'gpl-only', stage: 'build', severity: 'error', symbol: '__put_devmap_managed_page', message: "FATAL: modpost: GPL-incompatible module libafs.ko uses GPL-only symbol '__put_devmap_managed_page'", modpostPrints: true },
      // The 4.18 loader skips GPL-only tables for a proprietary module: ksym is NULL, printed as err 0.
      { rule: 'gpl-only', stage: 'load', severity: 'error', symbol: 'devmap_managed_key', message: 'libafs: Unknown symbol devmap_managed_key (err 0)', modpostPrints: undefined },
      { rule: 'gpl-only', stage: 'load', severity: 'error', symbol: '__put_devmap_managed_page', message: 'libafs: Unknown symbol __put_devmap_managed_page (err 0)', modpostPrints: undefined },
    ],
  },
];

describe('seed: OpenAFS put_page() vs 4.18-rc5 and 4.18', () => {
  test.each([
    ['build tree', RC5, undefined],
    ['Module.symvers alone', join(RC5, 'Module.symvers'), '4.18-rc5'],
    ['vmlinux alone', join(RC5, 'vmlinux'), undefined],
  ])('4.18-rc5 via %s: FAIL with both symbols', async (_how, kernel, kernelVersion) => {
    const r = await check({ kernel, kernelVersion, modules: [KO] });
    expect(reportSchema.parse(r)).toEqual(r);
    expect(r.kernel.version).toBe('4.18.0-rc5');
    expect(r.errors).toEqual([]);
    expect(brief(r)).toEqual(RC5_FINDINGS);
    // Each finding names the export and every function of the module that references the symbol.
    const put = r.modules[0].findings.find((f) => f.symbol === '__put_devmap_managed_page' && f.stage === 'build')!;
    expect(put.evidence).toMatchObject({ exportType: 'EXPORT_SYMBOL_GPL', owner: 'vmlinux', license: 'http://www.openafs.org/dl/license10.html' });
    expect([...new Set(put.references.map((x) => `${x.function} in ${x.section}`))].sort()).toEqual(['afs_init in .init.text', 'afs_linux_put_page in .text', 'afs_linux_writepage_sync in .text']);
    const key = r.modules[0].findings.find((f) => f.symbol === 'devmap_managed_key' && f.stage === 'build')!;
    expect([...new Set(key.references.map((x) => `${x.function} in ${x.section}`))].sort()).toEqual(['afs_init in __jump_table', 'afs_linux_put_page in __jump_table', 'afs_linux_writepage_sync in __jump_table']);
  });

  test.each([
    ['build tree', FINAL, undefined],
    ['Module.symvers alone', join(FINAL, 'Module.symvers'), '4.18'],
    ['vmlinux alone', join(FINAL, 'vmlinux'), undefined],
  ])('4.18 via %s: PASS with no findings', async (_how, kernel, kernelVersion) => {
    const r = await check({ kernel, kernelVersion, modules: [KO] });
    expect(r.kernel.version).toBe('4.18.0');
    expect(brief(r)).toEqual([{ name: 'libafs', verdict: 'pass', findings: [] }]);
  });

  test('the GPL-licensed control module passes against 4.18-rc5', async () => {
    const r = await check({ kernel: RC5, modules: [sample('seed', 'openafs-gpl', 'libafs.ko')] });
    expect(brief(r)).toEqual([{ name: 'libafs', verdict: 'pass', findings: [] }]);
  });

  test('the i386 build of the module fails the same way (ELF32, REL relocations)', async () => {
    const r = await check({ kernel: join(SEED, 'kernels', '4.18-rc5-i386'), modules: [sample('seed', 'openafs-i386', 'libafs.ko')], stage: 'build' });
    expect(r.modules[0].findings.map((f) => [f.rule, f.symbol]).sort()).toEqual([
      ['gpl-only', '__put_devmap_managed_page'],
      ['gpl-only', 'devmap_managed_key'],
    ]);
  });
});

describe('the CLI on the seed', () => {
  const cli = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });

  test('FAIL exits 1; the JSON report validates against the schema', () => {
    const p = cli('check', '--kernel', RC5, '--format', 'json', KO);
    expect(p.stderr).toBe('');
    expect(p.status).toBe(1);
    const r = reportSchema.parse(JSON.parse(p.stdout));
    expect(brief(r)).toEqual(RC5_FINDINGS);
  });

  test('PASS exits 0; check is the default command; text names the verdict', () => {
    const p = cli('--kernel', FINAL, KO);
    expect(p.status).toBe(0);
    expect(p.stdout).toMatch(/^PASS libafs \(/m);
    expect(p.stdout).not.toMatch(/\x1b\[/);
  });

  test('the text report shows the functions that pulled the symbol in, and the inline put_page() from the DWARF', () => {
    const p = cli('--kernel', RC5, '--stage', 'build', KO);
    expect(p.status).toBe(1);
    const block = p.stdout.split('\n');
    const i = block.findIndex((l) => l.includes("uses GPL-only symbol '__put_devmap_managed_page'"));
    expect(i).toBeGreaterThan(0);
    const text = block.slice(i, i + 4).join('\n');
    // lines of samples/seed: osi_vm.c:24 is afs_linux_put_page's put_page(pp), mm.h:158 the call in put_page()
    expect(text).toMatch(/referenced at: afs_linux_put_page\+0x[0-9a-f]+ \(osi_vm\.c:24\) via put_page\(\) include\/linux\/mm\.h:158; /);
    expect(text).toMatch(/afs_init\+0x[0-9a-f]+ in \.init\.text \(osi_module\.c:42\) via put_page\(\) include\/linux\/mm\.h:158/);
    expect(text).toContain(
      'hint: pulled in by the inline put_page() (include/linux/mm.h:158), called from afs_linux_put_page at osi_vm.c:24, afs_linux_writepage_sync at osi_vm.c:43, afs_linux_writepage_sync at osi_vm.c:35 and 1 more; ' +
        "'__put_devmap_managed_page' is EXPORT_SYMBOL_GPL",
    );
  });

  test('exports: from vmlinux alone, the vmlinux rows of the real Module.symvers, exactly, in 5 columns', () => {
    for (const k of [RC5, FINAL]) {
      const p = cli('exports', '--kernel', join(k, 'vmlinux'));
      expect(p.status).toBe(0);
      const symvers = parseSymvers(readFileSync(join(k, 'Module.symvers'), 'utf8'), 'Module.symvers');
      const want = symvers.exports
        .filter((e) => e.owner === 'vmlinux')
        .map((e) => `0x${(e.crc ?? 0).toString(16).padStart(8, '0')}\t${e.name}\tvmlinux\t${e.type}\t${e.namespace}`)
        .sort();
      const got = p.stdout.split('\n').filter(Boolean).sort();
      expect(got).toEqual(want);
      expect(got.length).toBe(28);
    }
  });

  test("`check` and the default command are one command: same report, `check --help` the command's help", () => {
    const named = cli('check', '--kernel', RC5, '--format', 'json', KO);
    const dflt = cli('--kernel', RC5, '--format', 'json', KO);
    expect([named.status, dflt.status]).toEqual([1, 1]);
    expect(named.stdout).toBe(dflt.stdout);
    const help = cli('check', '--help');
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/^ksymcheck check \[modules\.\.\]\n/);
    expect(help.stdout).toMatch(/--missing-crc/);
    // each command's --format choices once (matrix listed the shared options' and its own: "text", "json", "text", "json", "html")
    const formatLine = (cmd: string) => cli(cmd, '--help').stdout.split('\n').find((l) => l.trimStart().startsWith('--format'))!.replace(/\s+/g, ' ').trim();
    expect(formatLine('matrix')).toBe('--format [choices: "text", "json", "html"] [default: "text"]');
    expect(formatLine('diff')).toBe('--format [choices: "text", "json"] [default: "text"]');
    // a module file named check.ko is a module, not the command word
    const checkKo = cli('check', '--kernel', RC5, '--format', 'json', 'check', KO);
    expect(checkKo.status).toBe(2); // ./check does not exist: reported, the rest checked
    const r = reportSchema.parse(JSON.parse(checkKo.stdout));
    expect(r.errors.map((e) => e.path)).toEqual(['check']);
    expect(r.modules.map((m) => m.name)).toEqual(['libafs']);
  });

  test('usage errors exit 2 with one line, no stack', () => {
    // (without --kernel the running kernel's build is used: test/kernel/running.test.ts)
    const p = cli('check', '--kernel', RC5, '--stage', 'banana', KO);
    expect(p.status).toBe(2);
    expect(p.stderr).toMatch(/^ksymcheck: Invalid values:\n\s+Argument: stage, Given: "banana", Choices: "build", "load", "both"/);
    expect(p.stderr).not.toMatch(/\n\s+at /);
    const v = cli('check', '--kernel', RC5, '--kernel-version', 'banana', KO);
    expect(v.status).toBe(2);
    expect(v.stderr).toMatch(/--kernel-version: 'banana' is not a kernel version/);
    // an -rc without its number was taken as the release (6.1.0)
    const rc = cli('check', '--kernel', RC5, '--kernel-version', '6.1-rc', KO);
    expect([rc.status, rc.stdout, rc.stderr]).toEqual([2, '', "ksymcheck: --kernel-version: '6.1-rc' is not a kernel version (expected X.Y[.Z][-rcN])\nRun 'ksymcheck --help' for usage.\n"]);
    // a uname -r release is one (its version: 6.1.0)
    const release = cli('check', '--kernel', RC5, '--kernel-version', '6.1.0-47-amd64', '--format', 'json', KO);
    expect([release.status, (JSON.parse(release.stdout) as { kernel: { version: string } }).kernel.version]).toEqual([1, '6.1.0']);
    // --kmod that names neither kmod's version nor a decompressor was taken as a kmod of nothing
    const kmod = cli('check', '--kernel', RC5, '--kmod', 'garbage', KO);
    expect([kmod.status, kmod.stdout, kmod.stderr]).toEqual([
      2,
      '',
      "ksymcheck: --kmod: 'garbage' is not what `kmod --version` prints (expected 'kmod version N' and its '+XZ -ZSTD …' line): give --kmod \"$(kmod --version)\"\nRun 'ksymcheck --help' for usage.\n",
    ]);
    expect(cli('check', '--kernel', RC5, '--kmod', 'kmod version 34\n+ZSTD +XZ -ZLIB +LIBCRYPTO -EXPERIMENTAL', KO).status).toBe(1);
  });

  test('--version prints the package version and exits 0, with or without the command word', () => {
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    for (const args of [['--version'], ['check', '--version']]) {
      const p = cli(...args);
      expect([p.status, p.stdout, p.stderr]).toEqual([0, `${version}\n`, '']);
    }
  });

  test('unreadable inputs: exit 2, one error per bad file, the others still checked', () => {
    const bad = join(SEED, 'kernels', '4.18', 'Module.symvers'); // text, not ELF
    const p = cli('--kernel', RC5, '--format', 'json', KO, bad, '/nonexistent/x.ko');
    expect(p.status).toBe(2);
    const r = reportSchema.parse(JSON.parse(p.stdout));
    expect(r.modules.map((m) => [m.name, m.verdict])).toEqual([['libafs', 'fail']]);
    // errors are listed sorted by path, wherever the checkout lives
    const expected = [
      { path: '/nonexistent/x.ko', message: '/nonexistent/x.ko: no such file or directory' },
      { path: bad, message: `${bad}: at offset 0x0: not an ELF file: bad magic` },
    ].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    expect(r.errors).toEqual(expected);
  });

  test('a kernel Module.symvers with a 2-field line: exit 2, the file and line named', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ksymcheck-'));
    const bad = join(dir, 'Module.symvers');
    writeFileSync(bad, '0x12345678\tprintk\tvmlinux\tEXPORT_SYMBOL\n0x1\tkfree\n');
    const p = cli('--kernel', bad, KO);
    expect(p.status).toBe(2);
    expect(p.stderr).toBe(`ksymcheck: ${bad}:2: expected 4 TAB-separated fields as in line 1 (4-column layout crc-sym-mod-type (<= 5.3)), found 2\n`);
    const missing = cli('--kernel', join(dir, 'nope'), KO);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/^ksymcheck: .*nope: no such file or directory/);
  });
});
