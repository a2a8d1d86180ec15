/**
 * The human report. Knows the report's shape only: no rule logic, no rule names beyond printing them.
 */
import { visibleStrings } from './visible.js';
import { frameWhere } from '../dwarf/where.js';
import { signerLine } from './signer.js';
import { isNoDwarfNote, withoutFrames } from './frames-note.js';
import type { FindingJson, ModuleReport, Report } from './schema.js';

export interface TextOptions {
  color: boolean;
  /** Every finding of every module, however many were checked (default: only up to DETAIL_THRESHOLD modules). */
  verbose?: boolean;
}

const codes = { red: 31, yellow: 33, green: 32, dim: 2, bold: 1 } as const;

function painter(color: boolean) {
  return (c: keyof typeof codes, s: string) => (color ? `\x1b[${codes[c]}m${s}\x1b[0m` : s);
}

type ReferenceJson = FindingJson['references'][number];

/**
 * `afs_linux_put_page+0x51 in .text`; with frames `afs_linux_put_page+0x51 (osi_vm.c:88) via put_page()
 * include/linux/mm.h:947` (the module's own line, then the inline it calls and the line in that inline;
 * the section said when it is not .text).
 */
export function formatReference(r: ReferenceJson): string {
  const off = `0x${r.offset.toString(16)}`;
  const at = r.function ? `${r.function}+${off}` : `${r.section}+${off}`;
  const fr = r.frames;
  if (!fr || fr.length === 0) return r.function ? `${at} in ${r.section}` : at;
  const own = fr[fr.length - 1];
  const sec = r.function && r.section !== '.text' ? ` in ${r.section}` : '';
  const via = fr.length > 1 ? ` via ${fr[fr.length - 2].function}() ${frameWhere(fr[fr.length - 2])}` : '';
  return `${at}${sec} (${frameWhere(own)})${via}`;
}

function evidenceLine(f: FindingJson): string {
  const e = f.evidence;
  const parts: string[] = [];
  for (const [k, v] of Object.entries(e)) {
    if (v === null || v === '' || k === 'modpostPrints') continue;
    parts.push(`${k}=${v}`);
  }
  return parts.join(', ');
}

/** Up to this many modules the text report gives every finding of every module; above, one line per failing module. */
export const DETAIL_THRESHOLD = 10;

/** The modules (their labels) each distinct hint applies to, in the order the hints were first met. */
function hintGroups(items: Array<{ module: number; hint: string | undefined }>, label: (i: number) => string): Map<string, string[]> {
  const groups = new Map<string, number[]>();
  for (const { module, hint } of items) {
    if (!hint) continue;
    const g = groups.get(hint);
    if (!g) groups.set(hint, [module]);
    else if (g[g.length - 1] !== module) g.push(module);
  }
  return new Map([...groups].map(([h, ms]) => [h, ms.map(label)]));
}

/**
 * How the report names module i in lists: its name, or, when several modules of the run share that
 * name (copies of one module in several folders), its path below the folder all modules share.
 */
function moduleLabels(report: Report, folder: string): (i: number) => string {
  const count = new Map<string, number>();
  for (const m of report.modules) count.set(m.name, (count.get(m.name) ?? 0) + 1);
  return (i) => {
    const m = report.modules[i];
    return count.get(m.name) === 1 ? m.name : m.path.slice(folder.length);
  };
}

/** `a, b, c, d, e and 12 more` */
export function nameList(names: readonly string[], max = 5): string {
  if (names.length <= max) return names.join(', ');
  return `${names.slice(0, max).join(', ')} and ${names.length - max} more`;
}

/** The folder a folder (with its trailing slash) lies in: `a/b/` → `a/`, `/tmp/` → `/`, `/` and `a/` → ''. */
function parentFolder(folder: string): string {
  if (folder.length <= 1) return '';
  return folder.slice(0, folder.lastIndexOf('/', folder.length - 2) + 1);
}

/** The folder every module path lies in (with its trailing slash), or '' when they share none. */
export function commonFolder(paths: readonly string[]): string {
  if (paths.length === 0) return '';
  let prefix = paths[0].slice(0, paths[0].lastIndexOf('/') + 1);
  // each step is shorter, down to '' (an absolute path and a relative one share nothing)
  for (const p of paths) while (prefix && !p.startsWith(prefix)) prefix = parentFolder(prefix);
  return prefix;
}

/** A failing module's decisive error: the first the kernel prints (an old modpost stops at a later symbol of its walk). */
export function decisiveError(m: ModuleReport): FindingJson | undefined {
  const errors = m.findings.filter((f) => f.severity === 'error');
  return errors.find((f) => f.evidence.modpostPrints !== false) ?? errors[0];
}

/**
 * Every finding of every module: the verdict line, message, evidence, references and hint; the note that
 * references lack frames for want of DWARF once, under the first references it is true of.
 */
function detailLines(report: Report, p: ReturnType<typeof painter>): string[] {
  const lines: string[] = [];
  let framesNote = report.notes.find(isNoDwarfNote);
  // A hint several modules share is said once, at its first module, with the others named there.
  const label = moduleLabels(report, commonFolder(report.modules.map((m) => m.path)));
  const shared = hintGroups(report.modules.flatMap((m, i) => m.findings.map((f) => ({ module: i, hint: f.hint }))), label);
  const said = new Set<string>();
  report.modules.forEach((m, mi) => {
    lines.push('');
    const verdict = m.verdict === 'pass' ? p('green', 'PASS') : p('red', 'FAIL');
    const lic = m.licenses.length ? m.licenses.map((l) => `"${l}"`).join(', ') : 'none';
    lines.push(`${verdict} ${p('bold', m.name)} (${m.path}) license: ${lic}`);
    const signer = signerLine(m);
    if (signer) lines.push(`  ${signer}`);
    // A symbol usually has a build and a load finding with the same references and hint: print them once.
    const seenRefs = new Set<string>();
    const seenHints = new Set<string>();
    for (const f of m.findings) {
      const sev = f.severity === 'error' ? p('red', 'error') : p('yellow', 'warning');
      lines.push(`  ${f.stage} ${sev} [${f.rule}]${f.symbol ? ` ${f.symbol}` : ''}`);
      lines.push(`    ${f.message}${f.evidence.modpostPrints === false ? p('dim', '  (not printed by this modpost: it stops or truncates earlier)') : ''}`);
      const ev = evidenceLine(f);
      if (ev) lines.push(p('dim', `    evidence: ${ev}`));
      if (f.references.length) {
        const shown = f.references.slice(0, 8).map(formatReference);
        const more = f.references.length > 8 ? `, … ${f.references.length - 8} more` : '';
        const text = `${shown.join('; ')}${more}`;
        lines.push(`    referenced at: ${seenRefs.has(text) ? p('dim', '(as above)') : text}`);
        seenRefs.add(text);
        if (framesNote && f.references.slice(0, 8).some(withoutFrames)) {
          lines.push(p('yellow', `    note: ${framesNote}`));
          framesNote = undefined;
        }
      }
      if (f.hint && !seenHints.has(f.hint)) {
        const modules = shared.get(f.hint)!;
        if (said.has(f.hint)) lines.push(p('dim', `    hint: as for ${modules[0]}`));
        else {
          const others = modules.filter((n) => n !== label(mi));
          lines.push(`    hint: ${f.hint}${others.length ? p('dim', ` (also for ${nameList(others)})`) : ''}`);
        }
        said.add(f.hint);
      }
      if (f.hint) seenHints.add(f.hint);
    }
  });
  return lines;
}

/**
 * One line per failing module: verdict, module (its path below the folder all modules share), the first
 * error and how many findings follow it; then each distinct hint of those first errors once, with the
 * modules it applies to. Passing modules are counted in the summary only.
 */
function compactLines(report: Report, p: ReturnType<typeof painter>): string[] {
  const lines: string[] = [];
  const failing = report.modules.filter((m) => m.verdict === 'fail');
  const folder = commonFolder(report.modules.map((m) => m.path));
  if (folder) lines.push(p('dim', `modules under ${folder}`));
  const label = moduleLabels(report, folder);
  const firsts: Array<{ module: number; hint: string | undefined }> = [];
  if (failing.length) lines.push('');
  report.modules.forEach((m, i) => {
    if (m.verdict !== 'fail') return;
    const first = decisiveError(m)!;
    const rest = m.findings.length - 1;
    const more = rest ? p('dim', ` (+${rest} more)`) : '';
    lines.push(`${p('red', 'FAIL')} ${m.path.slice(folder.length)}: ${first.stage} [${first.rule}] ${first.message}${more}`);
    firsts.push({ module: i, hint: first.hint });
  });
  const groups = [...hintGroups(firsts, label)].sort((a, b) => b[1].length - a[1].length);
  const MAX_HINTS = 10;
  if (groups.length) lines.push('');
  for (const [hint, modules] of groups.slice(0, MAX_HINTS)) {
    lines.push(`hint (${modules.length === 1 ? modules[0] : `${modules.length} modules: ${nameList(modules)}`}): ${hint}`);
  }
  if (groups.length > MAX_HINTS) lines.push(p('dim', `… ${groups.length - MAX_HINTS} more distinct hints (--verbose)`));
  if (failing.length) lines.push(p('dim', `(${report.modules.length} modules: one line per failing module; --verbose for every finding)`));
  return lines;
}

export function formatText(shown: Report, opts: TextOptions): string {
  const report = visibleStrings(shown); // (a module's bytes may hold terminal control sequences: visible.ts)
  const p = painter(opts.color);
  const lines: string[] = [];
  const k = report.kernel;
  lines.push(
    `kernel ${k.release ?? '(release unknown)'} from ${k.source}: rules of ${k.version} (${k.versionSource}), ${k.exports} exports, modversions ${k.modversions === null ? 'unknown (assumed on)' : k.modversions ? 'on' : 'off'}${k.modversionsSource === 'exports' ? ' (inferred from its exports)' : ''}; stages: ${report.stages.join('+')}`,
  );
  // (the DWARF note goes with the references it is about: detailLines)
  for (const n of report.notes) if (!isNoDwarfNote(n)) lines.push(p('yellow', `note: ${n}`));
  const detailed = opts.verbose === true || report.modules.length <= DETAIL_THRESHOLD;
  lines.push(...(detailed ? detailLines(report, p) : compactLines(report, p)));
  if (report.errors.length) {
    lines.push('');
    for (const e of report.errors) lines.push(p('red', `error: ${e.message}`));
  }
  const failed = report.modules.filter((m) => m.verdict === 'fail').length;
  lines.push('');
  lines.push(`${report.modules.length} module(s) checked: ${failed} fail, ${report.modules.length - failed} pass; ${report.errors.length} unreadable`);
  return lines.join('\n') + '\n';
}
