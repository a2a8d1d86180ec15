/**
 * GitHub-flavoured Markdown for a merge-request comment: a headline, a summary table (module, verdict,
 * first error; failing modules first) and a collapsible <details> per module with findings. A long report
 * is cut to a size limit at a row or section boundary, never inside the table, with a count of what was
 * left out. Knows the report's shape only.
 */
import { visibleStrings } from './visible.js';
import { isNoDwarfNote, withoutFrames } from './frames-note.js';
import type { FindingJson, ModuleReport, Report } from './schema.js';
import { signerLine } from './signer.js';
import { formatReference } from './text.js';

export interface MarkdownOptions {
  /** Most characters to write (GitHub refuses comments over 65,536). Default 60,000. */
  maxChars?: number;
}

/** Inline code holding any text: a fence longer than the longest run of backticks inside. */
function code(s: string): string {
  const flat = s.replace(/\s*\n\s*/g, ' ');
  const longest = Math.max(0, ...[...flat.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  const pad = flat.startsWith('`') || flat.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${flat}${pad}${fence}`;
}

/** A table cell: its pipes escaped (GFM splits cells on them, even inside code spans). */
function cell(s: string): string {
  return s.replace(/\|/g, '\\|');
}

/** Text outside code: HTML and Markdown punctuation escaped. */
function text(s: string): string {
  return s.replace(/[\\`*_{}[\]<>#|!~&]/g, (c) => (c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '&' ? '&amp;' : `\\${c}`));
}

/** Text inside raw HTML (the <details> line): Markdown is not parsed there, HTML is. */
function html(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function firstError(m: ModuleReport): FindingJson | undefined {
  return m.findings.find((f) => f.severity === 'error');
}

/** A finding's lines; a hint already given for the module (build and load findings share them) is not repeated. */
/** The DWARF note while it is still to be said: under the first references shown without frames. */
interface FramesNote {
  note: string | undefined;
}

function findingLines(f: FindingJson, hinted: Set<string>, framesNote: FramesNote): string[] {
  const head = `- **${f.stage} ${f.severity}** ${code(f.rule)}${f.symbol !== undefined ? ` ${code(f.symbol)}` : ''}: ${code(f.message)}`;
  const lines = [head];
  if (f.references.length) {
    const shown = f.references.slice(0, 8).map((r) => code(formatReference(r)));
    lines.push(`  - referenced at: ${shown.join(', ')}${f.references.length > 8 ? `, and ${f.references.length - 8} more` : ''}`);
    if (framesNote.note && f.references.slice(0, 8).some(withoutFrames)) {
      lines.push(`  - **note:** ${text(framesNote.note)}`);
      framesNote.note = undefined;
    }
  }
  if (f.hint && !hinted.has(f.hint)) lines.push(`  - hint: ${text(f.hint)}`);
  if (f.hint) hinted.add(f.hint);
  return lines;
}

function detailsBlock(m: ModuleReport, framesNote: FramesNote): string {
  const n = m.findings.length;
  const hinted = new Set<string>();
  return [
    `<details><summary><code>${html(m.name)}</code>: ${m.verdict === 'fail' ? 'fail' : 'pass'}, ${n} finding${n === 1 ? '' : 's'}</summary>`,
    '',
    `${text(m.path)}`,
    '',
    ...(signerLine(m) ? [text(signerLine(m)!), ''] : []),
    ...m.findings.flatMap((f) => findingLines(f, hinted, framesNote)),
    '',
    '</details>',
  ].join('\n');
}

export function formatMarkdown(shown: Report, opts: MarkdownOptions = {}): string {
  const report = visibleStrings(shown); // (control characters of a module's bytes as \xHH: visible.ts)
  const max = opts.maxChars ?? 60_000;
  const k = report.kernel;
  const failing = report.modules.filter((m) => m.verdict === 'fail');
  const passing = report.modules.filter((m) => m.verdict === 'pass');
  const headline =
    `### ksymcheck: ${failing.length} of ${report.modules.length} module${report.modules.length === 1 ? '' : 's'} fail against ${code(k.release ?? k.version)}` +
    ` (rules of ${k.version}, stages: ${report.stages.join(' + ')})` +
    (report.errors.length ? `, ${report.errors.length} unreadable` : '');
  // the DWARF note goes with the references it is about (findingLines)
  const notes = report.notes.filter((n) => !isNoDwarfNote(n));
  const head = [headline, '', ...notes.map((n) => `> **note:** ${text(n)}`), ...(notes.length ? [''] : [])];
  const table = ['| module | verdict | first error |', '|---|---|---|'];
  const rows = [...failing, ...passing].map((m) => {
    const e = firstError(m);
    return `| ${cell(code(m.name))} | ${m.verdict === 'fail' ? '❌ fail' : '✅ pass'} | ${e ? cell(code(e.message)) : m.findings.length ? `${m.findings.length} warning${m.findings.length === 1 ? '' : 's'}` : ''} |`;
  });
  const unreadable = report.errors.length ? ['', '**Unreadable files**', '', ...report.errors.map((e) => `- ${code(e.message)}`)] : [];
  const framesNote: FramesNote = { note: report.notes.find(isNoDwarfNote) };
  const sections = [...failing, ...passing].filter((m) => m.findings.length > 0 || m.signature !== undefined).map((m) => detailsBlock(m, framesNote));

  // What is always written: the headline, the table's header, and (when cut) one line per part cut.
  const trailerRoom = 200;
  let used = head.join('\n').length + table.join('\n').length + trailerRoom;
  const out = [...head, ...table];
  let shownRows = 0;
  for (const r of rows) {
    if (used + r.length + 1 > max) break;
    out.push(r);
    used += r.length + 1;
    shownRows++;
  }
  if (shownRows < rows.length) {
    const leftFailing = Math.max(0, failing.length - shownRows);
    out.push('', `*… ${rows.length - shownRows} more module${rows.length - shownRows === 1 ? '' : 's'} not shown (${leftFailing} failing): the report is longer than a comment holds.*`);
  }
  const unreadableText = unreadable.join('\n');
  if (used + unreadableText.length + 1 <= max) {
    out.push(...unreadable);
    used += unreadableText.length + 1;
  } else if (report.errors.length) out.push('', `*${report.errors.length} unreadable file${report.errors.length === 1 ? '' : 's'} not listed.*`);
  let shownSections = 0;
  if (shownRows === rows.length) {
    for (const s of sections) {
      if (used + s.length + 2 > max) break;
      out.push('', s);
      used += s.length + 2;
      shownSections++;
    }
  }
  if (shownSections < sections.length) out.push('', `*Details of ${sections.length - shownSections} module${sections.length - shownSections === 1 ? '' : 's'} not shown.*`);
  return out.join('\n') + '\n';
}
