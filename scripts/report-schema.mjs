#!/usr/bin/env node
/**
 * Write docs/report.schema.json, the JSON report's JSON Schema generated from the zod schema
 * (src/report/json-schema.ts, read from tsc's dist/: run after `npm run build`). test/report/json-schema.test.ts
 * fails when the committed file differs.
 */
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatReportJsonSchema } from '../dist/report/json-schema.js';

const out = join(dirname(fileURLToPath(import.meta.url)), '..', 'docs', 'report.schema.json');
writeFileSync(out, formatReportJsonSchema());
process.stderr.write(`report-schema: wrote ${out}\n`);
