/**
 * kmod-decompress: a compressed module that the kernel does not decompress itself is decompressed by kmod
 * in user space, with a library kmod may have been built without — then nothing reaches the kernel and
 * insmod/modprobe fail with ENOSYS ("Function not implemented").
 *
 * Load only, loader step 0 (before anything of the kernel's). kmod (libkmod-module.c, 31+:
 * do_finit_module()) tells the format by the magic bytes and reads /sys/module/compression, which a kernel
 * with CONFIG_MODULE_DECOMPRESS (5.17+) creates naming its one CONFIG_MODULE_COMPRESS_{GZIP,XZ,ZSTD}: for that
 * format (and for a plain .ko) it calls finit_module(fd, "", MODULE_INIT_COMPRESSED_FILE); for any other it
 * returns -ENOSYS, falls back to do_init_module(), decompresses with its own zlib/liblzma/libzstd code and
 * calls init_module() with the result. A kmod built without that library has only a stub that returns
 * -ENOSYS (libkmod-internal-file.h), and insmod prints `could not insert module <file>: Function not
 * implemented`. `kmod --version` lists the libraries: Debian 12's kmod 30 and Debian 13's kmod 34 say
 * `+ZSTD +XZ -ZLIB`, so a `.ko.gz` on a kernel whose own format is not gzip (Debian's: none in 6.1, xz in
 * 6.12) cannot be loaded there (test/kernel-real/qemu-kmod.test.ts).
 *
 * kmod 34 ("libkmod: use bufferless zstd decompression") decompresses zstd in one call into a buffer of
 * the first frame's Frame_Content_Size and refuses a file whose first frame records none (zstd writing to a
 * pipe; kbuild's `zstd -T0 --rm -f -q` of a file records it): `zstd: Failed to determine decompression size`,
 * EINVAL ("Invalid parameters"); kmod up to 33 streamed and took it. The kernel's own zstd decoder streams.
 *
 * kmod is user space, not part of the kernel build: `CheckOptions.kmod` (--kmod "$(kmod --version)") says
 * its version and libraries. Unknown, a `.ko.gz` that kmod would decompress, and such a `.ko.zst`, get a
 * warning (the zlib-less kmod and kmod 34 are the common ones); xz and other zstd files get nothing.
 */
import type { Compression } from '../codec/decompress.js';
import type { Finding, Rule, RuleContext } from './types.js';
import { atLeast } from './versioned.js';
import { configEnabled, finding } from './shared.js';
import { rulesDocSection, type RuleInfo } from './info.js';
import { configEmpty } from '../kernel/config.js';

/** kmod's name of each format's library in `kmod --version` (+ZSTD +XZ -ZLIB …). */
const KMOD_FEATURE: Record<Compression, string> = { gzip: 'ZLIB', xz: 'XZ', zstd: 'ZSTD' };
const CONFIG_OF: Record<Compression, string> = { gzip: 'CONFIG_MODULE_COMPRESS_GZIP', xz: 'CONFIG_MODULE_COMPRESS_XZ', zstd: 'CONFIG_MODULE_COMPRESS_ZSTD' };

/** ENOSYS, which libkmod returns for a format it has no decompressor for. */
export const ENOSYS = 38;

/**
 * Does the kernel decompress `format` itself (finit_module with MODULE_INIT_COMPRESSED_FILE, which kmod
 * uses exactly when /sys/module/compression names the format)? 5.17+ with CONFIG_MODULE_DECOMPRESS=y and
 * that CONFIG_MODULE_COMPRESS_*; undefined when no .config is known.
 */
export function kernelDecompresses(ctx: RuleContext, format: Compression): boolean | undefined {
  if (!atLeast(ctx.version, '5.17')) return false;
  if (configEmpty(ctx.kernel.config)) return undefined;
  return configEnabled(ctx, 'CONFIG_MODULE_DECOMPRESS') && configEnabled(ctx, CONFIG_OF[format]);
}

/** EINVAL: what libkmod 34 returns for a zstd frame of unknown size. */
const EINVAL = 22;

/** What `kmod --version` says: the version (`kmod version 34.2`) and, per format, whether it has the decompressor (`+ZSTD +XZ -ZLIB`). */
export function parseKmodVersion(text: string): { version?: number; has: Partial<Record<Compression, boolean>> } {
  const has: Partial<Record<Compression, boolean>> = {};
  for (const [format, name] of Object.entries(KMOD_FEATURE) as Array<[Compression, string]>) {
    const m = new RegExp(`(^|\\s)([+-])${name}(\\s|$)`).exec(text);
    if (m) has[format] = m[2] === '+';
  }
  const v = /kmod version (\d+)/.exec(text);
  return { ...(v ? { version: Number(v[1]) } : {}), has };
}

interface Failure {
  sure: boolean;
  errno: number;
  message: string;
  alsoPrints?: string;
  why: string;
}

/** Why kmod cannot decompress the module in user space (sure: an error; else a warning), or undefined. */
function userSpaceFailure(ctx: RuleContext, format: Compression, inKernel: boolean | undefined): Failure | undefined {
  const given = ctx.options.kmod;
  const kmod = given === undefined ? undefined : parseKmodVersion(given);
  const has = kmod?.has[format];
  const insmod = (what: string) => `insmod: ERROR: could not insert module ${ctx.module.path}: ${what}`;
  if (has === false || (has === undefined && format === 'gzip')) {
    return {
      sure: has === false && inKernel === false,
      errno: -ENOSYS,
      message: insmod('Function not implemented'),
      why: has === false ? `kmod has no ${KMOD_FEATURE[format]} (kmod --version: -${KMOD_FEATURE[format]})` : `a kmod built without ${KMOD_FEATURE[format]} (Debian's and Ubuntu's: \`kmod --version\` says -${KMOD_FEATURE[format]}) cannot`,
    };
  }
  const size = ctx.module.zstdContentSize;
  if (format === 'zstd' && (size === null || size === 0) && (kmod?.version === undefined || kmod.version >= 34)) {
    return {
      sure: kmod?.version !== undefined && inKernel === false,
      errno: -EINVAL,
      message: 'insmod: ERROR: zstd: Failed to determine decompression size',
      alsoPrints: insmod('Invalid parameters'),
      why: `its first zstd frame records no content size, which kmod 34 and later need (${kmod?.version !== undefined ? `kmod ${kmod.version}` : 'kmod version unknown'}; up to 33 kmod streamed)`,
    };
  }
  return undefined;
}

function check(ctx: RuleContext): Finding[] {
  const format = ctx.module.compression;
  if (!format) return [];
  const inKernel = kernelDecompresses(ctx, format);
  if (inKernel === true) return [];
  const fail = userSpaceFailure(ctx, format, inKernel);
  if (!fail) return [];
  const kernelSays = inKernel === false ? `the kernel does not decompress ${format} (${atLeast(ctx.version, '5.17') ? `no CONFIG_MODULE_DECOMPRESS=y with ${CONFIG_OF[format]}=y` : 'in-kernel module decompression came in 5.17'})` : 'no .config tells whether the kernel decompresses it';
  const fix = format === 'zstd' && fail.errno === -EINVAL ? 'recompress from a file, as kbuild does (zstd -T0 --rm -f -q foo.ko), so that the frame records its size' : format === 'gzip' ? "recompress with the kernel's own format (/sys/module/compression) or xz --check=crc32 --lzma2=dict=1MiB" : `use a kmod built with ${KMOD_FEATURE[format]}`;
  return [
    finding(ctx, {
      rule: 'kmod-decompress',
      stage: 'load',
      severity: fail.sure ? 'error' : 'warning',
      message: fail.message,
      hint: `${kernelSays}, so kmod decompresses it in user space; ${fail.why}: ${fix}`,
      evidence: {
        compression: format,
        kernelDecompresses: inKernel === undefined ? 'unknown (no .config)' : inKernel,
        kmod: ctx.options.kmod?.replace(/\s*\n\s*/g, ' ') ?? 'unknown (--kmod)',
        decompressedBy: 'kmod (user space)',
        ...(fail.alsoPrints ? { alsoPrints: fail.alsoPrints } : {}),
        errno: fail.errno,
        kernelPrints: false,
        stopsLoad: fail.sure,
      },
      references: [],
    }),
  ];
}

export const kmodDecompress: Rule = {
  id: 'kmod-decompress',
  stage: 'load',
  firstLoaderStep: 0,
  docs: {
    summary: 'A compressed module the kernel does not decompress itself, for a kmod without that decompressor: ENOSYS before the kernel sees it.',
    source: 'kernel/module/decompress.c: compression_show() (/sys/module/compression); kmod libkmod/libkmod-module.c: do_finit_module(), do_init_module(); libkmod/libkmod-internal-file.h',
  },
  check,
};

export const kmodDecompressInfo: RuleInfo = {
  id: 'kmod-decompress',
  stages: ['load'],
  summary: 'A .ko.gz/.ko.xz/.ko.zst that kmod must decompress in user space, with a kmod built without that format (Debian\'s has no zlib).',
  description:
    'kmod hands a compressed module to the kernel (finit_module with MODULE_INIT_COMPRESSED_FILE) only when ' +
    '/sys/module/compression names its format (5.17+, CONFIG_MODULE_DECOMPRESS with that CONFIG_MODULE_COMPRESS_*); ' +
    'otherwise it decompresses it itself and calls init_module(). A kmod built without the library ' +
    '(`kmod --version`: -ZLIB, -XZ, -ZSTD) fails with ENOSYS and the kernel never sees the module. ' +
    'Debian\'s kmod is built without zlib: a .ko.gz does not load on Debian\'s kernels. Error when ' +
    '--kmod says the library is missing and the .config says the kernel does not decompress the ' +
    'format; a warning for a .ko.gz when either is unknown. kmod 34+ also refuses a .ko.zst whose first ' +
    'frame records no content size (EINVAL), which kmod up to 33 and the kernel took.',
  source: 'kernel/module/decompress.c: compression_show() (/sys/module/compression); kmod libkmod/libkmod-module.c: do_finit_module(), do_init_module(); libkmod/libkmod-internal-file.h',
  versions: [
    { stage: 'load', versions: 'all versions', condition: 'the kernel does not decompress the format and --kmod lacks its library', severity: 'error', message: 'insmod: ERROR: could not insert module %s: Function not implemented' },
    { stage: 'load', versions: 'all versions', condition: '.ko.gz, and the kmod or the .config unknown', severity: 'warning', message: 'insmod: ERROR: could not insert module %s: Function not implemented' },
    { stage: 'load', versions: 'all versions', condition: 'kmod 34+, a .ko.zst whose first frame records no content size, the kernel not decompressing zstd', severity: 'error', message: 'insmod: ERROR: zstd: Failed to determine decompression size' },
  ],
  fix: 'Compress the module as the kernel does (/sys/module/compression; kbuild: xz --check=crc32 --lzma2=dict=1MiB, or zstd), or install it uncompressed.',
  docs: rulesDocSection('kmod-decompress'),
};

export default [kmodDecompress];
