/**
 * --format junit: valid against Jenkins' JUnit schema (xmllint-wasm), one suite per kernel and stage, one
 * test case per module, a failure per error finding with the kernel's message, warnings as system-out.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { validateXML } from 'xmllint-wasm';
import { formatJunit, xmlEscape } from '../../src/report/junit.js';
import type { Report } from '../../src/report/schema.js';
import { ROOT } from '../helpers/fixtures.js';
import { variedReport } from './reports.js';

const XSD = readFileSync(join(ROOT, 'test', 'data', 'junit', 'junit-10.xsd'), 'utf8');

async function validate(xml: string) {
  return validateXML({ xml: [{ fileName: 'report.xml', contents: xml }], schema: [{ fileName: 'junit-10.xsd', contents: XSD }] });
}

let report: Report;
let xml: string;
beforeAll(async () => {
  report = await variedReport();
  xml = formatJunit(report);
});

test('valid against the JUnit schema Jenkins reads; the validator rejects a broken one', async () => {
  const r = await validate(xml);
  expect(r.errors).toEqual([]);
  expect(r.valid).toBe(true);
  const broken = await validate(xml.replace('<testsuite ', '<testsuite bogus="1" '));
  expect(broken.valid).toBe(false);
  expect((await validate(xml.replace(/(<testsuite name="[^"]+") tests="\d+"/, '$1'))).valid).toBe(false);
});

test('one suite per stage of the kernel, one test case per module and unreadable file', () => {
  const suites = [...xml.matchAll(/<testsuite name="([^"]+)" tests="(\d+)" failures="(\d+)" errors="(\d+)"/g)].map((m) => m.slice(1));
  expect(suites).toEqual([
    ['6.16.0 build', '11', '4', '1'],
    ['6.16.0 load', '11', '4', '1'],
  ]);
  expect(xml).toMatch(/<testsuites name="ksymcheck" tests="22" failures="8" errors="2">/);
  const cases = [...xml.matchAll(/<testcase name="([^"]+)" classname="ksymcheck\.build"/g)].map((m) => m[1]);
  expect(cases).toEqual([...report.modules.map((m) => m.name), report.errors[0].path]);
});

test('a failure per error finding, with the kernel message; details in the body', () => {
  const build = xml.slice(xml.indexOf('<testsuite name="6.16.0 build"'), xml.indexOf('<testsuite name="6.16.0 load"'));
  const fpu = build.slice(build.indexOf('<testcase name="fpu_user"'), build.indexOf('</testcase>', build.indexOf('<testcase name="fpu_user"')));
  const failures = [...fpu.matchAll(/<failure type="([^"]+)" message="([^"]+)">/g)].map((m) => [m[1], m[2]]);
  expect(failures).toEqual([
    ['gpl-only', 'ERROR: modpost: GPL-incompatible module fpu-user.ko uses GPL-only symbol &apos;kernel_fpu_begin_mask&apos;'],
    ['gpl-only', 'ERROR: modpost: GPL-incompatible module fpu-user.ko uses GPL-only symbol &apos;kernel_fpu_end&apos;'],
  ]);
  expect(fpu).toMatch(/symbol: kernel_fpu_end\n.*\nreferenced at: \S+\+0x[0-9a-f]+ in \.text/s);
  expect(build).toMatch(/<testcase name="weak_user" classname="ksymcheck.build"\/>/);
    expect(fpu).toContain('module file: samples/build/v6/modules/fpu-user/fpu-user.ko\nrule: gpl-only (build)\n');
  expect(build).toMatch(/<error type="unreadable" message="[^"]*not an ELF file[^"]*">/);
});

test('warnings are system-out, not failures', async () => {
  // fpu_user's findings as warnings (as --modpost-warn makes some): no failure, each in system-out
  const warned: Report = {
    ...report,
    modules: report.modules.filter((m) => m.name === 'fpu_user').map((m) => ({ ...m, verdict: 'pass' as const, findings: m.findings.map((f) => ({ ...f, severity: 'warning' as const })) })),
    errors: [],
  };
  const x = formatJunit(warned);
  expect((await validate(x)).valid).toBe(true);
  expect(x).not.toContain('<failure');
  const outs = [...x.matchAll(/<system-out>([^<]*)<\/system-out>/g)].map((m) => m[1].split('\n').filter((l) => l.startsWith('warning: ')));
  expect(outs).toEqual([
    ["warning: ERROR: modpost: GPL-incompatible module fpu-user.ko uses GPL-only symbol &apos;kernel_fpu_begin_mask&apos;", "warning: ERROR: modpost: GPL-incompatible module fpu-user.ko uses GPL-only symbol &apos;kernel_fpu_end&apos;"],
    ['warning: fpu_user: Unknown symbol kernel_fpu_begin_mask (err -2)', 'warning: fpu_user: Unknown symbol kernel_fpu_end (err -2)'],
  ]);
  expect(x).toMatch(/<testsuite name="6.16.0 build" tests="1" failures="0" errors="0"/);
});

test('escaping: markup and characters XML cannot hold', async () => {
  expect(xmlEscape('a<b>&"c\'\u0001\uFFFE')).toBe('a&lt;b&gt;&amp;&quot;c&apos;\uFFFD\uFFFD');
  const odd: Report = { ...report, modules: [{ ...report.modules[0], name: 'we<ird>&\u0007' }] };
  expect((await validate(formatJunit(odd))).valid).toBe(true);
});
