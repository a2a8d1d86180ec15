/**
 * Every architecture and flavour Debian builds (scripts/fetch-arch): Debian 12's 6.1 for i386 (686-pae),
 * arm64, armhf (armmp), ppc64el and s390x, Debian 13's 6.12 for riscv64, and the amd64 rt and cloud
 * flavours of 6.1, 6.12 and unstable's 7.2 (modules from sid's linux-modules-R .deb). Each image's in-tree modules against their own headers (as the headers directory
 * and as the headers .deb; the modules from the image .deb); one module of each image with its vermagic
 * changed, and the same module on the amd64 kernel (and an amd64 module on it): the loader's lines.
 * Expected values come from the raw files (readelf, the package's own vermagic= strings), not from
 * ksymcheck's parsers.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { check } from '../../src/check.js';
import type { Report } from '../../src/report/schema.js';
import { CACHE, REPO, readAbisEnv } from './env.js';

const envFile = join(CACHE, 'arch', 'arch.env');
if (!existsSync(envFile)) throw new Error(`${envFile} missing: run scripts/fetch-arch (npm run test:kernel does)`);
interface Target {
  name: string;
  arch: string;
  release: string;
  headers: string;
  headersDeb: string;
  imageDeb: string;
}
const targets: Target[] = readFileSync(envFile, 'utf8')
  .trim()
  .split('\n')
  .filter((l) => l !== '')
  .map((l) => {
    const [name, arch, release, headers, headersDeb, imageDeb] = l.split('|');
    return { name, arch, release, headers, headersDeb, imageDeb };
  })
  // KSYMCHECK_ARCH="arm64 s390x": those targets only (as scripts/fetch-arch takes it)
  .filter((t) => !process.env.KSYMCHECK_ARCH || process.env.KSYMCHECK_ARCH.split(/\s+/).includes(t.name));
const ARCHES = targets.filter((t) => !t.name.startsWith('amd64-'));
/**
 * The rt/cloud flavours of 6.1, 6.12 and 7.2: on by default (six trees, ~7 min on the loaded 2-core machine:
 * docs/real-kernel-suite.md); KSYMCHECK_ARCH_FLAVOURS=0 leaves them out unless named in KSYMCHECK_ARCH.
 */
const FLAVOURS = targets.filter((t) => t.name.startsWith('amd64-') && (process.env.KSYMCHECK_ARCH_FLAVOURS !== '0' || process.env.KSYMCHECK_ARCH !== undefined));
const CLI = join(REPO, 'dist', 'cli', 'main.cjs');
const C = { ...process.env, LC_ALL: 'C' };

/** The module members of an image .deb (dpkg-deb's own listing). */
function debModules(deb: string): string[] {
  return execFileSync('dpkg-deb', ['-c', deb], { encoding: 'utf8', maxBuffer: 64 << 20 })
    .split('\n')
    .map((l) => l.split(/\s+/).slice(5).join(' ').replace(/^\.\//, ''))
    .filter((p) => /\.ko(\.(xz|gz|zst))?$/.test(p));
}

/** One member of a .deb, extracted (and decompressed: xz) into dir; returns the plain .ko path. */
function extractMember(deb: string, member: string, dir: string): string {
  execFileSync('sh', ['-c', 'dpkg-deb --fsys-tarfile "$1" | tar -x -C "$2" "./$3"', 'sh', deb, dir, member]);
  let p = join(dir, member);
  if (p.endsWith('.xz')) {
    execFileSync('xz', ['-d', p]);
    p = p.slice(0, -3);
  }
  return p;
}

/** readelf's view: the module's vermagic= and its ELF header fields. */
function rawFacts(ko: string): { vermagic: string; machine: number; bigEndian: boolean; name: string } {
  const modinfo = execFileSync('readelf', ['-p', '.modinfo', ko], { encoding: 'utf8', env: C });
  const field = (k: string) => new RegExp(`\\]\\s+${k}=(.*)$`, 'm').exec(modinfo)?.[1];
  const header = execFileSync('readelf', ['-hW', ko], { encoding: 'utf8', env: C });
  // readelf prints "Machine: AArch64" by name; the number from the raw bytes (e_machine at offset 18)
  const raw = readFileSync(ko);
  const bigEndian = raw[5] === 2;
  expect(header).toContain(bigEndian ? 'big endian' : 'little endian');
  return { vermagic: field('vermagic')!, machine: bigEndian ? raw.readUInt16BE(18) : raw.readUInt16LE(18), bigEndian, name: field('name')! };
}

/**
 * The CLI checking an image .deb against a kernel, as a user runs it: its JSON report, exit status and
 * peak RSS in kB (GNU time). One run per image: ~4,000 modules take a minute or more on 2 cores.
 */
function cliRun(kernel: string, image: string): { report: Report; status: number | null; kb: number } {
  const out = join(tmp, `report-${Math.random().toString(36).slice(2)}.json`);
  const r = spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, CLI, 'check', '-k', kernel, image, '--format', 'json', '-o', out], { encoding: 'utf8' });
  const report = JSON.parse(readFileSync(out, 'utf8')) as Report;
  rmSync(out);
  return { report, status: r.status, kb: Number(r.stderr.trim().split('\n').pop()) };
}

/** Every error finding of a report, as `module stage message`. */
const errorLines = (r: Report) => r.modules.flatMap((m) => m.findings.filter((f) => f.severity === 'error').map((f) => `${m.name} ${f.stage} ${f.message}`));

/** The amd64 6.1 image .deb the rest of the suite fetched (scripts/fetch-kernels' manifest): the memory yardstick. */
function amd64ImageDeb(): string {
  const manifest = JSON.parse(readFileSync(join(CACHE, 'manifest.json'), 'utf8')) as { newAbi: number; packages: Array<{ name: string; file: string }> };
  const p = manifest.packages.find((x) => x.name === `linux-image-6.1.0-${manifest.newAbi}-amd64-unsigned`);
  if (!p) throw new Error(`no linux-image-6.1.0-${manifest.newAbi}-amd64-unsigned in ${join(CACHE, 'manifest.json')}`);
  return join(CACHE, 'debs', p.file);
}

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'ksymcheck-arch-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/**
 * The yardstick per release: the amd64 image .deb of the same Debian release (6.1: fetch-kernels' newest
 * ABI, plain .ko; 6.12: fetch-trixie's, .ko.xz — decompressing costs memory of its own).
 */
const amd64Kb = new Map<string, number>();
function yardstick(release: string): number {
  const is612 = release.startsWith('6.12.');
  const key = is612 ? '6.12' : '6.1';
  let kb = amd64Kb.get(key);
  if (kb === undefined) {
    let headers: string;
    let image: string;
    if (is612) {
      const t = Object.fromEntries(readFileSync(join(CACHE, 'trixie', 'trixie.env'), 'utf8').trim().split('\n').map((l) => l.split('=') as [string, string]));
      [headers, image] = [t.TRIXIE_HEADERS, t.TRIXIE_IMAGE_DEB];
    } else [headers, image] = [readAbisEnv().NEW_HEADERS, amd64ImageDeb()];
    const r = cliRun(headers, image);
    expect([r.status, errorLines(r.report)]).toEqual([0, []]);
    amd64Kb.set(key, (kb = r.kb));
    process.stderr.write(`[arch] amd64 ${key} image .deb: ${r.report.modules.length} modules, peak ${Math.round(r.kb / 1024)} MB\n`);
  }
  return kb;
}

(ARCHES.length ? describe.each(ARCHES.map((t) => [t.name, t] as const)) : describe.skip.each([['none', targets[0]] as const]))('%s', (_n, t) => {
  const members = t ? debModules(t.imageDeb) : [];
  // one member, extracted once (tar reads the whole data.tar.xz to find it); each test takes a copy
  let first: string | undefined;
  const firstModule = (): string => {
    if (!first) first = extractMember(t.imageDeb, members[0], mkdtempSync(join(tmp, `${t.name}-`)));
    const copy = join(mkdtempSync(join(tmp, `${t.name}-`)), first.replace(/^.*\//, ''));
    copyFileSync(first, copy);
    return copy;
  };

  test('every in-tree module of the image .deb against its own headers (the CLI): all pass, nothing unreadable, no note; peak memory within 1.5× the amd64 image\'s of the same release', () => {
    expect(members.length).toBeGreaterThan(500);
    const { report, status, kb } = cliRun(t.headers, t.imageDeb);
    const amd64 = yardstick(t.release);
    process.stderr.write(`[arch] ${t.name}: ${report.modules.length} modules, peak ${Math.round(kb / 1024)} MB (amd64 of the same release: ${Math.round(amd64 / 1024)} MB)\n`);
    expect(report.errors).toEqual([]);
    expect(report.notes).toEqual([]);
    expect(report.kernel.release).toBe(t.release);
    expect(report.modules).toHaveLength(members.length);
    expect(errorLines(report)).toEqual([]);
    expect(status).toBe(0);
    // The defect this guards against is a class, not a tuning: ppc64el's false unknown symbols made the run
    // ~5× amd64's peak. Peak RSS of a ~4,000-module run moves by 10-20 % with the garbage collector's timing
    // and the other jest worker's load (i386 6.1 was within 1.1× of amd64's 258 MB in one run, 306 MB in
    // the next), so the bound is 1.5×; memory targets proper live in `npm run bench`.
    expect(kb).toBeLessThanOrEqual(amd64 * 1.5);
  });

  test("the headers .deb as the kernel: the same kernel as its directory; the derived vermagic is the string Debian's own modules carry", async () => {
    const ko = firstModule();
    const [dir, deb] = [await check({ kernel: t.headers, modules: [ko] }), await check({ kernel: t.headersDeb, modules: [ko] })];
    expect({ ...deb.kernel, source: '' }).toEqual({ ...dir.kernel, source: '' });
    expect(deb.modules[0].findings).toEqual(dir.modules[0].findings);
    expect(dir.kernel.vermagic).toBe(rawFacts(ko).vermagic);
  });

  test("a module whose vermagic differs (mod_unload changed): the kernel's version magic line", async () => {
    const ko = firstModule();
    const raw = rawFacts(ko);
    const bytes = readFileSync(ko);
    const at = bytes.indexOf(Buffer.from(`vermagic=${raw.vermagic}\0`));
    expect(at).toBeGreaterThan(0);
    const changed = raw.vermagic.replace('mod_unload', 'mod_Unload');
    bytes.write(changed, at + 'vermagic='.length, 'latin1');
    writeFileSync(ko, bytes);
    const r = await check({ kernel: t.headers, modules: [ko], stage: 'load' });
    expect(r.modules[0].findings.map((f) => [f.rule, f.severity, f.message])).toEqual([
      ['vermagic-mismatch', 'error', `${raw.name.replace(/-/g, '_')}: version magic '${changed}' should be '${raw.vermagic}'`],
    ]);
  });

  test("the image's module on the amd64 kernel, and an amd64 module on this one: the loader's ELF header line first", async () => {
    const abis = readAbisEnv();
    const ko = firstModule();
    const raw = rawFacts(ko);
    // on little-endian amd64 a big-endian module's e_type (1) reads 256
    const onAmd64 = raw.bigEndian ? 'Invalid ELF header type: 256 != 1' : `Invalid architecture in ELF header: ${raw.machine}`;
    const a = await check({ kernel: abis.NEW_HEADERS, modules: [ko], stage: 'load' });
    expect(a.modules[0].findings.map((f) => [f.rule, f.message])).toEqual([['elf-header', onAmd64]]);

    const amd64Ko = join(abis.NEW_IMAGE_MODULES, 'kernel', 'fs', 'fat', 'fat.ko');
    const onThis = raw.bigEndian ? 'Invalid ELF header type: 256 != 1' : 'Invalid architecture in ELF header: 62';
    const b = await check({ kernel: t.headers, modules: [amd64Ko], stage: 'load' });
    expect(b.modules[0].findings.map((f) => [f.rule, f.message])).toEqual([['elf-header', onThis]]);
  });
});

(FLAVOURS.length ? describe.each(FLAVOURS.map((t) => [t.name, t] as const)) : describe.skip.each([['none', targets[0]] as const]))('flavour %s', (_n, t) => {
  test('every module of the image .deb against its own headers: all pass, nothing unreadable; the headers .deb reads as the same kernel', async () => {
    const members = debModules(t.imageDeb);
    expect(members.length).toBeGreaterThan(100);
    const { report } = cliRun(t.headers, t.imageDeb);
    expect(report.errors).toEqual([]);
    expect(report.modules).toHaveLength(members.length);
    const fromDeb = await check({ kernel: t.headersDeb, modules: [] });
    expect({ ...fromDeb.kernel, source: '' }).toEqual({ ...report.kernel, source: '' });
    const errors = report.modules.flatMap((m) => m.findings.filter((f) => f.severity === 'error').map((f) => ({ module: m.name, rule: f.rule, message: f.message })));
    const config = readFileSync(join(t.headers, '.config'), 'utf8');
    // An rt kernel with both PREEMPT_BUILD and PREEMPT_RT: ≤6.12's vermagic.h says "preempt ", 6.13+'s
    // "preempt_rt " (0b7a66a2c864) — the derived string must say what the image's own modules carry.
    if (/^CONFIG_PREEMPT_BUILD=y$/m.test(config) && /^CONFIG_PREEMPT_RT=y$/m.test(config)) {
      const upstream = readFileSync(join(t.headers, 'include', 'config', 'kernel.release'), 'utf8').trim();
      const [maj, min] = upstream.split('.').map(Number);
      expect(report.kernel.vermagic).toContain(maj > 6 || (maj === 6 && min >= 13) ? ' SMP preempt_rt ' : ' SMP preempt ');
    }
    expect(errors).toEqual([]);
  });
});
