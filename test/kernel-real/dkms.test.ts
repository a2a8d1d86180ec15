/**
 * `ksymcheck dkms` on what Debian's real dkms built: v4l2loopback-dkms from the archive (scripts/fetch-dkms)
 * built with `dkms add` + `dkms build -k <release>` for the suite's newest 6.1 kernel, into a DKMS tree of
 * the test's own (--dkmstree, --sourcetree: nothing is added to /var/lib/dkms or installed):
 *  - as shipped (MODULE_LICENSE("GPL")): dkms keeps <release>/<arch>/module/v4l2loopback.ko; ksymcheck passes it;
 *  - with MODULE_LICENSE("Proprietary"): modpost fails the build (6.1 writes no .ko then), dkms leaves
 *    build/make.log and the module object; ksymcheck checks v4l2loopback.o and names exactly the GPL-only
 *    symbols modpost names in make.log, with modpost's own lines, in modpost's order;
 *  - docs/dkms.md's hooks: a variant calling kallsyms_lookup_name (unexported since 5.7) built with
 *    KBUILD_MODPOST_WARN=1, as some DKMS packages do: modpost only warns, dkms builds it; the POST_BUILD
 *    hook prints ksymcheck's FAIL into the build's output (dkms 3.0.10 ignores its status), the PRE_INSTALL
 *    hook makes `dkms install` abort ("pre_install failed") with ksymcheck's explanation, nothing installed;
 *    the as-shipped package with the same hooks installs (into the test's own --installtree, --no-depmod).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkDkms } from '../../src/dkms/check.js';
import { dkmsReportSchema } from '../../src/dkms/schema.js';
import { dkmsVerdict, formatDkmsText } from '../../src/dkms/text.js';
import { CACHE, readAbisEnv, REPO } from './env.js';

function readDkmsEnv(): { DKMS_MODULE: string; DKMS_VERSION: string; DKMS_SOURCE: string } {
  const f = join(CACHE, 'dkms.env');
  if (!existsSync(f)) throw new Error(`${f} missing: run scripts/fetch-dkms (npm run test:kernel does)`);
  return Object.fromEntries(
    readFileSync(f, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  ) as never;
}

describe('DKMS: v4l2loopback-dkms built by dkms for Debian 6.1', () => {
  const abis = readAbisEnv();
  const env = readDkmsEnv();
  const release = `6.1.0-${abis.NEW_ABI}-amd64`;
  const M = env.DKMS_MODULE;
  const SHIPPED = env.DKMS_VERSION;
  const NONGPL = `${env.DKMS_VERSION}-nongpl`;
  const KALLSYMS = `${env.DKMS_VERSION}-kallsyms`;
  let tmp: string;
  let tree: string;
  const builds: Record<string, { status: number | null; output: string }> = {};
  const installs: Record<string, { status: number | null; output: string }> = {};
  let installTree: string;
  /** The hooks of docs/dkms.md, with `ksymcheck` a wrapper around this checkout's CLI. */
  const hooks = (ksymcheck: string) =>
    ['POST_BUILD', 'PRE_INSTALL'].map((h) => `${h}="../../../../../../../../../../../..${ksymcheck} dkms $module/$module_version -k $kernelver --dkms-tree $dkms_tree"`).join('\n') + '\n';

  beforeAll(() => {
    tmp = mkdtempSync(join(tmpdir(), 'ksymcheck-dkms-'));
    tree = join(tmp, 'dkms');
    const src = join(tmp, 'src');
    mkdirSync(tree);
    mkdirSync(src);
    cpSync(env.DKMS_SOURCE, join(src, `${M}-${SHIPPED}`), { recursive: true });
    // the same package with a GPL-incompatible licence, as a version of its own
    const nongpl = join(src, `${M}-${NONGPL}`);
    cpSync(env.DKMS_SOURCE, nongpl, { recursive: true });
    const c = join(nongpl, `${M}.c`);
    const code = readFileSync(c, 'utf8');
    expect(code.match(/MODULE_LICENSE\("GPL"\);/g)).toHaveLength(1);
    writeFileSync(c, code.replace('MODULE_LICENSE("GPL");', 'MODULE_LICENSE("Proprietary");'));
    const conf = join(nongpl, 'dkms.conf');
    writeFileSync(conf, readFileSync(conf, 'utf8').replace(/^PACKAGE_VERSION=.*$/m, `PACKAGE_VERSION="${NONGPL}"`));
    // a call of a kernel function that is not exported, built the way some DKMS packages build
    const kallsyms = join(src, `${M}-${KALLSYMS}`);
    cpSync(env.DKMS_SOURCE, kallsyms, { recursive: true });
    const kc = join(kallsyms, `${M}.c`);
    writeFileSync(kc, readFileSync(kc, 'utf8') + '\n#include <linux/kallsyms.h>\nstatic unsigned long __used v4l2loopback_lookup(const char *name) { return kallsyms_lookup_name(name); }\n');
    const bin = join(tmp, 'bin', 'ksymcheck');
    mkdirSync(join(tmp, 'bin'));
    writeFileSync(bin, `#!/bin/sh\nexec '${process.execPath}' '${join(REPO, 'dist', 'cli', 'main.cjs')}' "$@"\n`, { mode: 0o755 });
    const kconf = join(kallsyms, 'dkms.conf');
    writeFileSync(
      kconf,
      readFileSync(kconf, 'utf8')
        .replace(/^PACKAGE_VERSION=.*$/m, `PACKAGE_VERSION="${KALLSYMS}"`)
        .replace(/^MAKE\[0\]="make /m, 'MAKE[0]="make KBUILD_MODPOST_WARN=1 ') + hooks(bin),
    );
    const sconf = join(src, `${M}-${SHIPPED}`, 'dkms.conf');
    writeFileSync(sconf, readFileSync(sconf, 'utf8') + hooks(bin));
    installTree = join(tmp, 'install');
    mkdirSync(join(installTree, release), { recursive: true });
    for (const v of [SHIPPED, NONGPL, KALLSYMS]) {
      const common = ['-m', M, '-v', v, '--sourcetree', src, '--dkmstree', tree];
      execFileSync('dkms', ['add', ...common], { stdio: 'pipe' });
      const r = spawnSync('dkms', ['build', ...common, '-k', release, '--kernelsourcedir', abis.NEW_HEADERS], { encoding: 'utf8' });
      builds[v] = { status: r.status, output: r.stdout + r.stderr };
    }
    // the refused one first: dkms skips the pre_install of a version not newer than one installed
    for (const v of [KALLSYMS, SHIPPED]) {
      const args = ['install', '-m', M, '-v', v, '--sourcetree', src, '--dkmstree', tree, '--installtree', installTree, '--no-depmod', '-k', release];
      const r = spawnSync('dkms', [...args, '--kernelsourcedir', abis.NEW_HEADERS], { encoding: 'utf8' });
      installs[v] = { status: r.status, output: r.stdout + r.stderr };
    }
  }, 10 * 60 * 1000);
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  test('as shipped: dkms kept the .ko, ksymcheck passes it against the kernel it was built for', async () => {
    expect(builds[SHIPPED].status).toBe(0);
    const r = dkmsReportSchema.parse(await checkDkms({ which: `${M}/${SHIPPED}`, release, tree }));
    expect(r.builds).toHaveLength(1);
    const b = r.builds[0];
    expect(b).toMatchObject({ module: M, version: SHIPPED, release, arch: 'x86_64', state: 'built', error: null });
    expect([`/lib/modules/${release}/build`, abis.NEW_HEADERS]).toContain(b.kernel);
    expect(b.report!.modules.map((m) => [m.path, m.verdict])).toEqual([[join(tree, M, SHIPPED, release, 'x86_64', 'module', `${M}.ko`), 'pass']]);
    expect(b.report!.modules[0].findings.filter((f) => f.severity === 'error')).toEqual([]);
    expect(dkmsVerdict(b)).toBe('pass');
  });

  test('MODULE_LICENSE("Proprietary"): modpost fails the build; ksymcheck names the GPL-only symbols modpost names', async () => {
    expect(builds[NONGPL].status).not.toBe(0);
    expect(builds[NONGPL].output).toContain(`Bad return status for module build on kernel: ${release} (x86_64)`);
    const buildDir = join(tree, M, NONGPL, 'build');
    expect(existsSync(join(buildDir, `${M}.ko`))).toBe(false); // 6.1's modpost wrote no .ko
    // modpost's verdict, read from DKMS's make.log
    const log = readFileSync(join(buildDir, 'make.log'), 'utf8');
    const modpost = log.split('\n').filter((l) => l.startsWith('ERROR: modpost: ') || l.startsWith('WARNING: modpost: '));
    expect(modpost.length).toBeGreaterThanOrEqual(5);
    for (const l of modpost) expect(l).toMatch(new RegExp(`^ERROR: modpost: GPL-incompatible module ${M}\\.ko uses GPL-only symbol '\\w+'$`));

    const r = dkmsReportSchema.parse(await checkDkms({ which: `${M}/${NONGPL}`, release, tree }));
    expect(r.builds).toHaveLength(1);
    const b = r.builds[0];
    expect(b).toMatchObject({ state: 'failed', log: join(buildDir, 'make.log'), error: null });
    expect(b.report!.stages).toEqual(['build']);
    const m = b.report!.modules[0];
    expect([m.path, m.verdict, m.licenses]).toEqual([join(buildDir, `${M}.o`), 'fail', ['Proprietary']]);
    expect(m.findings.map((f) => f.message)).toEqual(modpost);
    expect(new Set(m.findings.map((f) => `${f.rule} ${f.severity}`))).toEqual(new Set(['gpl-only error']));
    expect(m.findings.map((f) => f.symbol)).toEqual(modpost.map((l) => /'(\w+)'$/.exec(l)![1]));
    expect(dkmsVerdict(b)).toBe('fail');
  });

  test('the whole tree: every build, text summary last; the CLI exits 1', async () => {
    const r = await checkDkms({ tree });
    expect(r.builds.map((b) => `${b.version} ${b.state} ${dkmsVerdict(b)}`)).toEqual([
      `${SHIPPED} built pass`,
      `${KALLSYMS} built fail`,
      `${NONGPL} failed fail`,
    ]);
    const text = formatDkmsText(r, { color: false });
    expect(text.trimEnd().split('\n').pop()).toBe(`3 DKMS build(s) in ${tree} checked: 2 fail, 1 pass; 0 not checked`);
    const cli = join(REPO, 'dist', 'cli', 'main.cjs');
    if (existsSync(cli)) {
      const p = spawnSync(process.execPath, [cli, 'dkms', '--dkms-tree', tree, '-k', release], { encoding: 'utf8' });
      expect([p.status, p.stderr]).toEqual([1, '']);
      expect(p.stdout.trimEnd().split('\n').pop()).toBe(`3 DKMS build(s) in ${tree} checked: 2 fail, 1 pass; 0 not checked`);
      const none = spawnSync(process.execPath, [cli, 'dkms', 'no-such-module', '--dkms-tree', tree], { encoding: 'utf8' });
      expect([none.status, none.stderr.split('\n')[0]]).toEqual([2, `ksymcheck: no DKMS build in ${tree} for no-such-module`]);
    }
  });

  test('hooks: modpost only warns, dkms builds it, POST_BUILD prints the FAIL, PRE_INSTALL stops the install', () => {
    const modLog = readFileSync(join(tree, M, KALLSYMS, release, 'x86_64', 'log', 'make.log'), 'utf8');
    const ko = join(tree, M, KALLSYMS, release, 'x86_64', 'module', `${M}.ko`);
    expect(modLog).toContain(`WARNING: modpost: "kallsyms_lookup_name" [${join(tree, M, KALLSYMS, 'build', `${M}.ko`)}] undefined!`);
    expect(builds[KALLSYMS].status).toBe(0);
    expect(builds[KALLSYMS].output).toContain('Running the post_build script:');
    expect(builds[KALLSYMS].output).toContain(`FAIL ${M} (${ko}) license: "GPL"`);
    expect(builds[KALLSYMS].output).toContain(`    ERROR: modpost: "kallsyms_lookup_name" [${ko}] undefined!\n`);
    expect(builds[KALLSYMS].output).toContain(`    ${M}: Unknown symbol kallsyms_lookup_name (err -2)\n`);
    expect([installs[KALLSYMS].status, installs[KALLSYMS].output]).toEqual([101, expect.any(String)]);
    expect(installs[KALLSYMS].output).toContain('Running the pre_install script:');
    expect(installs[KALLSYMS].output).toContain(`1 DKMS build(s) in ${tree} checked: 1 fail, 0 pass; 0 not checked`);
    expect(installs[KALLSYMS].output).toContain('pre_install failed, aborting install.');
    // as shipped, the same hooks pass and dkms installs the module
    expect(builds[SHIPPED].output).toContain(`1 DKMS build(s) in ${tree} checked: 0 fail, 1 pass; 0 not checked`);
    expect(installs[SHIPPED].status).toBe(0);
    expect(installs[SHIPPED].output).toContain(`1 DKMS build(s) in ${tree} checked: 0 fail, 1 pass; 0 not checked`);
    expect(existsSync(join(installTree, release, 'updates', 'dkms', `${M}.ko`))).toBe(true);
  });
});
