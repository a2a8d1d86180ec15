/**
 * The JSON report's schema as a JSON Schema document, generated from the zod schema (the one
 * definition), for consumers that do not use TypeScript. docs/report.schema.json is this, written by
 * `npm run report-schema`; a test keeps it current.
 */
import { z } from 'zod';
import { reportSchema } from './schema.js';

export function reportJsonSchema(): Record<string, unknown> {
  const generated = z.toJSONSchema(reportSchema, { target: 'draft-2020-12' }) as Record<string, unknown>;
  return {
    $schema: generated.$schema,
    $id: 'ksymcheck-report.schema.json',
    title: 'ksymcheck JSON report (--format json)',
    description: "ksymcheck's report: the kernel checked against, the stages, and per module its verdict and findings. Generated from src/report/schema.ts.",
    ...Object.fromEntries(Object.entries(generated).filter(([k]) => k !== '$schema')),
  };
}

export function formatReportJsonSchema(): string {
  return JSON.stringify(reportJsonSchema(), null, 2) + '\n';
}
