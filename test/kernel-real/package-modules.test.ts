/**
 * Debian's real image packages given where modules go, streamed, never unpacked: the 6.1
 * linux-image-6.1.0-<new>-amd64-unsigned .deb (4,023 plain .ko under /lib/modules, 400 MB of data.tar
 * behind 70 MB of xz) and Debian 13's linux-image-6.12…-unsigned .deb (4,230 .ko.xz under
 * /usr/lib/modules). Each must give the report of the tree scripts/fetch-kernels and scripts/fetch-trixie
 * unpacked from the same .deb with `dpkg-deb -x` — the same findings, references included, module by
 * module — with only the names differing. The 6.1 image is checked against the older ABI's headers, so
 * that the findings read references (fetched from the package a second time).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { check } from '../../src/check.js';
import type { Report } from '../../src/report/schema.js';
import { CACHE, headersOf, readAbisEnv } from './env.js';

const abis = readAbisEnv();

function imageDeb(abi: string): string {
  const dir = join(CACHE, 'debs');
  const f = readdirSync(dir).find((n) => n.startsWith(`linux-image-6.1.0-${abi}-amd64-unsigned_`) && n.endsWith('.deb'));
  if (!f) throw new Error(`no linux-image-6.1.0-${abi}-amd64-unsigned .deb in ${dir}: run scripts/fetch-kernels`);
  return join(dir, f);
}

const trixieEnv = join(CACHE, 'trixie', 'trixie.env');
const trixie = existsSync(trixieEnv)
  ? Object.fromEntries(
      readFileSync(trixieEnv, 'utf8')
        .trim()
        .split('\n')
        .map((l) => l.split('=') as [string, string]),
    )
  : undefined;

/** The members of a .deb that are modules, by dpkg-deb's own listing (not ksymcheck's reader). */
function moduleMembers(deb: string): string[] {
  return execFileSync('sh', ['-c', 'dpkg-deb --fsys-tarfile "$1" | tar -t', 'sh', deb], { encoding: 'utf8', maxBuffer: 64 << 20 })
    .split('\n')
    .filter((l) => /\.ko(\.(gz|xz|zst))?$/.test(l))
    .map((l) => l.replace(/^\.\//, '/'));
}

/** A package's report with its member names written as the unpacked tree's paths. */
const asTree = (r: Report, deb: string, root: string) => JSON.parse(JSON.stringify({ modules: r.modules, errors: r.errors, notes: r.notes }).split(`${deb}:/`).join(`${root}/`));

describe('a real Debian image .deb as modules: the report of its unpacked tree', () => {
  test(`6.1: linux-image-6.1.0-${abis.NEW_ABI}-amd64-unsigned against the ${abis.OLD_ABI} headers`, async () => {
    const deb = imageDeb(abis.NEW_ABI);
    const members = moduleMembers(deb);
    expect(members.length).toBeGreaterThan(4000);
    const fromDeb = await check({ kernel: headersOf(abis.OLD_ABI), modules: [deb], external: false });
    expect(fromDeb.modules.map((m) => m.path).sort()).toEqual(members.map((m) => `${deb}:${m}`).sort());
    const fromDir = await check({ kernel: headersOf(abis.OLD_ABI), modules: [abis.NEW_IMAGE_MODULES], external: false });
    expect(asTree(fromDeb, deb, abis.NEW_IMAGE)).toEqual(asTree(fromDir, abis.NEW_IMAGE, abis.NEW_IMAGE));
    // what makes the comparison worth it: findings whose references came from the package's second pass
    const withRefs = fromDeb.modules.filter((m) => m.findings.some((f) => f.references.length > 0));
    expect(withRefs.length).toBeGreaterThan(0);
    expect(fromDeb.notes.filter((n) => n.startsWith('package members not read again'))).toEqual([]);
  });

  (trixie ? test : test.skip)(`6.12: Debian 13's image .deb (.ko.xz under /usr/lib/modules) against its own headers`, async () => {
    const deb = trixie!.TRIXIE_IMAGE_DEB;
    const root = trixie!.TRIXIE_MODULES.replace(/\/usr\/lib\/modules\/.*$/, '');
    const members = moduleMembers(deb);
    expect(members.length).toBeGreaterThan(4000);
    expect(members.every((m) => m.startsWith('/usr/lib/modules/') && m.endsWith('.ko.xz'))).toBe(true);
    const fromDeb = await check({ kernel: trixie!.TRIXIE_HEADERS, modules: [deb], external: false });
    expect(fromDeb.modules.map((m) => m.path).sort()).toEqual(members.map((m) => `${deb}:${m}`).sort());
    const fromDir = await check({ kernel: trixie!.TRIXIE_HEADERS, modules: [trixie!.TRIXIE_MODULES], external: false });
    expect(asTree(fromDeb, deb, root)).toEqual(asTree(fromDir, root, root));
  });
});
