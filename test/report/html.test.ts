/**
 * --format html in a real headless Chromium (Debian's chromium, driven by playwright-core; no browser
 * download): one cell per (module, kernel) with the verdict's class, a click opens that cell's findings
 * (messages, call sites, hints), the filters hide rows, no console error, no request leaves the page. A
 * screenshot is written to .cache/screenshots/html-report.png.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { MatrixReport } from '../../src/report/compare-schema.js';
import { check } from '../../src/check.js';
import { formatHtml } from '../../src/report/html.js';
import type { FindingJson, ModuleReport, Report } from '../../src/report/schema.js';
import { CLI, ROOT, sample } from '../helpers/fixtures.js';
import { decodePng } from '../helpers/png.js';
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

test('the DWARF note: not at the head; in the panel of a cell whose references have no frames, once', async () => {
  const note = report.notes.find((n) => n.startsWith('modules with references but no DWARF'))!;
  expect(note).toBeDefined();
  expect(await page.$$eval('body > p.note', (ps) => ps.map((x) => x.textContent))).toEqual(report.notes.filter((n) => n !== note).map((n) => `note: ${n}`));
  const panelNotes = () => page.$$eval('#findings .note', (ps) => ps.map((x) => x.textContent));
  // vboxdrv (no -g): its references keep function+offset
  await page.click('tr[data-module="vboxdrv"] td.cell');
  expect(await panelNotes()).toEqual([`note: ${note}`]);
  // libafs (built with -g): frames on every reference
  const afs = report.modules.find((m) => m.name === 'libafs')!;
  expect(afs.findings.flatMap((f) => f.references).every((r) => (r.frames?.length ?? 0) > 0)).toBe(true);
  await page.click('tr[data-module="libafs"] td.cell');
  expect(await panelNotes()).toEqual([]);
  await page.click('tr[data-module="weak_user"] td.cell');
  expect(await panelNotes()).toEqual([]);
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
  // the causes: a module counted once per cause whichever kernels it fails on for it
  const perKernel: Report[] = m.kernels.map((k) => ({
    ...({} as Report),
    modules: m.modules.map((mod) => {
      const cells = m.cells.filter((c) => c.module === mod.path && c.kernel === k.source);
      return { ...mod, verdict: cells.some((c) => c.verdict === 'fail') ? 'fail' : 'pass', findings: m.stages.flatMap((st) => cells.filter((c) => c.stage === st).flatMap((c) => c.findings)) } as ModuleReport;
    }),
  }));
  const want = expectedCauses(perKernel);
  expect(want.length).toBeGreaterThan(1);
  expect((await pageCauses(p)).map((c) => [c.cause, c.count])).toEqual(want.map(([cause, mods]) => [cause, mods.length]));
  await p.click('button.cause[data-cause="k0"]');
  expect(await visibleRows(p)).toEqual(want[0][1]);
  expect(errors).toEqual([]);
  await p.close();
}, 60_000);

/** A failing module's cause as the page groups them: its first error the kernel prints, by rule and hint. */
function causeOf(m: ModuleReport): string {
  const errors = m.findings.filter((f) => f.severity === 'error');
  const f = (errors.find((e) => e.evidence.modpostPrints !== false) ?? errors[0]) as FindingJson;
  return `${f.rule}: ${f.hint ?? ''}`;
}

/** Each cause's modules (by path), most modules first, as the page must list them. */
function expectedCauses(reports: Report[]): Array<[string, string[]]> {
  const by = new Map<string, Set<string>>();
  for (const r of reports) for (const m of r.modules) if (m.verdict === 'fail') by.set(causeOf(m), (by.get(causeOf(m)) ?? new Set()).add(m.name));
  return [...by].map(([k, v]) => [k, [...v]] as [string, string[]]).sort((a, b) => b[1].length - a[1].length);
}

/** The page's causes: rule and hint, count, as read from the DOM. */
const pageCauses = (p: Page) =>
  p.$$eval('#causes button.cause', (bs) => bs.map((b: Dom) => ({ id: b.dataset.cause, cause: `${b.dataset.rule}: ${b.dataset.hint}`, count: Number(b.querySelector('.count').textContent.replace(/,/g, '')) })));

const visibleRows = (p: Page) => p.$$eval('tr.module-row', (rows) => rows.filter((r) => (globalThis as Dom).getComputedStyle(r).display !== 'none').map((r) => (r as Dom).dataset.module));

describe('the causes of failure above the grid', () => {
  let layout: Report;
  let p: Page;
  beforeAll(async () => {
    // the v6 modules on a build whose module_layout CRC differs: most fail at load for that one cause,
    // the others at build for their own (their first error)
    const symvers = readFileSync(join(sample('v6', 'kernels', '6.16'), 'Module.symvers'), 'utf8');
    expect(symvers).toContain('0x8f50bf01\tmodule_layout\t');
    const file = join(mkdtempSync(join(tmpdir(), 'ksymcheck-html-')), 'Module.symvers');
    writeFileSync(file, symvers.replace('0x8f50bf01\tmodule_layout\t', '0x00c0ffee\tmodule_layout\t'));
    layout = await check({ kernel: file, modules: [sample('v6', 'modules')], kernelVersion: '6.16' });
    p = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    const errors: string[] = [];
    p.on('pageerror', (e) => errors.push(e.message));
    await p.setContent(formatHtml(layout, { toolVersion: '0.1.0' }));
    expect(errors).toEqual([]);
  });
  afterAll(() => p?.close());

  test('one line per cause, most modules first; the counts equal the report’s', async () => {
    const want = expectedCauses([layout]);
    expect(await pageCauses(p)).toEqual(want.map(([cause, mods], i) => ({ id: `k${i}`, cause, count: mods.length })));
    // the module_layout cause leads: every module whose first error is the loader's refusal of it
    const loadOnly = layout.modules.filter((m) => m.verdict === 'fail' && m.findings.every((f) => f.stage === 'load' || f.severity !== 'error'));
    expect(loadOnly.length).toBeGreaterThanOrEqual(4);
    expect(want[0]).toEqual([expect.stringMatching(/^crc-mismatch: module_layout covers struct module/), loadOnly.map((m) => m.name)]);
    expect(await p.$eval('#causes h2', (h) => h.textContent)).toBe(`Why ${layout.modules.filter((m) => m.verdict === 'fail').length} modules fail: ${want.length} causes`);
    // the summary comes before the grid
    expect(await p.$eval('#causes', (s: Dom) => !!(s.compareDocumentPosition(s.ownerDocument.querySelector('table.grid')) & 4))).toBe(true);
  });

  test('a click on a cause shows its modules only; again, all of them', async () => {
    const want = expectedCauses([layout]);
    await p.click('button.cause[data-cause="k0"]');
    expect(await visibleRows(p)).toEqual(want[0][1]);
    expect(await p.$eval('button.cause[data-cause="k0"]', (b) => b.getAttribute('aria-pressed'))).toBe('true');
    expect(await p.$eval('#cause-active', (e: Dom) => [e.hidden, e.querySelector('.what').textContent])).toEqual([false, `${want[0][1].length} module(s) failing for ${want[0][0]}`]);
    await p.click('button.cause[data-cause="k1"]');
    expect(await visibleRows(p)).toEqual(want[1][1]);
    await p.click('button.cause[data-cause="k1"]');
    expect((await visibleRows(p)).length).toBe(layout.modules.length);
    await p.click('button.cause[data-cause="k0"]');
    await p.click('#cause-clear');
    expect((await visibleRows(p)).length).toBe(layout.modules.length);
    expect(await p.$$eval('button.cause[aria-pressed="true"]', (b) => b.length)).toBe(0);
    // with the rule filter: both must hold
    await p.click('button.cause[data-cause="k0"]');
    await p.selectOption('#filter-rule', 'duplicate-export');
    expect(await visibleRows(p)).toEqual(want[0][1].filter((name) => layout.modules.find((m) => m.name === name)!.findings.some((f) => f.rule === 'duplicate-export')));
    await p.selectOption('#filter-rule', '');
    await p.click('#cause-clear');
  });

  test('drawn: in a screenshot, each bar has its colour over a length that follows its count', async () => {
    const shot = join(mkdtempSync(join(tmpdir(), 'ksymcheck-shot-')), 'causes.png');
    await p.screenshot({ path: shot });
    const png = decodePng(readFileSync(shot));
    const bars = await p.$$eval('#causes button.cause .bar', (bs) =>
      bs.map((b: Dom) => {
        const r = b.getBoundingClientRect();
        const t = b.parentElement.getBoundingClientRect();
        const rgb = (globalThis as Dom).getComputedStyle(b).backgroundColor.match(/\d+/g).map(Number);
        return { x: r.x, y: r.y, w: r.width, h: r.height, trackW: t.width, rgb };
      }),
    );
    const counts = (await pageCauses(p)).map((c) => c.count);
    expect(bars).toHaveLength(counts.length);
    bars.forEach((b, i) => {
      expect(b.h).toBeGreaterThan(8);
      // the bar's length is its share of the largest count
      expect(b.w).toBeCloseTo(Math.max(2, (b.trackW * counts[i]) / counts[0]), 0);
      const y = Math.round(b.y + b.h / 2);
      // its pixels: the colour from its left end to its right end, the track's grey after it
      for (const x of [b.x + 1, b.x + b.w / 2, b.x + b.w - 1.5]) expect(png.at(Math.round(x), y).slice(0, 3)).toEqual(b.rgb);
      if (b.w < b.trackW - 4) expect(png.at(Math.round(b.x + b.w + 3), y).slice(0, 3)).toEqual([0xf6, 0xf8, 0xfa]);
    });
    // the leading bar is red, and the largest
    expect(bars[0].rgb).toEqual([0xcf, 0x22, 0x2e]);
    // the stacked bar: one segment per cause, widths in proportion to the counts
    const segs = await p.$$eval('#causes .stack .seg', (s) => s.map((e: Dom) => e.getBoundingClientRect().width));
    const total = counts.reduce((a, b) => a + b, 0);
    segs.forEach((w, i) => expect(w / segs.reduce((a, b) => a + b, 0)).toBeCloseTo(counts[i] / total, 2));
  });

  test('a report where nothing fails has no causes section', async () => {
    const passing: Report = { ...layout, modules: layout.modules.filter((m) => m.verdict === 'pass'), errors: [] };
    expect(formatHtml(passing, { toolVersion: '0.1.0' })).not.toContain('id="causes"');
  });
});
