/**
 * Extended modversions (6.14+: __version_ext_crcs / __version_ext_names) made by the REAL 7.x modpost of
 * the unstable chroot, with its own options: -m (modversions), -x (extended tables), -b (basic __versions).
 * Debian's 7.x build has CONFIG_MODVERSIONS off (every CRC 0x00000000, no module_layout), so modpost is
 * given a CRC-bearing copy of its Module.symvers: every CRC replaced by the first 32 bits of the MD5 of
 * the symbol's name, plus a module_layout line (modpost adds module_layout to every module's imports with
 * -m, 7.2.13 scripts/mod/modpost.c read_symbols()). kbuild links the .ko from the .mod.c that modpost
 * writes (MODPOST= a wrapper that adds the options and swaps the -i file), as Makefile.modpost does for a
 * CONFIG_EXTENDED_MODVERSIONS kernel. The tables are then read with readelf and checked by ksymcheck's
 * load stage against that Module.symvers (nothing to refuse) and against one where synchronize_rcu's CRC
 * differs (the loader's check_version() on the extended table: "disagrees about version of symbol").
 * The booted 7.x kernel cannot judge these (its loader is built without MODVERSIONS), hence no QEMU here.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { check } from '../../src/check.js';
import { CACHE, REPO, SAMPLES, readUnstableEnv, unstableHeaders } from './env.js';

const env = readUnstableEnv();
const HEADERS = unstableHeaders(env);
const IN_CHROOT_HEADERS = `/usr/src/linux-headers-${env.UNSTABLE_RELEASE}`;
const ROOT = join(env.UNSTABLE_CHROOT, 'ksymcheck-ext');
const C = { ...process.env, LC_ALL: 'C' };
const crcOf = (name: string) => Number.parseInt(createHash('md5').update(name).digest('hex').slice(0, 8), 16);
const hex = (n: number) => `0x${n.toString(16).padStart(8, '0')}`;

/** Debian's Module.symvers with CRCs (and module_layout); `changed` gets its CRC's low bit flipped. */
function crcSymvers(changed?: string): string {
  const lines = readFileSync(join(HEADERS, 'Module.symvers'), 'utf8').replace(/\n$/, '').split('\n'); // (trimEnd would cut the last row's empty namespace column)
  const out = lines.map((l) => {
    const f = l.split('\t');
    f[0] = hex((crcOf(f[1]) ^ (f[1] === changed ? 1 : 0)) >>> 0);
    return f.join('\t');
  });
  out.push(`${hex(crcOf('module_layout'))}\tmodule_layout\tvmlinux\tEXPORT_SYMBOL\t`);
  return out.join('\n') + '\n';
}

/** The ELF section names of a file (readelf -SW). */
const sections = (f: string) =>
  execFileSync('readelf', ['-SW', f], { encoding: 'utf8', env: C })
    .split('\n')
    .map((l) => /^\s*\[\s*\d+\]\s+(\S+)\s/.exec(l)?.[1])
    .filter((s): s is string => s !== undefined);

/** The extended tables as readelf dumps them: names from -p, CRCs (u32 little-endian) from -x. */
function extTables(ko: string): Array<{ name: string; crc: number }> {
  const names = execFileSync('readelf', ['-p', '__version_ext_names', ko], { encoding: 'utf8', env: C })
    .split('\n')
    .map((l) => /^\s*\[\s*[0-9a-f]+\]\s+(\S+)$/.exec(l)?.[1])
    .filter((s): s is string => s !== undefined);
  const words = execFileSync('readelf', ['-x', '__version_ext_crcs', ko], { encoding: 'utf8', env: C })
    .split('\n')
    .flatMap((l) => (/^\s+0x[0-9a-f]+ ((?:[0-9a-f]{8} ){1,4})/.exec(l)?.[1] ?? '').trim().split(' ').filter(Boolean));
  const crcs = words.map((w) => Buffer.from(w, 'hex').readUInt32LE(0));
  expect(crcs).toHaveLength(names.length);
  return names.map((name, i) => ({ name, crc: crcs[i] }));
}

const MODES = [
  { mode: 'extended only (-m -x)', dir: 'ext', opts: '-m -x', basic: false },
  { mode: 'basic and extended (-m -b -x)', dir: 'both', opts: '-m -b -x', basic: true },
];

describe.each(MODES)(`the real ${env.UNSTABLE_RELEASE} modpost, $mode, on a CRC-bearing Module.symvers`, ({ dir, opts, basic }) => {
  const work = join(ROOT, dir);
  const inner = `/ksymcheck-ext/${dir}`;
  let ko: string;
  beforeAll(() => {
    rmSync(work, { recursive: true, force: true });
    mkdirSync(work, { recursive: true });
    cpSync(join(SAMPLES, 'gpl-uses-gplonly'), work, { recursive: true });
    writeFileSync(join(work, 'crc.symvers'), crcSymvers());
    writeFileSync(join(work, 'crc-changed.symvers'), crcSymvers('synchronize_rcu'));
    // Makefile.modpost runs $(MODPOST) $(modpost-args): the real modpost, with the kernel's -i file swapped
    writeFileSync(
      join(work, 'modpost'),
      `#!/bin/sh\np=; for a; do shift; case "$p:$a" in -i:*/Module.symvers) set -- "$@" ${inner}/crc.symvers ;; *) set -- "$@" "$a" ;; esac; p=$a; done\n` +
        `exec ${IN_CHROOT_HEADERS}/scripts/mod/modpost ${opts} "$@"\n`,
    );
    chmodSync(join(work, 'modpost'), 0o755);
    execFileSync(
      'bash',
      [join(REPO, 'scripts', 'unstable-chroot'), 'run', 'make', '-C', IN_CHROOT_HEADERS, `M=${inner}`, 'modules', `MODPOST=${inner}/modpost`],
      { env: { ...process.env, KSYMCHECK_CACHE: CACHE }, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    ko = join(work, 'gpl_uses_gplonly.ko');
  }, 600_000);

  test('the .ko has the extended tables (and __versions only with -b), its CRCs those of the Module.symvers', () => {
    const s = sections(ko);
    expect(s).toEqual(expect.arrayContaining(['__version_ext_crcs', '__version_ext_names']));
    expect(s.includes('__versions')).toBe(basic);
    const ext = extTables(ko);
    expect(ext.map((e) => e.name)).toEqual(expect.arrayContaining(['synchronize_rcu', 'module_layout']));
    expect(ext.filter((e) => e.crc !== crcOf(e.name))).toEqual([]);
  });

  test('ksymcheck, load stage, against that Module.symvers: modversions on, no load error', async () => {
    const r = await check({ kernel: join(work, 'crc.symvers'), modules: [ko], stage: 'load', kernelVersion: '7.2' });
    expect(r.errors).toEqual([]);
    expect(r.kernel.modversions).toBe(true);
    expect(r.modules[0].findings.filter((f) => f.severity === 'error').map((f) => `${f.rule} ${f.symbol}`)).toEqual([]);
  });

  test('against a Module.symvers where synchronize_rcu’s CRC differs: exactly that crc-mismatch, with the loader’s line', async () => {
    const r = await check({ kernel: join(work, 'crc-changed.symvers'), modules: [ko], stage: 'load', kernelVersion: '7.2' });
    expect(r.errors).toEqual([]);
    const errors = r.modules[0].findings.filter((f) => f.severity === 'error');
    expect(errors.map((f) => `${f.rule} ${f.symbol}`)).toEqual(['crc-mismatch synchronize_rcu']);
    expect(errors[0].message).toBe('gpl_uses_gplonly: disagrees about version of symbol synchronize_rcu');
  });
});
