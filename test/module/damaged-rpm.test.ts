/**
 * A damaged .rpm of modules (issue #27): a `kmod-*`-like package built by the real rpmbuild from the
 * gcc-built sample modules (xz with rpm's SHA-256 checks, zstd and gzip payloads), then cut or with a byte
 * flipped. The payload is streamed: every module whose bytes decoded whole before a cut is checked and
 * reported as from the intact package; corruption drops the members not yet covered by a passed check
 * (xz: a block's SHA-256, zstd: a frame's checksum, gzip: the trailer — one block, one frame, one member
 * here, so all of them) and says so; the damage is one error naming `pkg.rpm:payload`, the offset and the
 * file being read; the CLI exits 2.
 *
 * Which members are whole after a cut is worked out apart from ksymcheck: the payload's bytes (found by its
 * compressor's magic) through the system's decoder, and the modules whose whole bytes are in its output.
 * rpm writes its zstd payloads without a content checksum (frame header descriptor 0): a flipped byte
 * there is undetectable by design (the system's `zstd -t` passes it too), so only xz and gzip are flipped.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { check } from '../../src/check.js';
import { CLI, sample } from '../helpers/fixtures.js';
import { COUNT, stageModules } from '../helpers/damaged.js';

const K61 = sample('v6', 'kernels', '6.1');
const REL = '6.1.0-sample-amd64';
const EXTRA = `lib/modules/${REL}/extra`;
const TMP = mkdtempSync(join(tmpdir(), 'ksymcheck-damaged-rpm-'));
const PAYLOADS = { xz: 'xzdio', zstd: 'zstdio', gzip: 'gzdio' } as const;
type Z = keyof typeof PAYLOADS;
const MAGIC: Record<Z, Buffer> = { xz: Buffer.from('fd377a585a00', 'hex'), zstd: Buffer.from('28b52ffd', 'hex'), gzip: Buffer.from('1f8b08', 'hex') };
const DECODER: Record<Z, string> = { xz: 'xz -dc', zstd: 'zstd -dc', gzip: 'gzip -dc' };

/** The staged tree (test/helpers/damaged.ts). */
function tree(): string {
  const root = join(TMP, 'root');
  if (!existsSync(root)) stageModules(join(root, EXTRA));
  return root;
}

/** The package, by the real rpmbuild (as scripts/build-samples builds its RPMs). */
function rpm(z: Z): string {
  const out = join(TMP, `kmod-damaged-${z}.rpm`);
  if (existsSync(out)) return out;
  const top = join(TMP, `rpmbuild-${z}`);
  mkdirSync(join(top, 'SPECS'), { recursive: true });
  const files = readdirSync(join(tree(), EXTRA)).sort().map((f) => `/${EXTRA}/${f}`);
  writeFileSync(
    join(top, 'SPECS', 'kmod.spec'),
    `Name: kmod-damaged\nVersion: 1.0\nRelease: 1\nSummary: sample modules\nLicense: GPLv2\nBuildArch: x86_64\nAutoReqProv: no\n%description\nsample modules\n%install\nmkdir -p %{buildroot}\ncp -a ${tree()}/. %{buildroot}/\n%files\n${files.join('\n')}\n`,
  );
  execFileSync('rpmbuild', ['-bb', '--quiet', '--define', `_topdir ${top}`, '--define', `_binary_payload w9.${PAYLOADS[z]}`, '--define', '__os_install_post %{nil}', '--define', '_build_id_links none', '--define', 'debug_package %{nil}', join(top, 'SPECS', 'kmod.spec')], {
    stdio: 'ignore',
    env: { ...process.env, SOURCE_DATE_EPOCH: '1700000000' },
  });
  const built = join(top, 'RPMS', 'x86_64');
  cpSync(join(built, readdirSync(built)[0]), out);
  return out;
}

/** Where the payload starts: its compressor's magic after the lead and headers (checked against rpm2cpio). */
function payloadAt(z: Z): number {
  const b = readFileSync(rpm(z));
  const at = b.indexOf(MAGIC[z], 96);
  expect(execFileSync('sh', ['-c', `tail -c +${at + 1} '${rpm(z)}' | ${DECODER[z]}`], { maxBuffer: 64 << 20 }).equals(execFileSync('rpm2cpio', [rpm(z)], { maxBuffer: 64 << 20 }))).toBe(true);
  return at;
}

function damaged(z: Z, name: string, edit: (b: Buffer) => Buffer): string {
  const out = join(TMP, name);
  writeFileSync(out, edit(Buffer.from(readFileSync(rpm(z)))));
  return out;
}

/** The modules whose whole bytes are in what the system's decoder makes of the damaged package's payload. */
function wholeBySystemTools(z: Z, pkg: string): string[] {
  const r = spawnSync('sh', ['-c', `tail -c +${payloadAt(z) + 1} '${pkg}' | ${DECODER[z]} 2>/dev/null`], { maxBuffer: 64 << 20 });
  const decoded = r.stdout as Buffer;
  // in archive order, each looked for after the one before (m00 and m06 are the same module)
  const out: string[] = [];
  let from = 0;
  for (const f of readdirSync(join(tree(), EXTRA)).sort()) {
    const at = decoded.indexOf(readFileSync(join(tree(), EXTRA, f)), from);
    if (at < 0) break;
    from = at + 1;
    if (f.endsWith('.ko')) out.push(`${pkg}:/${EXTRA}/${f}`);
  }
  return out;
}

const intact = new Map<Z, Awaited<ReturnType<typeof check>>>();
async function intactReport(z: Z) {
  if (!intact.has(z)) intact.set(z, await check({ kernel: K61, modules: [rpm(z)] }));
  return intact.get(z)!;
}

/** The damaged package's report: its modules must be those of the intact one, named after it. */
async function damagedReport(z: Z, pkg: string) {
  const r = await check({ kernel: K61, modules: [pkg] });
  const whole = await intactReport(z);
  const byName = new Map(whole.modules.map((m) => [m.path.slice(rpm(z).length), m]));
  for (const m of r.modules) expect(JSON.parse(JSON.stringify(m).split(`${pkg}:`).join(`${rpm(z)}:`))).toEqual(byName.get(m.path.slice(pkg.length)));
  return r;
}

const names = (ns: number[], pkg: string) => ns.map((i) => `${pkg}:/${EXTRA}/m${String(i).padStart(2, '0')}.ko`);
const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const ZS = Object.keys(PAYLOADS) as Z[];

describe('a damaged .rpm of modules: the whole members checked, the damage one error', () => {
  test.each(ZS)('the intact package (%s payload): all 12 modules, no error', async (z) => {
    expect(execFileSync('rpm', ['-qp', '--qf', '%{PAYLOADCOMPRESSOR}', rpm(z)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })).toBe(z);
    const r = await intactReport(z);
    expect(r.modules.map((m) => m.path)).toEqual(names([...Array(COUNT).keys()], rpm(z)));
    expect(r.errors).toEqual([]);
  });

  test.each(ZS)('cut after 60%% of the package (%s payload): the members whole in what the system’s decoder makes of it, one error at the cut', async (z) => {
    const size = readFileSync(rpm(z)).length;
    const at = Math.floor(size * 0.6);
    const pkg = damaged(z, `cut-${z}.rpm`, (b) => b.subarray(0, at));
    const r = await damagedReport(z, pkg);
    const expected = wholeBySystemTools(z, pkg);
    expect(expected.length).toBeGreaterThan(2);
    expect(expected.length).toBeLessThan(COUNT - 2);
    expect(r.modules.map((m) => m.path)).toEqual(expected);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0].path).toBe(`${pkg}:payload`);
    expect(r.errors[0].message).toMatch(new RegExp(`^${esc(pkg)}:payload: at offset 0x${at.toString(16)}: the package ends ${size - at} bytes before its payload does( \\(in /${esc(EXTRA)}/m\\d\\d\\.(ko|dat)\\))?$`));
  });

  test.each(['xz', 'gzip'] as Z[])('one byte flipped at 70%% of the payload (%s): no member reported — none is covered by a passed check —, one error saying which were left out', async (z) => {
    const from = payloadAt(z);
    const size = readFileSync(rpm(z)).length;
    const at = from + Math.floor((size - from) * 0.7);
    const pkg = damaged(z, `flipped-${z}.rpm`, (b) => {
      b[at] ^= 0x01;
      return b;
    });
    const r = await check({ kernel: K61, modules: [pkg] });
    expect(r.modules).toEqual([]);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0].path).toBe(`${pkg}:payload`);
    const check_ = { xz: 'xz checks a block only at its end', zstd: 'zstd checks a frame only at its end', gzip: 'gzip checks its data only at its end' }[z];
    const m = new RegExp(`^${esc(pkg)}:payload: at offset 0x([0-9a-f]+): .+; (\\d+) files? decoded before it left out, unverified \\(${check_}\\), from /${esc(EXTRA)}/m00\\.ko$`).exec(r.errors[0].message);
    expect(m).not.toBeNull();
    expect(Number.parseInt(m![1], 16)).toBeGreaterThanOrEqual(at - 64 * 1024);
    expect(Number(m![2])).toBeGreaterThan(2);
  });

  test('CLI: the cut package exits 2, prints the whole members’ findings and the one error', () => {
    const pkg = join(TMP, 'cut-xz.rpm');
    const run = spawnSync(process.execPath, [CLI, 'check', '-k', K61, '--format', 'json', pkg], { encoding: 'utf8' });
    expect(run.status).toBe(2);
    const r = JSON.parse(run.stdout) as { modules: Array<{ path: string; verdict: string }>; errors: Array<{ path: string }> };
    expect(r.modules.map((m) => m.path)).toEqual(wholeBySystemTools('xz', pkg));
    expect(r.modules.length).toBeGreaterThan(2);
    const whole = intact.get('xz')!;
    expect(r.modules.map((m) => m.verdict)).toEqual(whole.modules.slice(0, r.modules.length).map((m) => m.verdict));
    expect(r.errors.map((e) => e.path)).toEqual([`${pkg}:payload`]);
  });
});
