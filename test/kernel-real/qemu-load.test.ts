/**
 * The load stage against the real loader: each case boots a Debian 6.1 kernel from the suite's image
 * packages under `qemu-system-x86_64 -accel tcg` (scripts/qemu-load.mjs: a fresh boot per case, the module
 * alone in an initramfs, loaded by finit_module(2) from a static /init) and compares what the kernel did —
 * the errno, and the lines it logged at KERN_ERR or above — with ksymcheck's load findings for the same
 * .ko against the build of the booted kernel. The modules are the real-kbuild samples of samples/modules;
 * the ones modpost refuses get their .ko from the real modpost given a Module.symvers with the one fact it
 * refuses edited (docs/real-kernel-suite.md, "The load stage").
 *
 * Cases: a module that loads; a module exporting a kernel symbol (duplicate export); a proprietary module
 * using a GPL-only symbol; a namespace without import; a module built against another ABI whose
 * module_layout differs; a CRC mismatch across two ABIs that share module_layout; two modules in one boot
 * (a duplicate export owned by the module loaded first; prop-pair's inherited taint); a vermagic change.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { check } from '../../src/index.js';
import { CACHE, REPO, readAbisEnv, kernelLines, type KmsgRecord } from './env.js';

const env = readAbisEnv();
const NEW = env.NEW_HEADERS;
const VMLINUZ = (image: string, abi: string) => join(image, 'boot', `vmlinuz-6.1.0-${abi}-amd64`);
const script = join(REPO, 'scripts', 'qemu-load.mjs');
const run = (...args: string[]) => JSON.parse(execFileSync('node', [script, ...args], { encoding: 'utf8', env: { ...process.env, KSYMCHECK_CACHE: CACHE }, maxBuffer: 1 << 26 }));

interface Booted {
  module: string;
  errno: number;
  errnoName: string;
  kmsg: KmsgRecord[];
}

/** What the kernel logged at KERN_WARNING or above (pr_warn: "Unknown symbol"), taint notices left out. */
const errLines = (b: Booted) => kernelLines(b.kmsg);

/**
 * One Kbuild run; once more if it made no .ko (as qemu-arch.test.ts does): seen once on a loaded machine,
 * Kbuild compiled `dual-mit-gpl` with -pg but without -mfentry (its cc-option probe failed) and modpost
 * refused `mcount`; the same build passed on the re-run. A second failure is the test's.
 */
function buildAll(kase: string, headers: string, edits: string[] = [], extraSymbols?: string): string[] {
  const once = () => run('build', kase, headers, ...edits.flatMap((e) => ['--edit', e]), ...(extraSymbols ? ['--extra-symbols', extraSymbols] : []));
  let r = once();
  if (r.kos.length === 0) {
    process.stderr.write(`[qemu-load] ${kase}: kbuild made no .ko (exit ${r.status}), building again:\n${r.stderr}\n`);
    r = once();
  }
  if (r.kos.length === 0) throw new Error(`${kase}: kbuild made no .ko (exit ${r.status}):\n${r.stderr}`);
  return r.kos;
}

function build(kase: string, headers: string, edits: string[] = []): string {
  const kos = buildAll(kase, headers, edits);
  if (kos.length !== 1) throw new Error(`${kase}: kbuild made ${kos.length} .ko`);
  return kos[0];
}

/**
 * ksymcheck's load verdicts for the modules of one run, in the order given: the lines the kernel prints
 * (errors and warnings), and whether each load fails.
 */
async function predictAll(kernel: string, kos: string[]) {
  // (a bare Module.symvers tells no version: the booted kernels are all 6.1)
  const r = await check({ kernel, modules: kos, stage: 'load', missingCrc: 'error', kernelVersion: '6.1' });
  expect(r.errors).toEqual([]);
  return kos.map((ko) => {
    const findings = r.modules.find((m) => m.path === ko)!.findings;
    // a finding's message, then the line simplify_symbols() adds for it (evidence.alsoPrints: "Unknown symbol … (err -22)")
    const lines = findings.filter((f) => f.evidence.kernelPrints !== false).flatMap((f) => [f.message, ...(typeof f.evidence.alsoPrints === 'string' ? [f.evidence.alsoPrints] : [])]);
    return { fails: findings.some((f) => f.severity === 'error'), lines, findings };
  });
}

/** One boot loading the modules in order; each one's errno and lines against ksymcheck's run verdicts. */
async function compareAll(kernel: string, vmlinuz: string, kos: string[]) {
  const want = await predictAll(kernel, kos);
  const got = run('load', vmlinuz, ...kos) as Booted[];
  // the same lines, each as often: ksymcheck orders a module's findings by rule, then .symtab position;
  // the kernel prints them in its .symtab walk (prop-pair: the taint warning before the GPL-only symbol)
  const sorted = (l: string[]) => [...l].sort();
  expect(got.map((g) => sorted(errLines(g)))).toEqual(want.map((w) => sorted(w.lines)));
  expect(got.map((g) => g.errno !== 0)).toEqual(want.map((w) => w.fails));
  return { got, want };
}

async function compare(kernel: string, vmlinuz: string, ko: string) {
  const { got, want } = await compareAll(kernel, vmlinuz, [ko]);
  return { got: got[0], want: want[0] };
}

const TIMEOUT = 600_000;

describe('the load stage against the real loader (Debian 6.1 under QEMU)', () => {
  beforeAll(() => {
    execFileSync('node', [script, 'setup'], { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, KSYMCHECK_CACHE: CACHE } });
  }, TIMEOUT);
  const vmNew = () => VMLINUZ(env.NEW_IMAGE, env.NEW_ABI);

  test('a GPL module that loads: errno 0, no error line; ksymcheck predicts no load error', async () => {
    const { got, want } = await compare(NEW, vmNew(), build('dual-mit-gpl', NEW));
    expect(got.errnoName).toBe('OK');
    expect(want.findings.filter((f) => f.severity === 'error')).toEqual([]);
  }, TIMEOUT);

  test('a module exporting a kernel symbol: ENOEXEC, "exports duplicate symbol … (owned by kernel)"', async () => {
    const { got } = await compare(NEW, vmNew(), build('exports-kernel-symbol', NEW, ['drop:jiffies_to_msecs']));
    expect(got.errnoName).toBe('ENOEXEC');
    expect(errLines(got)).toEqual(['exports_kernel_symbol: exports duplicate symbol jiffies_to_msecs (owned by kernel)']);
  }, TIMEOUT);

  test('a proprietary module using a GPL-only symbol: ENOENT, Unknown symbol (err -2)', async () => {
    const { got } = await compare(NEW, vmNew(), build('proprietary-uses-gplonly', NEW, ['type:synchronize_rcu=EXPORT_SYMBOL']));
    expect(got.errnoName).toBe('ENOENT');
    expect(errLines(got)).toEqual(['proprietary_uses_gplonly: Unknown symbol synchronize_rcu (err -2)']);
  }, TIMEOUT);

  test('a namespace without import: EINVAL, "… but does not import it", then "Unknown symbol … (err -22)"', async () => {
    const { got } = await compare(NEW, vmNew(), build('ns-missing-import', NEW, ['ns:dma_buf_put=']));
    expect(got.errnoName).toBe('EINVAL');
    expect(errLines(got)).toEqual([
      'ns_missing_import: module uses symbol (dma_buf_put) from namespace DMA_BUF, but does not import it.',
      'ns_missing_import: Unknown symbol dma_buf_put (err -22)',
    ]);
  }, TIMEOUT);

  // without the CRC pair's headers (or its images) these cases are reported as skipped, not passed empty
  const otherAbi = env.CRC_HEADERS && existsSync(env.CRC_HEADERS) ? test : test.skip;
  otherAbi('built against another ABI (headers 6.1.0-' + (env.CRC_B ?? '?') + '), loaded into ' + env.NEW_ABI + ': what the loader says, ksymcheck says', async () => {
    const { got } = await compare(NEW, vmNew(), build('dual-mit-gpl', env.CRC_HEADERS!));
    expect(got.errno).not.toBe(0);
  }, TIMEOUT);

  const crcPair = env.CRC_STATUS === 'ok' && env.CRC_IMAGE && env.CRC_HEADERS && env.CRC_IMAGE_SYMVERS ? test : test.skip;
  crcPair('a CRC mismatch across two ABIs sharing module_layout: EINVAL, "disagrees about version of symbol"', async () => {
    // crc-pair-user calls filp_open/filp_close, whose CRCs differ between the pair's two builds (if the
    // archive's pair ever shares them, the kernel and ksymcheck must still agree: then it loads, below)
    const ko = build('crc-pair-user', env.CRC_HEADERS!);
    const { got } = await compare(env.CRC_IMAGE_SYMVERS!, VMLINUZ(env.CRC_IMAGE!, env.CRC_A!), ko);
    const differ = (f: string) => {
      const crc = (file: string) => readFileSync(file, 'utf8').split('\n').find((l) => l.split('\t')[1] === f)?.split('\t')[0];
      return crc(env.CRC_IMAGE_SYMVERS!) !== crc(join(env.CRC_HEADERS!, 'Module.symvers'));
    };
    // what each of the module's two imports does, whichever of them the archive's pair changed
    const changed = ['filp_open', 'filp_close'].filter(differ);
    expect(got.errnoName).toBe(changed.length > 0 ? 'EINVAL' : 'OK');
    for (const sym of changed) expect(errLines(got)).toContain(`crc_pair_user: disagrees about version of symbol ${sym}`);
  }, TIMEOUT);

  test('two modules, the second exporting what the first (which it depends on) exports: ENOEXEC, "(owned by dup_base)"', async () => {
    const [base] = buildAll('dup-base', NEW);
    const [user] = buildAll('dup-user', NEW, [], join(base, '..', 'Module.symvers'));
    const { got } = await compareAll(NEW, vmNew(), [base, user]);
    expect(got.map((g) => g.errnoName)).toEqual(['OK', 'ENOEXEC']);
    expect(errLines(got[1])).toEqual(['dup_user: exports duplicate symbol dup_shared_fn (owned by dup_base)']);
  }, TIMEOUT);

  test('prop-pair: the proprietary exporter loads, the GPL importer already using a GPL-only symbol is refused (inherit_taint)', async () => {
    const kos = buildAll('prop-pair', NEW).sort((a, b) => Number(b.includes('prop_exporter')) - Number(a.includes('prop_exporter')));
    expect(kos.map((k) => k.slice(k.lastIndexOf('/') + 1))).toEqual(['prop_exporter.ko', 'gpl_importer.ko']);
    const { got } = await compareAll(NEW, vmNew(), kos);
    expect(got[0].errnoName).toBe('OK');
    expect(got[1].errnoName).toBe('ENOENT');
    expect(errLines(got[1])).toEqual([
      'gpl_importer: module uses symbols prop_exporter_fn from proprietary module prop_exporter, inheriting taint.',
      'gpl_importer: Unknown symbol synchronize_rcu (err -2)',
    ]);
  }, TIMEOUT);

  test('a vermagic change (one token of .modinfo vermagic= edited in place): ENOEXEC, "version magic … should be …"', async () => {
    const ko = build('dual-mit-gpl', NEW);
    const changed = ko.replace(/\.ko$/, '-vermagic.ko');
    const b = readFileSync(ko);
    const at = b.indexOf('mod_unload');
    expect(at).toBeGreaterThan(0);
    b.write('mod_unlaod', at, 'latin1'); // same length: the ELF layout is untouched
    writeFileSync(changed, b);
    const { got } = await compare(NEW, vmNew(), changed);
    expect(got.errnoName).toBe('ENOEXEC');
    expect(errLines(got)[0]).toMatch(/^dual_mit_gpl: version magic '.* mod_unlaod .*' should be '.* mod_unload .*'$/);
  }, TIMEOUT);
});
