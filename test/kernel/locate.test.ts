import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { InputError, ParseError } from '../../src/errors.js';
import { locateKernel, releaseFromSymversName, type KernelInputs } from '../../src/kernel/locate.js';
import { KconfigMap } from '../../src/kernel/config.js';
import { readSymversFile } from '../../src/kernel/symvers.js';

const SYMVERS = '0x4c9d28b0\tphys_base\tvmlinux\tEXPORT_SYMBOL\t\n0x039823de\tinit_uts_ns\tvmlinux\tEXPORT_SYMBOL_GPL\t\n';
/** Enough of an ELF header for the magic check. */
const ELF = Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0]);

let root: string;
beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'ksymcheck-locate-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

async function tree(name: string, files: Record<string, string | Buffer>): Promise<string> {
  const dir = path.join(root, name);
  await mkdir(dir, { recursive: true });
  for (const [rel, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, rel)), { recursive: true });
    await writeFile(path.join(dir, rel), content);
  }
  return dir;
}

/** The error a promise rejects with (fails the test if it resolves). */
async function rejectionOf<E = unknown>(p: Promise<unknown>): Promise<E> {
  return p.then(
    () => {
      throw new Error('expected a rejection, the promise resolved');
    },
    (e: unknown) => e as E,
  );
}

/** What locateKernel() gave, its config (a KconfigMap) as a plain Map. */
function plainConfig(k: KernelInputs): KernelInputs {
  return k.config ? { ...k, config: new Map(k.config) } : k;
}

async function inputErrorOf(p: Promise<unknown>): Promise<InputError> {
  const e = await p.then(
    () => undefined,
    (x: unknown) => x,
  );
  expect(e).toBeInstanceOf(InputError);
  return e as InputError;
}

describe('directories', () => {
  test('a full build tree: Module.symvers, ELF vmlinux, kernel.release, utsrelease.h, .config', async () => {
    const dir = await tree('build', {
      'Module.symvers': SYMVERS,
      vmlinux: ELF,
      'include/config/kernel.release': '6.1.0-rc5\n',
      'include/generated/utsrelease.h': '#define UTS_RELEASE "6.1.0-rc5"\n',
      '.config': '# CONFIG_FOO is not set\nCONFIG_MODVERSIONS=y\nCONFIG_LOCALVERSION=""\n',
      'include/config/auto.conf': 'CONFIG_MODVERSIONS=y\nCONFIG_FROM_AUTOCONF=y\n',
    });
    const got = await locateKernel(dir);
    // read lazily (KconfigMap: values found in the text when asked), compared as the plain Map it stands for
    expect(got.config).toBeInstanceOf(KconfigMap);
    expect(plainConfig(got)).toEqual({
      kind: 'dir',
      dir,
      symvers: path.join(dir, 'Module.symvers'),
      vmlinux: path.join(dir, 'vmlinux'),
      release: '6.1.0-rc5',
      releaseSource: 'include/config/kernel.release',
      kernelRelease: '6.1.0-rc5',
      utsRelease: '6.1.0-rc5',
      config: new Map([
        ['CONFIG_MODVERSIONS', 'y'],
        ['CONFIG_LOCALVERSION', ''],
      ]),
      configFile: path.join(dir, '.config'),
    });
  });

  test('Debian headers dir (as in linux-headers-6.1.0-56-amd64): kernel.release is the upstream version, release is UTS_RELEASE', async () => {
    const dir = await tree('usr/src/linux-headers-6.1.0-56-amd64', {
      'Module.symvers': SYMVERS,
      '.config': 'CONFIG_CC_VERSION_TEXT="gcc-12 (Debian 12.2.0-14+deb12u1) 12.2.0"\nCONFIG_MODVERSIONS=y\n',
      'include/config/auto.conf': 'CONFIG_MODVERSIONS=y\n',
      'include/config/kernel.release': '6.1.192\n',
      'include/generated/utsrelease.h': '#define UTS_RELEASE "6.1.0-56-amd64"\n',
      Makefile: 'include /usr/src/linux-headers-6.1.0-56-common/Makefile\n',
    });
    // /lib/modules/<rel>/build is a symlink to it
    const build = path.join(root, 'lib/modules/6.1.0-56-amd64/build');
    await mkdir(path.dirname(build), { recursive: true });
    await symlink(dir, build);

    const got = await locateKernel(build);
    expect(plainConfig(got)).toEqual({
      kind: 'dir',
      dir: build,
      symvers: path.join(build, 'Module.symvers'),
      release: '6.1.0-56-amd64',
      releaseSource: 'include/generated/utsrelease.h',
      kernelRelease: '6.1.192',
      utsRelease: '6.1.0-56-amd64',
      config: new Map([
        ['CONFIG_CC_VERSION_TEXT', 'gcc-12 (Debian 12.2.0-14+deb12u1) 12.2.0'],
        ['CONFIG_MODVERSIONS', 'y'],
      ]),
      configFile: path.join(build, '.config'),
    });
    expect((await readSymversFile(got.symvers!)).exports.map((e) => e.name)).toEqual(['phys_base', 'init_uts_ns']);
  });

  test('release from utsrelease.h when there is no kernel.release; config from auto.conf when there is no .config', async () => {
    const dir = await tree('uts-only', {
      'Module.symvers': '',
      'include/generated/utsrelease.h': '#define UTS_RELEASE "5.14.0-162.el9.x86_64"\n',
      'include/config/auto.conf': 'CONFIG_MODVERSIONS=y\n',
    });
    expect(plainConfig(await locateKernel(dir))).toEqual({
      kind: 'dir',
      dir,
      symvers: path.join(dir, 'Module.symvers'),
      release: '5.14.0-162.el9.x86_64',
      releaseSource: 'include/generated/utsrelease.h',
      utsRelease: '5.14.0-162.el9.x86_64',
      config: new Map([['CONFIG_MODVERSIONS', 'y']]),
      configFile: path.join(dir, 'include/config/auto.conf'),
    });
  });

  test('vmlinux only, nothing else: no release, no config', async () => {
    const dir = await tree('vmlinux-only', { vmlinux: ELF });
    expect(await locateKernel(dir)).toEqual({ kind: 'dir', dir, vmlinux: path.join(dir, 'vmlinux') });
  });

  test('an empty kernel.release falls through to utsrelease.h', async () => {
    const dir = await tree('empty-kr', {
      'Module.symvers': SYMVERS,
      'include/config/kernel.release': '\n',
      'include/generated/utsrelease.h': '#define UTS_RELEASE "4.18.0-305.el8.x86_64"\n',
    });
    const got = await locateKernel(dir);
    expect([got.release, got.releaseSource, got.kernelRelease]).toEqual([
      '4.18.0-305.el8.x86_64',
      'include/generated/utsrelease.h',
      undefined,
    ]);
  });

  test.each([
    ['not a version\n', '"not a version"'],
    ['6.16.0\0junk\n', '"6.16.0\\u0000junk"'],
    ['6.16.0 extra\n', '"6.16.0 extra"'],
    [`6.16.0-${'x'.repeat(60)}\n`, JSON.stringify(`6.16.0-${'x'.repeat(60)}`)],
  ])('a kernel.release that is no release (%j) → InputError naming the file and line 1, utsrelease.h or not', async (text, shown) => {
    for (const uts of [false, true]) {
      const dir = await tree(`bad-kr-${Buffer.from(text).toString('hex').slice(0, 24)}-${uts}`, {
        'Module.symvers': SYMVERS,
        'include/config/kernel.release': text,
        ...(uts ? { 'include/generated/utsrelease.h': '#define UTS_RELEASE "6.16.0"\n' } : {}),
      });
      const e = await inputErrorOf(locateKernel(dir));
      expect([e.file, e.where, e.reason]).toEqual([
        path.join(dir, 'include', 'config', 'kernel.release'),
        { line: 1 },
        `${shown} is not a kernel release (<version>.<patchlevel>…, printable without spaces, at most 64 characters, as Kbuild writes it)`,
      ]);
    }
  });

  test('a UTS_RELEASE that is no release → InputError naming utsrelease.h and the line of the define', async () => {
    const dir = await tree('bad-uts', { 'Module.symvers': SYMVERS, 'include/generated/utsrelease.h': '/* generated */\n#define UTS_RELEASE "linux"\n' });
    const e = await inputErrorOf(locateKernel(dir));
    expect([e.file, e.where, e.reason]).toEqual([
      path.join(dir, 'include', 'generated', 'utsrelease.h'),
      { line: 2 },
      '"linux" is not a kernel release (<version>.<patchlevel>…, printable without spaces, at most 64 characters, as Kbuild writes it)',
    ]);
  });

  test('releases Kbuild writes are taken as they are: an rc, a local version, 64 characters', async () => {
    for (const r of ['6.16.0-rc1+', '4.18.0-305.el8.x86_64', `6.1.0-${'y'.repeat(58)}`]) {
      const dir = await tree(`good-kr-${r.length}-${r.slice(0, 8)}`, { 'Module.symvers': SYMVERS, 'include/config/kernel.release': `${r}\n` });
      expect((await locateKernel(dir)).release).toBe(r);
    }
  });

  test('a directory with neither Module.symvers nor vmlinux → InputError naming both', async () => {
    const dir = await tree('nothing', { '.config': 'CONFIG_A=y\n' });
    const e = await inputErrorOf(locateKernel(dir));
    expect(e.file).toBe(dir);
    expect(e.reason).toBe(
      `not a kernel build or headers directory: found neither Module.symvers nor vmlinux (looked for ${path.join(dir, 'Module.symvers')} and ${path.join(dir, 'vmlinux')})`,
    );
  });

  test('a vmlinux that is not ELF does not count, and the error says so', async () => {
    const dir = await tree('fake-vmlinux', { vmlinux: 'not an elf\n' });
    const e = await inputErrorOf(locateKernel(dir));
    expect(e.reason).toContain('(vmlinux is there but is not an ELF file)');
  });

  test('a malformed .config → ParseError naming .config and the line', async () => {
    const dir = await tree('bad-config', { 'Module.symvers': SYMVERS, '.config': 'CONFIG_A=y\nthis is not kconfig\n' });
    const e = await rejectionOf<ParseError>(locateKernel(dir));
    expect(e).toBeInstanceOf(ParseError);
    expect(e.file).toBe(path.join(dir, '.config'));
    expect(e.where).toEqual({ line: 2 });
  });
});

describe('files', () => {
  test('RHEL /boot/symvers-<release>.gz → kind symvers, release from the name', async () => {
    const dir = await tree('boot', {});
    const f = path.join(dir, 'symvers-4.18.0-305.el8.x86_64.gz');
    await writeFile(f, gzipSync(SYMVERS));
    expect(await locateKernel(f)).toEqual({
      kind: 'symvers',
      symvers: f,
      release: '4.18.0-305.el8.x86_64',
      releaseSource: 'Module.symvers path',
    });
    expect((await readSymversFile(f)).exports).toHaveLength(2);
  });

  test('a plain Module.symvers → kind symvers, no release', async () => {
    const dir = await tree('plain', { 'Module.symvers': SYMVERS });
    const f = path.join(dir, 'Module.symvers');
    expect(await locateKernel(f)).toEqual({ kind: 'symvers', symvers: f });
  });

  test('an empty file is an (empty) Module.symvers', async () => {
    const dir = await tree('emptyfile', { 'Module.symvers': '' });
    expect((await locateKernel(path.join(dir, 'Module.symvers'))).kind).toBe('symvers');
  });

  test('a file named .deb or .rpm that is no package (empty, text) → InputError saying so, not an empty Module.symvers', async () => {
    const dir = await tree('not-packages', { 'empty.deb': '', 'text.rpm': 'hello\n' });
    for (const [name, why] of [['empty.deb', 'an empty file'], ['text.rpm', 'no ar or RPM lead magic']]) {
      const e = await inputErrorOf(locateKernel(path.join(dir, name)));
      expect([e.file, e.where, e.reason]).toEqual([path.join(dir, name), { offset: 0 }, `not a Debian package (.deb) nor an RPM package (.rpm): ${why}`]);
    }
  });

  test('an ELF file → kind vmlinux', async () => {
    const dir = await tree('elf', { 'vmlinux-6.1.0': ELF });
    const f = path.join(dir, 'vmlinux-6.1.0');
    expect(await locateKernel(f)).toEqual({ kind: 'vmlinux', vmlinux: f });
  });

  test('releaseFromSymversName', () => {
    expect(releaseFromSymversName('/boot/symvers-5.14.0-162.el9.x86_64.gz')).toBe('5.14.0-162.el9.x86_64');
    expect(releaseFromSymversName('symvers-6.1.0-47-amd64')).toBe('6.1.0-47-amd64');
    expect(releaseFromSymversName('/x/Module.symvers')).toBeUndefined();
    expect(releaseFromSymversName('/x/symvers-')).toBeUndefined();
    expect(releaseFromSymversName('/lib/modules/6.12.9-200.fc41.x86_64/symvers.gz')).toBe('6.12.9-200.fc41.x86_64');
    expect(releaseFromSymversName('/lib/modules/6.12.9-200.fc41.x86_64/kernel/symvers.gz')).toBeUndefined();
  });
});

describe('missing paths', () => {
  test('missing path → InputError(path, "no such file or directory")', async () => {
    const p = path.join(root, 'does-not-exist');
    const e = await inputErrorOf(locateKernel(p));
    expect(e.file).toBe(p);
    expect(e.reason).toBe('no such file or directory');
    expect(e.message).toBe(`${p}: no such file or directory`);
  });

  test('a dangling /lib/modules/<rel>/build symlink says where it points', async () => {
    const link = path.join(root, 'lib/modules/6.1.0-99-amd64/build');
    await mkdir(path.dirname(link), { recursive: true });
    await symlink('/usr/src/linux-headers-6.1.0-99-amd64-removed', link);
    const e = await inputErrorOf(locateKernel(link));
    expect(e.reason).toBe('no such file or directory (dangling symbolic link to /usr/src/linux-headers-6.1.0-99-amd64-removed)');
  });
});
