/**
 * A damaged package of modules (issue #27): a vendor's modules .deb built by the real dpkg-deb from
 * gcc-built sample modules, then cut after N bytes or with a byte flipped every 997 bytes past an offset
 * (what a broken download or a bad disk makes of it). Every module member whose bytes decoded whole before
 * the damage is checked and reported as from the intact package; the damage is one error naming the
 * package, its data member, the offset and the file being read there; the CLI exits 2.
 *
 * Which members are whole is worked out apart from ksymcheck: for an uncompressed data.tar, from where
 * each module's bytes lie in the package; for a compressed one, by the system's own decoder and GNU tar
 * (`xz -dc | tar -x`, reading as far as they can), keeping the files equal to the originals.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { check } from '../../src/check.js';
import { CLI, sample } from '../helpers/fixtures.js';
import { COUNT, noise, stageModules } from '../helpers/damaged.js';

const K61 = sample('v6', 'kernels', '6.1');
const REL = '6.1.0-sample-amd64';
const EXTRA = `lib/modules/${REL}/extra`;
const TMP = mkdtempSync(join(tmpdir(), 'ksymcheck-damaged-'));

/** The unpacked tree (test/helpers/damaged.ts) with its control file. */
function tree(): string {
  const root = join(TMP, 'root');
  if (existsSync(root)) return root;
  stageModules(join(root, EXTRA));
  mkdirSync(join(root, 'DEBIAN'));
  for (const f of readdirSync(join(root, EXTRA))) utimesSync(join(root, EXTRA, f), 1700000000, 1700000000);
  writeFileSync(join(root, 'DEBIAN', 'control'), `Package: damaged-modules-${REL}\nVersion: 1.0\nArchitecture: amd64\nMaintainer: ksymcheck tests <nobody@example.org>\nDescription: sample modules\n`);
  return root;
}

function deb(compression: string): string {
  const out = join(TMP, `damaged-modules_${compression}.deb`);
  // (the same bytes on every run: file times and dpkg-deb's clock fixed)
  if (!existsSync(out)) execFileSync('dpkg-deb', ['--root-owner-group', `-Z${compression}`, '--build', tree(), out], { stdio: 'ignore', env: { ...process.env, SOURCE_DATE_EPOCH: '1700000000' } });
  return out;
}

/** The data member of a .deb: its name and where its bytes start (read from the ar headers). */
function dataMember(pkg: Buffer): { name: string; offset: number; size: number } {
  for (let at = 8; at < pkg.length; ) {
    const name = pkg.toString('latin1', at, at + 16).trim().replace(/\/$/, '');
    const size = Number(pkg.toString('latin1', at + 48, at + 58).trim());
    if (name.startsWith('data.tar')) return { name, offset: at + 60, size };
    at += 60 + size + (size % 2);
  }
  throw new Error('no data member');
}

/** xz(1)'s block table of an xz file: each block's check end in it, and its uncompressed start and end. */
function xzBlocks(xz: Uint8Array): Array<{ start: number; checkEnd: number; outStart: number; outEnd: number }> {
  const f = join(TMP, 'listed.xz');
  writeFileSync(f, xz);
  return execFileSync('xz', ['--robot', '--list', '-vv', f], { encoding: 'utf8' })
    .split('\n')
    .filter((l) => l.startsWith('block\t'))
    .map((l) => l.split('\t').map(Number))
    .map((c) => ({ start: c[4], checkEnd: c[4] + c[6], outStart: c[5], outEnd: c[5] + c[7] }));
}

/**
 * The package with its data.tar compressed by xz(1) in blocks of 40,000 bytes (CRC64), put together again
 * by binutils' ar in dpkg-deb's member order (dpkg-deb itself writes so small a package in one block).
 */
function multiBlock(): string {
  const out = join(TMP, 'damaged-modules_xz-blocks.deb');
  if (existsSync(out)) return out;
  const b = readFileSync(deb('none'));
  const dir = join(TMP, 'repack');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir);
  execFileSync('ar', ['x', deb('none')], { cwd: dir });
  execFileSync('xz', ['-T1', '--check=crc64', '--block-size=40000', 'data.tar'], { cwd: dir });
  const control = readdirSync(dir).find((f) => f.startsWith('control.tar'))!;
  execFileSync('ar', ['rcD', out, 'debian-binary', control, 'data.tar.xz'], { cwd: dir });
  expect(dataMember(readFileSync(out)).size).toBeLessThan(b.length);
  return out;
}

/** Where each module's bytes end in the uncompressed data.tar (GNU tar's header block numbers: `tar -tvR`). */
function moduleEnds(): Map<string, number> {
  const dir = join(TMP, 'repack');
  const ends = new Map<string, number>();
  for (const line of execFileSync('tar', ['-tvR', '-f', 'data.tar.xz'], { cwd: dir, encoding: 'utf8' }).split('\n')) {
    const m = /^block (\d+): \S+ \S+\s+(\d+) \S+ \S+ \.\/(\S+\.ko)$/.exec(line);
    if (m) ends.set(`/${m[3]}`, (Number(m[1]) + 1) * 512 + Number(m[2]));
  }
  expect(ends.size).toBe(COUNT);
  return ends;
}

function cut(pkg: string, n: number, name: string): string {
  const out = join(TMP, name);
  writeFileSync(out, readFileSync(pkg).subarray(0, n));
  return out;
}

/** Bytes flipped (xor 0xff) every 997 bytes from `from` to the end. */
function corrupt(pkg: string, from: number, name: string): string {
  const b = Buffer.from(readFileSync(pkg));
  for (let at = from; at < b.length; at += 997) b[at] ^= 0xff;
  const out = join(TMP, name);
  writeFileSync(out, b);
  return out;
}

/** The module members the system's decoder and GNU tar get whole (equal to the originals) out of a damaged package. */
function wholeBySystemTools(pkg: string): string[] {
  const b = readFileSync(pkg);
  const d = dataMember(b);
  const dir = join(TMP, `x-${createHash('md5').update(pkg).digest('hex')}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir);
  const decoder = d.name.endsWith('.xz') ? 'xz -dc' : d.name.endsWith('.gz') ? 'gzip -dc' : d.name.endsWith('.zst') ? 'zstd -dc' : 'cat';
  writeFileSync(join(dir, 'member'), b.subarray(d.offset, Math.min(b.length, d.offset + d.size)));
  spawnSync('sh', ['-c', `${decoder} < member 2>/dev/null | tar -xf - 2>/dev/null; rm member`], { cwd: dir });
  const got = join(dir, EXTRA);
  if (!existsSync(got)) return [];
  return readdirSync(got)
    .filter((f) => f.endsWith('.ko') && readFileSync(join(got, f)).equals(readFileSync(join(tree(), EXTRA, f))))
    .sort()
    .map((f) => `${pkg}:/${EXTRA}/${f}`);
}

const intact = new Map<string, Awaited<ReturnType<typeof check>>>();
async function intactReport(z: string) {
  if (!intact.has(z)) intact.set(z, await check({ kernel: K61, modules: [deb(z)] }));
  return intact.get(z)!;
}

/** The damaged package's report: its modules must be those of the intact one, named after it. */
async function damagedReport(z: string, pkg: string) {
  const r = await check({ kernel: K61, modules: [pkg] });
  const whole = await intactReport(z);
  const byName = new Map(whole.modules.map((m) => [m.path.slice(deb(z).length), m]));
  for (const m of r.modules) expect(JSON.parse(JSON.stringify(m).split(`${pkg}:`).join(`${deb(z)}:`))).toEqual(byName.get(m.path.slice(pkg.length)));
  return r;
}

const names = (ns: number[], pkg: string) => ns.map((i) => `${pkg}:/${EXTRA}/m${String(i).padStart(2, '0')}.ko`);

describe('a damaged .deb of modules: the whole members checked, the damage one error', () => {
  test('the intact packages: all 12 modules, no error', async () => {
    for (const z of ['none', 'xz']) {
      const r = await intactReport(z);
      expect(r.modules.map((m) => m.path)).toEqual(names([...Array(COUNT).keys()], deb(z)));
      expect(r.errors).toEqual([]);
    }
  });

  test('uncompressed data.tar cut inside m05.ko: m00–m04 reported, one error at the cut naming m05.ko', async () => {
    const b = readFileSync(deb('none'));
    const d = dataMember(b);
    // where m05.ko's bytes are in the package (the module's whole content, found in the tar)
    const m05 = b.indexOf(readFileSync(join(tree(), EXTRA, 'm05.ko')), d.offset);
    expect(m05).toBeGreaterThan(d.offset);
    const at = m05 + 100;
    const pkg = cut(deb('none'), at, 'cut-none.deb');
    const r = await damagedReport('none', pkg);
    expect(r.modules.map((m) => m.path)).toEqual(names([0, 1, 2, 3, 4], pkg));
    expect(r.modules.map((m) => m.path)).toEqual(wholeBySystemTools(pkg));
    expect(r.errors).toEqual([
      {
        path: `${pkg}:data.tar`,
        message: `${pkg}:data.tar: at offset 0x${at.toString(16)}: the package ends ${d.offset + d.size - at} bytes before its member data.tar does (in /${EXTRA}/m05.ko)`,
      },
    ]);
  });

  test.each([
    ['xz', 'xz'],
    ['gzip', 'gz'],
    ['zstd', 'zst'],
  ])('data.tar (%s) cut after 60%% of the package: the members the system’s decoder and tar get whole, one error at the cut', async (z, ext) => {
    const b = readFileSync(deb(z));
    const d = dataMember(b);
    const at = Math.floor(b.length * 0.6);
    const pkg = cut(deb(z), at, `cut-${z}.deb`);
    const r = await damagedReport(z, pkg);
    const expected = wholeBySystemTools(pkg);
    expect(expected.length).toBeGreaterThan(2);
    expect(expected.length).toBeLessThan(COUNT - 2);
    expect(r.modules.map((m) => m.path)).toEqual(expected);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0].path).toBe(`${pkg}:data.tar.${ext}`);
    expect(r.errors[0].message).toMatch(
      new RegExp(`^${esc(pkg)}:data\\.tar\\.${ext}: at offset 0x${at.toString(16)}: the package ends ${d.offset + d.size - at} bytes before its member data\\.tar\\.${ext} does( \\(in /${esc(EXTRA)}/m\\d\\d\\.(ko|dat)\\))?$`),
    );
  });

  // xz-embedded checks a block's CRC64 only at the block's end, and dpkg-deb writes this small package's
  // data.tar.xz in one block: what decodes before the damage is held for that check, which never passes —
  // none is reported (`xz -dc | tar` gets some, unverified), and the error says how many were left out.
  test('data.tar.xz (one block) with a byte flipped every 997 bytes past 40% of the package: no member reported, one xz error saying which were left out unverified', async () => {
    const b = readFileSync(deb('xz'));
    const d = dataMember(b);
    const table = xzBlocks(b.subarray(d.offset, d.offset + d.size));
    expect(table).toHaveLength(1);
    const from = Math.floor(b.length * 0.4);
    const pkg = corrupt(deb('xz'), from, 'flipped-xz.deb');
    expect(wholeBySystemTools(pkg).length).toBeGreaterThan(1); // (xz -dc | tar gets some: unverified)
    const r = await check({ kernel: K61, modules: [pkg] });
    expect(r.modules).toEqual([]);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0].path).toBe(`${pkg}:data.tar.xz`);
    const m = new RegExp(
      `^${esc(pkg)}:data\\.tar\\.xz: at offset 0x([0-9a-f]+): xz: corrupt data \\(in /${esc(EXTRA)}/m\\d\\d\\.(?:dat|ko)\\); (\\d+) files? decoded before it left out, unverified \\(xz checks a block only at its end\\), from /${esc(EXTRA)}/m00\\.ko$`,
    ).exec(r.errors[0].message);
    expect(m).not.toBeNull();
    // the damage is met at or after the first flipped byte
    expect(Number.parseInt(m![1], 16)).toBeGreaterThanOrEqual(from);
    expect(Number.parseInt(m![1], 16)).toBeLessThan(b.length);
    expect(Number(m![2])).toBeGreaterThanOrEqual(1);
  });

  // zlib's inflate can run on past damage before it notices, and what it makes of it can even be a module
  // that reads (a CRC changed); gzip's CRC32 comes only at the end of its data. So the members of a gzip
  // data.tar are held until the trailer verifies: corrupt, none is reported (nothing tells them from
  // garbage), and the one error says how many were left out. (A corrupt gzip data.tar hung the read before:
  // zlib's stream never drained.)
  test('data.tar (gzip) with a byte flipped every 997 bytes past 40% of the package: no member reported, one error saying which were left out unverified', async () => {
    const b = readFileSync(deb('gzip'));
    const from = Math.floor(b.length * 0.4);
    const pkg = corrupt(deb('gzip'), from, 'flipped-gzip.deb');
    const r = await check({ kernel: K61, modules: [pkg] });
    expect(wholeBySystemTools(pkg).length).toBeGreaterThan(1); // (gzip -dc | tar gets some: unverified)
    expect(r.modules).toEqual([]);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0].path).toBe(`${pkg}:data.tar.gz`);
    const m = new RegExp(`^${esc(pkg)}:data\\.tar\\.gz: at offset 0x([0-9a-f]+): (?:gz|tar): .+; (\\d+) files decoded before it left out, unverified \\(gzip checks its data only at its end\\), from /${esc(EXTRA)}/m00\\.ko$`).exec(r.errors[0].message);
    expect(m).not.toBeNull();
    expect(Number.parseInt(m![1], 16)).toBeGreaterThanOrEqual(from);
  });

  test('data.tar (gzip) whose trailer CRC32 is flipped: every member decodes, none is reported, the one error is the check', async () => {
    const b = Buffer.from(readFileSync(deb('gzip')));
    const d = dataMember(b);
    const crc = d.offset + d.size - 8; // the gzip trailer: CRC32, ISIZE
    b[crc] ^= 0x01;
    const pkg = join(TMP, 'crc-gzip.deb');
    writeFileSync(pkg, b);
    const r = await check({ kernel: K61, modules: [pkg] });
    expect(r.modules).toEqual([]);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0].path).toBe(`${pkg}:data.tar.gz`);
    // (the tar reader runs behind the decoder: the files it has finished by then are those left out)
    const m = new RegExp(
      `^${esc(pkg)}:data\\.tar\\.gz: at offset 0x${(d.offset + d.size).toString(16)}: gz: incorrect data check(?: \\(in /${esc(EXTRA)}/m\\d\\d\\.(?:ko|dat)\\))?; (\\d+) files decoded before it left out, unverified \\(gzip checks its data only at its end\\), from /${esc(EXTRA)}/m00\\.ko$`,
    ).exec(r.errors[0].message);
    expect(m).not.toBeNull();
    expect(Number(m![1])).toBeGreaterThanOrEqual(COUNT - 2);
  });

  // zstd's content checksum (XXH64, which `zstd` and dpkg-deb write by default) covers a frame: a byte
  // flipped in a raw block (the incompressible noise after m11.ko) decodes without a decoder error, and
  // before the checksum was verified the package read whole with that file's bytes changed.
  test('data.tar (zstd) with one byte flipped in a raw block near its end: the frame checksum fails, no member reported', async () => {
    const b = Buffer.from(readFileSync(deb('zstd')));
    const d = dataMember(b);
    const at = b.indexOf(noise('11', 24 << 10).subarray(12000, 12064), d.offset);
    expect(at).toBeGreaterThan(d.offset); // stored as it is: a raw block
    b[at] ^= 0x01;
    const pkg = join(TMP, 'raw-flip-zstd.deb');
    writeFileSync(pkg, b);
    // the system's zstd agrees that the frame is damaged
    expect(spawnSync('sh', ['-c', `tail -c +${d.offset + 1} '${pkg}' | head -c ${d.size} | zstd -t`]).status).not.toBe(0);
    const r = await check({ kernel: K61, modules: [pkg] });
    expect(r.modules).toEqual([]);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0].path).toBe(`${pkg}:data.tar.zst`);
    expect(r.errors[0].message).toMatch(
      new RegExp(`^${esc(pkg)}:data\\.tar\\.zst: at offset 0x[0-9a-f]+: zst: content checksum of the frame at offset 0 differs \\(XXH64 [0-9a-f]{8}, the frame records [0-9a-f]{8}\\)(?: \\(in /${esc(EXTRA)}/m11\\.dat\\))?; ${COUNT} files decoded before it left out, unverified \\(zstd checks a frame only at its end\\), from /${esc(EXTRA)}/m00\\.ko$`),
    );
  });

  test('data.tar (zstd) intact: every member, its frame checksum verified', async () => {
    const r = await check({ kernel: K61, modules: [deb('zstd')] });
    expect(r.modules.map((m) => m.path)).toEqual(names([...Array(COUNT).keys()], deb('zstd')));
    expect(r.errors).toEqual([]);
  });

  test('CLI: the damaged package exits 2, prints the whole members’ findings and the one error', () => {
    const pkg = join(TMP, 'cut-none.deb');
    const run = spawnSync(process.execPath, [CLI, 'check', '-k', K61, '--format', 'json', pkg], { encoding: 'utf8' });
    expect(run.status).toBe(2);
    const r = JSON.parse(run.stdout) as { modules: Array<{ path: string }>; errors: Array<{ path: string }> };
    expect(r.modules.map((m) => m.path)).toEqual(names([0, 1, 2, 3, 4], pkg));
    expect(r.errors.map((e) => e.path)).toEqual([`${pkg}:data.tar`]);
  });
});

// issue #27's last point: a data.tar.xz in several blocks (xz --block-size), a block verified once the
// decoder has taken its CRC64 without an error: the modules wholly in the blocks before the damaged one are
// checked, those whose bytes reach into it are not, and the error says how many decoded before it were left out.
describe('a damaged .deb whose data.tar.xz has several blocks: the modules of the blocks verified before the damage', () => {
  /** The package with the byte at `at` of its data member flipped. */
  function flipped(at: number, name: string): { pkg: string; offset: number } {
    const b = Buffer.from(readFileSync(multiBlock()));
    const d = dataMember(b);
    b[d.offset + at] ^= 0xff;
    const pkg = join(TMP, name);
    writeFileSync(pkg, b);
    return { pkg, offset: d.offset + at };
  }

  /** The modules whose bytes end in blocks before the n-th (from 0), and those that end in it. */
  function split(n: number, pkg: string): { before: string[]; inIt: string[] } {
    const d = dataMember(readFileSync(multiBlock()));
    const blocks = xzBlocks(readFileSync(multiBlock()).subarray(d.offset, d.offset + d.size));
    const ends = [...moduleEnds()].sort((a, b) => a[1] - b[1]);
    return {
      before: ends.filter(([, e]) => e <= blocks[n].outStart).map(([p]) => `${pkg}:${p}`),
      inIt: ends.filter(([, e]) => e > blocks[n].outStart && e <= blocks[n].outEnd).map(([p]) => p),
    };
  }

  test('the repacked package: dpkg-deb reads it, xz lists 10 blocks, every module checked as in the one-block package', async () => {
    const pkg = multiBlock();
    expect(execFileSync('dpkg-deb', ['-c', pkg], { encoding: 'utf8' })).toContain(`./${EXTRA}/m11.ko`);
    const d = dataMember(readFileSync(pkg));
    expect(xzBlocks(readFileSync(pkg).subarray(d.offset, d.offset + d.size))).toHaveLength(10);
    const r = await check({ kernel: K61, modules: [pkg] });
    expect(r.errors).toEqual([]);
    const whole = await intactReport('xz');
    expect(JSON.parse(JSON.stringify(r.modules).split(`${pkg}:`).join(`${deb('xz')}:`))).toEqual(whole.modules);
  });

  test('a byte flipped in the middle of the 3rd block: the modules wholly in blocks 1–2 reported, none whose bytes reach into the 3rd', async () => {
    const d = dataMember(readFileSync(multiBlock()));
    const blocks = xzBlocks(readFileSync(multiBlock()).subarray(d.offset, d.offset + d.size));
    const { pkg, offset } = flipped(Math.floor((blocks[2].start + blocks[2].checkEnd) / 2), 'flipped-block3.deb');
    const { before } = split(2, pkg);
    expect(before.length).toBeGreaterThanOrEqual(2);
    expect(before.length).toBeLessThan(COUNT - 2);
    const r = await damagedReport('xz', pkg);
    expect(r.modules.map((m) => m.path)).toEqual(before);
    // (the system's tools get more: xz -dc writes what it decodes before it compares the block's check)
    expect(wholeBySystemTools(pkg).length).toBeGreaterThanOrEqual(before.length);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0].path).toBe(`${pkg}:data.tar.xz`);
    const m = new RegExp(
      `^${esc(pkg)}:data\\.tar\\.xz: at offset 0x([0-9a-f]+): xz: corrupt data(?: \\(in /${esc(EXTRA)}/m\\d\\d\\.(?:dat|ko)\\))?(?:; (\\d+) files? decoded before it left out, unverified \\(xz checks a block only at its end\\), from /${esc(EXTRA)}/(m\\d\\d\\.ko))?$`,
    ).exec(r.errors[0].message);
    expect(m).not.toBeNull();
    // inside the 3rd block (xz-embedded says where the LZMA2 chunk it failed in starts, not the byte)
    expect(offset).toBeGreaterThan(d.offset + blocks[2].start);
    expect(Number.parseInt(m![1], 16)).toBeGreaterThan(d.offset + blocks[2].start);
    expect(Number.parseInt(m![1], 16)).toBeLessThanOrEqual(d.offset + blocks[2].checkEnd);
  });

  // (24 bytes before the block's check: the range decoder meets it in the block's last symbols, after
  // m02.ko — whole and right — has decoded from the damaged block)
  test('a byte flipped near the end of the 3rd block’s data: m02.ko, decoded whole before it, is left out with the block', async () => {
    const b = readFileSync(multiBlock());
    const d = dataMember(b);
    const blocks = xzBlocks(b.subarray(d.offset, d.offset + d.size));
    const at = blocks[2].checkEnd - 8 - 24;
    const { pkg } = flipped(at, 'late-flip-block3.deb');
    const { before, inIt } = split(2, pkg);
    expect(inIt).toEqual([`/${EXTRA}/m02.ko`]);
    expect(wholeBySystemTools(pkg)).toContain(`${pkg}:/${EXTRA}/m02.ko`); // (xz -dc | tar: unverified)
    const r = await damagedReport('xz', pkg);
    expect(r.modules.map((m) => m.path)).toEqual(before);
    expect(r.errors).toHaveLength(1);
    const m = new RegExp(
      `^${esc(pkg)}:data\\.tar\\.xz: at offset 0x([0-9a-f]+): xz: corrupt data(?: \\(in /${esc(EXTRA)}/m\\d\\d\\.(?:dat|ko)\\))?; 1 file decoded before it left out, unverified \\(xz checks a block only at its end\\), from /${esc(EXTRA)}/m02\\.ko$`,
    ).exec(r.errors[0].message);
    expect(m).not.toBeNull();
    expect(Number.parseInt(m![1], 16)).toBeGreaterThan(d.offset + blocks[2].start);
    expect(Number.parseInt(m![1], 16)).toBeLessThanOrEqual(d.offset + blocks[2].checkEnd);
  });

  test('the 3rd block’s CRC64 flipped: it decodes right, but its modules are left out, counted, and named from the first', async () => {
    const d = dataMember(readFileSync(multiBlock()));
    const blocks = xzBlocks(readFileSync(multiBlock()).subarray(d.offset, d.offset + d.size));
    // the first byte of the block's 8-byte check
    const { pkg, offset } = flipped(blocks[2].checkEnd - 8, 'crc-block3.deb');
    const { before, inIt } = split(2, pkg);
    expect(inIt.length).toBeGreaterThanOrEqual(1);
    // xz -dc | tar gets them whole and right: only the check tells
    expect(wholeBySystemTools(pkg).length).toBeGreaterThanOrEqual(before.length + inIt.length);
    const r = await damagedReport('xz', pkg);
    expect(r.modules.map((m) => m.path)).toEqual(before);
    expect(r.errors).toHaveLength(1);
    // (the decoder stops past the byte that differs; the tar reader is inside the file that reaches into the 4th block, if any)
    expect(r.errors[0].message).toMatch(
      new RegExp(
        `^${esc(pkg)}:data\\.tar\\.xz: at offset 0x${(offset + 1).toString(16)}: xz: corrupt data(?: \\(in /${esc(EXTRA)}/m\\d\\d\\.(?:dat|ko)\\))?; ${inIt.length} files? decoded before it left out, unverified \\(xz checks a block only at its end\\), from ${esc(inIt[0])}$`,
      ),
    );
  });

  test('cut inside the 4th block: every module decoded before the cut handed over (a cut is not corruption), one error at the cut', async () => {
    const b = readFileSync(multiBlock());
    const d = dataMember(b);
    const blocks = xzBlocks(b.subarray(d.offset, d.offset + d.size));
    const at = d.offset + Math.floor((blocks[3].start + blocks[3].checkEnd) / 2);
    const pkg = cut(multiBlock(), at, 'cut-blocks.deb');
    const r = await damagedReport('xz', pkg);
    const expected = wholeBySystemTools(pkg);
    expect(expected.length).toBeGreaterThan(split(3, pkg).before.length);
    expect(r.modules.map((m) => m.path)).toEqual(expected);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0].message).toMatch(
      new RegExp(`^${esc(pkg)}:data\\.tar\\.xz: at offset 0x${at.toString(16)}: the package ends ${d.offset + d.size - at} bytes before its member data\\.tar\\.xz does( \\(in /${esc(EXTRA)}/m\\d\\d\\.(ko|dat)\\))?$`),
    );
  });
});

function esc(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
