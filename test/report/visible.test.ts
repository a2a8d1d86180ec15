/**
 * Control characters of a module's bytes (its file name here) shown as \xHH by the text, Markdown and
 * HTML formats: an escape sequence and a carriage return in a file name printed a red, forged 'PASS' line
 * on a terminal. JSON keeps the name as it is (its own escaping).
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { check } from '../../src/check.js';
import { formatHtml } from '../../src/report/html.js';
import { formatMarkdown } from '../../src/report/markdown.js';
import { formatText } from '../../src/report/text.js';
import { visible, visibleStrings } from '../../src/report/visible.js';
import { CLI, sample } from '../helpers/fixtures.js';

describe('visible', () => {
  test('C0, DEL and C1 controls as \\xHH; tabs and newlines too; the rest, backslashes and non-ASCII included, as they are', () => {
    expect(visible('a\x1b[31mb\rc\nd\te\x7ff\x9bg\x00')).toBe('a\\x1b[31mb\\x0dc\\x0ad\\x09e\\x7ff\\x9bg\\x00');
    expect(visible('GPL v2 \\x1b é ✓')).toBe('GPL v2 \\x1b é ✓');
  });

  test('a value without control characters is returned as it is (not copied); one with them is copied on the way to them, keys included', () => {
    const clean = { a: ['x', { b: 'y', n: 1, z: null }], c: true };
    expect(visibleStrings(clean)).toBe(clean);
    const dirty = { a: ['x', { 'b\x1b': 'y\r', n: 1 }], c: 'ok', d: { e: 'f' } };
    const shown = visibleStrings(dirty);
    expect(shown).toEqual({ a: ['x', { 'b\\x1b': 'y\\x0d', n: 1 }], c: 'ok', d: { e: 'f' } });
    expect(shown.d).toBe(dirty.d);
    expect(dirty.a[1]).toEqual({ 'b\x1b': 'y\r', n: 1 }); // the input left alone
  });
});

describe('a module whose file name holds an escape sequence and a carriage return', () => {
  let dir: string;
  let file: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ksymcheck-visible-'));
    file = join(dir, 'a\x1b[31mx\rPASS.ko');
    copyFileSync(sample('v6', 'modules', 'ns-missing', 'ns-missing.ko'), file);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('text, Markdown and HTML show it as \\xHH, with no control character anywhere; the JSON report keeps the name', async () => {
    const r = await check({ kernel: sample('v6', 'kernels', '6.16'), modules: [file], stage: 'build' });
    expect(r.modules.map((m) => m.path)).toEqual([file]);
    const shownPath = join(dir, 'a\\x1b[31mx\\x0dPASS.ko');
    const text = formatText(r, { color: false });
    expect(text.split('\n').filter((l) => /^(PASS|FAIL) /.test(l))).toEqual([`FAIL ns_missing (${shownPath}) license: "GPL"`]);
    const markdown = formatMarkdown(r);
    const html = formatHtml(r, { toolVersion: '0.1.0' });
    for (const out of [text, markdown, html]) expect(out.match(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/g)).toBeNull();
    expect(html).toContain(shownPath);
  });
});

describe('the command line’s own messages on stderr', () => {
  test('an error naming a file with an escape sequence shows it as \\xHH', () => {
    const missing = '/nonexistent/\x1b[2Jsymvers';
    const r = spawnSync(process.execPath, [CLI, '--kernel', sample('v6', 'kernels', '6.16'), '--extra-symbols', missing, sample('v6', 'modules', 'exporter', 'exporter.ko')], { encoding: 'utf8' });
    expect([r.status, r.stdout, r.stderr]).toEqual([2, '', 'ksymcheck: /nonexistent/\\x1b[2Jsymvers: no such file or directory\n']);
  });
});
