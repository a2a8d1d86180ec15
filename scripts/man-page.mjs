#!/usr/bin/env node
/**
 * Writes dist/man/ksymcheck.1 (npm installs it as the package's man page) from the built CLI's own
 * help texts: `ksymcheck --help`, each command's `--help`, and `ksymcheck explain` (the rule list), so the
 * man page says what the program says. Run by `npm run build`, after the bundle.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'dist', 'cli', 'main.cjs');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
// into a pipe, yargs wraps its help at 80 columns: the page is the same wherever it is built
const help = (...args) => execFileSync(process.execPath, [cli, ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });

/** roff-safe text: backslashes doubled, a leading `.` or `'` (a request) escaped. */
const esc = (s) => s.replace(/\\/g, '\\e').replace(/^([.'])/gm, '\\&$1');
/** A block printed as is (no filling, no adjusting). */
const verbatim = (s) => `.nf\n${esc(s.trimEnd())}\n.fi\n`;

const page = [
  `.TH KSYMCHECK 1 "" "ksymcheck ${pkg.version}" "User Commands"`,
  '.SH NAME',
  `ksymcheck \\- ${esc(pkg.description)}`,
  '.SH SYNOPSIS',
  // the usage paragraph of --help (the README's usage lines), and the commands with a usage of their own
  verbatim(
    [help('--help').split('\n\n')[0], 'ksymcheck explain [<rule>]', 'ksymcheck dkms [<module>[/<version>]] [-k <kernel release>] [--dkms-tree DIR]', 'ksymcheck completion'].join('\n'),
  ),
  '.SH DESCRIPTION',
  'ksymcheck reads what a Linux kernel build produced (Module.symvers, the vmlinux symbol tables, .ko modules ' +
    'with their relocations, .modinfo and __versions) and says, before anyone builds or loads anything, which ' +
    "modules will fail the kernel's licence and symbol checks, and why: the message scripts/mod/modpost.c or the " +
    'module loader would print for that kernel version.',
  '.SH OPTIONS',
  verbatim(help('--help')),
  '.SS ksymcheck check',
  verbatim(help('check', '--help')),
  '.SS ksymcheck exports',
  verbatim(help('exports', '--help')),
  '.SS ksymcheck explain',
  verbatim(help('explain', '--help')),
  '.SH RULES',
  '`ksymcheck explain <rule>` prints what a rule checks, the kernel versions it applies to and how to fix it.',
  verbatim(help('explain')),
  '.SH EXIT STATUS',
  '0: no error finding at the chosen stage(s); 1: at least one error finding; 2: usage error or unreadable input.',
  '.SH SEE ALSO',
  'modprobe(8), depmod(8), dkms(8)',
  '',
].join('\n');

mkdirSync(join(root, 'dist', 'man'), { recursive: true });
writeFileSync(join(root, 'dist', 'man', 'ksymcheck.1'), page);
