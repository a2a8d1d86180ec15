/**
 * The note that references have no frames for want of DWARF is said where it applies: once, under the
 * first references shown without frames — not at the head of a report that shows no references (a tree's
 * one line per module) nor when every reference shown has frames. The formats that give every reference
 * (JSON, SARIF, JUnit) keep it with their notes. Real modules: the seed's libafs.ko (built with -g) and the
 * v6 samples (built without).
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { check, noDwarfNote } from '../../src/check.js';
import { formatJunit } from '../../src/report/junit.js';
import { formatMarkdown } from '../../src/report/markdown.js';
import { formatSarif } from '../../src/report/sarif.js';
import type { Report } from '../../src/report/schema.js';
import { formatText } from '../../src/report/text.js';
import { CLI, sample, SEED } from '../helpers/fixtures.js';
import { variedReport } from './reports.js';

const RC5 = join(SEED, 'kernels', '4.18-rc5');
const AFS = sample('seed', 'openafs', 'libafs.ko');
const FPU = sample('v6', 'modules', 'fpu-user', 'fpu-user.ko');
const NOTE = noDwarfNote();

let mixed: Report;
let dwarfOnly: Report;
let tree: Report;

beforeAll(async () => {
  // libafs has DWARF (frames on its references); fpu-user has none
  mixed = await check({ kernel: RC5, modules: [AFS, FPU] });
  dwarfOnly = await check({ kernel: RC5, modules: [AFS] });
  tree = await variedReport();
}, 60_000);

/** The indexes of the lines holding the note. */
const noteLines = (lines: string[]) => lines.flatMap((l, i) => (l.includes('modules with references but no DWARF') ? [i] : []));

describe('the reports carry the note as data', () => {
  test('once, when a module with references has no DWARF; not when all have it', () => {
    expect(mixed.notes).toEqual([NOTE]);
    expect(tree.notes).toContain(NOTE);
    expect(dwarfOnly.notes).toEqual([]);
    // the premise: libafs's references have frames, fpu-user's none
    const refs = (r: Report, name: string) => r.modules.find((m) => m.name === name)!.findings.flatMap((f) => f.references);
    expect(refs(mixed, 'libafs').every((r) => (r.frames?.length ?? 0) > 0)).toBe(true);
    expect(refs(mixed, 'fpu_user').length).toBeGreaterThan(0);
    expect(refs(mixed, 'fpu_user').some((r) => r.frames !== undefined)).toBe(false);
  });
});

describe('text', () => {
  test('every finding shown: once, right under the first references without frames (fpu_user’s), not at the head', () => {
    const lines = formatText(mixed, { color: false }).split('\n');
    expect(noteLines(lines)).toHaveLength(1);
    const at = noteLines(lines)[0];
    expect(lines[at]).toBe(`    note: ${NOTE}`);
    expect(lines[at - 1]).toBe('    referenced at: fletcher_4_simd+0x6c in .text');
    expect(lines.findIndex((l) => l.startsWith('FAIL fpu_user'))).toBeLessThan(at);
    expect(lines.findIndex((l) => l.startsWith('FAIL fpu_user'))).toBeGreaterThan(lines.findIndex((l) => l.startsWith('FAIL libafs')));
    // libafs's references come first and have frames: no note under them
    expect(lines.slice(0, lines.findIndex((l) => l.startsWith('FAIL fpu_user'))).filter((l) => l.startsWith('note:'))).toEqual([]);
  });

  test('every reference shown has frames: no note', () => {
    const text = formatText(dwarfOnly, { color: false });
    expect(text).toContain('(osi_vm.c:24) via put_page()');
    expect(noteLines(text.split('\n'))).toEqual([]);
  });

  test('a tree’s one line per failing module shows no references: no note; --verbose shows them: the note once', () => {
    expect(tree.modules.length).toBeGreaterThan(10);
    const compact = formatText(tree, { color: false }).split('\n');
    expect(compact.some((l) => l.includes('referenced at'))).toBe(false);
    expect(noteLines(compact)).toEqual([]);
    const verbose = formatText(tree, { color: false, verbose: true }).split('\n');
    expect(noteLines(verbose)).toHaveLength(1);
    expect(verbose[noteLines(verbose)[0]]).toBe(`    note: ${NOTE}`);
    expect(verbose[noteLines(verbose)[0] - 1]).toMatch(/^ {4}referenced at: /);
    // other notes stay at the head
    const other: Report = { ...tree, notes: ['kernel version unknown for x', NOTE] };
    expect(formatText(other, { color: false }).split('\n')[1]).toBe('note: kernel version unknown for x');
  });
});

describe('markdown', () => {
  const escaped = (s: string) => s.replace(/[\\`*_{}[\]<>#|!~&]/g, (c) => (c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '&' ? '&amp;' : `\\${c}`));
  test('once, in fpu_user’s details under its first references; not in the quoted head', () => {
    const lines = formatMarkdown(mixed).split('\n');
    expect(noteLines(lines)).toHaveLength(1);
    const at = noteLines(lines)[0];
    expect(lines[at]).toBe(`  - **note:** ${escaped(NOTE)}`);
    expect(lines[at - 1]).toBe('  - referenced at: `fletcher_4_simd+0x6c in .text`');
    expect(lines.findIndex((l) => l.startsWith('<details><summary><code>fpu_user</code>'))).toBeLessThan(at);
    expect(lines.some((l) => l.startsWith('> **note:**'))).toBe(false);
  });
  test('frames everywhere: none', () => {
    expect(noteLines(formatMarkdown(dwarfOnly).split('\n'))).toEqual([]);
  });
});

describe('the formats that give every reference keep it with their notes', () => {
  test('SARIF: a tool notification; JUnit: a note property of each suite', () => {
    const sarif = JSON.parse(formatSarif(mixed, { toolVersion: '0.1.0', informationUri: 'https://example.invalid/ksymcheck' }));
    expect(sarif.runs[0].invocations[0].toolExecutionNotifications.map((n: { message: { text: string } }) => n.message.text)).toEqual([expect.stringContaining('modules with references but no DWARF')]);
    const junit = formatJunit(mixed);
    expect(junit.split('\n').filter((l) => l.includes('<property name="note"'))).toHaveLength(mixed.stages.length);
  });
});

describe('the CLI’s stderr', () => {
  const run = (format: string) => spawnSync(process.execPath, [CLI, 'check', '-q', '-k', RC5, '--format', format, AFS, FPU], { encoding: 'utf8', maxBuffer: 1 << 26 });
  test('json, sarif, junit: the note on stderr (their output gives every reference); html, markdown: only in the output, where it applies', () => {
    for (const format of ['json', 'sarif', 'junit']) expect([format, run(format).stderr]).toEqual([format, `ksymcheck: note: ${NOTE}\n`]);
    for (const format of ['html', 'markdown']) {
      const r = run(format);
      expect([format, r.stderr, r.status]).toEqual([format, '', 1]);
      expect(r.stdout.split('modules with references but no DWARF').length - 1).toBe(1);
    }
  }, 120_000);
});
