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
 * kmod is user space, not part of the kernel build: `CheckOptions.kmodFeatures` (--kmod-features, the
 * feature line of `kmod --version`) says which libraries it has. Unknown, a `.ko.gz` that kmod would
 * decompress gets a warning (the zlib-less kmod is the common one); xz and zstd, which every
 * distribution's kmod has, get nothing.
 */
import type { Compression } from '../module/decompress.js';
import type { Finding, Rule, RuleContext } from './types.js';
import { atLeast } from './versioned.js';
import { configEnabled, finding } from './shared.js';
import { rulesDocSection, type RuleInfo } from './info.js';

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
  if (ctx.kernel.config.size === 0) return undefined;
  return configEnabled(ctx, 'CONFIG_MODULE_DECOMPRESS') && configEnabled(ctx, CONFIG_OF[format]);
}

/** Whether kmod has each format's decompressor, from the feature line of `kmod --version` (`+ZSTD +XZ -ZLIB +OPENSSL`). */
export function parseKmodFeatures(line: string): Partial<Record<Compression, boolean>> {
  const out: Partial<Record<Compression, boolean>> = {};
  for (const [format, name] of Object.entries(KMOD_FEATURE) as Array<[Compression, string]>) {
    const m = new RegExp(`(^|\\s)([+-])${name}(\\s|$)`).exec(line);
    if (m) out[format] = m[2] === '+';
  }
  return out;
}

function check(ctx: RuleContext): Finding[] {
  const format = ctx.module.compression;
  if (!format) return [];
  const inKernel = kernelDecompresses(ctx, format);
  if (inKernel === true) return [];
  const features = ctx.options.kmodFeatures;
  const has = features === undefined ? undefined : parseKmodFeatures(features)[format];
  if (has === true || (has === undefined && format !== 'gzip')) return [];
  const sure = has === false && inKernel === false;
  const kernelSays = inKernel === false ? `the kernel does not decompress ${format} (${atLeast(ctx.version, '5.17') ? `no CONFIG_MODULE_DECOMPRESS=y with ${CONFIG_OF[format]}=y` : 'in-kernel module decompression came in 5.17'})` : 'no .config tells whether the kernel decompresses it';
  const kmodSays = has === false ? `kmod has no ${KMOD_FEATURE[format]} (kmod --version: -${KMOD_FEATURE[format]})` : `a kmod built without ${KMOD_FEATURE[format]} (Debian's and Ubuntu's: \`kmod --version\` says -${KMOD_FEATURE[format]}) cannot`;
  return [
    finding(ctx, {
      rule: 'kmod-decompress',
      stage: 'load',
      severity: sure ? 'error' : 'warning',
      message: `insmod: ERROR: could not insert module ${ctx.module.path}: Function not implemented`,
      hint: `${kernelSays}, so kmod decompresses it in user space; ${kmodSays}: ${format === 'gzip' ? 'recompress with the kernel\'s own format (/sys/module/compression) or xz --check=crc32 --lzma2=dict=1MiB' : `use a kmod built with ${KMOD_FEATURE[format]}`}`,
      evidence: {
        compression: format,
        kernelDecompresses: inKernel === undefined ? 'unknown (no .config)' : inKernel,
        kmodFeatures: features ?? 'unknown (--kmod-features)',
        decompressedBy: 'kmod (user space)',
        errno: -ENOSYS,
        kernelPrints: false,
        stopsLoad: sure,
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
    '--kmod-features says the library is missing and the .config says the kernel does not decompress the ' +
    'format; a warning for a .ko.gz when either is unknown.',
  source: 'kernel/module/decompress.c: compression_show() (/sys/module/compression); kmod libkmod/libkmod-module.c: do_finit_module(), do_init_module(); libkmod/libkmod-internal-file.h',
  versions: [
    { stage: 'load', versions: 'all versions', condition: 'the kernel does not decompress the format and --kmod-features lacks it', severity: 'error', message: 'insmod: ERROR: could not insert module %s: Function not implemented' },
    { stage: 'load', versions: 'all versions', condition: '.ko.gz, and the kmod or the .config unknown', severity: 'warning', message: 'insmod: ERROR: could not insert module %s: Function not implemented' },
  ],
  fix: 'Compress the module as the kernel does (/sys/module/compression; kbuild: xz --check=crc32 --lzma2=dict=1MiB, or zstd), or install it uncompressed.',
  docs: rulesDocSection('kmod-decompress'),
};

export default [kmodDecompress];
