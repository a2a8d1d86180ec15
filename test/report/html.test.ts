/**
 * --format html in a real headless Chromium (Debian's chromium, driven by playwright-core; no browser
 * download): one cell per (module, kernel) with the verdict's class, a click opens that cell's findings
 * (messages, call sites, hints), the filters hide rows, no console error, no request leaves the page. A
 * screenshot is written to .cache/screenshots/html-report.png.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { MatrixReport } from '../../src/report/compare-schema.js';
import { formatHtml } from '../../src/report/html.js';
import type { Report } from '../../src/report/schema.js';
import { CLI, ROOT, sample } from '../helpers/fixtures.js';
import { variedReport } from './reports.js';

/** Page-side values in the evaluate callbacks (the project compiles without the DOM library). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Dom = any;

const CHROMIUM = process.env.KSYMCHECK_CHROMIUM ?? '/usr/bin/chromium';

let report: Report;
let browser: Browser;
let page: Page;
const consoleErrors: string[] = [];
const requests: string[] = [];
let pageUrl: string;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run bash scripts/install-chromium (npm test does)`);
  report = await variedReport();
  const file = join(mkdtempSync(join(tmpdir(), 'ksymcheck-html-')), 'report.html');
  writeFileSync(file, formatHtml(report, { toolVersion: '0.1.0' }));
  pageUrl = pathToFileURL(file).href;
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') consoleErrors.push(`${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => consoleErrors.push(`pageerror: ${e.message}`));
  page.on('request', (r) => requests.push(r.url()));
  await page.goto(pageUrl, { waitUntil: 'load' });
}, 60_000);

afterAll(async () => {
  await browser?.close();
});

test('one cell per (module, kernel) with the verdict class', async () => {
  const cells = await page.$$eval('td.cell', (tds) => tds.map((td) => ({ module: (td as Dom).dataset.module, kernel: (td as Dom).dataset.kernel, cls: td.className })));
  const expected = [
    ...report.modules.map((m) => ({ module: m.name, kernel: '6.16.0', verdict: m.verdict, warned: m.findings.some((f) => f.severity === 'warning') })),
    { module: 'broken.ko', kernel: '6.16.0', verdict: 'unreadable', warned: false },
  ];
  expect(cells.map((c) => [c.module, c.kernel])).toEqual(expected.map((e) => [e.module, e.kernel]));
  expect(cells.map((c) => c.cls.split(' ').find((x: string) => x.startsWith('verdict-')))).toEqual(expected.map((e) => `verdict-${e.verdict}`));
  // the stage marks: fpu_user fails at both stages
  const stages = await page.$$eval('tr[data-module="fpu_user"] .stage', (s) => s.map((x: Dom) => `${(x as Dom).dataset.stage}:${x.className}`));
  expect(stages).toEqual(['build:stage stage-fail', 'load:stage stage-fail']);
  // the colours are the CSS's, not the browser default
  const bg = await page.$eval('tr[data-module="vboxdrv"] td.cell', (td) => (globalThis as Dom).getComputedStyle(td).backgroundColor);
  expect(bg).toBe('rgb(255, 215, 213)');
});

test('a click opens that cell’s findings: messages, call sites, hints', async () => {
  await page.click('tr[data-module="vboxdrv"] td.cell');
  const panel = await page.$eval('#findings', (p) => ({ head: p.querySelector('h2')?.textContent, findings: [...p.querySelectorAll('.finding')].map((f) => ({ rule: (f as Dom).dataset.rule, msg: f.querySelector('.msg')?.textContent, sites: f.querySelector('.sites')?.textContent, hint: f.querySelector('.hint')?.textContent ?? null })) }));
  const vbox = report.modules.find((m) => m.name === 'vboxdrv')!;
  expect(panel.head).toBe('vboxdrv on 6.16.0: fail');
  expect(panel.findings.map((f) => [f.rule, f.msg])).toEqual(vbox.findings.map((f) => [f.rule, f.message]));
  expect(panel.findings[0].sites).toBe('referenced at: vboxdrv_init+0x9 in .init.text; vboxdrv_exit+0x8 in .exit.text');
  expect(panel.findings[0].hint).toBe(vbox.findings[0].hint ? `hint: ${vbox.findings[0].hint}` : null);
  // another cell replaces the panel
  await page.click('tr[data-module="weak_user"] td.cell');
  expect(await page.$eval('#findings', (p) => [p.querySelector('h2')?.textContent, p.querySelectorAll('.finding').length])).toEqual(['weak_user on 6.16.0: pass', 0]);
  await page.click('tr[data-module="broken.ko"] td.cell');
  expect(await page.$eval('#findings .finding', (f) => f.textContent)).toContain('not an ELF file');
});

test('filters by rule and by verdict hide the other rows', async () => {
  const visible = () => page.$$eval('tr.module-row', (rows) => rows.filter((r) => (globalThis as Dom).getComputedStyle(r).display !== 'none').map((r) => (r as Dom).dataset.module));
  await page.selectOption('#filter-rule', 'gpl-only');
  expect(await visible()).toEqual(['fpu_user']);
  await page.selectOption('#filter-rule', 'unresolved');
  expect(await visible()).toEqual(['libafs']);
  await page.selectOption('#filter-rule', '');
  await page.selectOption('#filter-verdict', 'pass');
  expect(await visible()).toEqual(report.modules.filter((m) => m.verdict === 'pass').map((m) => m.name));
  await page.selectOption('#filter-verdict', 'unreadable');
  expect(await visible()).toEqual(['broken.ko']);
  await page.selectOption('#filter-verdict', '');
  expect((await visible()).length).toBe(report.modules.length + 1);
});

test('no console error, no request but the page itself; a screenshot is written', async () => {
  await page.click('tr[data-module="fpu_user"] td.cell');
  const dir = join(ROOT, '.cache', 'screenshots');
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: join(dir, 'html-report.png'), fullPage: true });
  expect(consoleErrors).toEqual([]);
  expect(requests).toEqual([pageUrl]);
});

test('a matrix of reports draws one column per kernel', async () => {
  const other: Report = { ...report, kernel: { ...report.kernel, release: '6.1.0-test' }, modules: report.modules.slice(0, 3), errors: [] };
  const html = formatHtml([report, other], { toolVersion: '0.1.0' });
  const p = await browser.newPage();
  await p.setContent(html);
  expect(await p.$$eval('th.kernel', (th) => th.map((t) => t.textContent))).toEqual(['6.16.0', '6.1.0-test']);
  const row = await p.$$eval('tr[data-module="weak_user"] td.cell', (tds) => tds.map((t) => t.className));
  expect(row).toEqual(['cell verdict-pass', 'cell verdict-absent']);
  expect(await p.$$eval('td.cell', (tds) => tds.length)).toBe(2 * (report.modules.length + 1));
  await p.close();
});

test('ksymcheck matrix --format html: one column per kernel, the verdicts of the matrix’s cells', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ksymcheck-html-'));
  const page = join(dir, 'matrix.html');
  const kernels = [sample('v6', 'kernels', '6.1'), sample('v6', 'kernels', '6.16')];
  const args = ['matrix', '-q', '-k', kernels[0], '-k', kernels[1], sample('v6', 'modules')];
  const json = spawnSync(process.execPath, [CLI, ...args, '--format', 'json'], { encoding: 'utf8', maxBuffer: 1 << 26 });
  const html = spawnSync(process.execPath, [CLI, ...args, '--format', 'html', '--output', page], { encoding: 'utf8' });
  expect([html.status, html.stdout, html.stderr]).toEqual([json.status, '', '']);
  const m = JSON.parse(json.stdout) as MatrixReport;
  const p = await browser.newPage();
  const errors: string[] = [];
  p.on('pageerror', (e) => errors.push(e.message));
  await p.goto(pathToFileURL(page).href);
  const labels = m.kernels.map((k) => k.release ?? k.version);
  expect(await p.$$eval('th.kernel', (th) => th.map((t) => t.textContent))).toEqual(labels);
  const cells = await p.$$eval('td.cell', (tds) => tds.map((t: Dom) => [t.dataset.module, t.dataset.kernel, t.dataset.verdict]));
  const expected = m.modules.flatMap((mod) =>
    m.kernels.map((k, i) => [mod.name, labels[i], m.cells.some((c) => c.module === mod.path && c.kernel === k.source && c.verdict === 'fail') ? 'fail' : 'pass']),
  );
  expect(cells).toEqual(expected);
  // the kernels differ for some module (namespaces: module-only exports from 6.16 on)
  expect(new Set(expected.filter((e) => e[2] === 'fail').map((e) => e[1])).size).toBe(2);
  await p.click(`tr[data-module="vboxdrv"] td.cell[data-kernel="${labels[1]}"]`);
  expect(await p.$eval('#findings h2', (h) => h.textContent)).toBe(`vboxdrv on ${labels[1]}: fail`);
  expect(errors).toEqual([]);
  await p.close();
});
