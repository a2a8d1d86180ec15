/**
 * RPM kernel packages as --kernel, read in memory: the 6.1 sample kernel packaged by the real rpmbuild
 * (scripts/build-samples) as kernel-devel (usr/src/kernels/<release>/Module.symvers, xz payload with
 * rpm's SHA-256 checks), kernel-core (lib/modules/<release>/symvers.gz, zstd) and kernel
 * (boot/symvers-<release>.gz, gzip). Each must give the exports and verdicts of the unpacked build.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { check } from '../../src/check.js';
import { decompress } from '../../src/codec/decompress.js';
import { isXzSha256, verifySha256, withoutSha256 } from '../../src/codec/xz-sha256.js';
import { CLI, sample } from '../helpers/fixtures.js';

const K61 = sample('v6', 'kernels', '6.1');
const REL = '6.1.0-sample.x86_64';
const RPMS = [
  ['kernel-devel', 'xz', `/usr/src/kernels/${REL}/Module.symvers`],
  ['kernel-core', 'zstd', `/lib/modules/${REL}/symvers.gz`],
  ['kernel', 'gzip', `/boot/symvers-${REL}.gz`],
] as const;
const MODULES = [sample('v6', 'modules', 'ns-missing', 'ns-missing.ko'), sample('v6', 'modules', 'fpu-user', 'fpu-user.ko'), sample('v6', 'modules', 'exporter', 'exporter.ko')];
const rpmOf = (name: string) => sample('packages', `${name}-6.1.0-sample.x86_64.rpm`);

describe('RPM kernel packages as the kernel', () => {
  test.each(RPMS)('%s (%s payload, %s): the exports and verdicts of the unpacked build', async (name, compressor, symvers) => {
    const rpm = rpmOf(name);
    // what rpm itself says of the package
    expect(execFileSync('rpm', ['-qp', '--qf', '%{PAYLOADCOMPRESSOR}', rpm], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })).toBe(compressor);
    expect(execFileSync('rpm', ['-qlp', rpm], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })).toContain(symvers);
    const [a, b] = [await check({ kernel: rpm, modules: MODULES }), await check({ kernel: K61, modules: MODULES })];
    expect(a.kernel).toMatchObject({ source: rpm, release: REL, version: '6.1.0', versionSource: 'Module.symvers path', modversions: true, exports: b.kernel.exports });
    // (the release differs from the build's, 6.1.0; the modules carry __versions, so the loader ignores it)
    expect(a.modules).toEqual(b.modules);
    expect(a.modules.map((m) => [m.name, m.verdict])).toEqual([
      ['ns_missing', 'fail'],
      ['fpu_user', 'fail'],
      ['exporter', 'pass'],
    ]);
    const out = spawnSync(process.execPath, [CLI, 'exports', '-k', rpm], { encoding: 'utf8' });
    expect(out.stdout).toBe(spawnSync(process.execPath, [CLI, 'exports', '-k', K61], { encoding: 'utf8' }).stdout);
  });

  test('a cut RPM: an error naming the package and the offset, exit 2', () => {
    const bytes = readFileSync(rpmOf('kernel-devel'));
    const cut = join(mkdtempSync(join(tmpdir(), 'ksymcheck-rpm-')), 'cut.rpm');
    writeFileSync(cut, bytes.subarray(0, 400));
    const r = spawnSync(process.execPath, [CLI, 'exports', '-k', cut], { encoding: 'utf8' });
    expect({ status: r.status, stdout: r.stdout }).toEqual({ status: 2, stdout: '' });
    expect(r.stderr).toMatch(new RegExp(`^ksymcheck: ${cut.replace(/\./g, '\\.')}: at offset 0x[0-9a-f]+: (signature header|header): .* run past the end of the file\\n$`));
    // cut inside its 96-byte lead, the magic there: cut short, not 'no lead magic' (it has it)
    writeFileSync(cut, bytes.subarray(0, 50));
    const lead = spawnSync(process.execPath, [CLI, 'exports', '-k', cut], { encoding: 'utf8' });
    expect([lead.status, lead.stdout, lead.stderr]).toEqual([2, '', `ksymcheck: ${cut}: at offset 0x32: cut short: 50 bytes, inside the RPM lead (96 bytes)\n`]);
  });
});

describe('xz with SHA-256 checks (rpm payloads)', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'ksymcheck-xz-'));
  const plain = Buffer.concat(Array.from({ length: 40 }, (_, i) => readFileSync(sample('v6', 'modules', 'exporter', 'exporter.ko')).subarray(0, 4096 * (i % 7 + 1))));
  writeFileSync(join(tmp, 'plain'), plain);
  const xz = (...args: string[]) => execFileSync('xz', ['-c', ...args, join(tmp, 'plain')]);

  test.each([
    ['one block', ['--check=sha256']],
    ['several blocks', ['--check=sha256', '--block-size=64KiB']],
  ])('%s: decoded as xz(1) wrote it, every block’s SHA-256 checked', async (_n, args) => {
    const file = xz(...args);
    expect(isXzSha256(file)).toBe(true);
    const { xz: none, blocks } = withoutSha256(file, 'f.xz');
    expect(isXzSha256(none)).toBe(false);
    // the rewritten stream is a valid xz file to xz(1) itself
    writeFileSync(join(tmp, 'none.xz'), none);
    expect(execFileSync('xz', ['-dc', join(tmp, 'none.xz')]).equals(plain)).toBe(true);
    const data = (await decompress(none, 'f.xz')).data;
    expect(data.equals(plain)).toBe(true);
    expect(() => verifySha256(data, { blocks }, 'f.xz')).not.toThrow();
    expect(blocks.length).toBe(args.length > 1 ? Math.ceil(plain.length / 65536) : 1);
  });

  test('a changed byte in the data: caught by the SHA-256 check, or by the decoder', async () => {
    const file = xz('--check=sha256', '-0');
    let caught = 0;
    for (const at of [40, 200, 1000]) {
      const bad = Buffer.from(file);
      bad[at] ^= 0x20;
      try {
        const { xz: none, blocks } = withoutSha256(bad, 'f.xz');
        verifySha256((await decompress(none, 'f.xz')).data, { blocks }, 'f.xz');
      } catch (e) {
        expect((e as Error).message).toMatch(/^f\.xz: xz: /);
        caught++;
      }
    }
    expect(caught).toBe(3);
  });
});
