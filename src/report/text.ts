/**
 * The human report. Knows the report's shape only: no rule logic, no rule names beyond printing them.
 */
import { frameWhere } from '../dwarf/where.js';
import type { FindingJson, Report } from './schema.js';

export interface TextOptions {
  color: boolean;
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

export function formatText(report: Report, opts: TextOptions): string {
  const p = painter(opts.color);
  const lines: string[] = [];
  const k = report.kernel;
  lines.push(
    `kernel ${k.release ?? '(release unknown)'} from ${k.source}: rules of ${k.version} (${k.versionSource}), ${k.exports} exports, modversions ${k.modversions === null ? 'unknown' : k.modversions ? 'on' : 'off'}; stages: ${report.stages.join('+')}`,
  );
  for (const n of report.notes) lines.push(p('yellow', `note: ${n}`));
  for (const m of report.modules) {
    lines.push('');
    const verdict = m.verdict === 'pass' ? p('green', 'PASS') : p('red', 'FAIL');
    const lic = m.licenses.length ? m.licenses.map((l) => `"${l}"`).join(', ') : 'none';
    lines.push(`${verdict} ${p('bold', m.name)} (${m.path}) license: ${lic}`);
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
      }
      if (f.hint && !seenHints.has(f.hint)) lines.push(`    hint: ${f.hint}`);
      if (f.hint) seenHints.add(f.hint);
    }
  }
  if (report.errors.length) {
    lines.push('');
    for (const e of report.errors) lines.push(p('red', `error: ${e.message}`));
  }
  const failed = report.modules.filter((m) => m.verdict === 'fail').length;
  lines.push('');
  lines.push(`${report.modules.length} module(s) checked: ${failed} fail, ${report.modules.length - failed} pass; ${report.errors.length} unreadable`);
  return lines.join('\n') + '\n';
}
