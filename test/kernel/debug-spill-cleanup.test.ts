/**
 * The -dbg spill's temporary file (src/package/debug-vmlinux.ts) removed on every way out (issue #27):
 * a process killed by SIGTERM or SIGINT in the middle of the spill, the CLI whose reader closes the pipe
 * (EPIPE), a corrupt package, and the normal end. Each child runs with a TMPDIR of its own, which must be
 * empty after it. The packages are built by the real dpkg-deb: a -dbg package whose vmlinux is 64 MB of
 * zeros (xz makes them 20 KB; the spill takes seconds, so a child can be stopped in the middle of it),
 * and one with the 6.1 sample's vmlinux.
 */
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { closeSync, cpSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, ROOT, sample } from '../helpers/fixtures.js';

const REL = '6.1.0-sample-amd64';
const TMP = mkdtempSync(join(tmpdir(), 'ksymcheck-spillclean-'));
const SPILL = join(ROOT, 'dist', 'package', 'debug-vmlinux.js');

function dbg(name: string, vmlinux: (file: string) => void, compression = 'xz'): string {
  const root = join(TMP, name);
  const boot = join(root, 'usr', 'lib', 'debug', 'boot');
  mkdirSync(boot, { recursive: true });
  vmlinux(join(boot, `vmlinux-${REL}`));
  mkdirSync(join(root, 'DEBIAN'));
  writeFileSync(join(root, 'DEBIAN', 'control'), `Package: linux-image-${REL}-dbg\nVersion: 1\nArchitecture: amd64\nMaintainer: ksymcheck tests <nobody@example.org>\nDescription: sample debug\n`);
  const out = join(TMP, `linux-image-${REL}-${name}-dbg_1_amd64.deb`);
  execFileSync('dpkg-deb', ['--root-owner-group', `-Z${compression}`, '-z0', '--build', root, out], { stdio: 'ignore' });
  return out;
}

let big: string;
let real: string;
beforeAll(() => {
  big = dbg('zeros', (f) => {
    // 64 MB of zeros (a file with a hole: the tar holds them as data)
    const fd = openSync(f, 'w');
    closeSync(fd);
    execFileSync('truncate', ['-s', '64M', f]);
  });
  real = dbg('real', (f) => cpSync(sample('v6', 'kernels', '6.1', 'vmlinux'), f));
}, 120_000);

/** A TMPDIR of a child's own. */
function privateTmp(): string {
  return mkdtempSync(join(TMP, 'tmpdir-'));
}

/** The spilled vmlinux files under a TMPDIR (ksymcheck-vmlinux-XXXXXX/vmlinux) and their sizes. */
function spilled(dir: string): Array<{ file: string; size: number }> {
  return readdirSync(dir)
    .filter((d) => d.startsWith('ksymcheck-vmlinux-'))
    .flatMap((d) => (existsSync(join(dir, d, 'vmlinux')) ? [{ file: join(dir, d, 'vmlinux'), size: statSync(join(dir, d, 'vmlinux')).size }] : []));
}

const exited = (child: ChildProcess) => new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('the -dbg spill leaves no temporary file', () => {
  test.each(['SIGTERM', 'SIGINT'] as const)('%s in the middle of the spill: the file removed, the process ends by the signal', async (sig) => {
    const tmp = privateTmp();
    const child = spawn(process.execPath, ['--input-type=module', '-e', `import { spillDebugVmlinux } from ${JSON.stringify(SPILL)}; const v = await spillDebugVmlinux(${JSON.stringify(big)}); console.log('done'); setInterval(() => {}, 1000);`], {
      env: { ...process.env, TMPDIR: tmp },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    const end = exited(child);
    // wait for the spill to have started (bytes in the file), then stop the child there
    const t0 = Date.now();
    while (!spilled(tmp).some((s) => s.size > 0)) {
      if (Date.now() - t0 > 60_000) throw new Error('the spill never started');
      await sleep(5);
    }
    child.kill('SIGSTOP');
    await sleep(100);
    const [during] = spilled(tmp);
    expect(during.size).toBeGreaterThan(0);
    expect(during.size).toBeLessThan(64 << 20); // in the middle of it
    expect(out).toBe('');
    child.kill(sig);
    child.kill('SIGCONT');
    expect(await end).toEqual({ code: null, signal: sig });
    expect(readdirSync(tmp)).toEqual([]);
  }, 120_000);

  test('the CLI whose reader closes the pipe (EPIPE): verdicts as usual, the file removed', async () => {
    const tmp = privateTmp();
    const child = spawn(process.execPath, [CLI, 'check', '--format', 'json', '-k', real, sample('v6', 'modules', 'ns-missing', 'ns-missing.ko'), sample('v6', 'modules', 'exporter', 'exporter.ko')], {
      env: { ...process.env, TMPDIR: tmp },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let err = '';
    child.stderr!.on('data', (d) => (err += d));
    child.stdout!.destroy(); // the reader goes away before the first byte
    const { code } = await exited(child);
    expect(err).not.toContain('internal error');
    expect(code).toBe(1); // ns-missing fails
    expect(readdirSync(tmp)).toEqual([]);
  }, 60_000);

  test('a corrupt package: exit 2 with the error naming it, the file removed', () => {
    const tmp = privateTmp();
    const b = Buffer.from(readFileSync(real));
    for (let at = Math.floor(b.length / 3); at < b.length; at += 997) b[at] ^= 0xff;
    const bad = join(TMP, `linux-image-${REL}-corrupt-dbg_1_amd64.deb`);
    writeFileSync(bad, b);
    const r = spawnSync(process.execPath, [CLI, 'check', '-k', bad, sample('v6', 'modules', 'exporter', 'exporter.ko')], { env: { ...process.env, TMPDIR: tmp }, encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:data\\.tar\\.xz: at offset 0x[0-9a-f]+: xz: corrupt data`));
    expect(readdirSync(tmp)).toEqual([]);
  });

  test('the normal end: the file removed once the index is built', () => {
    const tmp = privateTmp();
    const r = spawnSync(process.execPath, [CLI, 'check', '-k', real, sample('v6', 'modules', 'exporter', 'exporter.ko')], { env: { ...process.env, TMPDIR: tmp }, encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(readdirSync(tmp)).toEqual([]);
  });

  test('a vmlinux larger than the spill bound (KSYMCHECK_MAX_SPILL=1 MiB, the 64 MB one): exit 2, the error names the package and member, nothing left', () => {
    const tmp = privateTmp();
    const r = spawnSync(process.execPath, [CLI, 'check', '-k', big, sample('v6', 'modules', 'exporter', 'exporter.ko')], { env: { ...process.env, TMPDIR: tmp, KSYMCHECK_MAX_SPILL: String(1 << 20) }, encoding: 'utf8' });
    expect({ status: r.status, stdout: r.stdout }).toEqual({ status: 2, stdout: '' });
    expect(r.stderr).toBe(`ksymcheck: ${big}:/usr/lib/debug/boot/vmlinux-${REL}: 64 MiB, more than the largest vmlinux spilled to a temporary file (1 MiB; KSYMCHECK_MAX_SPILL)\n`);
    expect(readdirSync(tmp)).toEqual([]);
  });

  test('a crafted package whose tar header claims an 8 GiB vmlinux: refused at the default bound (2 GiB) before a byte is written', () => {
    // the real dpkg-deb's package, uncompressed, then the vmlinux's tar header made to claim 8 GiB - 1
    const pkg = dbg('claims-8g', (f) => cpSync(sample('v6', 'kernels', '6.1', 'vmlinux'), f), 'none');
    const b = Buffer.from(readFileSync(pkg));
    const h = b.indexOf(`./usr/lib/debug/boot/vmlinux-${REL}\0`);
    expect(h).toBeGreaterThan(0);
    b.write('77777777777\0', h + 124, 'latin1');
    let sum = 0;
    for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 0x20 : b[h + i];
    b.write(`${sum.toString(8).padStart(6, '0')}\0 `, h + 148, 'latin1');
    const crafted = join(TMP, `linux-image-${REL}-crafted-dbg_1_amd64.deb`);
    writeFileSync(crafted, b);
    const tmp = privateTmp();
    const r = spawnSync(process.execPath, [CLI, 'check', '-k', crafted, sample('v6', 'modules', 'exporter', 'exporter.ko')], { env: { ...process.env, TMPDIR: tmp, KSYMCHECK_MAX_SPILL: '' }, encoding: 'utf8' });
    expect({ status: r.status, stdout: r.stdout }).toEqual({ status: 2, stdout: '' });
    expect(r.stderr).toBe(`ksymcheck: ${crafted}:/usr/lib/debug/boot/vmlinux-${REL}: ${8 * 2 ** 30 - 1} bytes, more than the largest vmlinux spilled to a temporary file (2 GiB; KSYMCHECK_MAX_SPILL)\n`);
    expect(readdirSync(tmp)).toEqual([]);
  });
});
