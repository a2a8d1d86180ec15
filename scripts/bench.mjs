#!/usr/bin/env node
/**
 * `npm run bench`: ksymcheck against readelf, nm and the real modpost on Debian 6.1's module tree.
 *
 * In one go: builds ksymcheck, fetches the kernels (scripts/fetch-kernels, idempotent), installs
 * hyperfine and GNU time if missing, fetches Debian's debug vmlinux (linux-image-<abi>-amd64-dbg, 858 MB,
 * kept in the kernel cache; KSYMCHECK_BENCH_NO_DBG=1 skips it), then measures with hyperfine (median wall
 * time of --runs runs after a warm-up: warm page cache) and /usr/bin/time -f '%M %R' (peak RSS, the largest of
 * 3 runs, and that run's minor page faults), and prints a table. Results also go to
 * $KSYMCHECK_CACHE/bench/results.json. It also measures what a minor page fault costs on this machine (a
 * first touch of 64 MB of fresh memory, page by page, in a new Node process): a virtual machine can charge
 * far more for one than bare metal, and a Node process touches far more memory than readelf or modpost.
 *
 *   full tree       ksymcheck check (build+load) of every .ko of the image against the headers dir;
 *                   `readelf -sW` and `nm -u` over the same files; the real modpost
 *                   (`modpost -m -e -i Module.symvers -T <list>`) over the same files, given as the
 *                   `<mod>.o` names it wants (symbolic links in a shadow tree, with the `<mod>.mod` and
 *                   `.<mod>.o.cmd` files kbuild leaves: the object list, and `#SYMVER` lines with the CRCs
 *                   of Module.symvers, so that it does exactly what it does in a kernel build); and
 *                   scripts/read-floor.mjs, Node reading the bytes the tree reader reads and decoding
 *                   nothing (what ksymcheck spends above it is its own work);
 *   one module      an out-of-tree module built by the real kbuild (the real-kernel suite's
 *                   abi-new-symbol sample), process start included: ksymcheck vs modpost on its `.o`, with
 *                   the code cache and the Module.symvers index the warm-up runs wrote (as a user's second
 *                   run), without the one (KSYMCHECK_CODE_CACHE=0) and without the other
 *                   (KSYMCHECK_SYMVERS_CACHE=0), and `node -e 0` and `ksymcheck --version` for scale;
 *   load stage      `--stage load` of the same tree against its own headers (passes) and against the oldest
 *                   headers (fails: every module refused at module_layout), beside kmod's
 *                   `depmod -n -e -E Module.symvers` on the same tree and symvers; the failing tree's full
 *                   check too;
 *   matrix          `ksymcheck matrix` of the same tree against four kernel builds (modules read once), and
 *                   `exports` of the newest headers from their .deb beside their unpacked directory;
 *   6.12 xz tree    Debian 13's 4,230 .ko.xz (scripts/fetch-trixie) against their own headers, beside
 *                   `xz -dc` of the same files with one process per core;
 *   image deb       the linux-image .deb of the newest ABI given as modules (streamed: 70 MB of xz, 400 MB
 *                   of tar), beside the check of its unpacked tree and `dpkg-deb --fsys-tarfile | tar -x`;
 *                   Debian 13's image .deb (4,230 .ko.xz members) beside its unpacked tree;
 *   debug vmlinux   `ksymcheck exports -k <600 MB debug vmlinux>`: the index built from it; and from the -dbg
 *                   .deb itself (the vmlinux streamed out of 860 MB of xz).
 *   bomb tree       200 of the image's modules (every 20th) beside 14 `.ko.gz`, 14 `.ko.zst` and 14 `.ko.xz`
 *                   decompression bombs of 576 MiB of zeros (scripts/make-bombs.mjs; one xz index lies),
 *                   at the default --max-module-size (512 MiB): wall time, peak RSS, and the checks that
 *                   every bomb is an error with the size message and the good modules read as without them.
 *   frames          the inline chains of every reference of the findings of real Kbuild-built modules
 *                   (a generated proprietary module of 1,500 functions each taking an RCU read lock: 3,000
 *                   references to GPL-only __rcu_read_lock/__rcu_read_unlock through the inline
 *                   rcu_read_lock(); the DKMS sample v4l2loopback and the real-kernel suite's samples),
 *                   check() with frames on against off, in-process (scripts/bench-frames.mjs).
 *
 * Options: --runs N (default 7), --quick (3 runs, no warm-up of the slow ones), --only GROUP (one group of
 * measurements: full-tree, load-stage, matrix, xz-tree, image-deb, one-module, debug-vmlinux, bomb-tree).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync, cpSync } from 'node:fs';
import { loadavg, cpus } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const CACHE = process.env.KSYMCHECK_CACHE ?? join(ROOT, '.cache', 'kernels');
const OUT = join(CACHE, 'bench');
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const runsArg = args.indexOf('--runs');
const RUNS = runsArg >= 0 ? Number(args[runsArg + 1]) : quick ? 3 : 7;
const onlyArg = args.indexOf('--only');
const ONLY = onlyArg >= 0 ? args[onlyArg + 1] : undefined;
const wanted = (group) => ONLY === undefined || ONLY === group.replace(/ /g, '-');
const CLI = join(ROOT, 'dist', 'cli', 'main.cjs');

const log = (s) => process.stderr.write(`[bench] ${s}\n`);
const sh = (cmd, a, opts = {}) => execFileSync(cmd, a, { encoding: 'utf8', maxBuffer: 1 << 28, ...opts });
const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;

// ------------------------------------------------------------------------------------------- setup
function aptInstall(pkgs) {
  log(`apt-get install ${pkgs.join(' ')}`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  let r = spawnSync('apt-get', ['install', '-y', '-q', '--no-install-recommends', ...pkgs], { env, stdio: ['ignore', 'ignore', 'inherit'] });
  if (r.status !== 0) {
    spawnSync('apt-get', ['update', '-q'], { env, stdio: ['ignore', 'ignore', 'inherit'] });
    r = spawnSync('apt-get', ['install', '-y', '-q', '--no-install-recommends', ...pkgs], { env, stdio: ['ignore', 'ignore', 'inherit'] });
  }
  if (r.status !== 0) throw new Error(`apt-get install ${pkgs.join(' ')} failed`);
}

log('npm run build');
sh('npm', ['run', '--silent', 'build'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
log('scripts/fetch-kernels');
sh('bash', [join(ROOT, 'scripts', 'fetch-kernels')], { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, KSYMCHECK_CACHE: CACHE } });
const missing = [];
if (!has('hyperfine')) missing.push('hyperfine');
if (!existsSync('/usr/bin/time')) missing.push('time');
if (!has('readelf') || !has('nm')) missing.push('binutils');
if (!existsSync('/usr/sbin/depmod') && !has('depmod')) missing.push('kmod');
if (missing.length) aptInstall(missing);

const env = Object.fromEntries(
  readFileSync(join(CACHE, 'abis.env'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => l.split('=')),
);
const HEADERS = env.NEW_HEADERS;
const MODULES = env.NEW_IMAGE_MODULES;
const ABI = env.NEW_ABI;
const RELEASE = `6.1.0-${ABI}-amd64`;
const MODPOST = join(HEADERS, 'scripts', 'mod', 'modpost');
mkdirSync(OUT, { recursive: true });

// the module list, sorted (as ksymcheck walks the tree)
const kos = [];
(function walk(d) {
  for (const e of readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const p = join(d, e.name);
    if (e.isDirectory()) walk(p);
    else if (e.name.endsWith('.ko')) kos.push(p);
  }
})(MODULES);
const LIST = join(OUT, 'ko.list');
writeFileSync(LIST, kos.join('\n') + '\n');
const treeBytes = kos.reduce((a, f) => a + statSync(f).size, 0);
log(`${kos.length} modules, ${(treeBytes / 1e6).toFixed(0)} MB in ${MODULES}`);

// modpost's view of the tree: <mod>.o links, <mod>.mod object lists, .<mod>.o.cmd with #SYMVER lines
const SHADOW = join(OUT, 'modpost-tree');
function shadowTree() {
  rmSync(SHADOW, { recursive: true, force: true });
  const crcs = new Map();
  for (const line of readFileSync(join(HEADERS, 'Module.symvers'), 'utf8').split('\n')) {
    const [crc, name, owner] = line.split('\t');
    if (!owner || owner === 'vmlinux') continue;
    const key = `${owner}.o`;
    if (!crcs.has(key)) crcs.set(key, []);
    crcs.get(key).push(`#SYMVER ${name} ${crc}`);
  }
  const objs = [];
  for (const ko of kos) {
    const rel = relative(MODULES, ko).replace(/\.ko$/, '.o'); // kernel/fs/foo.o
    const o = join(SHADOW, rel);
    mkdirSync(dirname(o), { recursive: true });
    symlinkSync(ko, o);
    writeFileSync(o.replace(/\.o$/, '.mod'), `${rel}\n`);
    const base = rel.slice(rel.lastIndexOf('/') + 1);
    writeFileSync(join(dirname(o), `.${base}.cmd`), (crcs.get(rel.replace(/^kernel\//, '')) ?? []).join('\n') + '\n');
    objs.push(rel);
  }
  writeFileSync(join(SHADOW, 'modules.list'), objs.join('\n') + '\n');
}
if (wanted('full tree')) shadowTree();

// one out-of-tree module built by the real kbuild (the real-kernel suite's sample), else built here
function oneModule() {
  const built = join(CACHE, 'oracle-build', ABI, 'abi-new-symbol.normal');
  const dir = join(OUT, 'one-module');
  if (!existsSync(join(dir, 'abi_new_symbol.ko'))) {
    rmSync(dir, { recursive: true, force: true });
    if (existsSync(join(built, 'abi_new_symbol.ko'))) cpSync(built, dir, { recursive: true });
    else {
      cpSync(join(ROOT, 'samples', 'modules', 'abi-new-symbol'), dir, { recursive: true });
      log('make -C <headers> M=… modules (one sample module)');
      sh('make', ['-C', HEADERS, `M=${dir}`, 'modules'], { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, LC_ALL: 'C' } });
    }
  }
  return dir;
}
const ONE = wanted('one module') ? oneModule() : undefined;

// real Kbuild-built modules with thousands of references for the frames measurement
function framesModules() {
  const dir = join(OUT, 'frames-modules');
  const many = join(dir, 'many-refs');
  const out = [];
  if (!existsSync(join(many, 'many_refs.o'))) {
    rmSync(many, { recursive: true, force: true });
    mkdirSync(many, { recursive: true });
    const N = 1500;
    let c = '// generated by scripts/bench.mjs: 1,500 functions, each through the inline rcu_read_lock()\n';
    c += '#include <linux/module.h>\n#include <linux/rcupdate.h>\nstatic int data[64];\n';
    for (let i = 0; i < N; i++) c += `noinline int many_f${i}(int x) { int r; rcu_read_lock(); r = READ_ONCE(data[(x + ${i}) & 63]); rcu_read_unlock(); return r; }\n`;
    c += 'static int __init many_init(void)\n{\n\tint s = 0;\n';
    for (let i = 0; i < N; i++) c += `\ts += many_f${i}(${i});\n`;
    c += '\tpr_info("many: %d\\n", s);\n\treturn 0;\n}\nmodule_init(many_init);\nMODULE_LICENSE("Proprietary");\n';
    writeFileSync(join(many, 'many_refs.c'), c);
    writeFileSync(join(many, 'Kbuild'), 'obj-m := many_refs.o\n');
    log('make -C <headers> M=… modules (1,500-function module for frames; modpost refuses it: its .o is what is checked)');
    spawnSync('make', ['-C', HEADERS, `M=${many}`, 'modules'], { stdio: ['ignore', 'ignore', 'ignore'], env: { ...process.env, LC_ALL: 'C' } });
  }
  if (existsSync(join(many, 'many_refs.o'))) out.push(join(many, 'many_refs.o'));
  const v4l = join(dir, 'v4l2loopback');
  const src = join(CACHE, 'dkms-src', 'v4l2loopback-0.12.7');
  if (!existsSync(join(v4l, 'v4l2loopback.ko')) && existsSync(src)) {
    rmSync(v4l, { recursive: true, force: true });
    cpSync(src, v4l, { recursive: true });
    log('make -C <headers> M=… modules (v4l2loopback, the DKMS sample)');
    spawnSync('make', ['-C', HEADERS, `M=${v4l}`, 'modules'], { stdio: ['ignore', 'ignore', 'ignore'], env: { ...process.env, LC_ALL: 'C' } });
  }
  if (existsSync(join(v4l, 'v4l2loopback.ko'))) out.push(join(v4l, 'v4l2loopback.ko'));
  const built = join(CACHE, 'oracle-build', ABI);
  if (existsSync(built)) {
    for (const d of readdirSync(built).filter((x) => x.endsWith('.warn')).sort()) {
      for (const f of readdirSync(join(built, d))) if (f.endsWith('.ko') || (f.endsWith('.o') && !f.endsWith('.mod.o') && !existsSync(join(built, d, f.replace(/\.o$/, '.ko'))))) out.push(join(built, d, f));
    }
  }
  return out;
}

// Debian's debug vmlinux (the -dbg package's usr/lib/debug/boot/vmlinux-<release>)
function debugVmlinux() {
  if (process.env.KSYMCHECK_BENCH_NO_DBG === '1') return undefined;
  const dir = join(CACHE, `vmlinux-dbg-${ABI}`);
  const file = join(dir, 'usr', 'lib', 'debug', 'boot', `vmlinux-${RELEASE}`);
  if (existsSync(file)) return file;
  const pkg = `linux-image-${RELEASE}-dbg`;
  const debs = join(CACHE, 'debs');
  mkdirSync(debs, { recursive: true });
  let deb = readdirSync(debs).find((f) => f.startsWith(`${pkg}_`));
  if (!deb) {
    log(`apt-get download ${pkg} (about 860 MB)`);
    sh('apt-get', ['-q', '-o', 'APT::Sandbox::User=root', 'download', pkg], { cwd: debs, stdio: ['ignore', 'ignore', 'inherit'] });
    deb = readdirSync(debs).find((f) => f.startsWith(`${pkg}_`));
  }
  log(`extracting vmlinux-${RELEASE} from ${deb}`);
  mkdirSync(dir, { recursive: true });
  // tar stops at the first match (--occurrence): the rest of the 5.6 GB package is never unpacked
  spawnSync('sh', ['-c', `dpkg-deb --fsys-tarfile '${join(debs, deb)}' | tar -x -C '${dir}' --occurrence=1 './usr/lib/debug/boot/vmlinux-${RELEASE}'`], { stdio: 'ignore' });
  return existsSync(file) ? file : undefined;
}
const VMLINUX = wanted('debug vmlinux') ? debugVmlinux() : undefined;

// 200 real modules and 42 decompression bombs (issue #13), made once into the cache
async function bombTree() {
  const dir = join(OUT, 'bomb-tree');
  const good = join(dir, 'good');
  const bombs = join(dir, 'bombs');
  if (!existsSync(join(bombs, 'bomb-zst-13.ko.zst'))) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(good, { recursive: true });
    kos.filter((_, i) => i % 20 === 0).slice(0, 200).forEach((ko, i) => symlinkSync(ko, join(good, `${String(i).padStart(3, '0')}-${ko.slice(ko.lastIndexOf('/') + 1)}`)));
    log('scripts/make-bombs.mjs: 42 bombs of 576 MiB');
    const { makeBombs } = await import('./make-bombs.mjs');
    makeBombs(bombs, 14, 576 * 1024 * 1024);
  }
  return { good, bombs };
}

// ------------------------------------------------------------------------------------------- measure
function hyperfine(name, command, { runs = RUNS, warmup = 1, shell = false } = {}) {
  const json = join(OUT, `${name}.json`);
  const a = ['--style', 'none', '--warmup', String(warmup), '--runs', String(runs), '--export-json', json, '--output', 'null', '-i'];
  if (!shell) a.push('-N');
  sh('hyperfine', [...a, command], { stdio: ['ignore', 'ignore', 'inherit'] });
  const r = JSON.parse(readFileSync(json, 'utf8')).results[0];
  return { median: r.median, min: r.min, max: r.max, runs: r.times.length, exitCodes: [...new Set(r.exit_codes)] };
}

/** Peak RSS (bytes), the largest of 3 runs, and that run's minor page faults. */
function peakRss(argv, cwd) {
  let best = 0;
  let faults = 0;
  for (let i = 0; i < 3; i++) {
    const r = spawnSync('/usr/bin/time', ['-f', '%M %R', ...argv], { cwd, encoding: 'utf8', stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 1 << 28 });
    const [kb, minflt] = r.stderr.trim().split('\n').pop().split(' ').map(Number);
    if (kb > best) [best, faults] = [kb, minflt];
  }
  return { peakRss: best * 1024, minorFaults: faults };
}

/**
 * What one minor page fault costs here, in seconds: the median of 3 new Node processes each touching 64 MB
 * of fresh memory one 4 KB page at a time. A virtual machine may charge far more for a fault than bare
 * metal (docs/performance.md, "What this machine charges"). 0 when the probe saw too few faults to tell
 * (memory that was not fresh).
 */
function faultCost() {
  const probe = `const b = new Uint8Array(64 << 20); const f0 = process.resourceUsage().minorPageFault; const t0 = process.hrtime.bigint();
for (let i = 0; i < b.length; i += 4096) b[i] = 1;
const t = Number(process.hrtime.bigint() - t0) / 1e9; const f = process.resourceUsage().minorPageFault - f0;
console.log(f < 4096 ? 0 : t / f);`;
  const runs = [0, 1, 2].map(() => Number(sh('node', ['-e', probe]).trim())).sort((a, b) => a - b);
  return runs[1];
}

const rows = [];
function measure(group, name, argv, { cwd, shell, runs, warmup } = {}) {
  log(`${group}: ${name}`);
  const cmd = argv.map((x) => (/^[\w./=@:+-]+$/.test(x) ? x : `'${x.replace(/'/g, `'\\''`)}'`)).join(' ');
  const t = hyperfine(`${group}-${name}`.replace(/[^\w.-]+/g, '_'), cwd ? `cd '${cwd}' && ${cmd}` : cmd, { shell: shell || Boolean(cwd), runs, warmup });
  const row = { group, name, command: cmd, argv, cwd, ...t, ...peakRss(argv, cwd) };
  rows.push(row);
  return row;
}

/**
 * Two measured commands run in turns, `rounds` times (which goes first alternating): the median and range of
 * the ratio of their wall times within a round. The medians of the table are taken minutes apart, and a
 * shared machine's speed can drift a lot in that time; a ratio within a round drifts less.
 */
function interleave(a, b, rounds) {
  const wall = (r) => {
    const t0 = process.hrtime.bigint();
    spawnSync(r.argv[0], r.argv.slice(1), { cwd: r.cwd, stdio: 'ignore' });
    return Number(process.hrtime.bigint() - t0) / 1e9;
  };
  log(`interleaved: ${a.name} / ${b.name}, ${rounds} rounds`);
  const ratios = [];
  for (let i = 0; i < rounds; i++) {
    const [x, y] = i % 2 === 0 ? [wall(a), wall(b)] : [wall(b), wall(a)].reverse();
    ratios.push(x / y);
  }
  ratios.sort((p, q) => p - q);
  return { rounds, median: ratios[Math.floor(rounds / 2)], min: ratios[0], max: ratios[rounds - 1] };
}

const load = loadavg()[0];
const FAULT = faultCost();
log(`a minor page fault costs ${(FAULT * 1e6).toFixed(2)} us here`);
log(`load average ${load.toFixed(2)} on ${cpus().length} cores${load > 0.5 ? ' — other processes are running: the figures will be slower than on an idle machine' : ''}`);

// rounds of the interleaved ratios (odd: the median is one round's)
const ROUNDS = (n) => n + (n % 2 === 0 ? 1 : 0);
const inter = {};
let full, fullThreads, readelf, readFloor, modpost, oneKs, oneMp, oneNoCache, oneNoIndex, oneNode, oneVersion, vm, bomb;
if (wanted('full tree')) {
  full = measure('full tree', 'ksymcheck check', ['node', CLI, 'check', '-q', '--format', 'json', '-k', HEADERS, MODULES]);
  // the same with reader threads (--read-threads, default 0): whether they pay depends on the machine
  fullThreads = measure('full tree', `ksymcheck check --read-threads ${Math.max(1, cpus().length - 1)}`, ['node', CLI, 'check', '-q', '--read-threads', String(Math.max(1, cpus().length - 1)), '--format', 'json', '-k', HEADERS, MODULES]);
  readelf = measure('full tree', 'readelf -sW', ['xargs', '-a', LIST, 'readelf', '-sW']);
  // Node reading what the tree reader reads, decoding nothing: what is above it is ksymcheck's own work
  readFloor = measure('full tree', 'Node reading what ksymcheck reads (scripts/read-floor.mjs)', ['node', join(ROOT, 'scripts', 'read-floor.mjs'), LIST]);
  measure('full tree', 'nm -u', ['xargs', '-a', LIST, 'nm', '-u']);
  modpost = measure('full tree', 'modpost', [MODPOST, '-m', '-e', '-i', join(HEADERS, 'Module.symvers'), '-o', join(SHADOW, 'Module.symvers'), '-T', 'modules.list'], { cwd: SHADOW });
  inter.tree = interleave(full, readelf, ROUNDS(Math.max(RUNS, 5)));
}
let cleanLoad, depmodClean, failLoad, depmodFail, failFull, matrix4, xzTree, xzFloor;
// The load stage alone, on the passing tree and on the failing one (the same image on the oldest
// headers: every module refused at module_layout), beside kmod's `depmod -e -E`, the load-time symbol
// and CRC check a user would otherwise run (-n: to stdout, the cache's tree is not written to).
const OLD = env.OLD_HEADERS;
const BASE = dirname(dirname(dirname(MODULES))); // <image>/lib/modules/<release> -> <image>
if (wanted('load stage')) {
  cleanLoad = measure('load stage', 'ksymcheck --stage load (passing tree)', ['node', CLI, 'check', '-q', '--stage', 'load', '--format', 'json', '-k', HEADERS, MODULES]);
  depmodClean = measure('load stage', 'depmod -e -E (passing tree)', ['sh', '-c', `depmod -n -b '${BASE}' -e -E '${join(HEADERS, 'Module.symvers')}' ${RELEASE} >/dev/null 2>&1`]);
  failLoad = measure('load stage', `ksymcheck --stage load (failing tree: ${ABI} on ${env.OLD_ABI})`, ['node', CLI, 'check', '-q', '--stage', 'load', '--format', 'json', '-k', OLD, MODULES]);
  depmodFail = measure('load stage', `depmod -e -E (failing tree: ${ABI} on ${env.OLD_ABI})`, ['sh', '-c', `depmod -n -b '${BASE}' -e -E '${join(OLD, 'Module.symvers')}' ${RELEASE} >/dev/null 2>&1`]);
  inter.loadPassing = interleave(cleanLoad, depmodClean, ROUNDS(Math.max(RUNS, 5)));
  inter.loadFailing = interleave(failLoad, depmodFail, ROUNDS(Math.max(RUNS, 5)));
  failFull = measure('load stage', `ksymcheck check, both stages (failing tree: ${ABI} on ${env.OLD_ABI})`, ['node', CLI, 'check', '-q', '--format', 'json', '-k', OLD, MODULES]);
}
// The matrix: the same tree against four kernel builds (the suite's oldest and newest headers, the CRC
// pair's headers, and the CRC pair image's own Module.symvers), modules read once.
const fourKernels = [OLD, env.CRC_HEADERS, HEADERS, env.CRC_IMAGE_SYMVERS].filter((k) => k && existsSync(k));
// A headers package read in memory against its unpacked directory (the same exports): `exports` of each.
let debRead, dirRead;
const HEADERS_DEB = readdirSync(join(CACHE, 'debs')).find((f) => f.startsWith(`linux-headers-${RELEASE}_`) && f.endsWith('.deb'));
if (wanted('matrix') && HEADERS_DEB) {
  dirRead = measure('matrix', 'ksymcheck exports (headers dir)', ['node', CLI, 'exports', '-k', HEADERS], { runs: Math.max(RUNS, 10), warmup: 2 });
  debRead = measure('matrix', 'ksymcheck exports (headers .deb)', ['node', CLI, 'exports', '-k', join(CACHE, 'debs', HEADERS_DEB)], { runs: Math.max(RUNS, 10), warmup: 2 });
}
if (wanted('matrix')) matrix4 = measure('matrix', `ksymcheck matrix (${fourKernels.length} kernels)`, ['node', CLI, 'matrix', '-q', '--format', 'json', ...fourKernels.flatMap((k) => ['-k', k]), MODULES]);
// Debian 13's 6.12 tree (scripts/fetch-trixie): 4,230 .ko.xz against their own headers, beside `xz -dc`
// of the same files run with one process per core (the decompressor's all-core floor).
const TRIXIE_ENV = join(CACHE, 'trixie', 'trixie.env');
if (wanted('xz tree')) {
  spawnSync('bash', [join(ROOT, 'scripts', 'fetch-trixie')], { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, KSYMCHECK_CACHE: CACHE } });
}
if (wanted('xz tree') && existsSync(TRIXIE_ENV)) {
  const t = Object.fromEntries(readFileSync(TRIXIE_ENV, 'utf8').trim().split('\n').map((l) => l.split('=')));
  const xzList = join(OUT, 'ko-xz.list');
  const xzs = [];
  (function walk(d) {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ko.xz')) xzs.push(p);
    }
  })(t.TRIXIE_MODULES);
  writeFileSync(xzList, xzs.join('\n') + '\n');
  xzTree = measure('6.12 .ko.xz tree', `ksymcheck check (${xzs.length} .ko.xz)`, ['node', CLI, 'check', '-q', '--format', 'json', '-k', t.TRIXIE_HEADERS, t.TRIXIE_MODULES]);
  xzFloor = measure('6.12 .ko.xz tree', `xz -dc, ${cpus().length} processes`, ['sh', '-c', `xargs -a '${xzList}' -P ${cpus().length} -n 64 xz -dc >/dev/null`]);
  inter.xz = interleave(xzTree, xzFloor, ROUNDS(Math.min(RUNS, 3)));
}
// Image packages given as modules (streamed, never unpacked): the newest ABI's linux-image .deb beside the
// same check of its unpacked tree plus the unpacking itself (`dpkg-deb --fsys-tarfile | tar -x`); and
// Debian 13's image .deb (.ko.xz members) beside its unpacked tree.
let imageDeb, imageDir, imageUntar, trixieDeb, trixieDir;
const IMAGE_DEB = readdirSync(join(CACHE, 'debs')).find((f) => f.startsWith(`linux-image-${RELEASE}-unsigned_`) && f.endsWith('.deb'));
if (wanted('image deb') && IMAGE_DEB) {
  const deb = join(CACHE, 'debs', IMAGE_DEB);
  const untar = join(OUT, 'image-untar');
  imageDeb = measure('image deb', `ksymcheck check (${IMAGE_DEB})`, ['node', CLI, 'check', '-q', '--format', 'json', '-k', HEADERS, deb], { runs: Math.min(RUNS, 3), warmup: 0 });
  imageDir = full ?? measure('image deb', 'ksymcheck check (its unpacked tree)', ['node', CLI, 'check', '-q', '--format', 'json', '-k', HEADERS, MODULES], { runs: Math.min(RUNS, 3) });
  imageUntar = measure('image deb', 'dpkg-deb --fsys-tarfile | tar -x', ['sh', '-c', `rm -rf '${untar}' && mkdir -p '${untar}' && dpkg-deb --fsys-tarfile '${deb}' | tar -x -C '${untar}'`], { runs: Math.min(RUNS, 3), warmup: 0 });
  rmSync(untar, { recursive: true, force: true });
  if (existsSync(TRIXIE_ENV)) {
    const t = Object.fromEntries(readFileSync(TRIXIE_ENV, 'utf8').trim().split('\n').map((l) => l.split('=')));
    trixieDeb = measure('image deb', 'ksymcheck check (Debian 13 image .deb, .ko.xz)', ['node', CLI, 'check', '-q', '--format', 'json', '-k', t.TRIXIE_HEADERS, t.TRIXIE_IMAGE_DEB], { runs: Math.min(RUNS, 3), warmup: 0 });
    trixieDir = xzTree ?? measure('image deb', 'ksymcheck check (Debian 13 unpacked tree)', ['node', CLI, 'check', '-q', '--format', 'json', '-k', t.TRIXIE_HEADERS, t.TRIXIE_MODULES], { runs: Math.min(RUNS, 3), warmup: 0 });
  }
}
if (wanted('one module')) {
  // the warm-up runs write the code cache (src/cli/code-cache.ts) that the measured runs use, as a user's second run does
  oneKs = measure('one module', 'ksymcheck check (headers dir)', ['node', CLI, 'check', '-k', HEADERS, join(ONE, 'abi_new_symbol.ko')], { runs: Math.max(RUNS, 20), warmup: 3 });
  oneNoCache = measure('one module', 'ksymcheck check (headers dir), KSYMCHECK_CODE_CACHE=0', ['env', 'KSYMCHECK_CODE_CACHE=0', 'node', CLI, 'check', '-k', HEADERS, join(ONE, 'abi_new_symbol.ko')], { runs: Math.max(RUNS, 20), warmup: 3 });
  oneNoIndex = measure('one module', 'ksymcheck check (headers dir), KSYMCHECK_SYMVERS_CACHE=0', ['env', 'KSYMCHECK_SYMVERS_CACHE=0', 'node', CLI, 'check', '-k', HEADERS, join(ONE, 'abi_new_symbol.ko')], { runs: Math.max(RUNS, 20), warmup: 3 });
  measure('one module', 'ksymcheck check (Module.symvers)', ['node', CLI, 'check', '-k', join(HEADERS, 'Module.symvers'), join(ONE, 'abi_new_symbol.ko')], { runs: Math.max(RUNS, 20), warmup: 3 });
  writeFileSync(join(ONE, 'modpost.list'), 'abi_new_symbol.o\n');
  oneMp = measure('one module', 'modpost', [MODPOST, '-m', '-e', '-i', join(HEADERS, 'Module.symvers'), '-o', join(ONE, 'Module.symvers.bench'), '-T', 'modpost.list'], { cwd: ONE, runs: Math.max(RUNS, 20), warmup: 3 });
  oneNode = measure('one module', 'node -e 0 (Node.js start-up alone)', ['node', '-e', '0'], { runs: Math.max(RUNS, 20), warmup: 3 });
  // the program's own start without a kernel or a module (its code cache written by the warm-up runs)
  oneVersion = measure('one module', 'ksymcheck --version (the program started, nothing read)', ['node', CLI, '--version'], { runs: Math.max(RUNS, 20), warmup: 3 });
  inter.oneModule = interleave(oneKs, oneMp, ROUNDS(Math.max(RUNS, 20)));
}
if (wanted('bomb tree')) {
  const { good, bombs } = await bombTree();
  const json = (...p) => {
    const r = spawnSync('node', [CLI, 'check', '-q', '--format', 'json', '-k', HEADERS, ...p], { encoding: 'utf8', maxBuffer: 1 << 28 });
    return { status: r.status, report: JSON.parse(r.stdout) };
  };
  const alone = json(good);
  const mixed = json(good, bombs);
  const sizeErrors = mixed.report.errors.filter((e) => / decompresses to more than 536870912 bytes \(limit 512 MiB/.test(e.message)).length;
  const same = JSON.stringify(alone.report.modules) === JSON.stringify(mixed.report.modules);
  measure('bomb tree', 'ksymcheck check, the 200 modules alone', ['node', CLI, 'check', '-q', '--format', 'json', '-k', HEADERS, good], { runs: Math.min(RUNS, 5) });
  const t = measure('bomb tree', 'ksymcheck check, 200 modules + 42 bombs', ['node', CLI, 'check', '-q', '--format', 'json', '-k', HEADERS, good, bombs], { runs: Math.min(RUNS, 5) });
  bomb = { ...t, sizeErrors, errors: mixed.report.errors.length, same, status: mixed.status, modules: alone.report.modules.length };
}
let frames;
if (wanted('frames')) {
  const FRAMES = framesModules();
  log(`frames: ${FRAMES.length} Kbuild-built modules, frames off/on in-process`);
  frames = JSON.parse(sh('node', [join(ROOT, 'scripts', 'bench-frames.mjs'), '--kernel', HEADERS, '--runs', String(RUNS), ...FRAMES]));
}
// the same vmlinux read from the -dbg package itself, streamed (written to a temporary file as it goes by)
const DBG_DEB = VMLINUX ? readdirSync(join(CACHE, 'debs')).find((f) => f.startsWith(`linux-image-${RELEASE}-dbg_`) && f.endsWith('.deb')) : undefined;
let vmDeb;
if (DBG_DEB) vmDeb = measure('debug vmlinux', `ksymcheck exports (${DBG_DEB}, streamed)`, ['node', CLI, 'exports', '-k', join(CACHE, 'debs', DBG_DEB)], { runs: Math.min(RUNS, 3), warmup: 0 });
if (VMLINUX) vm = measure('debug vmlinux', `ksymcheck exports (${(statSync(VMLINUX).size / 1e6).toFixed(0)} MB vmlinux)`, ['node', CLI, 'exports', '-k', VMLINUX], { runs: Math.max(RUNS, 10), warmup: 2 });

// ------------------------------------------------------------------------------------------- report
const ms = (s) => `${(s * 1000).toFixed(0)} ms`;
const mb = (b) => `${(b / 1048576).toFixed(0)} MB`;
const lines = [];
lines.push(`ksymcheck benchmark — ${new Date().toISOString().slice(0, 16)}Z, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, Node ${process.version}, load average at start ${load.toFixed(2)}`);
lines.push(`tree: ${kos.length} modules, ${(treeBytes / 1e6).toFixed(0)} MB (${MODULES}); kernel: ${HEADERS}; median of ${RUNS}+ runs (warm cache), peak RSS the largest of 3`);
lines.push(`a minor page fault (a first touch of a fresh 4 KB page) costs ${(FAULT * 1e6).toFixed(2)} us here: "in faults" is that run's minor faults times this cost`);
lines.push('');
lines.push('| measurement | command | median wall | peak RSS | minor faults (in faults) |');
lines.push('|---|---|---:|---:|---:|');
for (const r of rows) lines.push(`| ${r.group}: ${r.name} | \`${r.command.replace(ROOT + '/', '').replace(CACHE + '/', '$CACHE/')}\` | ${ms(r.median)} | ${mb(r.peakRss)} | ${r.minorFaults} (${ms(r.minorFaults * FAULT)}) |`);
lines.push('');
const ratio = (a, b) => (a / b).toFixed(2);
const turns = (i) => `in ${i.rounds} interleaved rounds ${i.median.toFixed(2)}× (${i.min.toFixed(2)}–${i.max.toFixed(2)})`;
if (full) lines.push(`full tree: ksymcheck / readelf -sW = ${ratio(full.median, readelf.median)}× (target ≤ 1.0), ksymcheck / modpost = ${ratio(full.median, modpost.median)}× (target ≤ 0.33), peak RSS ${mb(full.peakRss)} (target ≤ 250 MB)`);
// the ratio with each side's faults times their cost taken out of its wall time: an estimate (a fault in a
// GC helper thread overlaps the main thread) of how much of a ratio is this machine's price of fresh memory
const noFaults = (a, b) => ratio(a.median - a.minorFaults * FAULT, b.median - b.minorFaults * FAULT);
if (full) lines.push(`full tree, page faults taken out of both: ksymcheck / readelf -sW = ${noFaults(full, readelf)}× (${full.minorFaults} against ${readelf.minorFaults} faults)`);
if (inter.tree) lines.push(`full tree: ksymcheck / readelf -sW ${turns(inter.tree)}`);
if (readFloor) lines.push(`full tree: Node reading what ksymcheck reads, decoding nothing (scripts/read-floor.mjs) = ${ratio(readFloor.median, readelf.median)}× readelf -sW; ksymcheck = ${ratio(full.median, readFloor.median)}× that floor`);
if (fullThreads) lines.push(`full tree with reader threads: ${ratio(fullThreads.median, readelf.median)}× readelf -sW, ${ratio(fullThreads.median, full.median)}× the run without (${ms(fullThreads.median)} against ${ms(full.median)}), peak RSS ${mb(fullThreads.peakRss)}`);
if (failLoad) {
  lines.push(`failing tree / passing tree (load stage): ${ratio(failLoad.median, cleanLoad.median)}× (target ≤ 1.2); peak RSS ${mb(failLoad.peakRss)} vs ${mb(cleanLoad.peakRss)} (target ≤ the passing tree's and ≤ 250 MB)`);
  if (full) lines.push(`failing tree / passing tree (both stages): ${ratio(failFull.median, full.median)}×, peak RSS ${mb(failFull.peakRss)} vs ${mb(full.peakRss)}`);
  lines.push(`load stage / depmod -e -E: passing tree ${ratio(cleanLoad.median, depmodClean.median)}×, failing tree ${ratio(failLoad.median, depmodFail.median)}× (target ≤ 1.0)`);
  lines.push(`load stage / depmod -e -E, page faults taken out of both: passing tree ${noFaults(cleanLoad, depmodClean)}×, failing tree ${noFaults(failLoad, depmodFail)}× (${cleanLoad.minorFaults} and ${failLoad.minorFaults} against ${depmodClean.minorFaults} and ${depmodFail.minorFaults} faults)`);
  lines.push(`load stage / depmod -e -E: passing tree ${turns(inter.loadPassing)}, failing tree ${turns(inter.loadFailing)}`);
}
if (debRead) lines.push(`headers .deb / unpacked directory (exports): ${ratio(debRead.median, dirRead.median)}× (target ≤ 1.5)`);
if (imageDeb) {
  lines.push(
    `image .deb as modules / (unpacked tree check + dpkg-deb | tar -x): ${ratio(imageDeb.median, imageDir.median + imageUntar.median)}× (target ≤ 1.5); ` +
      `/ the tree check alone ${ratio(imageDeb.median, imageDir.median)}×; peak RSS ${mb(imageDeb.peakRss)} (target ≤ 250 MB)`,
  );
}
if (trixieDeb) lines.push(`Debian 13 image .deb as modules / its unpacked tree: ${ratio(trixieDeb.median, trixieDir.median)}×, peak RSS ${mb(trixieDeb.peakRss)} vs ${mb(trixieDir.peakRss)} (target ≤ 250 MB)`);
if (matrix4 && full) lines.push(`matrix of ${fourKernels.length} kernels / one check: ${ratio(matrix4.median, full.median)}× (target ≤ 1.5)`);
if (xzTree) lines.push(`6.12 .ko.xz tree: ksymcheck / xz -dc on every core = ${ratio(xzTree.median, xzFloor.median)}× (target ≤ 1.2), peak RSS ${mb(xzTree.peakRss)} (target ≤ 250 MB)`);
if (inter.xz) lines.push(`6.12 .ko.xz tree: ksymcheck / xz -dc on every core ${turns(inter.xz)}`);
if (oneKs) {
  lines.push(
    `one module: ksymcheck / modpost = ${ratio(oneKs.median, oneMp.median)}× (target ≤ 2.5, goal 2.0; ${ms(oneKs.median)} against ${ms(oneMp.median)}), ` +
      `node -e 0 ${ms(oneNode.median)} = ${ratio(oneNode.median, oneMp.median)}× modpost, ksymcheck --version ${ms(oneVersion.median)} = ${ratio(oneVersion.median, oneMp.median)}×; without the code cache ${ms(oneNoCache.median)} = ${ratio(oneNoCache.median, oneMp.median)}×, without the Module.symvers index ${ms(oneNoIndex.median)} = ${ratio(oneNoIndex.median, oneMp.median)}×`,
  );
  lines.push(`one module, page faults taken out of both: ksymcheck / modpost = ${noFaults(oneKs, oneMp)}× (${oneKs.minorFaults} against ${oneMp.minorFaults} faults; node -e 0 ${oneNode.minorFaults})`);
  lines.push(`one module: ksymcheck / modpost ${turns(inter.oneModule)}`);
}
if (bomb) {
  lines.push(
    `bomb tree: ${bomb.sizeErrors} of ${bomb.errors} errors with the size message (42 bombs), the ${bomb.modules} good modules' reports ${bomb.same ? 'identical' : 'DIFFERENT'} to a run without the bombs, exit ${bomb.status} (want 2); ` +
      `wall ${ms(bomb.median)} (target ≤ 10 s), peak RSS ${mb(bomb.peakRss)} (target ≤ 400 MB)`,
  );
}
if (frames) {
  lines.push(
    `frames: ${frames.references} references of the findings of ${frames.modules} Kbuild-built modules (${frames.withFrames} with frames): check ${ms(frames.checkMs / 1000)}, with frames ${ms(frames.withFramesMs / 1000)}, frames on top ${ms(frames.framesMs / 1000)} (target ≤ 1 s; in-process medians of ${frames.runs})`,
  );
}
if (!wanted('debug vmlinux')) {
  // (--only: the group was not asked for)
} else if (vm) {
  lines.push(`debug vmlinux: ${ms(vm.median)}, ${mb(vm.peakRss)} (targets ≤ 1 s, ≤ 100 MB)`);
  if (vmDeb) lines.push(`debug vmlinux from its -dbg .deb, streamed: ${ms(vmDeb.median)}, ${mb(vmDeb.peakRss)} (target ≤ 250 MB)`);
}
else lines.push('debug vmlinux: skipped (KSYMCHECK_BENCH_NO_DBG=1 or the -dbg package could not be fetched)');
const exitCodes = rows.filter((r) => r.exitCodes.some((c) => c !== 0)).map((r) => `${r.group}: ${r.name} exited ${r.exitCodes.join('/')}`);
if (exitCodes.length) lines.push(`note: ${exitCodes.join('; ')}`);
const text = lines.join('\n') + '\n';
process.stdout.write(text);
writeFileSync(join(OUT, 'results.json'), JSON.stringify({ date: new Date().toISOString(), node: process.version, cores: cpus().length, loadAverage: load, faultCost: FAULT, modules: kos.length, treeBytes, rows, interleaved: inter, frames }, null, 2) + '\n');
writeFileSync(join(OUT, 'results.md'), text);
