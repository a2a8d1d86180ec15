/**
 * --format sarif: the SARIF 2.1.0 log validates with zero errors and zero warnings under Microsoft's SARIF
 * Multitool (the npm package, scripts/sarif-multitool) and under the official OASIS schema with ajv; one
 * result per finding with the kernel's message, level, the module file, function+offset and the relocated
 * bytes' file offset (checked against readelf), fingerprints stable across paths and runs.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import AjvDraft04 from 'ajv-draft-04';
import addFormatsModule from 'ajv-formats';
import { check } from '../../src/check.js';
import { RULE_IDS } from '../../src/rules/types.js';
import type { Report } from '../../src/report/schema.js';
import { formatSarif, formatSarifChunks } from '../../src/report/sarif.js';
import { ruleDocs } from '../../src/rules/index.js';
import { CLI, ROOT, run, sample } from '../helpers/fixtures.js';
import { variedReport } from './reports.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Sarif = any;

// CommonJS packages: under NodeNext the default import is module.exports, which has the `default` too
const Ajv = AjvDraft04.default;
const addFormats = addFormatsModule.default;

const OPTS = { toolVersion: '0.1.0', informationUri: 'file:///usr/lib/node_modules/ksymcheck/README.md' };

let report: Report;
let sarif: Sarif;
let file: string;
beforeAll(async () => {
  report = await variedReport();
  const text = formatSarif(report, OPTS);
  sarif = JSON.parse(text);
  file = join(mkdtempSync(join(tmpdir(), 'ksymcheck-sarif-')), 'report.sarif');
  writeFileSync(file, text);
});

describe('SARIF validators', () => {
  test('Microsoft SARIF Multitool validate: no error, no warning', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'ksymcheck-sarif-')), 'validation.sarif');
    const r = spawnSync('bash', [join(ROOT, 'scripts', 'sarif-multitool'), 'validate', '--level', 'Error;Warning', '--output', out, file], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    process.stdout.write(`SARIF Multitool validate printed:\n${r.stdout}${r.stderr}`);
    const log = JSON.parse(readFileSync(out, 'utf8'));
    const problems = log.runs[0].results.filter((x: Sarif) => x.level === 'error' || x.level === 'warning' || x.level === undefined);
    expect(problems.map((x: Sarif) => `${x.ruleId}: ${x.message.text ?? x.message.id}`)).toEqual([]);
    expect(r.stdout).not.toMatch(/\b(error|warning) SARIF\d+/);
    expect(log.runs[0].invocations[0].executionSuccessful).toBe(true);
  });

  test('ajv against the official OASIS SARIF 2.1.0 schema: no error', () => {
    const ajv = new Ajv({ allErrors: true, strict: false });
    addFormats(ajv);
    const validate = ajv.compile(JSON.parse(readFileSync(join(ROOT, 'test', 'data', 'sarif', 'sarif-schema-2.1.0.json'), 'utf8')));
    const ok = validate(sarif);
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
    // the schema does reject a broken log (the validator is not vacuous)
    expect(validate({ ...sarif, version: '2.0.0' })).toBe(false);
    expect(validate({ ...sarif, runs: [{ ...sarif.runs[0], results: [{ level: 'fatal', message: { text: 'x' } }] }] })).toBe(false);
  });
});

describe('SARIF content', () => {
  test('one reportingDescriptor per rule id with descriptions, the kernel source and a default level', () => {
    const rules = sarif.runs[0].tool.driver.rules;
    expect(rules.map((r: Sarif) => r.id)).toEqual([...RULE_IDS]);
    const ns = rules.find((r: Sarif) => r.id === 'namespace-not-imported');
    expect(ns.name).toBe('NamespaceNotImported');
    expect(ns.defaultConfiguration.level).toBe('error');
    expect(ns.help.text).toContain('scripts/mod/modpost.c: check_exports()');
    expect(ns.help.text).toContain('verify_namespace_is_imported()');
    expect(ns.fullDescription.text).toBe(ruleDocs['namespace-not-imported'].description);
    expect(ns.help.text).toContain(`Fix: ${ruleDocs['namespace-not-imported'].fix}`);
    expect(ns.properties.stages).toEqual(['build', 'load']);
    expect(rules.find((r: Sarif) => r.id === 'missing-crc').defaultConfiguration.level).toBe('warning');
  });

  test('written in pieces, the log is the text JSON.stringify(log, null, 2) gives, with and without results', () => {
    expect(formatSarif(report, OPTS)).toBe(JSON.stringify(sarif, null, 2) + '\n');
    const none = formatSarif({ ...report, modules: report.modules.filter((m) => m.findings.length === 0) }, OPTS);
    expect(JSON.parse(none).runs[0].results).toEqual([]);
    expect(none).toBe(JSON.stringify(JSON.parse(none), null, 2) + '\n');
    expect([...formatSarifChunks(report, OPTS)].length).toBe(3 + sarif.runs[0].results.length);
  });

  test('one result per finding, in report order, with rule, level and the kernel message', () => {
    const findings = report.modules.flatMap((m) => m.findings.map((f) => ({ ruleId: f.rule, level: f.severity, text: f.message, module: m.name, stage: f.stage })));
    const results = sarif.runs[0].results.map((r: Sarif) => ({ ruleId: r.ruleId, level: r.level, text: r.message.text, module: r.properties.module, stage: r.properties.stage }));
    expect(results).toEqual(findings);
    expect(results.length).toBe(17); // 3 of them dup_export's (duplicate-export: two at build, one at load)
    for (const r of sarif.runs[0].results) expect(sarif.runs[0].tool.driver.rules[r.ruleIndex].id).toBe(r.ruleId);
  });

  test('the module file, function+offset, related locations and the relocated bytes (readelf as the oracle)', () => {
    const results = sarif.runs[0].results.filter((r: Sarif) => r.properties.module === 'vboxdrv' && r.properties.stage === 'build');
    expect(results).toHaveLength(1);
    const [r] = results;
    expect(r.message.text).toBe('ERROR: modpost: module vboxdrv uses symbol cr4_update_irqsoff from namespace module:kvm,kvm-*, but does not import it.');
    const all = [...r.locations, ...r.relatedLocations];
    expect(all.map((l: Sarif) => l.physicalLocation.artifactLocation)).toEqual([
      { uri: 'samples/build/v6/modules/vboxdrv/vboxdrv.ko', uriBaseId: '%SRCROOT%', index: expect.any(Number) },
      { uri: 'samples/build/v6/modules/vboxdrv/vboxdrv.ko', uriBaseId: '%SRCROOT%', index: expect.any(Number) },
    ]);
    expect(all.map((l: Sarif) => [l.logicalLocations[0].name, l.logicalLocations[0].kind, l.message.text])).toEqual([
      ['vboxdrv_init', 'function', 'cr4_update_irqsoff at vboxdrv_init+0x9 in .init.text'],
      ['vboxdrv_exit', 'function', 'cr4_update_irqsoff at vboxdrv_exit+0x8 in .exit.text'],
    ]);
    // readelf: sh_offset of the section + r_offset of the relocation against the symbol
    const ko = sample('v6', 'modules', 'vboxdrv', 'vboxdrv.ko');
    const sections = new Map<string, number>();
    for (const m of run('readelf', ['-SW', ko]).matchAll(/\]\s+(\S+)\s+\S+\s+[0-9a-f]+\s+([0-9a-f]+)\s/g)) sections.set(m[1], parseInt(m[2], 16));
    const expected: number[] = [];
    let current = '';
    for (const line of run('readelf', ['-rW', ko]).split('\n')) {
      const head = /Relocation section '\.rela(\S+)'/.exec(line);
      if (head) current = head[1];
      const rel = /^([0-9a-f]+)\s+\S+\s+\S+\s+\S+\s+cr4_update_irqsoff\b/.exec(line);
      if (rel) expected.push(sections.get(current)! + parseInt(rel[1], 16));
    }
    expect(expected).toHaveLength(2);
    expect(all.map((l: Sarif) => l.physicalLocation.region.byteOffset)).toEqual(expected);
  });

  test('a finding without references points at the module as a whole; a compressed module gets no image offsets', () => {
    const vermagic = sarif.runs[0].results.find((r: Sarif) => r.ruleId === 'vermagic-mismatch');
    expect(vermagic.locations[0].physicalLocation).toEqual({ artifactLocation: { uri: 'samples/build/compressed/xz-crc32/libafs.ko.xz', uriBaseId: '%SRCROOT%', index: expect.any(Number) }, region: { byteOffset: 0 } });
    const unresolved = sarif.runs[0].results.filter((r: Sarif) => r.properties.module === 'libafs' && r.ruleId === 'unresolved');
    expect(unresolved).toHaveLength(5);
    for (const r of unresolved) expect(r.locations[0].physicalLocation.region).toEqual({ byteOffset: 0 });
  });

  test('every module checked is an artifact; an unreadable file is an error notification', () => {
    const run0 = sarif.runs[0];
    expect(run0.artifacts.map((a: Sarif) => a.location.uri).sort()).toEqual(
      [...report.modules.map((m) => m.path), report.errors[0].path].map((p) => (p.startsWith('/') ? `file://${p}` : p)).sort(),
    );
    expect(run0.invocations[0].executionSuccessful).toBe(false);
    // (besides the note that the v6 samples, built without -g, have no DWARF for frames)
    expect(run0.invocations[0].toolExecutionNotifications.filter((n: Sarif) => !/no DWARF/.test(n.message.text))).toEqual([
      { level: 'error', message: { text: report.errors[0].message }, locations: [{ physicalLocation: { artifactLocation: { uri: `file://${report.errors[0].path}`, index: expect.any(Number) } } }] },
    ]);
    expect(report.errors[0].message).toContain('not an ELF file');
    expect(run0.automationDetails.id).toBe('ksymcheck/6.16.0/build+load/');
  });

  test('fingerprints: one per result, unique, the same for the module at another path and in another run', async () => {
    const prints = sarif.runs[0].results.map((r: Sarif) => r.partialFingerprints['ksymcheckFinding/v1']);
    expect(new Set(prints).size).toBe(prints.length);
    const dir = mkdtempSync(join(tmpdir(), 'ksymcheck-sarif-'));
    const moved = join(dir, 'vboxdrv.ko');
    copyFileSync(sample('v6', 'modules', 'vboxdrv', 'vboxdrv.ko'), moved);
    const again = JSON.parse(formatSarif(await check({ kernel: sample('v6', 'kernels', '6.16'), modules: [moved] }), OPTS));
    const byKey = (s: Sarif) => s.runs[0].results.filter((r: Sarif) => r.properties.module === 'vboxdrv').map((r: Sarif) => r.partialFingerprints['ksymcheckFinding/v1']);
    expect(byKey(again)).toEqual(byKey(sarif));
    expect(byKey(again)).toHaveLength(2);
  });

  test('the CLI writes the same log with --format sarif', () => {
    const r = spawnSync(process.execPath, [CLI, '-k', sample('v6', 'kernels', '6.16'), sample('v6', 'modules', 'ns-missing', 'ns-missing.ko'), '--format', 'sarif'], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    const s = JSON.parse(r.stdout);
    expect(s.version).toBe('2.1.0');
    expect(s.runs[0].tool.driver.version).toBe(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version);
    expect(s.runs[0].tool.driver.informationUri).toMatch(/^file:\/\/.*\/README\.md$/);
    expect(s.runs[0].results.map((x: Sarif) => [x.ruleId, x.level, x.message.text])).toEqual([
      ['namespace-not-imported', 'error', 'ERROR: modpost: module ns-missing uses symbol usb_stor_suspend from namespace USB_STORAGE, but does not import it.'],
      ['namespace-not-imported', 'error', 'ns_missing: module uses symbol (usb_stor_suspend) from namespace USB_STORAGE, but does not import it.'],
    ]);
  });
});
