/**
 * --format markdown: rendered by a GFM parser (marked), the summary table has one row per module (failing
 * first) with the verdict and first error, details per module with findings; cut to a size limit, the
 * table is never cut inside and the count of what was left out is said.
 */
import { marked } from 'marked';
import { formatMarkdown } from '../../src/report/markdown.js';
import type { Report } from '../../src/report/schema.js';
import { variedReport } from './reports.js';

let report: Report;
beforeAll(async () => {
  report = await variedReport();
});

/** The rendered table's rows as cell texts (tags stripped, entities decoded). */
function tableRows(md: string): string[][] {
  const html = marked.parse(md, { gfm: true, async: false }) as string;
  const tables = [...html.matchAll(/<table>([\s\S]*?)<\/table>/g)];
  expect(tables).toHaveLength(1);
  const body = /<tbody>([\s\S]*?)<\/tbody>/.exec(tables[0][1])?.[1] ?? '';
  const decode = (s: string) => s.replace(/<[^>]+>/g, '').replace(/&#39;/g, "'").replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
  return [...body.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((r) => [...r[1].matchAll(/<td>([\s\S]*?)<\/td>/g)].map((c) => decode(c[1]).trim()));
}

test('summary table: one row per module, failing first, with the first error', () => {
  const md = formatMarkdown(report);
  expect(md.split('\n')[0]).toBe('### ksymcheck: 5 of 11 modules fail against `6.16.0` (rules of 6.16.0, stages: build + load), 1 unreadable');
  const rows = tableRows(md);
  const failing = report.modules.filter((m) => m.verdict === 'fail');
  const passing = report.modules.filter((m) => m.verdict === 'pass');
  expect(rows.map((r) => r[0])).toEqual([...failing, ...passing].map((m) => m.name));
  expect(rows.map((r) => r[1])).toEqual([...failing.map(() => '❌ fail'), ...passing.map(() => '✅ pass')]);
  expect(rows.find((r) => r[0] === 'fpu_user')![2]).toBe("ERROR: modpost: GPL-incompatible module fpu-user.ko uses GPL-only symbol 'kernel_fpu_begin_mask'");
  // 6.13+: an M= build's mod->name is relative to the module directory
  expect(rows[0][2]).toBe("ERROR: modpost: dup-export: 'irq_fpu_usable' exported twice. Previous export was in vmlinux");
  expect(rows.find((r) => r[0] === 'vboxdrv')![2]).toBe('ERROR: modpost: module vboxdrv uses symbol cr4_update_irqsoff from namespace module:kvm,kvm-*, but does not import it.');
  expect(rows.find((r) => r[0] === 'weak_user')![2]).toBe('');
});

test('collapsible details per module with findings, call sites and hints; unreadable files listed', () => {
  const md = formatMarkdown(report);
  const html = marked.parse(md, { gfm: true, async: false }) as string;
  const summaries = [...html.matchAll(/<summary><code>([^<]+)<\/code>: (\w+), (\d+) findings?<\/summary>/g)].map((m) => [m[1], m[2], +m[3]]);
  expect(summaries).toEqual(report.modules.filter((m) => m.findings.length).sort((a, b) => Number(b.verdict === 'fail') - Number(a.verdict === 'fail')).map((m) => [m.name, m.verdict, m.findings.length]));
  expect(md).toContain('- **build error** `namespace-not-imported` `cr4_update_irqsoff`: `ERROR: modpost: module vboxdrv uses symbol cr4_update_irqsoff from namespace module:kvm,kvm-*, but does not import it.`\n  - referenced at: `vboxdrv_init+0x9 in .init.text`, `vboxdrv_exit+0x8 in .exit.text`');
  expect(md).toContain('**Unreadable files**');
  expect(md).toContain('not an ELF file');
});

test('a long report is cut at a row boundary with a count, the table intact', () => {
  // 400 copies of the failing modules: far over the limit
  const many: Report = { ...report, modules: Array.from({ length: 100 }, (_, i) => report.modules.map((m) => ({ ...m, name: `${m.name}_${i}` }))).flat() };
  for (const max of [3_000, 8_000, 60_000]) {
    const md = formatMarkdown(many, { maxChars: max });
    expect(md.length).toBeLessThanOrEqual(max);
    const rows = tableRows(md);
    for (const r of rows) expect(r).toHaveLength(3);
    const cut = /\*… (\d+) more modules not shown \((\d+) failing\)/.exec(md);
    expect(cut).not.toBeNull();
    expect(rows.length + Number(cut![1])).toBe(many.modules.length);
    expect(md).toMatch(/\*Details of \d+ modules not shown\.\*/);
  }
  // a report that fits is not cut
  expect(formatMarkdown(report)).not.toMatch(/not shown/);
});

test('markup in names and messages does not break the table', () => {
  const failing = report.modules.find((m) => m.verdict === 'fail')!;
  const odd: Report = {
    ...report,
    modules: [{ ...failing, name: 'a|b`c<d>', findings: failing.findings.map((f) => ({ ...f, message: 'x | y ` z **w**' })) }],
    errors: [],
  };
  const rows = tableRows(formatMarkdown(odd));
  expect(rows).toEqual([['a|b`c<d>', '❌ fail', 'x | y ` z **w**']]);
});
