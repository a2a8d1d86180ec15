#!/usr/bin/env node
// scripts/kbuild-oracle.mjs — run the REAL kbuild/modpost on every sample module (samples/modules/<case>/),
// once normally and once with KBUILD_MODPOST_WARN=1, and record what modpost said as JSON. Two targets:
//
//  - 6.1 (default): the Debian 12 header trees installed by scripts/fetch-kernels, ABIs OLD_ABI/NEW_ABI:
//      $CACHE/oracle/<abi>/<case>.<normal|warn>.json   (findings, raw stderr/stdout, exit status, .o/.ko paths)
//      $CACHE/oracle/summary.json                        (all runs, timings)
//      $CACHE/oracle-build/<abi>/<case>.<mode>/          (scratch copy of the case = the build directory)
//  - 6.12: Debian 13's header trees of the two ABIs in the trixie chroot (scripts/trixie-chroot; trixie's
//    gcc-14 and modpost need its glibc), `make` run through `scripts/trixie-chroot run`:
//      $CACHE/oracle/<release>/<case>.<mode>.json        (<release> e.g. 6.12.117+deb13-amd64)
//      $CACHE/oracle/summary-6.12.json
//      $TRIXIE_CHROOT/ksymcheck-oracle/<release>/<case>.<mode>/   (the build directory, inside the chroot)
//    modpost prints the paths it sees inside the chroot; `line` (and `stderr`) give them as seen from the
//    host (the chroot's path prefixed), `stderrAsPrinted` keeps the bytes.
//  - 7.2: Debian unstable's 7.x header tree in the unstable chroot (scripts/fetch-unstable,
//    scripts/unstable-chroot; sid's gcc-16 and modpost), `make` run through `scripts/unstable-chroot run`:
//      $CACHE/oracle/<release>/<case>.<mode>.json        (<release> e.g. 7.2.13+deb14-amd64)
//      $CACHE/oracle/summary-7.2.json
//      $UNSTABLE_CHROOT/ksymcheck-oracle/<release>/<case>.<mode>/
//    Since 6.13 an M= build runs in the module directory, and modpost names modules relative to it
//    (`[undefined_symbol.ko]`, `missing MODULE_LICENSE() in no_license.o`).
//    7.x's objtool needs /proc (scripts/unstable-chroot mounts one for the command). A refused run leaves
//    no .mod.c (modpost's write_buf() writes nothing once an error occurred), so no .ko either.
//
// A case whose Kbuild has a line `# ksymcheck-oracle: since <target>` is built only for that target and
// newer ones (samples that use 6.13+ macros such as MODULE_IMPORT_NS("…") or EXPORT_SYMBOL_FOR_MODULES);
// `# ksymcheck-oracle: until <target>` for that target and older ones (samples written for the bare-token
// EXPORT_SYMBOL_NS(sym, NS) / MODULE_IMPORT_NS(NS) of ≤ 6.12, which 6.13 turned into string literals, and
// exports-kernel-symbol, whose jiffies_to_msecs is a static inline in 7.2's headers for Debian's HZ).
//
// Samples are copied first; nothing is ever written into samples/. At most --jobs (default 2) builds run at
// once. A run whose inputs (case files, header package version, kbuild version, this script) have not
// changed since its JSON was written is skipped unless --force.
//
// Usage: node scripts/kbuild-oracle.mjs [--target 6.1|6.12|7.2] [--force] [--jobs N] [--abi 47,56] [--case a,b] [--quiet]
import { spawn, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { cp, mkdir, readdir, readFile, rm, writeFile, rename, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CACHE = process.env.KSYMCHECK_CACHE ?? join(REPO, '.cache', 'kernels');
const SAMPLES = join(REPO, 'samples', 'modules');
/** Bump when the parsing or the JSON shape changes, so that cached results are redone. */
const ORACLE_VERSION = 4;

// ------------------------------------------------------------------------------------------ parsing ---
/**
 * modpost's 6.1 messages (scripts/mod/modpost.c) → rule ids shared with ksymcheck.
 * `module` is always normalised to the bare module name: no directory, no `.ko`/`.o`.
 */
const PATTERNS = [
  {
    rule: 'gpl-only',
    re: /^GPL-incompatible module (?<module>.+)\.ko uses GPL-only symbol '(?<symbol>[^']+)'$/,
  },
  { rule: 'unresolved', re: /^"(?<symbol>[^"]+)" \[(?<module>.+)\.ko\] undefined!$/ },
  {
    rule: 'namespace-not-imported',
    re: /^module (?<module>\S+) uses symbol (?<symbol>\S+) from namespace (?<namespace>\S+), but does not import it\.$/,
  },
  { rule: 'missing-license', re: /^missing MODULE_LICENSE\(\) in (?<module>\S+)$/ },
  // 6.15+: a warning for every module without a description (before: only with W=1, -W).
  { rule: 'missing-description', re: /^missing MODULE_DESCRIPTION\(\) in (?<module>\S+)$/ },
  // 6.16+: MODULE_IMPORT_NS("module:…") is refused.
  {
    rule: 'module-namespace-import',
    re: /^(?<module>\S+): explicitly importing namespace "(?<namespace>[^"]+)" is not allowed\.$/,
  },
  // Not a finding: modpost prints at most 10 unresolved symbols (MAX_UNRESOLVED_REPORTS), then this line.
  {
    rule: 'unresolved-suppressed',
    re: /^suppressed (?<count>\d+) unresolved symbol warnings because there were too many\)$/,
  },
  {
    rule: 'duplicate-export',
    re: /^(?<module>\S+): '(?<symbol>[^']+)' exported twice\. Previous export was in (?<previous>\S+)$/,
  },
];
const PREFIX = /^(?<sev>WARNING|ERROR|FATAL): modpost: (?<text>.*)$/;
/** Lines that are not modpost's: make's own complaints, Makefile.modfinal's BTF note (no vmlinux in headers). */
const NOISE = [
  /^make(\[\d+\])?: /,
  /^Skipping BTF generation for .* due to unavailability of vmlinux$/,
  // gcc's own diagnostics (6.12's Kbuild turns on -Wmissing-prototypes): `file:line:col: warning: …`, the
  // `In function …` header and the quoted source with its caret line.
  /^\S+:(\d+:\d+: (warning|note): | In function )/,
  /^\s*\d* \| /,
];

export function moduleName(s) {
  return s
    .replace(/^.*\//, '')
    .replace(/\.(ko|o)$/, '');
}

/**
 * Parse modpost's stderr into normalised findings; every line that is neither a known modpost message nor
 * known noise (returned in `ignored`) is kept as `unknown`, so nothing is silently dropped.
 */
export function parseModpostStderr(stderr) {
  const findings = [];
  const ignored = [];
  for (const line of stderr.split('\n')) {
    if (line.trim() === '') continue;
    if (NOISE.some((re) => re.test(line))) {
      ignored.push(line);
      continue;
    }
    const p = PREFIX.exec(line);
    if (!p) {
      findings.push({ rule: 'unknown', severity: null, line });
      continue;
    }
    const severity = { WARNING: 'warning', ERROR: 'error', FATAL: 'fatal' }[p.groups.sev];
    let hit = null;
    for (const { rule, re } of PATTERNS) {
      const m = re.exec(p.groups.text);
      if (m) {
        const g = m.groups;
        hit = { rule, severity };
        if (g.module !== undefined) hit.module = moduleName(g.module);
        if (g.count !== undefined) hit.count = Number(g.count);
        if (g.symbol !== undefined) hit.symbol = g.symbol;
        if (g.namespace !== undefined) hit.namespace = g.namespace;
        if (g.previous !== undefined) hit.previous = g.previous;
        hit.line = line;
        break;
      }
    }
    findings.push(hit ?? { rule: 'unknown', severity, line });
  }
  return { findings, ignored };
}

// ------------------------------------------------------------------------------------------- helpers ---
function parseArgs(argv) {
  const o = { target: '6.1', force: false, jobs: 2, abis: null, cases: null, quiet: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--force') o.force = true;
    else if (a === '--quiet') o.quiet = true;
    else if (a === '--jobs') o.jobs = Math.max(1, Number(argv[++i]));
    else if (a === '--abi') o.abis = argv[++i].split(',').filter(Boolean);
    else if (a === '--target') o.target = argv[++i];
    else if (a === '--case') o.cases = argv[++i].split(',').filter(Boolean);
    else if (a === '--help' || a === '-h') {
      console.log('usage: node scripts/kbuild-oracle.mjs [--target 6.1|6.12|7.2] [--force] [--jobs N] [--abi 47,56] [--case a,b] [--quiet]');
      process.exit(0);
    } else throw new Error(`unknown argument ${a}`);
  }
  return o;
}

function readEnvFile(f, script) {
  if (!existsSync(f)) throw new Error(`${f} missing: run ${script} first`);
  const env = {};
  for (const l of readFileSync(f, 'utf8').split('\n')) {
    const m = /^(\w+)=(.*)$/.exec(l);
    if (m) env[m[1]] = m[2];
  }
  return env;
}

/** dpkg's version of an installed package, on the host or inside `chroot`. */
function dpkgVersion(pkg, chroot) {
  const query = ['dpkg-query', '-W', '-f=${Version}', pkg];
  try {
    return chroot
      ? execFileSync('chroot', [chroot, ...query], { encoding: 'utf8' }).trim()
      : execFileSync(query[0], query.slice(1), { encoding: 'utf8' }).trim();
  } catch {
    return null;
  }
}

/** obj-m lines of a Kbuild file → module names. */
function kbuildModules(kbuild) {
  const mods = [];
  for (const l of kbuild.split('\n')) {
    const m = /^\s*obj-m\s*[+:]?=\s*(.*)$/.exec(l);
    if (m) for (const o of m[1].split(/\s+/).filter(Boolean)) mods.push(o.replace(/\.o$/, ''));
  }
  return mods;
}

async function caseInputs(caseDir) {
  const files = (await readdir(caseDir)).filter((f) => /^(Kbuild|Makefile|.*\.[ch])$/.test(f)).sort();
  const h = createHash('sha256');
  for (const f of files) h.update(f).update('\0').update(await readFile(join(caseDir, f))).update('\0');
  return { files, hash: h.digest('hex') };
}

function run(cmd, args, opts) {
  return new Promise((res) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(cmd, args, { ...opts, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code, signal) =>
      res({ code, signal, stdout, stderr, seconds: Number(process.hrtime.bigint() - t0) / 1e9 }),
    );
  });
}

async function pool(items, n, fn) {
  const out = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]);
      }
    }),
  );
  return out;
}

// ------------------------------------------------------------------------------------------ one run ---
/**
 * The header trees a target builds against: `abi` (the oracle/ folder's name), `release`, `headers` (as make
 * sees it), `hostHeaders` (as ksymcheck on the host reads it), `buildRoot` (host path of the build folders),
 * and for 6.12 `chroot`.
 */
function targetTrees(target, abis) {
  if (target === '6.1') {
    const env = readEnvFile(join(CACHE, 'abis.env'), 'scripts/fetch-kernels');
    return (abis ?? [env.OLD_ABI, env.NEW_ABI]).filter((a, i, all) => all.indexOf(a) === i).map((abi) => {
      const release = `6.1.0-${abi}-amd64`;
      const headers = `/usr/src/linux-headers-${release}`;
      if (!existsSync(join(headers, 'Module.symvers'))) throw new Error(`${headers} not installed: run scripts/fetch-kernels`);
      return {
        abi, release, headers, hostHeaders: headers, buildRoot: join(CACHE, 'oracle-build', abi), chroot: null,
        headersVersion: dpkgVersion(`linux-headers-${release}`), kbuildVersion: dpkgVersion('linux-kbuild-6.1'),
      };
    });
  }
  if (target === '6.12') {
    const env = readEnvFile(join(CACHE, 'trixie', 'trixie.env'), 'scripts/fetch-trixie and scripts/trixie-chroot');
    if (!env.TRIXIE_CHROOT || !env.TRIXIE_ABIS) throw new Error(`no TRIXIE_CHROOT in ${join(CACHE, 'trixie', 'trixie.env')}: run scripts/trixie-chroot`);
    const chroot = env.TRIXIE_CHROOT;
    return (abis ?? env.TRIXIE_ABIS.split(',')).filter((a, i, all) => all.indexOf(a) === i).map((release) => {
      const headers = `/usr/src/linux-headers-${release}`;
      const hostHeaders = join(chroot, headers);
      if (!existsSync(join(hostHeaders, 'Module.symvers'))) throw new Error(`${hostHeaders} missing: run scripts/trixie-chroot`);
      return {
        abi: release, release, headers, hostHeaders, buildRoot: join(chroot, 'ksymcheck-oracle', release), chroot,
        chrootScript: 'trixie-chroot',
        headersVersion: dpkgVersion(`linux-headers-${release}`, chroot),
        // one linux-kbuild-<abi> per ABI in trixie (6.12.117+deb13-amd64 → linux-kbuild-6.12.117+deb13)
        kbuildVersion: dpkgVersion(`linux-kbuild-${release.replace(/-amd64$/, '')}`, chroot),
      };
    });
  }
  if (target === '7.2') {
    const f = join(CACHE, 'unstable', 'unstable.env');
    const env = readEnvFile(f, 'scripts/fetch-unstable and scripts/unstable-chroot');
    if (!env.UNSTABLE_CHROOT) throw new Error(`no UNSTABLE_CHROOT in ${f}: run scripts/unstable-chroot`);
    const chroot = env.UNSTABLE_CHROOT;
    return (abis ?? [env.UNSTABLE_RELEASE]).map((release) => {
      const headers = `/usr/src/linux-headers-${release}`;
      const hostHeaders = join(chroot, headers);
      if (!existsSync(join(hostHeaders, 'Module.symvers'))) throw new Error(`${hostHeaders} missing: run scripts/unstable-chroot`);
      return {
        abi: release, release, headers, hostHeaders, buildRoot: join(chroot, 'ksymcheck-oracle', release), chroot,
        chrootScript: 'unstable-chroot',
        headersVersion: dpkgVersion(`linux-headers-${release}`, chroot),
        kbuildVersion: dpkgVersion(`linux-kbuild-${release.replace(/-amd64$/, '')}`, chroot),
      };
    });
  }
  throw new Error(`unknown target ${target} (6.1, 6.12 or 7.2)`);
}

async function oracleRun({ tree, caseName, mode, inputs, force, quiet }) {
  const { abi, headers, release, headersVersion, kbuildVersion, chroot } = tree;
  const outDir = join(CACHE, 'oracle', abi);
  const outFile = join(outDir, `${caseName}.${mode}.json`);
  const inputHash = createHash('sha256')
    .update(JSON.stringify({ ORACLE_VERSION, case: inputs.hash, headersVersion, kbuildVersion, mode }))
    .digest('hex');
  if (!force && existsSync(outFile)) {
    try {
      const prev = JSON.parse(await readFile(outFile, 'utf8'));
      const allThere = prev.modules.every((m) => (!m.o || existsSync(m.o)) && (!m.ko || existsSync(m.ko)));
      if (prev.inputHash === inputHash && allThere) return { ...prev, cached: true };
    } catch {
      /* redo */
    }
  }
  const src = join(SAMPLES, caseName);
  const work = join(tree.buildRoot, `${caseName}.${mode}`);
  // The build folder as make sees it (inside the chroot for 6.12).
  const makeWork = chroot ? work.slice(chroot.length) : work;
  await rm(work, { recursive: true, force: true });
  await mkdir(work, { recursive: true });
  for (const f of inputs.files) await cp(join(src, f), join(work, f));
  const modules = kbuildModules(await readFile(join(work, 'Kbuild'), 'utf8'));

  const args = ['-C', headers, `M=${makeWork}`, 'modules'];
  const env = { ...process.env, LC_ALL: 'C', LANG: 'C' };
  delete env.KBUILD_MODPOST_WARN;
  delete env.KBUILD_EXTRA_SYMBOLS;
  delete env.MAKEFLAGS;
  delete env.MFLAGS;
  if (mode === 'warn') env.KBUILD_MODPOST_WARN = '1';
  const r = chroot
    ? await run('bash', [join(REPO, 'scripts', tree.chrootScript), 'run', 'make', ...args], { cwd: work, env: { ...env, KSYMCHECK_CACHE: CACHE } })
    : await run('make', args, { cwd: work, env });
  const stderrAsPrinted = r.stderr;
  if (chroot) r.stderr = r.stderr.split(makeWork).join(work);

  const mods = [];
  for (const name of modules) {
    const o = join(work, `${name}.o`);
    const ko = join(work, `${name}.ko`);
    mods.push({ name, o: existsSync(o) ? o : null, ko: existsSync(ko) ? ko : null });
  }
  const { findings, ignored } = parseModpostStderr(r.stderr);
  const result = {
    oracleVersion: ORACLE_VERSION,
    inputHash,
    case: caseName,
    abi: chroot ? abi : Number(abi),
    release,
    headers: tree.hostHeaders,
    chroot,
    headersPackageVersion: headersVersion,
    kbuildPackageVersion: kbuildVersion,
    mode,
    modpostWarn: mode === 'warn',
    command: `${chroot ? `chroot ${chroot} ` : ''}${mode === 'warn' ? 'KBUILD_MODPOST_WARN=1 ' : ''}make ${args.join(' ')}`,
    exitCode: r.code,
    signal: r.signal,
    seconds: Math.round(r.seconds * 100) / 100,
    buildDir: work,
    modules: mods,
    modpostRan: /^\s*MODPOST\s/m.test(r.stdout),
    findings,
    ignoredStderrLines: ignored,
    stderr: r.stderr,
    ...(chroot ? { stderrAsPrinted } : {}),
    stdout: r.stdout,
    createdAt: new Date().toISOString(),
  };
  await mkdir(outDir, { recursive: true });
  await writeFile(`${outFile}.tmp`, JSON.stringify(result, null, 2) + '\n');
  await rename(`${outFile}.tmp`, outFile);
  if (!quiet) {
    const fs = findings.map((f) => `${f.severity ?? '-'}:${f.rule}${f.symbol ? `(${f.symbol})` : ''}`).join(' ');
    console.error(
      `[oracle] ${abi} ${caseName}.${mode}: exit ${r.code}, ko ${mods.filter((m) => m.ko).length}/${mods.length}, ${r.seconds.toFixed(1)}s ${fs}`,
    );
  }
  return { ...result, cached: false };
}

// --------------------------------------------------------------------------------------------- main ---
const TARGETS = ['6.1', '6.12', '7.2'];
/**
 * Whether a case is built for `target`: its Kbuild's `# ksymcheck-oracle: since <target>` and
 * `# ksymcheck-oracle: until <target>` lines, if any (both bounds included).
 */
export function caseBuiltFor(caseName, target) {
  const kbuild = readFileSync(join(SAMPLES, caseName, 'Kbuild'), 'utf8');
  const since = /^# ksymcheck-oracle: since (\S+)$/m.exec(kbuild)?.[1];
  const until = /^# ksymcheck-oracle: until (\S+)$/m.exec(kbuild)?.[1];
  const t = TARGETS.indexOf(target);
  return (!since || t >= TARGETS.indexOf(since)) && (!until || t <= TARGETS.indexOf(until));
}

export async function runOracle(opts = {}) {
  const o = { target: '6.1', force: false, jobs: 2, abis: null, cases: null, quiet: false, ...opts };
  const trees = targetTrees(o.target, o.abis);
  const allCases = (await readdir(SAMPLES, { withFileTypes: true }))
    .filter((d) => d.isDirectory() && existsSync(join(SAMPLES, d.name, 'Kbuild')))
    .map((d) => d.name)
    .filter((name) => caseBuiltFor(name, o.target))
    .sort();
  const cases = o.cases ?? allCases;
  const jobs = [];
  for (const tree of trees) {
    for (const caseName of cases) {
      const inputs = await caseInputs(join(SAMPLES, caseName));
      for (const mode of ['normal', 'warn']) jobs.push({ tree, caseName, mode, inputs, force: o.force, quiet: o.quiet });
    }
  }
  const t0 = Date.now();
  const results = await pool(jobs, o.jobs, oracleRun);
  const seconds = (Date.now() - t0) / 1000;
  const summary = {
    oracleVersion: ORACLE_VERSION,
    target: o.target,
    abis: trees.map((t) => (t.chroot ? t.abi : Number(t.abi))),
    kbuildPackageVersion: [...new Set(trees.map((t) => t.kbuildVersion))].join(', '),
    jobs: o.jobs,
    runs: results.length,
    rebuilt: results.filter((r) => !r.cached).length,
    wallSeconds: seconds,
    buildSecondsSum: Math.round(results.reduce((s, r) => s + (r.cached ? 0 : r.seconds), 0) * 10) / 10,
    results: results.map((r) => ({
      case: r.case,
      abi: r.abi,
      mode: r.mode,
      exitCode: r.exitCode,
      modules: r.modules.map((m) => ({ name: m.name, o: !!m.o, ko: !!m.ko })),
      findings: r.findings.map(({ line, ...f }) => f),
    })),
  };
  if (!o.cases && !o.abis) {
    await mkdir(join(CACHE, 'oracle'), { recursive: true });
    await writeFile(join(CACHE, 'oracle', o.target === '6.1' ? 'summary.json' : `summary-${o.target}.json`), JSON.stringify(summary, null, 2) + '\n');
  }
  return summary;
}

/** A markdown table of the summary: one row per case, one column per ABI × mode. */
export function markdownTable(summary) {
  const cols = [];
  for (const abi of summary.abis) for (const mode of ['normal', 'warn']) cols.push({ abi, mode });
  const byKey = new Map(summary.results.map((r) => [`${r.case}|${r.abi}|${r.mode}`, r]));
  const cases = [...new Set(summary.results.map((r) => r.case))];
  const cell = (r) => {
    if (!r) return '';
    const f = r.findings.map(
      (x) =>
        `${x.severity === 'error' ? 'E' : x.severity === 'warning' ? 'W' : x.severity ?? '?'} ${x.rule}` +
        `${x.symbol ? ` \`${x.symbol}\`` : ''}${x.namespace ? ` (${x.namespace})` : ''}${x.count !== undefined ? ` ${x.count}` : ''}` +
        `${r.modules.length > 1 && x.module ? ` [${x.module}]` : ''}${x.rule === 'unknown' ? ` \`${x.line}\`` : ''}`,
    );
    const ko = `${r.modules.filter((m) => m.ko).length}/${r.modules.length} .ko`;
    return `exit ${r.exitCode}, ${ko}${f.length ? ': ' + f.join('; ') : ''}`;
  };
  const lines = [
    `| case | ${cols.map((c) => `${c.abi} ${c.mode}`).join(' | ')} |`,
    `|---|${cols.map(() => '---').join('|')}|`,
  ];
  for (const c of cases) lines.push(`| ${c} | ${cols.map((k) => cell(byKey.get(`${c}|${k.abi}|${k.mode}`))).join(' | ')} |`);
  return lines.join('\n');
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const o = parseArgs(process.argv.slice(2));
  const s = await runOracle(o);
  if (!o.quiet) {
    console.log(markdownTable(s));
    console.log(
      `\n${s.runs} runs (${s.rebuilt} rebuilt) in ${s.wallSeconds.toFixed(1)} s wall with ${s.jobs} jobs; sum of build times ${s.buildSecondsSum} s`,
    );
  }
}
