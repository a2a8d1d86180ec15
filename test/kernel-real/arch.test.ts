/**
 * Every architecture and flavour Debian builds (scripts/fetch-arch): Debian 12's 6.1 for i386 (686-pae),
 * arm64, armhf (armmp), ppc64el and s390x, Debian 13's 6.12 for riscv64, and the amd64 rt and cloud
 * flavours of both. Each image's in-tree modules against their own headers (as the headers directory
 * and as the headers .deb; the modules from the image .deb); one module of each image with its vermagic
 * changed, and the same module on the amd64 kernel (and an amd64 module on it): the loader's lines.
 * Expected values come from the raw files (readelf, the package's own vermagic= strings), not from
 * ksymcheck's parsers.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { check } from '../../src/check.js';
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
  });
const ARCHES = targets.filter((t) => !t.name.startsWith('amd64-'));
const FLAVOURS = targets.filter((t) => t.name.startsWith('amd64-'));
const CLI = join(REPO, 'dist', 'cli', 'main.js');
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

/** Peak RSS (kB) of the CLI checking an image .deb against a headers .deb (GNU time). */
function peakKb(headers: string, image: string): { kb: number; status: number | null } {
  const r = spawnSync('/usr/bin/time', ['-f', '%M', process.execPath, CLI, 'check', '-k', headers, image, '--format', 'json', '-o', '/dev/null'], { encoding: 'utf8' });
  return { kb: Number(r.stderr.trim().split('\n').pop()), status: r.status };
}

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'ksymcheck-arch-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe.each(ARCHES.map((t) => [t.name, t] as const))('%s', (_n, t) => {
  const members = debModules(t.imageDeb);

  test('every in-tree module of the image .deb against its own headers (directory and .deb): all pass, nothing unreadable, no note', async () => {
    expect(members.length).toBeGreaterThan(500);
    for (const kernel of [t.headers, t.headersDeb]) {
      const r = await check({ kernel, modules: [t.imageDeb] });
      expect(r.errors).toEqual([]);
      expect(r.notes).toEqual([]);
      expect(r.kernel.release).toBe(t.release);
      expect(r.modules).toHaveLength(members.length);
      expect(r.modules.flatMap((m) => m.findings.filter((f) => f.severity === 'error').map((f) => `${m.name} ${f.stage} ${f.message}`))).toEqual([]);
    }
  });

  test("the derived vermagic is the string Debian's own modules carry", async () => {
    const ko = extractMember(t.imageDeb, members[0], mkdtempSync(join(tmp, `${t.name}-`)));
    const r = await check({ kernel: t.headers, modules: [ko], stage: 'load' });
    expect(r.kernel.vermagic).toBe(rawFacts(ko).vermagic);
  });

  test("a module whose vermagic differs (mod_unload changed): the kernel's version magic line", async () => {
    const ko = extractMember(t.imageDeb, members[0], mkdtempSync(join(tmp, `${t.name}-`)));
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
    const ko = extractMember(t.imageDeb, members[0], mkdtempSync(join(tmp, `${t.name}-`)));
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

  test("peak memory of the CLI on the image .deb: within the amd64 image's", () => {
    const abis = readAbisEnv();
    const amd64Deb = readFileSync(join(CACHE, 'manifest.json'), 'utf8');
    const m = /"([^"]*linux-image-6\.1\.0-\d+-amd64-unsigned_[^"]*\.deb)"/.exec(amd64Deb);
    const amd64Image = m ? (m[1].startsWith('/') ? m[1] : join(CACHE, 'debs', m[1])) : undefined;
    if (!amd64Image || !existsSync(amd64Image)) throw new Error(`no amd64 image .deb named in ${join(CACHE, 'manifest.json')}`);
    const here = peakKb(t.headersDeb, t.imageDeb);
    const amd64 = peakKb(join(abis.NEW_HEADERS), amd64Image);
    expect([here.status, amd64.status]).toEqual([0, 0]);
    process.stderr.write(`[arch] ${t.name}: peak ${Math.round(here.kb / 1024)} MB (amd64 image: ${Math.round(amd64.kb / 1024)} MB)\n`);
    // 10 % for run-to-run noise of the garbage collector
    expect(here.kb).toBeLessThanOrEqual(amd64.kb * 1.1);
  });
});

describe.each(FLAVOURS.map((t) => [t.name, t] as const))('flavour %s', (_n, t) => {
  test('every module of the image .deb against its own headers (directory and .deb): all pass, nothing unreadable', async () => {
    const members = debModules(t.imageDeb);
    expect(members.length).toBeGreaterThan(100);
    for (const kernel of [t.headers, t.headersDeb]) {
      const r = await check({ kernel, modules: [t.imageDeb] });
      expect(r.errors).toEqual([]);
      expect(r.modules).toHaveLength(members.length);
      const errors = r.modules.flatMap((m) => m.findings.filter((f) => f.severity === 'error').map((f) => ({ module: m.name, rule: f.rule, message: f.message })));
      const config = readFileSync(join(t.headers, '.config'), 'utf8');
      const both = /^CONFIG_PREEMPT_BUILD=y$/m.test(config) && /^CONFIG_PREEMPT_RT=y$/m.test(config);
      if (both && r.kernel.vermagic?.includes(' preempt_rt ')) {
        // ≤6.12's vermagic.h puts PREEMPT_BUILD first ("preempt "); the version-keyed order is branch
        // v72-rules' fix. Until it is merged every module is refused on that one token, and nothing else.
        process.stderr.write(`[arch] ${t.name}: waiting for the preempt-order fix (v72-rules): ${errors.length} vermagic refusals\n`);
        expect(errors.length).toBe(members.length);
        const want = r.kernel.vermagic.replace(' preempt_rt ', ' preempt ');
        expect(errors.filter((e) => e.rule !== 'vermagic-mismatch' || !e.message.includes(`'${want}' should be '${r.kernel.vermagic}'`))).toEqual([]);
      } else {
        expect(errors).toEqual([]);
      }
    }
  });
});
