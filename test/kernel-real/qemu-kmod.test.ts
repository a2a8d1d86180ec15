/**
 * Compressed modules against the real loader, loaded the way kmod loads them: Debian's kernel booted under
 * `qemu-system-x86_64 -accel tcg` (scripts/qemu-load.mjs kmod-load), Debian 13's own kmod 34 (unpacked
 * from trixie's packages) running `insmod` in the guest, the kernel's syscall trace events telling which
 * call libkmod made — finit_module(fd, "", MODULE_INIT_COMPRESSED_FILE) when /sys/module/compression
 * names the file's format, init_module() of what kmod decompressed in user space otherwise, or none.
 *
 * The modules are real in-tree modules of each kernel's image package (small ones, no dependencies, each
 * case a different module so that one boot loads them all), recompressed here by the real tools: xz with
 * kbuild's own options (`--check=crc32 --lzma2=dict=1MiB`, scripts/Makefile.modinst) and with CRC64,
 * SHA-256 and no check, `gzip -n`, `zstd` of a file as kbuild runs it (`-T0 -f -q`: the frame records its
 * size) and `zstd` writing from a pipe (no size recorded, which kmod 34's decoder refuses), and one left plain. Kernels: Debian 13's 6.12 (in-kernel xz
 * decompression) and Debian 12's 6.1 (none: /sys/module/compression absent).
 *
 * Per case, what the guest saw (insmod's exit status and output, errno, the kernel's log lines, the
 * syscall) is compared with ksymcheck's load findings for the same file against the kernel's headers,
 * given what the guest kmod's own `kmod --version` printed (--kmod).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { check } from '../../src/index.js';
import { compressionOf, zstdFrames } from '../../src/codec/decompress.js';
import { parseKmodVersion } from '../../src/rules/kmod-decompress.js';
import type { ModuleReport } from '../../src/report/schema.js';
import { CACHE, REPO, kernelLines, readAbisEnv, type KmsgRecord } from './env.js';

const script = join(REPO, 'scripts', 'qemu-load.mjs');
const run = (...args: string[]) => execFileSync('node', [script, ...args], { encoding: 'utf8', env: { ...process.env, KSYMCHECK_CACHE: CACHE }, maxBuffer: 1 << 26 });

interface KmodLoad {
  module: string;
  exit: number;
  errno: number;
  errnoName: string;
  kmod: string[];
  syscalls: Array<{ call: 'finit_module' | 'init_module'; flags?: number; errno: number }>;
  kmsg: KmsgRecord[];
}
interface KmodBoot {
  compression: string;
  kmodVersion: string[];
  loads: KmodLoad[];
}

/** include/uapi/linux/module.h */
const MODULE_INIT_COMPRESSED_FILE = 4;

/**
 * The cases: an in-tree module (path under kernel/, no suffix) and how the test compresses it — the tool
 * reading a pipe, or (`file`) given the plain file and `-o`.
 */
interface Case {
  id: string;
  module: string;
  ext: string;
  tool?: string[];
  file?: boolean;
}
const CASES: Case[] = [
  { id: 'xz-crc32', module: 'fs/nls/nls_ascii', ext: '.ko.xz', tool: ['xz', '--check=crc32', '--lzma2=dict=1MiB'] },
  { id: 'xz-crc64', module: 'fs/nls/nls_iso8859-1', ext: '.ko.xz', tool: ['xz', '--check=crc64'] },
  { id: 'xz-sha256', module: 'net/ipv4/tcp_highspeed', ext: '.ko.xz', tool: ['xz', '--check=sha256'] },
  { id: 'xz-none', module: 'fs/nls/nls_cp874', ext: '.ko.xz', tool: ['xz', '--check=none'] },
  { id: 'gzip', module: 'fs/nls/nls_iso8859-5', ext: '.ko.gz', tool: ['gzip', '-n'] },
  { id: 'zstd', module: 'net/ipv4/tcp_scalable', ext: '.ko.zst', tool: ['zstd', '-T0', '-f', '-q'], file: true },
  { id: 'zstd-pipe', module: 'net/ipv4/tcp_vegas', ext: '.ko.zst', tool: ['zstd', '-q'] },
  { id: 'plain', module: 'fs/nls/nls_utf8', ext: '.ko' },
];

interface Kernel {
  name: string;
  /** Cases beyond CASES: an out-of-tree sample built by the real 6.12 Kbuild (scripts/trixie-chroot), when there. */
  extra: Case[];
  release: string;
  vmlinuz: string;
  headers: string;
  /** The plain ELF bytes of an in-tree module (`module`: path under kernel/ without suffix), or of an absolute path. */
  plain(module: string): Buffer;
}

function trixie(): Kernel | undefined {
  const f = join(CACHE, 'trixie', 'trixie.env');
  if (!existsSync(f)) return undefined;
  const env = Object.fromEntries(readFileSync(f, 'utf8').trim().split('\n').map((l) => l.split('=') as [string, string]));
  // the kbuild oracle's build of samples/modules/dual-mit-gpl in the trixie chroot ($TRIXIE_CHROOT/ksymcheck-oracle/<release>/<case>.<mode>/)
  const sample = env.TRIXIE_CHROOT ? join(env.TRIXIE_CHROOT, 'ksymcheck-oracle', env.TRIXIE_RELEASE, 'dual-mit-gpl.normal', 'dual_mit_gpl.ko') : '';
  return {
    name: "Debian 13's 6.12",
    // a hand-made `xz foo.ko` (xz's default CRC64, as DKMS packages ship), then kbuild's own options
    extra: existsSync(sample)
      ? [
          { id: 'kbuild-xz-crc64', module: sample, ext: '.ko.xz', tool: ['xz'] },
          { id: 'kbuild-xz-crc32', module: sample, ext: '.ko.xz', tool: ['xz', '--check=crc32', '--lzma2=dict=1MiB'] },
        ]
      : [],
    release: env.TRIXIE_RELEASE,
    vmlinuz: join(CACHE, 'trixie', 'image', 'boot', `vmlinuz-${env.TRIXIE_RELEASE}`),
    headers: env.TRIXIE_HEADERS,
    plain: (m) => (m.startsWith('/') ? readFileSync(m) : execFileSync('xz', ['-dc', join(env.TRIXIE_MODULES, 'kernel', `${m}.ko.xz`)], { maxBuffer: 1 << 28 })),
  };
}

function bookworm(): Kernel {
  const env = readAbisEnv();
  return {
    name: "Debian 12's 6.1",
    extra: [],
    release: `6.1.0-${env.NEW_ABI}-amd64`,
    vmlinuz: join(env.NEW_IMAGE, 'boot', `vmlinuz-6.1.0-${env.NEW_ABI}-amd64`),
    headers: env.NEW_HEADERS,
    plain: (m) => readFileSync(join(env.NEW_IMAGE_MODULES, 'kernel', `${m}.ko`)),
  };
}

/** The case files of one kernel, made by the real tools into the cache. */
function makeCases(k: Kernel): string[] {
  const dir = join(CACHE, 'qemu', 'kmod-cases', k.release);
  mkdirSync(dir, { recursive: true });
  return [...CASES, ...k.extra].map((c) => {
    const file = join(dir, `${c.id}-${basename(c.module).replace(/\.ko$/, '')}${c.ext}`);
    const plain = k.plain(c.module);
    if (!c.tool) writeFileSync(file, plain);
    else if (!c.file) writeFileSync(file, execFileSync(c.tool[0], [...c.tool.slice(1), '-c'], { input: plain, maxBuffer: 1 << 28 }));
    else {
      writeFileSync(`${file}.in`, plain);
      execFileSync(c.tool[0], [...c.tool.slice(1), '-o', file, `${file}.in`]);
      rmSync(`${file}.in`);
    }
    return file;
  });
}

/**
 * What kmod does with a file (libkmod-module.c do_finit_module(), libkmod-file-zstd.c), by the guest's
 * /sys/module/compression and `kmod --version`.
 */
function kmodPath(file: string, boot: KmodBoot): 'finit_module' | 'finit_module compressed' | 'init_module' | 'none' {
  const bytes = readFileSync(file);
  const format = compressionOf(bytes);
  if (!format) return 'finit_module';
  if (format === boot.compression) return 'finit_module compressed';
  const kmod = parseKmodVersion(boot.kmodVersion.join('\n'));
  if (!kmod.has[format]) return 'none';
  if (format === 'zstd' && (kmod.version ?? 0) >= 34 && !zstdFrames(bytes)?.[0]?.contentSize) return 'none';
  return 'init_module';
}

/** What the kernel decompresses itself by its .config (CONFIG_MODULE_DECOMPRESS and the format): /sys/module/compression. */
function configCompression(k: Kernel): string {
  const config = readFileSync(join(k.headers, '.config'), 'utf8');
  const decompress = /^CONFIG_MODULE_DECOMPRESS=y$/m.test(config);
  const format = (['GZIP', 'XZ', 'ZSTD'] as const).find((f) => new RegExp(`^CONFIG_MODULE_COMPRESS_${f}=y$`, 'm').test(config));
  return decompress && format ? { GZIP: 'gzip', XZ: 'xz', ZSTD: 'zstd' }[format] : 'absent';
}

const observedPath = (l: KmodLoad) =>
  l.syscalls.length === 0 ? 'none' : l.syscalls[0].call === 'init_module' ? 'init_module' : l.syscalls[0].flags === MODULE_INIT_COMPRESSED_FILE ? 'finit_module compressed' : 'finit_module';

const TIMEOUT = 600_000;
const KERNELS = [trixie(), bookworm()].filter((k): k is Kernel => k !== undefined && existsSync(k.vmlinuz));
const rows: string[] = [];

describe.each(KERNELS.map((k) => [k.name, k] as const))('compressed modules loaded by kmod 34 on %s', (_name, k) => {
  let files: string[];
  let boot: KmodBoot;
  let reports: ModuleReport[];

  beforeAll(async () => {
    run('setup');
    run('kmod-setup');
    files = makeCases(k);
    boot = JSON.parse(run('kmod-load', k.vmlinuz, ...files)) as KmodBoot;
    const r = await check({ kernel: k.headers, modules: files, stage: 'load', kmod: boot.kmodVersion.join('\n') });
    expect(r.errors).toEqual([]);
    reports = files.map((f) => r.modules.find((m) => m.path === f)!);
  }, TIMEOUT);

  afterAll(() => {
    if (rows.length) process.stderr.write(`\n${rows.join('\n')}\n`);
    rows.length = 0;
  });

  test('the guest ran Debian 13’s kmod; /sys/module/compression as the .config says', () => {
    expect(boot.kmodVersion[0]).toMatch(/^kmod version 3[4-9]/);
    expect(boot.compression).toBe(configCompression(k));
  });

  test.each([...CASES, ...k.extra].map((c, i) => [c.id, i] as const))('%s: kmod’s system call, errno and the kernel’s lines equal ksymcheck’s verdict', (id, i) => {
    const got = boot.loads[i];
    const want = reports[i];
    const errors = want.findings.filter((f) => f.severity === 'error');
    // libkmod chose the call its source says, by /sys/module/compression and its own decompressors
    expect(observedPath(got)).toBe(kmodPath(files[i], boot));
    // the verdict and the errno
    expect(got.exit !== 0).toBe(errors.length > 0);
    expect(got.errno).toBe(errors.length ? -Number(errors[0].evidence.errno ?? NaN) : 0);
    // the kernel's lines; the lines only kmod prints (kernelPrints false), with the guest's path
    expect(kernelLines(got.kmsg).sort()).toEqual(want.findings.filter((f) => f.evidence.kernelPrints !== false).map((f) => f.message).sort());
    const guestPath = `/m/${String(i).padStart(2, '0')}-${basename(files[i])}`;
    const kmodLines = want.findings.filter((f) => f.evidence.kernelPrints === false && f.severity === 'error').flatMap((f) => [f.message, ...(typeof f.evidence.alsoPrints === 'string' ? [f.evidence.alsoPrints] : [])]);
    if (kmodLines.length) expect(got.kmod).toEqual(kmodLines.map((l) => l.replace(files[i], guestPath)));
    rows.push(
      `${k.release} ${id.padEnd(10)} ${observedPath(got).padEnd(24)} errno ${got.errnoName.padEnd(7)} kernel: ${JSON.stringify(kernelLines(got.kmsg))} kmod: ${JSON.stringify(got.kmod)} | ksymcheck: ${want.verdict} ${JSON.stringify(want.findings.map((f) => `${f.rule}/${f.severity}`))}`,
    );
  });

  // only a kernel decompressing xz itself (Debian 13's); without it kmod's liblzma takes every check (the
  // cases above), and this test is reported as skipped
  const inKernelXz = configCompression(k) === 'xz' ? test : test.skip;
  inKernelXz('what the kernel’s XZ decoder takes: CRC32 and none; CRC64 and SHA-256 fail with status 6 (XZ_OPTIONS_ERROR), EINVAL', () => {
    expect(boot.compression).toBe('xz');
    const byId = (id: string) => boot.loads[CASES.findIndex((c) => c.id === id)];
    for (const id of ['xz-crc32', 'xz-none']) expect([byId(id).errnoName, observedPath(byId(id))]).toEqual(['OK', 'finit_module compressed']);
    for (const id of ['xz-crc64', 'xz-sha256']) {
      expect(byId(id).errnoName).toBe('EINVAL');
      expect(kernelLines(byId(id).kmsg)).toEqual(['decompression failed with status 6']);
    }
  });
});
