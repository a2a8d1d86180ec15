/**
 * Shared helpers of the real-kernel suite: where scripts/fetch-kernels and scripts/kbuild-oracle.mjs left
 * their results, and small INDEPENDENT readers of the raw data (Module.symvers lines, readelf output), so
 * that the figures ksymcheck is compared with never come from ksymcheck's own parsers.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const execFileP = promisify(execFile);

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CACHE = process.env.KSYMCHECK_CACHE ?? join(REPO, '.cache', 'kernels');
export const SAMPLES = join(REPO, 'samples', 'modules');

export interface AbisEnv {
  OLD_ABI: string;
  NEW_ABI: string;
  OLD_HEADERS: string;
  NEW_HEADERS: string;
  NEW_IMAGE: string;
  NEW_IMAGE_MODULES: string;
  /** The CRC pair (crc-pair.test.ts): `ok`; `none` when fetch-kernels found no eligible pair; `off` when told so. */
  CRC_STATUS?: 'ok' | 'none' | 'off';
  /** Image ABI (its modules are checked) and headers ABI (the kernel they are loaded into). */
  CRC_A?: string;
  CRC_B?: string;
  CRC_MODULE_LAYOUT?: string;
  CRC_HEADERS?: string;
  CRC_IMAGE?: string;
  CRC_IMAGE_MODULES?: string;
  /** Module.symvers of image A's own build (from linux-headers-6.1.0-<A>-amd64): its modules' exports. */
  CRC_IMAGE_SYMVERS?: string;
}

export function readAbisEnv(): AbisEnv {
  const f = join(CACHE, 'abis.env');
  if (!existsSync(f)) throw new Error(`${f} missing: run \`npm run fetch-kernels\` (scripts/fetch-kernels) first`);
  const env: Record<string, string> = {};
  for (const l of readFileSync(f, 'utf8').split('\n')) {
    const m = /^(\w+)=(.*)$/.exec(l);
    if (m) env[m[1]] = m[2];
  }
  return env as unknown as AbisEnv;
}

/** A kernel log record as the QEMU guests print it (scripts/qemu/guest.h: level, text). */
export interface KmsgRecord {
  level: number;
  text: string;
}

/**
 * Taint notices, which are not verdicts and which ksymcheck does not predict: an out-of-tree or unsigned
 * module (every sample), a proprietary licence, and lockdep switching itself off after a taint.
 */
const TAINT_NOTICE = [
  // 7.x also says, once per load that set the proprietary taint (7.2.13 kernel/module/main.c)
  /: module license taints kernel\.$/,
  /: loading out-of-tree module taints kernel\.$/, /: module verification failed: signature and\/or required key missing - tainting kernel$/, /: module license '.*' taints kernel\.$/, /^Disabling lock debugging due to kernel taint$/];

/** What the kernel logged at KERN_WARNING or above (pr_warn: "Unknown symbol"), taint notices left out. */
export const kernelLines = (kmsg: KmsgRecord[]): string[] => kmsg.filter((k) => k.level <= 4 && !TAINT_NOTICE.some((t) => t.test(k.text))).map((k) => k.text);

export function headersOf(abi: string): string {
  return `/usr/src/linux-headers-6.1.0-${abi}-amd64`;
}

/** $CACHE/trixie/trixie.env, written by scripts/fetch-trixie and completed by scripts/trixie-chroot. */
export interface TrixieEnv {
  TRIXIE_RELEASE: string;
  TRIXIE_HEADERS: string;
  TRIXIE_MODULES: string;
  TRIXIE_HEADERS_DEB: string;
  TRIXIE_IMAGE_DEB: string;
  TRIXIE_CHROOT: string;
  /** `<other release>,<TRIXIE_RELEASE>`: the two 6.12 ABIs whose headers are installed in the chroot. */
  TRIXIE_ABIS: string;
  TRIXIE_OTHER_RELEASE: string;
}

/** A KEY=value file the fetch scripts write; `run` names what makes it when it is missing. */
function readEnvFile(f: string, run: string): Record<string, string> {
  if (!existsSync(f)) throw new Error(`${f} missing: run ${run} (npm run test:kernel does)`);
  const env: Record<string, string> = {};
  for (const l of readFileSync(f, 'utf8').split('\n')) {
    const m = /^(\w+)=(.*)$/.exec(l);
    if (m) env[m[1]] = m[2];
  }
  return env;
}

export function readTrixieEnv(): TrixieEnv {
  const f = join(CACHE, 'trixie', 'trixie.env');
  const env = readEnvFile(f, 'scripts/fetch-trixie and scripts/trixie-chroot');
  if (!env.TRIXIE_CHROOT) throw new Error(`${f}: no TRIXIE_CHROOT: run scripts/trixie-chroot (npm run test:kernel does)`);
  return env as unknown as TrixieEnv;
}

/** A 6.12 header tree of the trixie chroot, as the host sees it. */
export function trixieHeadersOf(env: TrixieEnv, release: string): string {
  return join(env.TRIXIE_CHROOT, 'usr', 'src', `linux-headers-${release}`);
}

export type OracleTarget = '6.1' | '6.12' | '7.2';
const TARGETS: OracleTarget[] = ['6.1', '6.12', '7.2'];

/**
 * The sample cases the oracle built for `target`: a case whose Kbuild says `# ksymcheck-oracle: since <t>`
 * (it uses macros older kernels lack) is built for <t> and newer targets only, `… until <t>` (it does not
 * compile on newer ones) for <t> and older ones.
 */
/** $CACHE/unstable/unstable.env, written by scripts/fetch-unstable and completed by scripts/unstable-chroot. */
export interface UnstableEnv {
  /** e.g. 7.2.13+deb14-amd64 (`uname -r`) */
  UNSTABLE_RELEASE: string;
  /** The Debian version of its packages, e.g. 7.2.13-1. */
  UNSTABLE_VERSION: string;
  /** The headers unpacked on the host (`dpkg-deb -x`; their links into -common point into the chroot's /usr/src). */
  UNSTABLE_HEADERS: string;
  /** usr/lib/modules/<release> of linux-modules-<release>, unpacked: the image's .ko.xz. */
  UNSTABLE_MODULES: string;
  UNSTABLE_HEADERS_DEB: string;
  /** The kernel, from linux-binary-<release> (usr/lib/modules/<release>/vmlinuz). */
  UNSTABLE_VMLINUZ: string;
  /** The -dbg package's vmlinux; empty unless fetched with KSYMCHECK_TEST_DBG=1. */
  UNSTABLE_DBG_VMLINUX: string;
  UNSTABLE_CHROOT: string;
}

export function readUnstableEnv(): UnstableEnv {
  const f = join(CACHE, 'unstable', 'unstable.env');
  const env = readEnvFile(f, 'scripts/fetch-unstable and scripts/unstable-chroot');
  if (!env.UNSTABLE_CHROOT) throw new Error(`${f}: no UNSTABLE_CHROOT: run scripts/unstable-chroot (npm run test:kernel does)`);
  return env as unknown as UnstableEnv;
}

/** The 7.x header tree installed in the unstable chroot, as the host sees it (a complete, working tree). */
export function unstableHeaders(env: UnstableEnv): string {
  return join(env.UNSTABLE_CHROOT, 'usr', 'src', `linux-headers-${env.UNSTABLE_RELEASE}`);
}

export function listCases(target: OracleTarget = '6.1'): string[] {
  return readdirSync(SAMPLES, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(SAMPLES, d.name, 'Kbuild')))
    .map((d) => d.name)
    .filter((name) => {
      const kbuild = readFileSync(join(SAMPLES, name, 'Kbuild'), 'utf8');
      const since = /^# ksymcheck-oracle: since (\S+)$/m.exec(kbuild)?.[1] as OracleTarget | undefined;
      const until = /^# ksymcheck-oracle: until (\S+)$/m.exec(kbuild)?.[1] as OracleTarget | undefined;
      const t = TARGETS.indexOf(target);
      return (since === undefined || t >= TARGETS.indexOf(since)) && (until === undefined || t <= TARGETS.indexOf(until));
    })
    .sort();
}

// ------------------------------------------------------------------------------------- oracle JSON ---
export type OracleMode = 'normal' | 'warn';

export interface OracleFinding {
  rule: string;
  severity: 'error' | 'warning' | 'fatal' | null;
  symbol?: string;
  module?: string;
  namespace?: string;
  previous?: string;
  count?: number;
  line: string;
}

export interface OracleRun {
  case: string;
  /** 6.1: the ABI number; 6.12: the release (the oracle/ folder's name). */
  abi: number | string;
  release: string;
  headers: string;
  mode: OracleMode;
  modpostWarn: boolean;
  command: string;
  exitCode: number | null;
  buildDir: string;
  modules: Array<{ name: string; o: string | null; ko: string | null }>;
  findings: OracleFinding[];
  stderr: string;
}

export function readOracle(abi: string, caseName: string, mode: OracleMode): OracleRun {
  const f = join(CACHE, 'oracle', abi, `${caseName}.${mode}.json`);
  if (!existsSync(f)) throw new Error(`${f} missing: the jest globalSetup runs scripts/kbuild-oracle.mjs`);
  return JSON.parse(readFileSync(f, 'utf8')) as OracleRun;
}

// -------------------------------------------------------------------------------- normalised keys ---
/** modpost prints `foo-bar.ko`, `.modinfo name=` says `foo_bar`: compare module names the loader's way. */
export function normModule(name: string): string {
  return name
    .replace(/^.*\//, '')
    .replace(/\.(ko|o)$/, '')
    .replace(/-/g, '_');
}

export function key(rule: string, severity: string | null, symbol: string | undefined, module: string | undefined): string {
  return `${rule} ${severity ?? '?'} ${symbol ?? '-'} [${module === undefined ? '?' : normModule(module)}]`;
}

export interface KeyDiff {
  /** modpost said it, ksymcheck did not. */
  missing: string[];
  /** ksymcheck said it, modpost did not. */
  extra: string[];
}

/**
 * Compare ksymcheck's keys with modpost's. modpost prints at most 10 unresolved symbols and then
 * `suppressed N unresolved symbol warnings…`: then ksymcheck must report every printed one, that line as
 * a symbol-less `unresolved` finding, and either exactly N more unresolved findings (which ones modpost
 * hid is not observable) or none (the cap emulated).
 */
export function diffKeys(oracle: OracleFinding[], ours: string[]): KeyDiff {
  const suppressed = oracle.filter((f) => f.rule === 'unresolved-suppressed').reduce((s, f) => s + (f.count ?? 0), 0);
  // The `suppressed N …` line itself is expected as a symbol-less `unresolved` finding (same severity) of
  // the module whose reports precede it.
  let lastUnresolvedModule: string | undefined;
  const theirs = new Set(
    oracle.map((f) => {
      if (f.rule === 'unknown') return `unknown modpost line: ${f.line}`;
      if (f.rule === 'unresolved') lastUnresolvedModule = f.module;
      if (f.rule === 'unresolved-suppressed') return key('unresolved', f.severity, undefined, lastUnresolvedModule);
      return key(f.rule, f.severity, f.symbol, f.module);
    }),
  );
  const mine = new Set(ours);
  const missing = [...theirs].filter((k) => !mine.has(k)).sort();
  let extra = [...mine].filter((k) => !theirs.has(k)).sort();
  if (suppressed > 0) {
    const hidden = (k: string) => k.startsWith('unresolved ') && !/^unresolved \S+ - /.test(k);
    const extraUnresolved = extra.filter(hidden);
    // Either all of them (printed + the N suppressed), or exactly the printed ones (modpost's cap emulated).
    if (extraUnresolved.length === suppressed) extra = extra.filter((k) => !hidden(k));
    else if (extraUnresolved.length !== 0)
      extra.push(
        `(modpost suppressed ${suppressed} unresolved report(s); ksymcheck has ${extraUnresolved.length} unresolved beyond the printed ones)`,
      );
  }
  return { missing, extra };
}

export function formatDiff(title: string, d: KeyDiff, context: string): string {
  const lines = [title];
  if (d.missing.length) lines.push('  missing (modpost reported, ksymcheck did not):', ...d.missing.map((k) => `    - ${k}`));
  if (d.extra.length) lines.push('  extra (ksymcheck reported, modpost did not):', ...d.extra.map((k) => `    + ${k}`));
  lines.push('', context);
  return lines.join('\n');
}

// --------------------------------------------------------------------------- independent raw readers ---
export interface SymversRow {
  crc: number;
  name: string;
  owner: string;
  type: string;
  namespace: string;
}

/** Module.symvers of 6.1: `0x%08x\tsym\tmodule\tEXPORT_SYMBOL[_GPL]\tnamespace`. */
export function readSymvers(path: string): Map<string, SymversRow> {
  const out = new Map<string, SymversRow>();
  for (const l of readFileSync(path, 'utf8').split('\n')) {
    if (!l) continue;
    const [crc, name, owner, type, namespace = ''] = l.split('\t');
    out.set(name, { crc: Number.parseInt(crc, 16), name, owner, type, namespace });
  }
  return out;
}

export interface RawKo {
  path: string;
  /** `__versions`: name → CRC (low 32 bits), in file order; undefined when the section is absent. */
  versions?: Map<string, number>;
  modinfo: Array<[string, string]>;
}

/**
 * Read `__versions` and `.modinfo` of many .ko with binutils' readelf (batched, `jobs` at a time):
 * `readelf -W -x __versions -p .modinfo a.ko b.ko …`. Entries of `__versions` are 64 bytes on x86_64:
 * an 8-byte little-endian CRC (low 32 bits used) and a NUL-padded 56-byte name.
 */
export async function readKos(paths: string[], batch = 250, jobs = 2): Promise<Map<string, RawKo>> {
  const out = new Map<string, RawKo>();
  const batches: string[][] = [];
  for (let i = 0; i < paths.length; i += batch) batches.push(paths.slice(i, i + batch));
  let next = 0;
  const worker = async () => {
    while (next < batches.length) {
      const b = batches[next++];
      const { stdout } = await execFileP('readelf', ['-W', '-x', '__versions', '-p', '.modinfo', ...b], {
        maxBuffer: 1 << 30,
        env: { ...process.env, LC_ALL: 'C' },
      }).catch((e: { stdout?: string }) => ({ stdout: e.stdout ?? '' }));
      parseReadelf(stdout, b, out);
    }
  };
  await Promise.all(Array.from({ length: jobs }, worker));
  return out;
}

function parseReadelf(text: string, files: string[], out: Map<string, RawKo>): void {
  // With one file readelf prints no `File:` header.
  let cur: RawKo | undefined = files.length === 1 ? { path: files[0], modinfo: [] } : undefined;
  if (cur) out.set(cur.path, cur);
  let section: 'versions' | 'modinfo' | null = null;
  let bytes: number[] = [];
  const flush = () => {
    if (cur && section === 'versions') {
      const v = new Map<string, number>();
      for (let off = 0; off + 64 <= bytes.length; off += 64) {
        const crc = (bytes[off] | (bytes[off + 1] << 8) | (bytes[off + 2] << 16) | (bytes[off + 3] << 24)) >>> 0;
        let name = '';
        for (let i = off + 8; i < off + 64 && bytes[i] !== 0; i++) name += String.fromCharCode(bytes[i]);
        v.set(name, crc);
      }
      cur.versions = v;
    }
    bytes = [];
  };
  for (const line of text.split('\n')) {
    const f = /^File: (.*)$/.exec(line);
    if (f) {
      flush();
      section = null;
      cur = { path: f[1], modinfo: [] };
      out.set(cur.path, cur);
      continue;
    }
    if (/^Hex dump of section '__versions':/.test(line)) {
      flush();
      section = 'versions';
      continue;
    }
    if (/^String dump of section '\.modinfo':/.test(line)) {
      flush();
      section = 'modinfo';
      continue;
    }
    if (section === 'versions') {
      const m = /^\s+0x[0-9a-f]+ ([0-9a-f]{8}) ([0-9a-f]{8}) ([0-9a-f]{8}) ([0-9a-f]{8}) /.exec(line);
      if (m) for (const w of m.slice(1, 5)) for (let i = 0; i < 8; i += 2) bytes.push(Number.parseInt(w.slice(i, i + 2), 16));
    } else if (section === 'modinfo' && cur) {
      const m = /^\s+\[\s*[0-9a-f]+\]\s\s(.*)$/.exec(line);
      if (m) {
        const eq = m[1].indexOf('=');
        if (eq > 0) cur.modinfo.push([m[1].slice(0, eq), m[1].slice(eq + 1)]);
      }
    }
  }
  flush();
}

/** The files under `dir` whose name matches `re`, sorted. */
export function findFiles(dir: string, re: RegExp): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (re.test(e.name)) out.push(p);
    }
  };
  walk(dir);
  return out.sort();
}

export function findKos(dir: string): string[] {
  return findFiles(dir, /\.ko$/);
}

export interface UndefinedSymbol {
  name: string;
  /** `w`/`v` in nm: a weak undefined symbol (the loader accepts it unresolved). */
  weak: boolean;
}

/**
 * The undefined symbols of many .ko in .symtab order — the order simplify_symbols() walks — with binutils'
 * `nm -u -p` (undefined only, no sorting), batched, `jobs` at a time.
 */
export async function readUndefined(paths: string[], batch = 250, jobs = 2): Promise<Map<string, UndefinedSymbol[]>> {
  const out = new Map<string, UndefinedSymbol[]>();
  const batches: string[][] = [];
  for (let i = 0; i < paths.length; i += batch) batches.push(paths.slice(i, i + batch));
  let next = 0;
  const worker = async () => {
    while (next < batches.length) {
      const b = batches[next++];
      const { stdout } = await execFileP('nm', ['-u', '-p', ...b], { maxBuffer: 1 << 30, env: { ...process.env, LC_ALL: 'C' } });
      let cur: UndefinedSymbol[] | undefined;
      if (b.length === 1) out.set(b[0], (cur = []));
      const names = new Set(b);
      for (const line of stdout.split('\n')) {
        const h = /^(.*):$/.exec(line);
        if (h && names.has(h[1])) {
          out.set(h[1], (cur = []));
          continue;
        }
        const m = /^\s+([UwvV])\s+(\S+)$/.exec(line);
        if (m && cur) cur.push({ name: m[2], weak: m[1] !== 'U' });
      }
    }
  };
  await Promise.all(Array.from({ length: jobs }, worker));
  for (const p of paths) if (!out.has(p)) out.set(p, []); // nm prints no header for a file without undefined symbols
  return out;
}

/**
 * VERMAGIC_STRING of a 6.1 x86_64 kernel, from its header tree alone (include/linux/vermagic.h of 6.1:
 * UTS_RELEASE, then "SMP " "preempt "/"preempt_rt " "mod_unload " "modversions ", MODULE_ARCH_VERMAGIC — empty
 * on x86_64 — and the RANDSTRUCT hash, which this reader refuses rather than guesses).
 */
export function kernelVermagic(headers: string): string {
  const release = /#define UTS_RELEASE "([^"]*)"/.exec(readFileSync(join(headers, 'include/generated/utsrelease.h'), 'utf8'))?.[1];
  if (release === undefined) throw new Error(`no UTS_RELEASE in ${headers}`);
  const conf = new Set(
    readFileSync(join(headers, 'include/config/auto.conf'), 'utf8')
      .split('\n')
      .filter((l) => /^CONFIG_\w+=y$/.test(l))
      .map((l) => l.slice(0, -2)),
  );
  if (!conf.has('CONFIG_X86_64')) throw new Error(`${headers}: not x86_64 (MODULE_ARCH_VERMAGIC not modelled here)`);
  if (conf.has('CONFIG_RANDSTRUCT')) throw new Error(`${headers}: CONFIG_RANDSTRUCT (vermagic hash not modelled here)`);
  let v = `${release} `;
  if (conf.has('CONFIG_SMP')) v += 'SMP ';
  if (conf.has('CONFIG_PREEMPT_BUILD')) v += 'preempt ';
  else if (conf.has('CONFIG_PREEMPT_RT')) v += 'preempt_rt ';
  if (conf.has('CONFIG_MODULE_UNLOAD')) v += 'mod_unload ';
  if (conf.has('CONFIG_MODVERSIONS')) v += 'modversions ';
  return v;
}
