/**
 * docs/report.schema.json is the JSON Schema generated from the zod report schema, kept current, and it
 * validates what --format json writes (ajv, draft 2020-12) and rejects a broken report.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020Module from 'ajv/dist/2020.js';
import { formatReportJsonSchema } from '../../src/report/json-schema.js';
import { ROOT } from '../helpers/fixtures.js';
import { variedReport } from './reports.js';

const Ajv2020 = Ajv2020Module.default;
const FILE = join(ROOT, 'docs', 'report.schema.json');

test('docs/report.schema.json is current (regenerate with: npm run report-schema)', () => {
  expect(readFileSync(FILE, 'utf8')).toBe(formatReportJsonSchema());
});

test('it validates a report and rejects broken ones', async () => {
  const validate = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true }).compile(JSON.parse(readFileSync(FILE, 'utf8')));
  const report = JSON.parse(JSON.stringify(await variedReport()));
  expect(report.modules.some((m: { findings: unknown[] }) => m.findings.length > 0)).toBe(true);
  expect(validate(report)).toBe(true);
  expect(validate.errors ?? []).toEqual([]);
  const broken = JSON.parse(JSON.stringify(report));
  broken.modules[3].findings[0].rule = 'no-such-rule';
  expect(validate(broken)).toBe(false);
  expect(validate({ ...report, schemaVersion: 2 })).toBe(false);
  const noMessage = JSON.parse(JSON.stringify(report));
  delete noMessage.modules[3].findings[0].message;
  expect(validate(noMessage)).toBe(false);
});
