#!/usr/bin/env node
/**
 * The real module loader as an oracle: boot a Debian kernel under QEMU (TCG: no KVM needed), load one
 * module with finit_module(2), and report the errno and what the kernel logged.
 *
 *   node scripts/qemu-load.mjs setup
 *       apt-get installs qemu-system-x86 and busybox-static when missing; builds the guest's /init
 *       (scripts/qemu/finit.c, gcc -static) into $KSYMCHECK_CACHE/qemu/.
 *   node scripts/qemu-load.mjs build <case> <headers dir> [--extra-symbols F] [--edit drop:SYM | --edit type:SYM=TYPE | --edit ns:SYM=NS]...
 *       builds samples/modules/<case> with the real kbuild of <headers dir> into
 *       $KSYMCHECK_CACHE/qemu/build/<abi>/<case>/ and prints the .ko paths (JSON); --extra-symbols is
 *       KBUILD_EXTRA_SYMBOLS (another case's Module.symvers, for a module importing from it). A sample modpost refuses
 *       gets its .ko the same way: kbuild runs the real modpost on the real <mod>.o, against a copy of
 *       the headers' Module.symvers with the one fact modpost refuses edited (--edit: the kernel symbol's
 *       line dropped, its export type or namespace changed). Nothing else changes: the .mod.c modpost
 *       writes carries only names and CRCs of what the module uses (__versions), vermagic and the
 *       module's own exports — so the .ko is byte for byte what an accepting modpost makes, and the
 *       loader still sees the module's real licence, imports, namespaces and exports.
 *   node scripts/qemu-load.mjs load <vmlinuz> <module.ko>...
 *       one fresh boot (the kernel prints a taint message only the first time) loading the modules in the
 *       order given, prints JSON: [{ module, errno, errnoName, kmsg: [{ level, text }] }] per module —
 *       kmsg: the log records printed during its finit_module call.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const CACHE = process.env.KSYMCHECK_CACHE ?? join(ROOT, '.cache', 'kernels');
const OUT = join(CACHE, 'qemu');
const log = (s) => process.stderr.write(`[qemu-load] ${s}\n`);
const has = (cmd) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;

function aptInstall(pkgs) {
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = () => spawnSync('apt-get', ['install', '-y', '-q', '--no-install-recommends', ...pkgs], { env, stdio: ['ignore', 'ignore', 'inherit'] }).status;
  log(`apt-get install ${pkgs.join(' ')}`);
  if (install() !== 0) {
    spawnSync('apt-get', ['update', '-q'], { env, stdio: ['ignore', 'ignore', 'inherit'] });
    if (install() !== 0) throw new Error(`apt-get install ${pkgs.join(' ')} failed`);
  }
}

export function setup() {
  const missing = [];
  if (!has('qemu-system-x86_64')) missing.push('qemu-system-x86');
  if (!has('busybox') || !existsSync('/bin/busybox')) missing.push('busybox-static');
  if (!has('gcc')) missing.push('gcc', 'libc6-dev');
  if (missing.length) aptInstall(missing);
  mkdirSync(OUT, { recursive: true });
  const init = join(OUT, 'init');
  const src = join(ROOT, 'scripts', 'qemu', 'finit.c');
  if (!existsSync(init) || readFileSync(src, 'utf8') !== (existsSync(`${init}.c`) ? readFileSync(`${init}.c`, 'utf8') : '')) {
    execFileSync('gcc', ['-static', '-O2', '-Wall', '-o', init, src], { stdio: ['ignore', 'ignore', 'inherit'] });
    copyFileSync(src, `${init}.c`);
  }
  return init;
}

/** Module.symvers with the facts modpost would refuse edited away (see the header). */
function editedSymvers(headers, edits) {
  const lines = readFileSync(join(headers, 'Module.symvers'), 'utf8').split('\n');
  const out = [];
  for (const line of lines) {
    const f = line.split('\t');
    let keep = true;
    for (const e of edits) {
      const [op, rest] = [e.slice(0, e.indexOf(':')), e.slice(e.indexOf(':') + 1)];
      const [sym, value = ''] = rest.split('=');
      if (f[1] !== sym) continue;
      if (op === 'drop') keep = false;
      else if (op === 'type') f[3] = value;
      else if (op === 'ns') f[4] = value;
      else throw new Error(`unknown edit ${e}`);
    }
    if (keep) out.push(f.join('\t'));
  }
  return out.join('\n');
}

export function build(kase, headers, edits = [], extraSymbols) {
  const release = basename(headers).replace(/^linux-headers-/, '');
  const dir = join(OUT, 'build', release, `${kase}${edits.length ? '.edited' : ''}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dirname(dir), { recursive: true });
  cpSync(join(ROOT, 'samples', 'modules', kase), dir, { recursive: true });
  const args = ['-C', headers, `M=${dir}`, 'modules'];
  if (extraSymbols) args.push(`KBUILD_EXTRA_SYMBOLS=${extraSymbols}`);
  if (edits.length) {
    // kbuild's Makefile.modpost runs $(MODPOST): the real modpost, given the edited Module.symvers
    const symvers = join(dir, 'ksymcheck-edited.symvers');
    writeFileSync(symvers, editedSymvers(headers, edits));
    const wrapper = join(dir, 'ksymcheck-modpost');
    writeFileSync(
      wrapper,
      `#!/bin/sh\n# the real modpost; only "-i Module.symvers" (the kernel's) is replaced by the edited copy\nfor a; do shift; if [ "$a" = Module.symvers ]; then set -- "$@" '${symvers}'; else set -- "$@" "$a"; fi; done\nexec '${join(headers, 'scripts', 'mod', 'modpost')}' "$@"\n`,
    );
    chmodSync(wrapper, 0o755);
    args.push(`MODPOST=${wrapper}`);
  }
  const r = spawnSync('make', args, { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } });
  const kos = readdirSync(dir).filter((f) => f.endsWith('.ko')).map((f) => join(dir, f));
  return { dir, release, status: r.status, stderr: r.stderr, kos };
}

/** One boot: the modules alone in an initramfs (/m/NN-<name>.ko, loaded in that order) with the loader as /init. */
export function load(vmlinuz, ...kos) {
  const init = setup();
  const tmp = join(OUT, 'boot', `${process.pid}-${basename(kos[0])}`);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(join(tmp, 'root', 'dev'), { recursive: true });
  mkdirSync(join(tmp, 'root', 'proc'));
  mkdirSync(join(tmp, 'root', 'm'));
  copyFileSync(init, join(tmp, 'root', 'init'));
  chmodSync(join(tmp, 'root', 'init'), 0o755);
  kos.forEach((ko, i) => copyFileSync(ko, join(tmp, 'root', 'm', `${String(i).padStart(2, '0')}-${basename(ko)}`)));
  execFileSync('sh', ['-c', `cd '${join(tmp, 'root')}' && find . | busybox cpio -o -H newc 2>/dev/null | gzip -1 > ../initrd.gz`]);
  const r = spawnSync(
    'qemu-system-x86_64',
    ['-accel', 'tcg', '-m', '512', '-nographic', '-no-reboot', '-kernel', vmlinuz, '-initrd', join(tmp, 'initrd.gz'), '-append', 'console=ttyS0 quiet loglevel=3 panic=-1'],
    { encoding: 'latin1', timeout: 300_000, maxBuffer: 1 << 26 },
  );
  rmSync(tmp, { recursive: true, force: true });
  const lines = (r.stdout ?? '').split(/\r?\n/);
  const out = [];
  let ended = false;
  for (const l of lines) {
    const m = /KSYMCHECK-LOAD \d\d-(\S+) errno=(\d+) \((\w+)\)/.exec(l);
    const k = /KSYMCHECK-KMSG (\d),(.*)$/.exec(l);
    if (m) out.push({ module: m[1], errno: Number(m[2]), errnoName: m[3], kmsg: [] });
    else if (k && out.length) out[out.length - 1].kmsg.push({ level: Number(k[1]), text: k[2] });
    else if (l.includes('KSYMCHECK-END')) ended = true;
    if (ended) break;
  }
  if (!ended || out.length !== kos.length) throw new Error(`the guest did not report (qemu exit ${r.status}${r.error ? `, ${r.error.message}` : ''}):\n${lines.slice(-30).join('\n')}`);
  return out;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const [cmd, ...rest] = process.argv.slice(2);
  if (cmd === 'setup') process.stdout.write(`${setup()}\n`);
  else if (cmd === 'build') {
    const edits = [];
    const pos = [];
    let extra;
    for (let i = 0; i < rest.length; i++) {
      if (rest[i] === '--edit') edits.push(rest[++i]);
      else if (rest[i] === '--extra-symbols') extra = rest[++i];
      else pos.push(rest[i]);
    }
    const r = build(pos[0], pos[1], edits, extra);
    process.stdout.write(JSON.stringify(r, null, 2) + '\n');
  } else if (cmd === 'load') process.stdout.write(JSON.stringify(load(rest[0], ...rest.slice(1)), null, 2) + '\n');
  else {
    process.stderr.write('usage: qemu-load.mjs setup | build <case> <headers> [--extra-symbols F] [--edit …]… | load <vmlinuz> <module.ko>...\n');
    process.exit(2);
  }
}
