/**
 * Every architecture Debian builds, end to end with check(): samples/arch/hello.c built by Debian 12's
 * cross gcc-12 (i386: gcc -m32) and a headers-like tree per architecture (samples/mk/arch.mk).
 * What the loader says first (the ELF header), the vermagic string per architecture, ppc64's `.TOC.` and
 * register save/restore helpers, and the report's word when vermagic cannot be told.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, cpSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { check } from '../../src/check.js';
import { reportSchema, type Report } from '../../src/report/schema.js';
import { formatText } from '../../src/report/text.js';
import { sample } from '../helpers/fixtures.js';

const ARCHES = ['x86_64', 'i386', 'arm64', 'armhf', 'ppc64el', 's390x', 'riscv64'] as const;
type Arch = (typeof ARCHES)[number];
const KERNEL = (a: Arch) => sample('arch', 'kernels', a);
const built = (a: Arch) => existsSync(join(sample('arch', 'modules'), a, 'hello.ko'));
const KO = (a: Arch, name = 'hello') => sample('arch', 'modules', a, `${name}.ko`);
/** A test of these architectures' samples: skipped (and counted so) where one was not built — beforeAll says why. */
const whenBuilt = (...as: Arch[]) => (as.every(built) ? test : test.skip);

type Brief = { rule: string; stage: string; severity: string; symbol?: string; message: string };

async function run(kernel: string, module: string, kernelVersion?: string): Promise<{ r: Report; f: Brief[] }> {
  const r = await check({ kernel, modules: [module], stage: 'both', kernelVersion });
  expect(reportSchema.parse(r)).toEqual(r);
  expect(r.errors).toEqual([]);
  return { r, f: r.modules[0].findings.map((x) => ({ rule: x.rule, stage: x.stage, severity: x.severity, ...(x.symbol ? { symbol: x.symbol } : {}), message: x.message })) };
}

beforeAll(() => {
  for (const a of ARCHES) if (!built(a)) console.warn(`arch samples: ${a} skipped: ${readFileSync(join(sample('arch', 'modules'), `${a}.SKIPPED`), 'utf8').trim()}`);
});

describe('each architecture against its own kernel', () => {
  const VERMAGIC: Record<Arch, string> = {
    x86_64: '6.1.0-99-amd64 SMP mod_unload ',
    i386: '6.1.0-99-686-pae SMP mod_unload 686 ',
    arm64: '6.1.0-99-arm64 SMP mod_unload aarch64',
    armhf: '6.1.0-99-armmp SMP mod_unload ARMv7 p2v8 ',
    ppc64el: '6.1.0-99-powerpc64le SMP mod_unload mprofile-kernel relocatable ',
    s390x: '6.1.0-99-s390x SMP mod_unload ',
    riscv64: '6.1.0-99-riscv64 SMP mod_unload riscv',
  };
  const ARCH_NAME: Record<Arch, string> = { x86_64: 'x86_64', i386: 'i386', arm64: 'arm64', armhf: 'arm', ppc64el: 'ppc64', s390x: 's390', riscv64: 'riscv64' };

  for (const a of ARCHES)
    whenBuilt(a)(`${a}: passes at both stages, the derived vermagic is the architecture's`, async () => {
      const { r, f } = await run(KERNEL(a), KO(a));
      expect(f).toEqual([]);
      expect(r.kernel.vermagic).toBe(VERMAGIC[a]);
      expect(r.kernel.arch).toBe(ARCH_NAME[a]);
      expect(r.notes).toEqual([]);
      // the string the sample module was built with is the one derived here
      expect(readFileSync(join(sample('arch', 'modules', a), 'vermagic'), 'utf8').trimEnd()).toBe(VERMAGIC[a].trimEnd());
    });

  for (const a of ARCHES)
    whenBuilt(a)(`${a}: a module without mod_unload is refused with the kernel's vermagic line`, async () => {
      const { f } = await run(KERNEL(a), KO(a, 'hello-nounload'));
      const mod = VERMAGIC[a].replace('mod_unload ', '');
      expect(f).toEqual([{ rule: 'vermagic-mismatch', stage: 'load', severity: 'error', message: `hello: version magic '${mod}' should be '${VERMAGIC[a]}'` }]);
    });
});

describe("the loader's ELF header checks come first", () => {
  // e_machine: EM_386 3, EM_ARM 40, EM_AARCH64 183, EM_RISCV 243, EM_X86_64 62
  const WRONG: Array<[Arch, Arch, string]> = [
    ['arm64', 'x86_64', 'Invalid architecture in ELF header: 183'],
    ['i386', 'x86_64', 'Invalid architecture in ELF header: 3'],
    ['x86_64', 'i386', 'Invalid architecture in ELF header: 62'],
    ['armhf', 'arm64', 'Invalid architecture in ELF header: 40'],
    ['riscv64', 'ppc64el', 'Invalid architecture in ELF header: 243'],
    // big-endian s390x on little-endian kernels: e_type 1 reads as 256 in the kernel's byte order
    ['s390x', 'ppc64el', 'Invalid ELF header type: 256 != 1'],
    ['s390x', 'x86_64', 'Invalid ELF header type: 256 != 1'],
    // and the other way: a little-endian module on big-endian s390x
    ['x86_64', 's390x', 'Invalid ELF header type: 256 != 1'],
  ];
  for (const [mod, kernel, line] of WRONG)
    whenBuilt(mod)(`a ${mod} module on ${kernel}: one finding, the loader's first line`, async () => {
      const { f } = await run(KERNEL(kernel), KO(mod, 'hello-nounload'));
      // the vermagic difference (and everything after the header check) never reaches the loader
      expect(f.filter((x) => x.stage === 'load')).toEqual([{ rule: 'elf-header', stage: 'load', severity: 'error', message: line }]);
    });

  whenBuilt('arm64')('before 5.16 the kernel printed nothing: insmod\'s line', async () => {
    const { f } = await run(KERNEL('x86_64'), KO('arm64'), '5.15.0');
    expect(f.filter((x) => x.stage === 'load')).toEqual([
      { rule: 'elf-header', stage: 'load', severity: 'error', message: `insmod: ERROR: could not insert module ${KO('arm64')}: Invalid module format` },
    ]);
  });

  whenBuilt('x86_64')('a module for the same architecture is not refused by it (amd64 hello on the amd64 kernel: no elf-header finding)', async () => {
    const { f } = await run(KERNEL('x86_64'), KO('x86_64'));
    expect(f).toEqual([]);
  });
});

describe('ppc64', () => {
  whenBuilt('ppc64el')('the samples refer to what the tests need: the .ko to .TOC., modpost\'s input to _savegpr1_14 and _restfpr_20 too', async () => {
    const { readModule } = await import('../../src/module/read.js');
    expect((await readModule(KO('ppc64el'))).imports.map((i) => i.name).sort()).toEqual(['.TOC.', '_printk']);
    expect((await readModule(sample('arch', 'modules', 'ppc64el', 'helpers.o'))).imports.map((i) => i.name).sort()).toEqual(['.TOC.', '_printk', '_restfpr_20', '_savegpr1_14']);
  });

  whenBuilt('ppc64el')('.TOC. is defined by the ppc64 loader: never an unknown symbol at load (6.1.192 and 4.19)', async () => {
    expect((await run(KERNEL('ppc64el'), KO('ppc64el'))).f).toEqual([]);
    expect((await run(KERNEL('ppc64el'), KO('ppc64el'), '4.19.0')).f).toEqual([]);
  });

  whenBuilt('ppc64el')('6.1.192 modpost ignores _savegpr1_*/_restfpr_* (stable backport of "modpost: Amend ppc64 save/restfpr symnames for -Os build", 6.1.165)', async () => {
    const o = sample('arch', 'modules', 'ppc64el', 'helpers.o');
    const r = await check({ kernel: KERNEL('ppc64el'), modules: [o], stage: 'build' });
    expect(r.modules[0].findings).toEqual([]);
  });

  whenBuilt('ppc64el')('6.1.164, before that backport: both helpers are undefined for modpost', async () => {
    const o = sample('arch', 'modules', 'ppc64el', 'helpers.o');
    const r = await check({ kernel: KERNEL('ppc64el'), modules: [o], stage: 'build', kernelVersion: '6.1.164' });
    expect(r.modules[0].findings.map((x) => [x.rule, x.severity, x.symbol])).toEqual([
      ['unresolved', 'error', '_savegpr1_14'],
      ['unresolved', 'error', '_restfpr_20'],
    ]);
    expect(r.modules[0].findings[0].message).toMatch(/^ERROR: modpost: "_savegpr1_14" \[.*helpers\.ko\] undefined!$/);
  });
});

describe('vermagic the input cannot tell: the report says it was not checked', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ksymcheck-arch-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  whenBuilt('x86_64')('an architecture whose vermagic part is unknown (mips): note in the JSON and the text, no vermagic finding', async () => {
    const k = join(dir, 'mips');
    cpSync(KERNEL('x86_64'), k, { recursive: true });
    const config = 'CONFIG_MIPS=y\nCONFIG_32BIT=y\nCONFIG_SMP=y\nCONFIG_MODULE_UNLOAD=y\n';
    writeFileSync(join(k, '.config'), config);
    writeFileSync(join(k, 'include', 'config', 'auto.conf'), config);
    const r = await check({ kernel: k, modules: [KO('x86_64', 'hello-nounload')], stage: 'load' });
    expect(r.kernel.vermagic).toBeNull();
    expect(r.kernel.arch).toBe('mips');
    const note = `vermagic not checked against ${k}: the vermagic part of mips (MODULE_ARCH_VERMAGIC) is not known to ksymcheck`;
    expect(r.notes).toEqual([note]);
    expect(formatText(r, { color: false })).toContain(`note: ${note}\n`);
  });

  // The one-line Module.symvers has a zero CRC and no module_layout: modversions are inferred off (said in a note).
  const offNote = (f: string) =>
    `CONFIG_MODVERSIONS of ${f} taken as off: no configuration beside it, every export's CRC is 0 and module_layout is not exported (a kernel built without modversions); the loader's CRC checks were not applied`;

  test('a Module.symvers alone (no release, no config): the note says so', async () => {
    const f = join(KERNEL('x86_64'), 'Module.symvers');
    const r = await check({ kernel: f, modules: [KO('x86_64', 'hello-nounload')], stage: 'load', kernelVersion: '6.1.192' });
    expect(r.kernel.vermagic).toBeNull();
    expect(r.notes).toEqual([offNote(f), `vermagic not checked against ${f}: the kernel release (UTS_RELEASE) is not known`]);
    // modversions off and vermagic unknown: nothing the loader would refuse this module for is known
    expect(r.modules[0].findings.map((x) => x.rule)).toEqual([]);
  });

  test('build stage only: no vermagic note (vermagic is a load check)', async () => {
    const f = join(KERNEL('x86_64'), 'Module.symvers');
    const r = await check({ kernel: f, modules: [KO('x86_64')], stage: 'build', kernelVersion: '6.1.192' });
    expect(r.notes).toEqual([offNote(f)]);
  });
});
