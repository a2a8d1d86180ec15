/**
 * The real Kbuild per architecture: a few of samples/modules/ built against Debian 12's own headers of
 * i386 (686-pae), arm64, armhf (armmp), ppc64el and s390x — ARCH from the headers' .kernelvariables,
 * Debian 12's cross gcc-12 (DEB_HOST_GNU_TYPE, as Debian's headers take it; i386: the host's gcc-12), the
 * host's modpost from linux-kbuild-6.1 (scripts/fetch-arch made the trees) — and ksymcheck's build
 * findings on the same `.o`/`.ko` files equal to what modpost printed (parsed by the oracle's parser,
 * compared as modpost-differential.test.ts does). riscv64 (Debian 13's 6.12, from fetch-arch's trixie
 * target): its Kbuild and modpost (linux-kbuild-6.12.117+deb13) run inside the trixie chroot with Debian
 * 13's gcc-14-riscv64-linux-gnu, which `scripts/trixie-chroot cross riscv64 <headers .deb>` installs there
 * with the headers unpacked; ksymcheck reads the chroot's tree.
 */
import { execFile, execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { check } from '../../src/check.js';
import { CACHE, REPO, SAMPLES, diffKeys, formatDiff, key, type OracleFinding } from './env.js';

const execFileP = promisify(execFile);
const envFile = join(CACHE, 'arch', 'arch.env');
if (!existsSync(envFile)) throw new Error(`${envFile} missing: run scripts/fetch-arch (npm run test:kernel does)`);

/** The cross toolchain's GNU type per Debian architecture (the -gcc-12 of Debian 12's cross packages). */
const GNU_TYPE: Record<string, string | undefined> = { arm64: 'aarch64-linux-gnu', armhf: 'arm-linux-gnueabihf', ppc64el: 'powerpc64le-linux-gnu', s390x: 's390x-linux-gnu', i386: undefined, riscv64: 'riscv64-linux-gnu' };
/** Architectures whose Kbuild runs in the trixie chroot (Debian 13's 6.12 headers need its glibc and gcc-14): their kernel ARCH. */
const IN_CHROOT = new Map([['riscv64', 'riscv']]);
const trixieEnv = join(CACHE, 'trixie', 'trixie.env');
const trixieChroot = (() => {
  const m = /^TRIXIE_CHROOT=(.*)$/m.exec(existsSync(trixieEnv) ? readFileSync(trixieEnv, 'utf8') : '');
  return m && existsSync(join(m[1], '.ksymcheck-ready')) ? m[1] : undefined;
})();
/**
 * One case per build-stage error modpost prints (GPL-only use, undefined symbol, namespace not imported);
 * KSYMCHECK_ARCH_KBUILD_ALL=1 adds the missing licence and a clean module. A Kbuild run costs 5–40 s here.
 */
const CASES = ['proprietary-uses-gplonly', 'undefined-symbol', 'ns-missing-import', ...(process.env.KSYMCHECK_ARCH_KBUILD_ALL === '1' ? ['no-license', 'gpl-uses-gplonly'] : [])];

const targets = readFileSync(envFile, 'utf8')
  .trim()
  .split('\n')
  .map((l) => l.split('|'))
  .filter(([name, arch, , headers]) => name in GNU_TYPE && arch === name && (IN_CHROOT.has(name) ? trixieChroot !== undefined : existsSync(join(headers, '..', '..', 'lib', 'linux-kbuild-6.1'))))
  .map(([name, arch, release, headers, headersDeb]) =>
    IN_CHROOT.has(name)
      ? { name, arch, release, headers: join(trixieChroot!, 'usr', 'src', `linux-headers-${release}`), chroot: trixieChroot, headersDeb }
      : { name, arch, release, headers, chroot: undefined, headersDeb },
  )
  // KSYMCHECK_ARCH="arm64 s390x": those targets only (as scripts/fetch-arch takes it)
  .filter((t) => !process.env.KSYMCHECK_ARCH || process.env.KSYMCHECK_ARCH.split(/\s+/).includes(t.name));

/** modpost's stderr through the oracle's own parser (scripts/kbuild-oracle.mjs, an untyped .mjs: run by node). */
function parseModpostStderr(stderr: string): { findings: OracleFinding[] } {
  const script = `import(${JSON.stringify(join(REPO, 'scripts', 'kbuild-oracle.mjs'))}).then((m) => { let s = ''; process.stdin.on('data', (d) => (s += d)).on('end', () => process.stdout.write(JSON.stringify(m.parseModpostStderr(s)))); })`;
  return JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { input: stderr, encoding: 'utf8' }));
}

interface Built {
  stderr: string;
  code: number;
  files: string[];
}

async function build(t: (typeof targets)[number], caseName: string): Promise<Built> {
  const work = t.chroot ? join(t.chroot, 'ksymcheck-arch-kbuild', t.name, caseName) : join(CACHE, 'arch', 'kbuild', t.name, caseName);
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  cpSync(join(SAMPLES, caseName), work, { recursive: true });
  const gnu = GNU_TYPE[t.arch];
  const vars = t.chroot ? [`ARCH=${IN_CHROOT.get(t.arch)}`, `CROSS_COMPILE=${gnu}-`] : gnu ? [`DEB_BUILD_ARCH=amd64`, `DEB_HOST_ARCH=${t.arch}`, `DEB_HOST_GNU_TYPE=${gnu}`] : [];
  const env: NodeJS.ProcessEnv = { ...process.env, LC_ALL: 'C', LANG: 'C' };
  for (const k of ['KBUILD_MODPOST_WARN', 'KBUILD_EXTRA_SYMBOLS', 'MAKEFLAGS', 'MFLAGS']) delete env[k];
  // in the chroot: make sees /usr/src/linux-headers-<release> and the work directory below the chroot's root
  const make = t.chroot
    ? (['bash', [join(REPO, 'scripts', 'trixie-chroot'), 'run', 'make', '-C', `/usr/src/linux-headers-${t.release}`, `M=${work.slice(t.chroot.length)}`, 'modules', ...vars]] as const)
    : (['make', ['-C', t.headers, `M=${work}`, 'modules', ...vars]] as const);
  let stderr = '';
  let code = 0;
  try {
    stderr = (await execFileP(make[0], [...make[1]], { env, maxBuffer: 16 << 20 })).stderr;
  } catch (e) {
    const err = e as { stderr?: string; code?: number };
    stderr = err.stderr ?? '';
    code = typeof err.code === 'number' ? err.code : 1;
  }
  const objs = readdirSync(work).filter((f) => f.endsWith('.o') && !f.endsWith('.mod.o') && existsSync(join(work, f.replace(/\.o$/, '.mod'))));
  return { stderr, code, files: objs.map((f) => join(work, f)) };
}

/** Opt-in (KSYMCHECK_ARCH_KBUILD=1): 15 Kbuild runs took 5–40 s each on the development machine, over CI's time. */
const ON = process.env.KSYMCHECK_ARCH_KBUILD === '1';
if (!ON) process.stderr.write('[arch-kbuild] skipped: set KSYMCHECK_ARCH_KBUILD=1 to build samples with the real Kbuild per architecture\n');
(ON && targets.length ? describe.each(targets.map((t) => [t.name, t] as const)) : describe.skip.each([['(opt-in: KSYMCHECK_ARCH_KBUILD=1)', targets[0]] as const]))('the real Kbuild for %s', (_n, t) => {
  // riscv64: Debian 13's cross gcc-14 and the headers in the trixie chroot (a no-op once done)
  beforeAll(() => {
    if (t.chroot) execFileSync('bash', [join(REPO, 'scripts', 'trixie-chroot'), 'cross', t.arch, t.headersDeb], { env: { ...process.env, KSYMCHECK_CACHE: CACHE }, stdio: ['ignore', 'ignore', 'inherit'] });
  }, 600_000);
  // the builds wait on make and the compiler: run concurrently (jest's maxConcurrency)
  test.concurrent.each(CASES)('%s: ksymcheck says what modpost says', async (caseName) => {
    const b = await build(t, caseName);
    const oracle = parseModpostStderr(b.stderr).findings;
    // the toolchain worked: modpost ran (a compiler failure would leave no .o)
    expect(b.files.length).toBeGreaterThan(0);
    expect(oracle.filter((f) => f.rule === 'unknown')).toEqual([]);
    for (const f of b.files) {
      const { stdout } = await execFileP('readelf', ['-h', f], { env: { ...process.env, LC_ALL: 'C' } });
      expect(stdout).toMatch(/Machine:\s+(AArch64|ARM|PowerPC64|IBM S\/390|Intel 80386|RISC-V)/);
    }
    const kos = b.files.map((f) => f.replace(/\.o$/, '.ko')).filter((f) => existsSync(f));
    for (const files of [b.files, ...(kos.length === b.files.length ? [kos] : [])]) {
      // frames: false — no DWARF frames needed to compare lines (and no dynamic import while tests run concurrently)
      const r = await check({ kernel: t.headers, modules: files, stage: 'build', extraSymbols: [], frames: false });
      expect(r.errors).toEqual([]);
      const ours = r.modules.flatMap((m) => m.findings.filter((f) => f.stage === 'build').map((f) => key(f.rule, f.severity, f.symbol, m.name)));
      const d = diffKeys(oracle, ours);
      if (d.missing.length || d.extra.length) throw new Error(formatDiff(`ksymcheck ≠ modpost for ${caseName} on ${t.release}`, d, b.stderr));
      expect(r.modules.some((m) => m.verdict === 'fail')).toBe(b.code !== 0);
    }
  });
});
