/**
 * A kernel input from which no export can be read is an input error, not a verdict: checked against
 * it, every import would be "unresolved" (a false FAIL for every module). The cases users meet: the
 * BTF-only vmlinux that distribution headers ship beside Module.symvers (Debian 13's
 * linux-headers-*-amd64: only .BTF and .BTF_ids; here samples/build/v6/kernels/btf-headers, made with
 * the same objcopy), and an empty Module.symvers (normal for --extra-symbols, never for --kernel).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { check } from '../../src/check.js';
import { InputError } from '../../src/errors.js';
import { loadKernel } from '../../src/kernel/load.js';
import { CLI, sample } from '../helpers/fixtures.js';

const HEADERS = sample('v6', 'kernels', 'btf-headers');
const BTF_VMLINUX = join(HEADERS, 'vmlinux');
const K61 = sample('v6', 'kernels', '6.1');
const MODULE = sample('v6', 'modules', 'ns-imported', 'ns-imported.ko');
const MODULE_O = sample('v6', 'modules', 'ns-imported', 'ns-imported.o');

const TMP = mkdtempSync(join(tmpdir(), 'ksymcheck-noexports-'));
const EMPTY = join(TMP, 'Module.symvers');
const EMPTY_DIR = join(TMP, 'headers');
writeFileSync(EMPTY, '');
mkdirSync(EMPTY_DIR);
writeFileSync(join(EMPTY_DIR, 'Module.symvers'), '');

const BTF_MESSAGE =
  `${BTF_VMLINUX}: no exports: this vmlinux has no export tables (no __ksymtab*, __kcrctab* or .export_symbol sections; sections: .BTF_ids, .BTF, .shstrtab): ` +
  `it looks like the BTF-only vmlinux that distribution headers packages ship for BPF programs and resolve_btfids, not the kernel image; ` +
  `pass the Module.symvers beside it (${join(HEADERS, 'Module.symvers')}) or the vmlinux of the kernel's -dbg package`;
const EMPTY_MESSAGE =
  `${EMPTY}: no exports: this Module.symvers lists none, where a kernel build's lists thousands ` +
  `(an empty one is what an external module that exports nothing leaves: such a file goes to --extra-symbols); ` +
  `pass the kernel's Module.symvers, or its build or headers directory`;
const EMPTY_DIR_MESSAGE =
  `${EMPTY_DIR}: no exports: its Module.symvers lists none, where a kernel build's lists thousands ` +
  `(an empty one is what an external module that exports nothing leaves: such a file goes to --extra-symbols); ` +
  `pass the kernel's Module.symvers, or its build or headers directory`;

function cli(args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('a kernel that exports nothing', () => {
  test.each([
    ['the BTF-only vmlinux, check', ['check', '--kernel', BTF_VMLINUX, '--stage', 'build', MODULE_O], BTF_MESSAGE],
    ['the BTF-only vmlinux, exports', ['exports', '--kernel', BTF_VMLINUX], BTF_MESSAGE],
    ['an empty Module.symvers, check', ['--kernel', EMPTY, MODULE], EMPTY_MESSAGE],
    ['an empty Module.symvers, exports', ['exports', '--kernel', EMPTY], EMPTY_MESSAGE],
    ['a directory whose Module.symvers is empty', ['--kernel', EMPTY_DIR, MODULE], EMPTY_DIR_MESSAGE],
  ])('%s: exit 2, saying what was found and what to pass', (_name, args, message) => {
    expect(cli(args)).toEqual({ status: 2, stdout: '', stderr: `ksymcheck: ${message}\n` });
  });

  test('the library throws the same InputError, naming the file', async () => {
    await expect(loadKernel(BTF_VMLINUX)).rejects.toEqual(new InputError(BTF_VMLINUX, BTF_MESSAGE.slice(BTF_VMLINUX.length + 2)));
    await expect(loadKernel(BTF_VMLINUX)).rejects.toBeInstanceOf(InputError);
    await expect(check({ kernel: EMPTY, modules: [MODULE] })).rejects.toThrow(EMPTY_MESSAGE);
  });

  test('an empty Module.symvers is still fine as --extra-symbols', async () => {
    const r = await check({ kernel: K61, extraSymbols: [EMPTY], modules: [MODULE] });
    expect(r.errors).toEqual([]);
    expect(r.modules.map((m) => [m.name, m.verdict, m.findings.length])).toEqual([['ns_imported', 'pass', 0]]);
  });
});

describe('a headers directory with Module.symvers beside the BTF-only vmlinux', () => {
  test('checks as the kernel its Module.symvers describes, with no word about the vmlinux', async () => {
    const viaHeaders = await check({ kernel: HEADERS, modules: [MODULE, sample('v6', 'modules', 'ns-missing', 'ns-missing.ko')] });
    const viaBuild = await check({ kernel: K61, modules: [MODULE, sample('v6', 'modules', 'ns-missing', 'ns-missing.ko')] });
    expect(viaHeaders.kernel.exports).toBe(viaBuild.kernel.exports);
    expect(viaHeaders.notes).toEqual([]);
    expect(viaHeaders.modules).toEqual(viaBuild.modules);
    expect(viaHeaders.modules.map((m) => [m.name, m.verdict, m.findings.map((f) => `${f.stage} ${f.rule} ${f.symbol}`)])).toEqual([
      ['ns_imported', 'pass', []],
      ['ns_missing', 'fail', ['build namespace-not-imported usb_stor_suspend', 'load namespace-not-imported usb_stor_suspend']],
    ]);
  });

  test('the CLI prints no note or warning for it', () => {
    const r = cli(['--kernel', HEADERS, '--format', 'json', MODULE]);
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
  });
});
