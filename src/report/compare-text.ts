/**
 * Text for `matrix` (the module × kernel grid, then each failing cell's decisive finding) and `diff`
 * (the export changes, each with the modules it breaks or fixes). Formatters only: no rule logic.
 */
import { visibleStrings } from './visible.js';
import type { DiffBreak, DiffReport, MatrixReport } from './compare-schema.js';
import { ABI_SYMBOL } from '../kernel/diff.js';
import type { Report } from './schema.js';
import { commonFolder } from './text.js';

const n = (x: number) => x.toLocaleString('en-US');

function kernelLine(k: Report['kernel']): string {
  return `${k.release ?? 'release unknown'} (${k.source}): rules of ${k.version}, ${n(k.exports)} exports`;
}

const pad = (s: string, w: number) => s + ' '.repeat(Math.max(0, w - s.length));

export function formatMatrixText(shown: MatrixReport): string {
  const r = visibleStrings(shown); // (control characters of a module's bytes as \xHH: visible.ts)
  const lines: string[] = ['kernels:'];
  r.kernels.forEach((k, i) => lines.push(`  [${i + 1}] ${kernelLine(k)}`));
  lines.push(`stages: ${r.stages.join('+')}`, '');
  const col = new Map(r.kernels.map((k, i) => [k.source, i]));
  // paths below the folder the modules share (the whole path for one module)
  const paths = r.modules.map((m) => m.path);
  const cut = paths.length > 1 ? commonFolder(paths).length : 0;
  const label = new Map(paths.map((p) => [p, p.slice(cut)]));
  // verdict per (module, kernel): the stages that fail
  const failing = new Map<string, string[][]>();
  for (const m of r.modules) failing.set(m.path, r.kernels.map(() => []));
  for (const c of r.cells) if (c.verdict === 'fail') failing.get(c.module)?.[col.get(c.kernel)!]?.push(c.stage);
  const cellText = (stages: string[]) => (stages.length === 0 ? 'pass' : stages.length === r.stages.length ? 'FAIL' : `FAIL(${stages.join('+')})`);
  const width = Math.max('module'.length, ...r.modules.map((m) => label.get(m.path)!.length));
  const cw = Math.max(4, ...[...failing.values()].flatMap((row) => row.map((s) => cellText(s).length)));
  lines.push(`${pad('module', width)}  ${r.kernels.map((_, i) => pad(`[${i + 1}]`, cw)).join('  ')}  first failing`);
  const firstErrors = new Map<string, string[]>();
  for (const c of r.cells) {
    if (c.verdict !== 'fail') continue;
    const errs = c.findings.filter((f) => f.severity === 'error');
    const more = errs.length > 1 ? ` (+${errs.length - 1} more)` : '';
    const list = firstErrors.get(c.module) ?? [];
    list.push(`  [${col.get(c.kernel)! + 1}] ${c.stage}: ${errs[0].message}${more}`);
    firstErrors.set(c.module, list);
  }
  for (const m of r.modules) {
    const row = failing.get(m.path)!;
    const first = m.firstFailing === null ? '-' : `[${col.get(m.firstFailing)! + 1}]`;
    lines.push(`${pad(label.get(m.path)!, width)}  ${row.map((s) => pad(cellText(s), cw)).join('  ')}  ${first}`.trimEnd());
    for (const l of firstErrors.get(m.path) ?? []) lines.push(l);
  }
  lines.push('');
  for (const note of r.notes) lines.push(`note: ${note}`);
  for (const e of r.errors) lines.push(`unreadable: ${e.message}`);
  const failed = r.modules.filter((m) => m.firstFailing !== null).length;
  const perKernel = r.kernels.map((k, i) => `[${i + 1}] ${r.modules.filter((m) => failing.get(m.path)![i].length > 0).length}`).join(', ');
  lines.push(`${n(r.modules.length)} module(s) × ${r.kernels.length} kernel(s): ${n(failed)} fail on at least one (failing per kernel: ${perKernel}); ${r.errors.length} unreadable`);
  return lines.join('\n') + '\n';
}

const KIND_WORD: Record<string, string> = { added: 'added', removed: 'removed', license: 'licence', namespace: 'namespace', crc: 'CRC', owner: 'owner' };

function valueText(c: DiffReport['changes'][number]): string {
  if (c.kind === 'added') return c.to ?? '';
  if (c.kind === 'removed') return c.from ?? '';
  const v = (x: string | null) => (x === '' ? '(none)' : (x ?? '(none)'));
  return `${v(c.from)} → ${v(c.to)}`;
}

/** "libafs (gpl-only build, gpl-only load)", one module per entry. */
function modulesText(list: DiffBreak[]): string {
  const by = new Map<string, string[]>();
  for (const b of list) {
    const k = b.name;
    const v = by.get(k) ?? [];
    const what = `${b.rule} ${b.stage}`;
    if (!v.includes(what)) v.push(what);
    by.set(k, v);
  }
  return [...by].map(([name, rules]) => `${name} (${rules.join(', ')})`).join(', ');
}

export interface DiffTextOptions {
  /** List every change (default: the CRC changes as one counting line; with modules, only what breaks or fixes one). */
  verbose?: boolean;
}

/**
 * What breaks first: the kinds of change an out-of-tree module can fail on by itself (a removal, an export
 * turned GPL-only, moved into a namespace or to another owner), then what was added, then CRC changes —
 * across an ABI bump thousands of them, which say one thing: rebuild.
 */
const KIND_ORDER: Array<DiffReport['changes'][number]['kind']> = ['removed', 'license', 'namespace', 'owner', 'added', 'crc'];

/** The CRC changes in one line: how many, and whether the ABI symbol is among them (and what that means). */
function crcLine(count: number, abiChanged: boolean, listedBelow: number, verbose: boolean): string {
  const abi = abiChanged
    ? `${ABI_SYMBOL} among them: every module built for the old ABI must be rebuilt (the loader refuses a module whose ${ABI_SYMBOL} CRC differs)`
    : `${ABI_SYMBOL} not among them: a module must be rebuilt only if it uses one of them`;
  const more = verbose ? ':' : listedBelow > 0 ? '; those that break or fix a module given below (--verbose lists all)' : '; --verbose lists them';
  return `CRC: ${n(count)} changed, ${abi}${more}`;
}

export function formatDiffText(given: DiffReport, opts: DiffTextOptions = {}): string {
  const r = visibleStrings(given); // (visible.ts)
  const lines = [`from: ${kernelLine(r.from)}`, `to:   ${kernelLine(r.to)}`];
  const s = r.summary;
  lines.push(`changes: ${n(s.removed)} removed, ${n(s.license)} licence, ${n(s.namespace)} namespace, ${n(s.owner)} owner, ${n(s.added)} added, ${n(s.crc)} CRC`);
  const bySymbol = (list: DiffBreak[]) => {
    const m = new Map<string | null, DiffBreak[]>();
    for (const b of list) m.set(b.symbol, [...(m.get(b.symbol) ?? []), b]);
    return m;
  };
  const breaks = bySymbol(r.breaks);
  const fixes = bySymbol(r.fixes);
  const moduleMode = r.modules > 0;
  const touches = (c: DiffReport['changes'][number]) => breaks.has(c.symbol) || fixes.has(c.symbol);
  // --verbose: every change; with modules, those that break or fix one (the rest are counted above); else all but the CRC changes
  const wanted = (c: DiffReport['changes'][number]) => (opts.verbose ? true : moduleMode ? touches(c) : c.kind !== 'crc');
  const listed = KIND_ORDER.flatMap((kind) => r.changes.filter((c) => c.kind === kind && wanted(c)));
  const symbolWidth = listed.reduce((w, c) => Math.max(w, c.symbol.length), 0);
  const shown = new Set<string | null>();
  const changeLines = (list: DiffReport['changes']) => {
    for (const c of list) {
      lines.push(`  ${pad(KIND_WORD[c.kind], 9)}  ${pad(c.symbol, symbolWidth)}  ${valueText(c)}`);
      if (shown.has(c.symbol)) continue;
      const b = breaks.get(c.symbol);
      const f = fixes.get(c.symbol);
      if (b) lines.push(`    breaks ${modulesText(b)}`);
      if (f) lines.push(`    fixes ${modulesText(f)}`);
      shown.add(c.symbol);
    }
  };
  changeLines(listed.filter((c) => c.kind !== 'crc'));
  if (s.crc > 0) {
    const listedCrc = listed.filter((c) => c.kind === 'crc');
    lines.push(crcLine(s.crc, r.changes.some((c) => c.kind === 'crc' && c.symbol === ABI_SYMBOL), listedCrc.length, opts.verbose === true));
    changeLines(listedCrc);
  }
  // what breaks or is fixed with no export change behind it (a version's rules, a vermagic)
  const rest = (m: Map<string | null, DiffBreak[]>, word: string) => {
    for (const [sym, list] of m) if (!shown.has(sym)) lines.push(`  ${word} with no export change${sym ? ` to ${sym}` : ''}: ${modulesText(list)}`);
  };
  rest(breaks, 'broken');
  rest(fixes, 'fixed');
  for (const note of r.notes) lines.push(`note: ${note}`);
  for (const e of r.errors) lines.push(`unreadable: ${e.message}`);
  if (moduleMode) {
    const broken = new Set(r.breaks.map((b) => b.module)).size;
    const fixed = new Set(r.fixes.map((b) => b.module)).size;
    lines.push(`${n(r.modules)} module(s) checked against both: ${n(broken)} broken by the change, ${n(fixed)} fixed by it${opts.verbose ? '' : '; the others are not listed'}`);
  }
  return lines.join('\n') + '\n';
}
