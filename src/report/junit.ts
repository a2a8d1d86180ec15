/**
 * JUnit XML, as Jenkins' and GitLab's test reports read it: one <testsuite> per kernel and stage, one
 * <testcase> per module, a <failure> per error finding (the kernel's message; symbol, evidence, call sites
 * and hint in its body), the warnings as the test case's <system-out>. Valid against the xUnit plugin's
 * junit-10.xsd (test/data/junit), which allows no `file` attribute on a test case: the module's path is
 * in the failure's body. A file that could not be read is a
 * test case with an <error> in every stage's suite. Knows the report's shape only.
 */
import type { FindingJson, Report } from './schema.js';
import { signerLine } from './signer.js';
import { formatReference } from './text.js';

/** Characters XML 1.0 cannot hold (C0 controls but tab, LF, CR; lone surrogates; U+FFFE/U+FFFF) → U+FFFD. */
const NOT_XML = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

export function xmlEscape(s: string): string {
  return s
    .replace(NOT_XML, '\uFFFD')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

function attrs(a: Record<string, string | number | undefined>): string {
  return Object.entries(a)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => ` ${k}="${xmlEscape(String(v))}"`)
    .join('');
}

/** What a finding says beyond its message, one fact a line. */
function details(path: string, f: FindingJson): string[] {
  const lines = [`module file: ${path}`, `rule: ${f.rule} (${f.stage})`];
  if (f.symbol !== undefined) lines.push(`symbol: ${f.symbol}`);
  for (const [k, v] of Object.entries(f.evidence)) if (v !== null && v !== '') lines.push(`${k}: ${v}`);
  for (const r of f.references) lines.push(`referenced at: ${formatReference(r)}`);
  if (f.hint) lines.push(`hint: ${f.hint}`);
  return lines;
}

export function formatJunit(report: Report): string {
  const k = report.kernel;
  const kernelName = k.release ?? k.version;
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>'];
  const suites: string[] = [];
  let tests = 0;
  let failures = 0;
  let errors = 0;
  for (const stage of report.stages) {
    const cases: string[] = [];
    let suiteFailures = 0;
    const classname = `ksymcheck.${stage}`;
    for (const m of report.modules) {
      const mine = m.findings.filter((f) => f.stage === stage);
      const failed = mine.filter((f) => f.severity === 'error');
      const warned = mine.filter((f) => f.severity === 'warning');
      const body: string[] = [];
      for (const f of failed) {
        body.push(`      <failure${attrs({ type: f.rule, message: f.message })}>${xmlEscape([f.message, ...details(m.path, f)].join('\n'))}</failure>`);
      }
      const signer = signerLine(m);
      if (warned.length || signer) {
        const text = [...(signer ? [signer] : []), ...warned.map((f) => [`warning: ${f.message}`, ...details(m.path, f).map((l) => `  ${l}`)].join('\n'))].join('\n');
        body.push(`      <system-out>${xmlEscape(text)}</system-out>`);
      }
      if (failed.length) suiteFailures++;
      const head = `    <testcase${attrs({ name: m.name, classname })}`;
      cases.push(body.length ? `${head}>\n${body.join('\n')}\n    </testcase>` : `${head}/>`);
    }
    for (const e of report.errors) {
      cases.push(`    <testcase${attrs({ name: e.path, classname })}>\n      <error${attrs({ type: 'unreadable', message: e.message })}>${xmlEscape(e.message)}</error>\n    </testcase>`);
    }
    const suiteTests = report.modules.length + report.errors.length;
    tests += suiteTests;
    failures += suiteFailures;
    errors += report.errors.length;
    const props = [
      ['kernel.release', k.release ?? ''],
      ['kernel.version', k.version],
      ['kernel.versionSource', k.versionSource],
      ['kernel.source', k.source],
      ['kernel.modversions', k.modversions === null ? 'unknown' : String(k.modversions)],
      ['kernel.exports', String(k.exports)],
      ['stage', stage],
      ...report.notes.map((n) => ['note', n]),
    ]
      .map(([name, value]) => `      <property${attrs({ name, value })}/>`)
      .join('\n');
    suites.push(
      `  <testsuite${attrs({ name: `${kernelName} ${stage}`, tests: suiteTests, failures: suiteFailures, errors: report.errors.length, skipped: 0 })}>\n` +
        `    <properties>\n${props}\n    </properties>\n` +
        cases.join('\n') +
        (cases.length ? '\n' : '') +
        '  </testsuite>',
    );
  }
  out.push(`<testsuites${attrs({ name: 'ksymcheck', tests, failures, errors })}>`);
  out.push(...suites);
  out.push('</testsuites>');
  return out.join('\n') + '\n';
}
