/**
 * One self-contained HTML page: the module × kernel grid as coloured cells (a column per report, so a
 * kernel matrix draws one column per kernel; one report today), each cell showing its stages' verdicts and
 * opening its findings (messages, call sites, hints, evidence) on a click; filters by rule and by verdict.
 * Above it, what a person asks first: why the modules fail — each cause (the decisive error's rule and
 * hint) drawn as a bar as long as its module count, and a click on a cause filters the grid to it.
 * No network request: styles and script are inline, the findings are a JSON island, and the page's
 * Content-Security-Policy allows nothing to be fetched. Knows the report's shape only.
 */
import { visibleStrings } from './visible.js';
import type { MatrixReport } from './compare-schema.js';
import { signerLine } from './signer.js';
import { isNoDwarfNote, withoutFrames } from './frames-note.js';
import type { FindingJson, Report } from './schema.js';
import { decisiveError, formatReference } from './text.js';

export interface HtmlOptions {
  toolVersion: string;
}

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** JSON inside <script>: nothing in it can close the element or open a comment. */
function jsonIsland(v: unknown): string {
  return JSON.stringify(v).replace(/</g, '\\u003c').replace(/>/g, '\\u003e').replace(/&/g, '\\u0026').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}

type Verdict = 'pass' | 'fail' | 'unreadable' | 'absent';

interface CellData {
  module: string;
  path: string;
  kernel: string;
  verdict: Verdict;
  error?: string;
  findings: Array<{ stage: string; severity: string; rule: string; symbol?: string; message: string; hint?: string; sites: string[]; evidence: string[]; framesMissing?: true }>;
}

function findingData(f: FindingJson): CellData['findings'][number] {
  return {
    stage: f.stage,
    severity: f.severity,
    rule: f.rule,
    ...(f.symbol !== undefined ? { symbol: f.symbol } : {}),
    message: f.message,
    ...(f.hint !== undefined ? { hint: f.hint } : {}),
    sites: f.references.map(formatReference),
    ...(f.references.some(withoutFrames) ? { framesMissing: true as const } : {}),
    evidence: Object.entries(f.evidence)
      .filter(([, v]) => v !== null && v !== '')
      .map(([k, v]) => `${k}=${v}`),
  };
}

const STYLE = `
body{font:14px/1.4 system-ui,sans-serif;margin:1.5em;color:#1b1f24;background:#fff}
h1{font-size:1.3em;margin:0 0 .3em}
.meta{color:#57606a;margin:0 0 1em}
.filters{display:flex;gap:1.5em;margin:0 0 1em;align-items:center}
table.grid{border-collapse:collapse}
.grid th,.grid td{border:1px solid #d0d7de;padding:3px 8px;text-align:left}
.grid th.kernel{writing-mode:horizontal-tb;font-weight:600}
.grid td.module{font-family:ui-monospace,monospace}
.cell{cursor:pointer;min-width:7em;font-family:ui-monospace,monospace;font-size:12px}
.cell:focus{outline:2px solid #0969da}
.verdict-pass{background:#dafbe1}
.verdict-pass.has-warnings{background:#fff8c5}
.verdict-fail{background:#ffd7d5}
.verdict-unreadable{background:#e8e0f5}
.verdict-absent{background:#f6f8fa;color:#8c959f;cursor:default}
.cell.selected{box-shadow:inset 0 0 0 2px #0969da}
.stage{display:inline-block;margin-right:.5em}
.stage-fail{color:#a40e26;font-weight:600}
.stage-pass{color:#116329}
.stage-warn{color:#7d4e00}
tr.hidden{display:none}
#causes{margin:0 0 1.2em;max-width:70em}
#causes h2{font-size:1.1em;margin:.2em 0 .5em}
.stack{display:flex;height:22px;border-radius:3px;overflow:hidden;margin:0 0 .6em;background:#f6f8fa}
.stack .seg{height:100%;min-width:2px}
.cause{display:grid;grid-template-columns:14em 4.5em 1fr;align-items:center;gap:.6em;width:100%;text-align:left;font:inherit;background:none;border:1px solid transparent;border-radius:4px;padding:2px 4px;cursor:pointer;color:inherit}
.cause:hover{background:#f6f8fa}
.cause[aria-pressed=true]{border-color:#0969da;background:#ddf4ff}
.cause .track{height:14px;background:#f6f8fa;border-radius:2px}
.cause .bar{display:block;height:100%;min-width:2px;border-radius:2px}
.cause .count{font-variant-numeric:tabular-nums;text-align:right;font-weight:600}
.cause .what{overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.cause .rule{font-family:ui-monospace,monospace;font-size:12px;margin-right:.5em}
.cause .hint{color:#57606a}
#cause-active{margin:.3em 0 0;color:#0969da}
#cause-active[hidden]{display:none}
.cell.dim{opacity:.35}
#findings{margin-top:1.5em;border-top:2px solid #d0d7de;padding-top:.5em}
#findings h2{font-size:1.1em;margin:.2em 0}
.finding{border-left:4px solid #d0d7de;padding:.3em .8em;margin:.6em 0}
.finding.error{border-color:#cf222e}
.finding.warning{border-color:#bf8700}
.finding .msg{font-family:ui-monospace,monospace;white-space:pre-wrap}
.finding .sites,.finding .evidence{color:#57606a;font-family:ui-monospace,monospace;font-size:12px}
.finding .hint{margin-top:.2em}
`;

/** The page's script: filters and the findings panel. Runs on DOMContentLoaded; reads the JSON island. */
const SCRIPT = `
(function () {
  var data = JSON.parse(document.getElementById('ksymcheck-data').textContent);
  var panel = document.getElementById('findings');
  var ruleSel = document.getElementById('filter-rule');
  var verdictSel = document.getElementById('filter-verdict');
  var causeButtons = document.querySelectorAll('button.cause');
  var causeActive = document.getElementById('cause-active');
  var cause = '';
  function el(tag, cls, text) { var e = document.createElement(tag); if (cls) e.className = cls; if (text !== undefined) e.textContent = text; return e; }
  function show(cell) {
    var d = data[cell.id];
    var sel = document.querySelectorAll('.cell.selected');
    for (var i = 0; i < sel.length; i++) sel[i].classList.remove('selected');
    cell.classList.add('selected');
    panel.textContent = '';
    panel.dataset.cell = cell.id;
    panel.appendChild(el('h2', '', d.module + ' on ' + d.kernel + ': ' + d.verdict));
    panel.appendChild(el('div', 'path', d.path));
    if (d.error) panel.appendChild(el('div', 'finding error', d.error));
    if (!d.error && d.findings.length === 0) panel.appendChild(el('p', 'none', 'No findings: modpost and the loader accept this module.'));
    // the DWARF note, once, when this cell shows references without frames
    if (panel.dataset.framesNote && d.findings.some(function (f) { return f.framesMissing; })) panel.appendChild(el('p', 'note', 'note: ' + panel.dataset.framesNote));
    d.findings.forEach(function (f) {
      var box = el('div', 'finding ' + f.severity);
      box.dataset.rule = f.rule;
      box.appendChild(el('div', 'head', f.stage + ' ' + f.severity + ' [' + f.rule + ']' + (f.symbol ? ' ' + f.symbol : '')));
      box.appendChild(el('div', 'msg', f.message));
      if (f.sites.length) box.appendChild(el('div', 'sites', 'referenced at: ' + f.sites.join('; ')));
      if (f.evidence.length) box.appendChild(el('div', 'evidence', 'evidence: ' + f.evidence.join(', ')));
      if (f.hint) box.appendChild(el('div', 'hint', 'hint: ' + f.hint));
      panel.appendChild(box);
    });
  }
  function filter() {
    var rule = ruleSel.value, verdict = verdictSel.value;
    var rows = document.querySelectorAll('tr.module-row');
    for (var i = 0; i < rows.length; i++) {
      var cells = rows[i].querySelectorAll('.cell'), any = false;
      for (var j = 0; j < cells.length; j++) {
        var c = cells[j];
        var ok = (rule === '' || (' ' + c.dataset.rules + ' ').indexOf(' ' + rule + ' ') >= 0) && (verdict === '' || c.dataset.verdict === verdict) && (cause === '' || c.dataset.cause === cause);
        c.classList.toggle('dim', !ok);
        if (ok) any = true;
      }
      rows[i].classList.toggle('hidden', !any);
    }
  }
  document.addEventListener('click', function (e) {
    var cell = e.target.closest && e.target.closest('.cell');
    if (cell && data[cell.id]) show(cell);
  });
  document.addEventListener('keydown', function (e) {
    if ((e.key === 'Enter' || e.key === ' ') && e.target.classList && e.target.classList.contains('cell') && data[e.target.id]) { e.preventDefault(); show(e.target); }
  });
  /** A click on a cause shows only the modules failing for it; on the same cause again, or on "show all", every module. */
  function pickCause(id) {
    cause = id;
    for (var i = 0; i < causeButtons.length; i++) causeButtons[i].setAttribute('aria-pressed', String(causeButtons[i].dataset.cause === id));
    if (causeActive) {
      causeActive.hidden = id === '';
      var b = document.querySelector('button.cause[data-cause="' + id + '"]');
      if (b) causeActive.querySelector('.what').textContent = b.dataset.count + ' module(s) failing for ' + b.dataset.rule + (b.dataset.hint ? ': ' + b.dataset.hint : '');
    }
    filter();
  }
  for (var i = 0; i < causeButtons.length; i++) causeButtons[i].addEventListener('click', function (e) { var id = e.currentTarget.dataset.cause; pickCause(cause === id ? '' : id); });
  var clear = document.getElementById('cause-clear');
  if (clear) clear.addEventListener('click', function () { pickCause(''); });
  ruleSel.addEventListener('change', filter);
  verdictSel.addEventListener('change', filter);
})();
`;

/**
 * A `ksymcheck matrix` report as one report per kernel (the page's columns): each module's findings on
 * that kernel are its cells' findings, stage by stage; a module fails there when a cell of it fails.
 */
export function matrixReports(m: MatrixReport): Report[] {
  return m.kernels.map((kernel) => ({
    schemaVersion: 1 as const,
    kernel,
    stages: m.stages,
    notes: m.notes,
    modules: m.modules.map((mod) => {
      const cells = m.cells.filter((c) => c.module === mod.path && c.kernel === kernel.source);
      return {
        path: mod.path,
        name: mod.name,
        licenses: mod.licenses,
        verdict: cells.some((c) => c.verdict === 'fail') ? ('fail' as const) : ('pass' as const),
        findings: m.stages.flatMap((stage) => cells.filter((c) => c.stage === stage).flatMap((c) => c.findings)),
      };
    }),
    errors: m.errors,
  }));
}

/** One cause of failure: the decisive error's rule and hint (its message when it has none), and the modules it fails. */
interface Cause {
  id: string;
  rule: string;
  hint: string | undefined;
  /** The first such message, shown when there is no hint. */
  example: string;
  /** Module paths (rows) failing for it on some kernel. */
  modules: Set<string>;
}

/** Colours of the causes' bars, in order of their counts; the rest share the last. */
const CAUSE_COLOURS = ['#cf222e', '#bc4c00', '#8250df', '#0969da', '#1a7f37', '#bf3989', '#9a6700', '#57606a'];
/** Causes listed one per line; the rest in a folded list. */
const CAUSES_SHOWN = 12;

/**
 * The causes of the failing modules, most modules first: each failing (module, kernel) cell's decisive
 * error, by rule and hint (a hint without the module's name in it is the same words for every module it
 * applies to, as the text report groups them).
 */
function causesOf(list: Report[]): { causes: Cause[]; causeOfCell: (report: number, path: string) => Cause | undefined } {
  const byKey = new Map<string, Cause>();
  const cell = new Map<string, Cause>();
  list.forEach((r, i) => {
    for (const m of r.modules) {
      if (m.verdict !== 'fail') continue;
      const f = decisiveError(m);
      if (!f) continue;
      const key = `${f.rule}\0${f.hint ?? ''}`;
      let c = byKey.get(key);
      if (!c) byKey.set(key, (c = { id: '', rule: f.rule, hint: f.hint, example: f.message, modules: new Set() }));
      c.modules.add(m.path);
      cell.set(`${i}\0${m.path}`, c);
    }
  });
  const causes = [...byKey.values()].sort((a, b) => b.modules.size - a.modules.size);
  causes.forEach((c, i) => (c.id = `k${i}`));
  return { causes, causeOfCell: (report, path) => cell.get(`${report}\0${path}`) };
}

const n = (x: number) => x.toLocaleString('en-US');

/** The summary above the grid: one stacked bar of every cause, then one line per cause with its own bar. */
function causesSection(causes: Cause[], failing: number): string {
  if (causes.length === 0) return '';
  const colour = (i: number) => CAUSE_COLOURS[Math.min(i, CAUSE_COLOURS.length - 1)];
  const total = causes.reduce((t, c) => t + c.modules.size, 0);
  const max = causes[0].modules.size;
  const segs = causes.map((c, i) => `<div class="seg" data-cause="${c.id}" style="flex:${c.modules.size} 0 0;background:${colour(i)}" title="${esc(`${n(c.modules.size)}: ${c.rule}`)}"></div>`);
  const rows = causes.map((c, i) => {
    const what = c.hint ?? `(no hint) e.g. ${c.example}`;
    const pct = ((100 * c.modules.size) / max).toFixed(2);
    return `<button type="button" class="cause" data-cause="${c.id}" data-rule="${esc(c.rule)}" data-hint="${esc(c.hint ?? '')}" data-count="${c.modules.size}" aria-pressed="false" title="${esc(`${c.rule}: ${what}`)}"><span class="track"><span class="bar" style="width:${pct}%;background:${colour(i)}"></span></span><span class="count">${n(c.modules.size)}</span><span class="what"><span class="rule">${esc(c.rule)}</span><span class="hint">${esc(what)}</span></span></button>`;
  });
  const folded = rows.length > CAUSES_SHOWN ? `\n<details><summary>${n(rows.length - CAUSES_SHOWN)} more causes</summary>\n${rows.slice(CAUSES_SHOWN).join('\n')}\n</details>` : '';
  const heading = `Why ${n(failing)} module${failing === 1 ? '' : 's'} fail${failing === 1 ? 's' : ''}: ${n(causes.length)} cause${causes.length === 1 ? '' : 's'}`;
  return `<section id="causes">
<h2>${heading}</h2>
<div class="stack" role="img" aria-label="${esc(causes.map((c) => `${n(c.modules.size)} ${c.rule}`).join(', '))} of ${n(total)}">${segs.join('')}</div>
${rows.slice(0, CAUSES_SHOWN).join('\n')}${folded}
<p id="cause-active" hidden><span class="what"></span> — <button type="button" id="cause-clear">show all modules</button></p>
</section>`;
}

/** The page for one report, or for several reports of the same modules (one column per kernel). */
export function formatHtml(reports: Report | Report[], opts: HtmlOptions): string {
  const list = (Array.isArray(reports) ? reports : [reports]).map((r) => visibleStrings(r)); // (visible.ts)
  const columns = list.map((r, i) => ({
    i,
    report: r,
    label: r.kernel.release ?? r.kernel.version,
    modules: new Map(r.modules.map((m) => [m.path, m])),
    errors: new Map(r.errors.map((e) => [e.path, e])),
  }));
  // Rows: every module path of any report, in first-seen order.
  const rows = new Map<string, string>();
  for (const r of list) {
    for (const m of r.modules) if (!rows.has(m.path)) rows.set(m.path, m.name);
    for (const e of r.errors) if (!rows.has(e.path)) rows.set(e.path, e.path.replace(/^.*\//, ''));
  }
  const data: Record<string, CellData> = {};
  const rules = new Set<string>();
  const { causes, causeOfCell } = causesOf(list);
  const body: string[] = [];
  let row = 0;
  for (const [path, name] of rows) {
    const cells: string[] = [];
    for (const col of columns) {
      const id = `c${row}-${col.i}`;
      const m = col.modules.get(path);
      const err = col.errors.get(path);
      const verdict: Verdict = m ? m.verdict : err ? 'unreadable' : 'absent';
      const findings = m ? m.findings.map(findingData) : [];
      for (const f of findings) rules.add(f.rule);
      const cellRules = [...new Set(findings.map((f) => f.rule))].join(' ');
      const warned = findings.some((f) => f.severity === 'warning');
      const cause = causeOfCell(col.i, path);
      const stages = m
        ? col.report.stages
            .map((s) => {
              const mine = m.findings.filter((f) => f.stage === s);
              const cls = mine.some((f) => f.severity === 'error') ? 'fail' : mine.length ? 'warn' : 'pass';
              return `<span class="stage stage-${cls}" data-stage="${s}">${s} ${cls === 'fail' ? '✗' : cls === 'warn' ? '!' : '✓'}</span>`;
            })
            .join('')
        : esc(verdict);
      if (verdict !== 'absent') data[id] = { module: name, path, kernel: col.label, verdict, ...(err ? { error: err.message } : {}), findings };
      cells.push(
        `<td id="${id}" class="cell verdict-${verdict}${warned ? ' has-warnings' : ''}" data-verdict="${verdict}" data-module="${esc(name)}" data-kernel="${esc(col.label)}" data-rules="${esc(cellRules)}"${cause ? ` data-cause="${cause.id}"` : ''}${verdict !== 'absent' ? ' tabindex="0"' : ''}>${stages}</td>`,
      );
    }
    // a signed module's signer, as its first report says it (the same module file in every column)
    const signedIn = columns.map((c) => c.modules.get(path)).find((m) => m?.signature);
    const signer = signedIn ? signerLine(signedIn) : undefined;
    body.push(`<tr class="module-row" data-module="${esc(name)}"><td class="module" title="${esc(path)}">${esc(name)}${signer ? `<div class="signer">${esc(signer)}</div>` : ''}</td>${cells.join('')}</tr>`);
    row++;
  }
  const failing = list.map((r) => r.modules.filter((m) => m.verdict === 'fail').length);
  const meta = columns
    .map((c) => `${esc(c.label)}: ${failing[c.i]} of ${c.report.modules.length} fail${c.report.errors.length ? `, ${c.report.errors.length} unreadable` : ''} (rules of ${esc(c.report.kernel.version)}, stages ${c.report.stages.join('+')}, from ${esc(c.report.kernel.source)})`)
    .join('<br>');
  // the DWARF note is said in the findings panel, with references it is about
  const framesNote = list.flatMap((r) => r.notes).find(isNoDwarfNote);
  const notes = [...new Set(list.flatMap((r) => r.notes))].filter((n) => !isNoDwarfNote(n)).map((n) => `<p class="note">note: ${esc(n)}</p>`);
  const ruleOptions = [...rules].sort().map((r) => `<option value="${esc(r)}">${esc(r)}</option>`);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>ksymcheck: ${esc(columns.map((c) => c.label).join(', '))}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>ksymcheck ${esc(opts.toolVersion)}: modules × kernels</h1>
<p class="meta">${meta}</p>
${notes.join('\n')}
${causesSection(causes, new Set(list.flatMap((r) => r.modules.filter((m) => m.verdict === 'fail').map((m) => m.path))).size)}
<div class="filters">
<label>rule <select id="filter-rule"><option value="">all rules</option>${ruleOptions.join('')}</select></label>
<label>verdict <select id="filter-verdict"><option value="">all verdicts</option><option value="fail">fail</option><option value="pass">pass</option><option value="unreadable">unreadable</option></select></label>
</div>
<table class="grid">
<thead><tr><th>module</th>${columns.map((c) => `<th class="kernel" data-kernel="${esc(c.label)}">${esc(c.label)}</th>`).join('')}</tr></thead>
<tbody>
${body.join('\n')}
</tbody>
</table>
<section id="findings"${framesNote ? ` data-frames-note="${esc(framesNote)}"` : ''}><p>Click a cell to see its findings.</p></section>
<script type="application/json" id="ksymcheck-data">${jsonIsland(data)}</script>
<script>${SCRIPT}</script>
</body>
</html>
`;
}
