/**
 * The signature check against the real loader: Debian's signed 6.1 kernel (scripts/fetch-signed's image,
 * its built-in key the one that signed its modules) booted under QEMU (scripts/qemu-load.mjs, TCG) with
 * `module.sig_enforce=1` and without, one boot each, loading in order: an in-tree module Debian signed
 * (crc7.ko), an unsigned out-of-tree module (samples/modules/dual-mit-gpl, built by the headers' kbuild),
 * an out-of-tree module signed with a key of the test's own making by Debian's scripts/sign-file
 * (gpl-uses-gplonly), and a Debian-signed module altered after signing (crc-itu-t.ko, a byte of its .modinfo
 * changed). Per module the errno and the kernel's lines (every level: the loader's lines are pr_notice)
 * are compared with ksymcheck's load stage, given the kernel's built-in key from its vmlinuz.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { check } from '../../src/index.js';
import { CACHE, REPO, type KmsgRecord } from './env.js';
import { makeKey, type TestKey } from '../helpers/sign.js';

const TIMEOUT = 900_000;
const script = join(REPO, 'scripts', 'qemu-load.mjs');
const run = (...args: string[]) => JSON.parse(execFileSync('node', [script, ...args], { encoding: 'utf8', env: { ...process.env, KSYMCHECK_CACHE: CACHE }, maxBuffer: 1 << 26 }));
const SIGN_FILE = '/usr/lib/linux-kbuild-6.1/scripts/sign-file';

function readEnv(): Record<string, string> {
  const f = join(CACHE, 'signing', 'signed.env');
  if (!existsSync(f)) throw new Error(`${f} missing: run scripts/fetch-signed (npm run test:kernel does)`);
  return Object.fromEntries(readFileSync(f, 'utf8').trim().split('\n').map((l) => l.split('=', 2) as [string, string]));
}
const env = readEnv();

/** Taint notices (neither verdicts nor lines ksymcheck's findings carry for a module that loads). */
const TAINT = [/: loading out-of-tree module taints kernel\.$/, /: module verification failed: signature and\/or required key missing - tainting kernel$/, /^Disabling lock debugging due to kernel taint$/];
/**
 * The kernel's lines at KERN_NOTICE or above (the loader's "Loading of … is rejected" is pr_notice), taint
 * notices left out. Not every level: on a quiet machine the loads come early enough to meet the boot's own
 * pr_info lines ("tsc: Refined TSC clocksource calibration", "clocksource: Switched to clocksource tsc").
 */
const lines = (k: KmsgRecord[]) => k.filter((r) => r.level <= 5).map((r) => r.text).filter((t) => !TAINT.some((re) => re.test(t)));

interface Booted {
  module: string;
  errno: number;
  errnoName: string;
  kmsg: KmsgRecord[];
}

let dir: string;
let key: TestKey;
let kos: { inTree: string; unsigned: string; ownKey: string; altered: string };

beforeAll(() => {
  execFileSync('node', [script, 'setup'], { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, KSYMCHECK_CACHE: CACHE } });
  dir = mkdtempSync(join(tmpdir(), 'ksymcheck-qemu-sig-'));
  key = makeKey(dir, 'qemu-test', 'rsa');
  const inTree = join(dir, 'crc7.ko');
  copyFileSync(join(env.SIGNED_MODULES, 'kernel/lib/crc7.ko'), inTree);
  // built here with the headers' kbuild, not by `qemu-load.mjs build`: its build folder per case is shared
  // with qemu-load.test.ts, which may run at the same time
  const built = (kase: string) => {
    const src = join(dir, kase);
    cpSync(join(REPO, 'samples', 'modules', kase), src, { recursive: true });
    execFileSync('make', ['-C', env.SIGNED_HEADERS, `M=${src}`, 'modules'], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, LC_ALL: 'C' } });
    const kos = readdirSync(src).filter((f) => f.endsWith('.ko'));
    if (kos.length !== 1) throw new Error(`${kase}: kbuild made ${kos.length} .ko`);
    return join(src, kos[0]);
  };
  const unsigned = built('dual-mit-gpl');
  const ownKey = built('gpl-uses-gplonly');
  execFileSync(SIGN_FILE, ['sha256', key.key, key.certDer, ownKey]);
  const altered = join(dir, 'crc-itu-t.ko');
  const bytes = readFileSync(join(env.SIGNED_MODULES, 'kernel/lib/crc-itu-t.ko'));
  const at = bytes.indexOf(Buffer.from('license=GPL', 'latin1'));
  bytes[at + 8] = 0x67; // "license=gPL"
  writeFileSync(altered, bytes);
  kos = { inTree, unsigned, ownKey, altered };
}, TIMEOUT);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** ksymcheck's load stage for the four modules: the errno each load ends with, and the lines. */
async function predict(sigEnforce: boolean, trusted: string[]) {
  const order = [kos.inTree, kos.unsigned, kos.ownKey, kos.altered];
  const r = await check({ kernel: env.SIGNED_HEADERS, modules: order, stage: 'load', frames: false, trustedKeys: trusted, sigEnforce, lockdown: 'none' });
  expect(r.errors).toEqual([]);
  return order.map((p) => {
    const m = r.modules.find((x) => x.path === p)!;
    const err = m.findings.find((f) => f.severity === 'error');
    return {
      module: basename(p),
      errno: err ? -(err.evidence.errno as number) : 0,
      lines: m.findings.filter((f) => f.evidence.kernelPrints !== false && !TAINT.some((re) => re.test(f.message))).map((f) => f.message),
    };
  });
}

describe("module signatures against Debian's signed 6.1 kernel under QEMU", () => {
  for (const enforce of [true, false]) {
    test(
      enforce ? 'module.sig_enforce=1: the in-tree module loads; unsigned, own-key and altered refused (EKEYREJECTED)' : 'no enforcement: the altered module refused (EKEYREJECTED), the others load',
      async () => {
        const got = run('load', ...(enforce ? ['--append', 'module.sig_enforce=1'] : []), env.SIGNED_VMLINUZ, kos.inTree, kos.unsigned, kos.ownKey, kos.altered) as Booted[];
        const want = await predict(enforce, [env.SIGNED_VMLINUZ]);
        const seen = got.map((g) => ({ module: g.module.replace(/^\d\d-/, ''), errno: g.errno, lines: lines(g.kmsg) }));
        expect(seen).toEqual(want);
        expect(got.map((g) => g.errnoName)).toEqual(enforce ? ['OK', 'EKEYREJECTED', 'EKEYREJECTED', 'EKEYREJECTED'] : ['OK', 'OK', 'OK', 'EKEYREJECTED']);
        if (enforce) {
          expect(seen.map((s) => s.lines)).toEqual([[], ['Loading of unsigned module is rejected'], ['Loading of module with unavailable key is rejected'], []]);
        }
      },
      TIMEOUT,
    );
  }

  test("the test's key given to ksymcheck as trusted: it predicts the own-key module loads — the booted kernel, which does not have that key, refuses it under enforcement", async () => {
    const trusted = await predict(true, [env.SIGNED_VMLINUZ, key.cert]);
    expect(trusted.map((t) => t.errno)).toEqual([0, 129, 0, 129]);
    const r = await check({ kernel: env.SIGNED_HEADERS, modules: [kos.ownKey], stage: 'load', frames: false, trustedKeys: [env.SIGNED_VMLINUZ, key.cert], sigEnforce: true });
    expect(r.modules[0].signature).toMatchObject({ status: 'verified', signer: 'O=ksymcheck tests, CN=qemu-test', trustedKey: { source: 'file' } });
  }, TIMEOUT);
});
