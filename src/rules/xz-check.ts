/**
 * xz-check: a `.ko.xz` whose xz integrity check is neither CRC32 nor none cannot be decompressed by the
 * kernel.
 *
 * Load only. kernel/module/decompress.c module_xz_decompress() (5.17+, CONFIG_MODULE_DECOMPRESS with
 * CONFIG_MODULE_COMPRESS_XZ) runs lib/xz's xz_dec, which is built without XZ_DEC_ANY_CHECK and has no
 * CRC64 in the kernel (xz_private.h: "Using CRC64 in the kernel has not been implemented"):
 * dec_stream_header() returns XZ_OPTIONS_ERROR (6) for any Check ID above CRC32, and
 * module_xz_decompress() prints `decompression failed with status %d` and fails finit_module() with
 * -EINVAL. xz's own default is CRC64; kbuild's modules_install writes `xz --check=crc32
 * --lzma2=dict=1MiB` (scripts/Makefile.modinst), so it is modules compressed by other tools (a DKMS
 * package, a hand-made `xz foo.ko`) that hit it, once kmod (31+) hands the compressed file to the kernel
 * (MODULE_INIT_COMPRESSED_FILE, when /sys/module/compression says xz). Older kernels, and kernels
 * without in-kernel decompression, leave decompression to kmod's liblzma, which takes every check.
 * Observed with Debian 13's kmod 34.2 on Debian's 6.12.117 under QEMU (test/kernel-real/qemu-kmod.test.ts):
 * CRC64 and SHA-256 fail finit_module(…, MODULE_INIT_COMPRESSED_FILE) with EINVAL and "decompression
 * failed with status 6", CRC32 and none load; on Debian's 6.1 (no CONFIG_MODULE_DECOMPRESS) all four load
 * through kmod's init_module().
 *
 * The rule reads ModuleFacts.compression / .xzCheck (the stream header's Check ID, recorded when the
 * file was read) and the kernel's .config; with no .config it assumes the kernel decompresses.
 */
import type { Finding, Rule, RuleContext } from './types.js';
import { message, type MessageEntry } from './versioned.js';
import { finding } from './shared.js';
import { kernelDecompresses } from './kmod-decompress.js';
import { rowsOf, rulesDocSection, type RuleInfo } from './info.js';

/** XZ_OPTIONS_ERROR in include/linux/xz.h's enum xz_ret. */
export const XZ_OPTIONS_ERROR = 6;

export const XZ_DECOMPRESS_FAILED: readonly MessageEntry[] = [{ since: '5.17', severity: 'error', template: 'decompression failed with status %d' }];

function check(ctx: RuleContext): Finding[] {
  const m = ctx.module;
  if (m.compression !== 'xz' || m.xzCheck === undefined || m.xzCheck === 'none' || m.xzCheck === 'crc32') return [];
  // The kernel decompresses only with CONFIG_MODULE_DECOMPRESS, and only its own compression type;
  // otherwise kmod's liblzma does, which takes every check (or kmod-decompress finds it has none).
  const inKernel = kernelDecompresses(ctx, 'xz');
  if (inKernel === false) return [];
  const configKnown = inKernel === true;
  const msg = message(XZ_DECOMPRESS_FAILED, ctx.version, XZ_OPTIONS_ERROR);
  if (!msg) return [];
  return [
    finding(ctx, {
      rule: 'xz-check',
      stage: 'load',
      severity: msg.severity,
      message: msg.message,
      hint: `the file's xz integrity check is ${m.xzCheck} (xz's default is crc64); the kernel's XZ decoder takes only crc32 or none: recompress with \`xz --check=crc32 --lzma2=dict=1MiB\` (what kbuild's modules_install does)`,
      evidence: {
        xzCheck: m.xzCheck,
        kernelDecompresses: configKnown ? 'CONFIG_MODULE_DECOMPRESS=y, CONFIG_MODULE_COMPRESS_XZ=y' : 'assumed (no .config)',
        errno: -22,
        stopsLoad: true,
      },
      references: [],
    }),
  ];
}

export const xzCheck: Rule = {
  id: 'xz-check',
  stage: 'load',
  firstLoaderStep: 0,
  docs: {
    summary: 'A .ko.xz with a CRC64/SHA-256 integrity check: the in-kernel XZ decoder (5.17+, CONFIG_MODULE_DECOMPRESS) fails with status 6 and the load with -EINVAL.',
    source: 'kernel/module/decompress.c: module_xz_decompress(); lib/xz/xz_dec_stream.c: dec_stream_header()',
  },
  check,
};

export const xzCheckInfo: RuleInfo = {
  id: 'xz-check',
  stages: ['load'],
  summary: 'A .ko.xz with a CRC64 or SHA-256 integrity check, which the in-kernel XZ decoder cannot decompress.',
  description:
    'With in-kernel module decompression (5.17+, CONFIG_MODULE_DECOMPRESS and CONFIG_MODULE_COMPRESS_XZ) ' +
    'kmod hands the compressed file to the kernel, whose XZ decoder knows only the CRC32 and "none" ' +
    'integrity checks: any other fails with status 6 (XZ_OPTIONS_ERROR) and the load with -EINVAL. xz\'s ' +
    'default check is CRC64; kbuild compresses with --check=crc32.',
  source: 'kernel/module/decompress.c: module_xz_decompress(); lib/xz/xz_dec_stream.c: dec_stream_header()',
  versions: rowsOf('load', XZ_DECOMPRESS_FAILED, 'CONFIG_MODULE_DECOMPRESS=y and CONFIG_MODULE_COMPRESS_XZ=y, or no .config known'),
  fix: 'Recompress as kbuild does: xz -d foo.ko.xz && xz --check=crc32 --lzma2=dict=1MiB foo.ko.',
  docs: rulesDocSection('xz-check'),
};

export default [xzCheck];
