/**
 * Packages given where modules go: gcc-built sample modules laid out as a vendor's modules package
 * (lib/modules/<release>/extra/…, plain, .ko.xz and .ko.gz members, one broken member) and packaged by
 * the real dpkg-deb (each data.tar compression) and rpmbuild. The report must be the one of the unpacked
 * directory — same findings, references and frames per module — with only the names differing
 * (`pkg.deb:/lib/modules/…` for `<dir>/lib/modules/…`).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { check } from '../../src/check.js';
import { diff, matrix } from '../../src/compare.js';
import { CLI, sample } from '../helpers/fixtures.js';

const K61 = sample('v6', 'kernels', '6.1');
const REL = '6.1.0-sample-amd64';
const TMP = mkdtempSync(join(tmpdir(), 'ksymcheck-pkgmod-'));
const EXTRA = `lib/modules/${REL}/extra`;

/** The unpacked tree: three plain modules, a .ko.xz and a .ko.gz, a broken .ko, and a file that is no module. */
function tree(name: string): string {
  const root = join(TMP, name);
  const extra = join(root, EXTRA);
  mkdirSync(join(extra, 'net'), { recursive: true });
  for (const m of ['ns-missing', 'fpu-user', 'exporter']) cpSync(sample('v6', 'modules', m, `${m}.ko`), join(extra, `${m}.ko`));
  cpSync(sample('compressed', 'xz-crc32', 'libafs.ko.xz'), join(extra, 'net', 'libafs.ko.xz'));
  cpSync(sample('v6', 'modules', 'weak-user', 'weak-user.ko'), join(extra, 'weak-user.ko'));
  execFileSync('gzip', ['-n', join(extra, 'weak-user.ko')]);
  writeFileSync(join(extra, 'broken.ko'), Buffer.from('\x7fELF not really a module'));
  writeFileSync(join(extra, 'README'), 'not a module\n');
  return root;
}

const DIR = tree('unpacked');

const built = new Map<string, string>();
function deb(compression: string): string {
  const had = built.get(compression);
  if (had) return had;
  const root = tree(`deb-${compression}`);
  mkdirSync(join(root, 'DEBIAN'));
  writeFileSync(join(root, 'DEBIAN', 'control'), `Package: sample-modules-${REL}\nVersion: 1.0\nArchitecture: amd64\nMaintainer: ksymcheck tests <nobody@example.org>\nDescription: sample modules\n`);
  const out = join(TMP, `sample-modules_${compression}.deb`);
  execFileSync('dpkg-deb', ['--root-owner-group', `-Z${compression}`, '--build', root, out], { stdio: 'ignore' });
  built.set(compression, out);
  return out;
}

function rpm(): string {
  const stage = tree('rpm-stage');
  const top = join(TMP, 'rpmbuild');
  mkdirSync(join(top, 'SPECS'), { recursive: true });
  const files = ['ns-missing.ko', 'fpu-user.ko', 'exporter.ko', 'net/libafs.ko.xz', 'weak-user.ko.gz', 'broken.ko', 'README'].map((f) => `/${EXTRA}/${f}`);
  writeFileSync(
    join(top, 'SPECS', 'kmod.spec'),
    `Name: kmod-sample\nVersion: 1.0\nRelease: 1\nSummary: sample\nLicense: GPLv2\nBuildArch: x86_64\nAutoReqProv: no\n%description\nsample\n` +
      `%install\nmkdir -p %{buildroot}\ncp -a ${stage}/. %{buildroot}/\n%files\n${files.join('\n')}\n`,
  );
  execFileSync(
    'rpmbuild',
    ['-bb', '--quiet', '--define', `_topdir ${top}`, '--define', '_binary_payload w9.xzdio', '--define', '__os_install_post %{nil}', '--define', '_build_id_links none', '--define', 'debug_package %{nil}', join(top, 'SPECS', 'kmod.spec')],
    { stdio: 'ignore' },
  );
  return join(top, 'RPMS', 'x86_64', 'kmod-sample-1.0-1.x86_64.rpm');
}

type AnyReport = { modules: unknown; errors: unknown; notes: unknown };
/** The modules, errors and notes of a report, with the package's member names written as the directory's paths. */
const asDir = (r: AnyReport, pkg: string) => JSON.parse(JSON.stringify({ modules: r.modules, errors: r.errors, notes: r.notes }).split(`${pkg}:/`).join(`${DIR}/`));

describe('a package of modules checked as the tree of its module members', () => {
  const fromDir = check({ kernel: K61, modules: [DIR] });

  test('the directory’s report has what the package must reproduce: findings with references and frames, and an error', async () => {
    const r = await fromDir;
    expect(r.modules.map((m) => [m.path.slice(DIR.length), m.verdict])).toEqual([
      [`/${EXTRA}/exporter.ko`, 'pass'],
      [`/${EXTRA}/fpu-user.ko`, 'fail'],
      [`/${EXTRA}/net/libafs.ko.xz`, 'fail'],
      [`/${EXTRA}/ns-missing.ko`, 'fail'],
      [`/${EXTRA}/weak-user.ko.gz`, 'pass'],
    ]);
    const refs = r.modules.flatMap((m) => m.findings.flatMap((f) => f.references));
    expect(refs.length).toBeGreaterThan(0);
    expect(refs.some((x) => (x.frames?.length ?? 0) > 0)).toBe(true);
    expect(r.errors.map((e) => e.path)).toEqual([join(DIR, EXTRA, 'broken.ko')]);
  });

  test.each(['xz', 'gzip', 'zstd', 'none'])('a .deb with data.tar compressed with %s: the directory’s report', async (z) => {
    const pkg = deb(z);
    const r = await check({ kernel: K61, modules: [pkg] });
    expect(r.modules.map((m) => m.path)).toEqual((await fromDir).modules.map((m) => `${pkg}:${m.path.slice(DIR.length)}`));
    expect(asDir(r, pkg)).toEqual(asDir(await fromDir, DIR));
    // the broken member is an error naming the package and the member; the rest are checked
    expect(r.errors).toEqual([{ path: `${pkg}:/${EXTRA}/broken.ko`, message: expect.stringMatching(new RegExp(`^${pkg.replace(/\./g, '\\.')}:/${EXTRA}/broken\\.ko: `)) }]);
  });

  test('a kmod .rpm (xz payload with SHA-256 checks): the directory’s report', async () => {
    const pkg = rpm();
    const r = await check({ kernel: K61, modules: [pkg] });
    expect(asDir(r, pkg)).toEqual(asDir(await fromDir, DIR));
  });

  test('a package among other modules keeps its place; matrix reads it once for every kernel', async () => {
    const pkg = deb('xz');
    const lone = sample('v6', 'modules', 'vboxdrv', 'vboxdrv.ko');
    const r = await check({ kernel: K61, modules: [lone, pkg] });
    expect(r.modules[0].path).toBe(lone);
    expect(r.modules.slice(1).map((m) => m.path.slice(pkg.length))).toEqual((await fromDir).modules.map((m) => `:${m.path.slice(DIR.length)}`));
    const m = await matrix({ kernels: [K61, sample('v6', 'kernels', '6.1')], modules: [pkg] });
    const d = await matrix({ kernels: [K61], modules: [DIR] });
    expect(JSON.parse(JSON.stringify(m.cells.filter((c) => c.kernel === K61)).split(`${pkg}:/`).join(`${DIR}/`))).toEqual(JSON.parse(JSON.stringify(d.cells)));
  });

  test('diff: the breaks and fixes of the package’s modules are the directory’s', async () => {
    const pkg = deb('xz');
    // the 6.1 sample's exports, every one made GPL-only: the proprietary modules break
    const gpl = join(TMP, 'gpl-only.symvers');
    writeFileSync(gpl, readFileSync(join(K61, 'Module.symvers'), 'utf8').replace(/\tEXPORT_SYMBOL(?=\t|$)/gm, '\tEXPORT_SYMBOL_GPL'));
    const [a, b] = [await diff({ from: K61, to: gpl, modules: [pkg] }), await diff({ from: K61, to: gpl, modules: [DIR] })];
    expect(a.breaks.length + a.fixes.length).toBeGreaterThan(0);
    const named = (r: typeof a) => JSON.parse(JSON.stringify({ breaks: r.breaks, fixes: r.fixes, errors: r.errors, modules: r.modules }).split(`${pkg}:/`).join(`${DIR}/`));
    expect(named(a)).toEqual(named(b));
  });

  test('CLI: text, SARIF and JUnit name the members; shards of a package merge into the whole report', () => {
    const pkg = deb('xz');
    const run = (...args: string[]) => spawnSync(process.execPath, [CLI, 'check', '-k', K61, ...args], { encoding: 'utf8' });
    const text = run(pkg);
    expect(text.status).toBe(2); // (the broken member)
    expect(text.stdout).toContain('ns-missing.ko');
    expect(text.stderr + text.stdout).toContain(`${pkg}:/${EXTRA}/broken.ko`);
    const sarif = JSON.parse(run('--format', 'sarif', pkg).stdout) as { runs: Array<{ results: Array<{ locations: Array<{ physicalLocation: { artifactLocation: { uri: string } } }> }> }> };
    const uris = sarif.runs[0].results.flatMap((x) => x.locations.map((l) => l.physicalLocation.artifactLocation.uri));
    // each result located at its member inside the package: the three failing ones, and weak-user.ko.gz
    // (it passes with kmod-decompress's warning: no --kmod, and kmod is commonly built without zlib)
    expect([...new Set(uris.map((u) => u.replace(/^file:\/\/.*\.deb:\//, '')))].sort()).toEqual([`${EXTRA}/fpu-user.ko`, `${EXTRA}/net/libafs.ko.xz`, `${EXTRA}/ns-missing.ko`, `${EXTRA}/weak-user.ko.gz`]);
    for (const u of uris) expect(u).toMatch(new RegExp(`^file://.*\\.deb:/${EXTRA}/`));
    expect(run('--format', 'junit', pkg).stdout).toContain(`sample-modules_xz.deb:/${EXTRA}/ns-missing.ko`);
    const whole = run('--format', 'json', pkg).stdout;
    const shards = [1, 2].map((i) => {
      const f = join(TMP, `shard-${i}.json`);
      writeFileSync(f, run('--format', 'json', '--shard', `${i}/2`, pkg).stdout);
      return f;
    });
    const merged = spawnSync(process.execPath, [CLI, 'merge', ...shards], { encoding: 'utf8' });
    expect(JSON.parse(merged.stdout)).toEqual(JSON.parse(whole));
  });

  test('a cut or corrupt package: an error naming the package, or the package and its data member', async () => {
    const pkg = deb('none');
    const bytes = readFileSync(pkg);
    const cut = join(TMP, 'cut.deb');
    // the ar header says more than the file holds: the members before the cut are read (the whole
    // tar but its end-of-archive blocks), the cut is one error naming the data member and where it is
    writeFileSync(cut, bytes.subarray(0, bytes.length - 512));
    const r = await check({ kernel: K61, modules: [cut] });
    expect(r.modules.map((m) => m.path)).toEqual((await fromDir).modules.map((m) => `${cut}:${m.path.slice(DIR.length)}`));
    expect(r.errors).toEqual([
      { path: `${cut}:/${EXTRA}/broken.ko`, message: expect.stringMatching(/broken\.ko: at offset 0x4: /) },
      { path: `${cut}:data.tar`, message: `${cut}:data.tar: at offset 0x${(bytes.length - 512).toString(16)}: the package ends 512 bytes before its member data.tar does` },
    ]);
    // a data.tar.xz whose xz stream is corrupt half-way: an error naming pkg.deb:data.tar.xz
    const xzPkg = deb('xz');
    const b = Buffer.from(readFileSync(xzPkg));
    for (let i = b.length - 2000; i < b.length - 100; i++) b[i] ^= 0x55;
    const bad = join(TMP, 'corrupt.deb');
    writeFileSync(bad, b);
    const r2 = await check({ kernel: K61, modules: [bad] });
    expect(r2.errors.map((e) => e.path)).toContain(`${bad}:data.tar.xz`);
    expect(r2.errors.find((e) => e.path === `${bad}:data.tar.xz`)!.message).toMatch(/^.*corrupt\.deb:data\.tar\.xz: at offset 0x[0-9a-f]+: xz: /);
  });

  test('a file named .deb that is no package: an error naming it', async () => {
    const f = join(TMP, 'nothing.deb');
    writeFileSync(f, 'hello\n');
    const r = await check({ kernel: K61, modules: [f] });
    expect(r.errors).toEqual([{ path: f, message: `${f}: at offset 0x0: not a Debian package (.deb) nor an RPM package (.rpm): no ar or RPM lead magic` }]);
  });

  test('an ar archive named .deb whose first member is not debian-binary: said so (it was "no ar … magic")', async () => {
    const f = join(TMP, 'empty-ar.deb');
    writeFileSync(f, '!<arch>\n');
    const r = await check({ kernel: K61, modules: [f] });
    expect(r.errors).toEqual([{ path: f, message: `${f}: at offset 0x8: not a Debian package (.deb): an ar archive whose first member is not debian-binary` }]);
  });
});
