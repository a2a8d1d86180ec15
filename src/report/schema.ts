/**
 * The JSON report: a contract other tools parse. Defined once with zod; the TypeScript types are
 * inferred from it, and tests validate every report the CLI emits against it.
 */
import { z } from 'zod';
import { RULE_IDS } from '../rules/types.js';

export const referenceSchema = z.object({
  section: z.string(),
  function: z.string().optional(),
  offset: z.number().int().nonnegative(),
  /** The relocated bytes' offset in the ELF file (of a .ko.gz/.xz/.zst: in the decompressed image). */
  fileOffset: z.number().int().nonnegative().optional(),
});

export const findingSchema = z.object({
  rule: z.enum(RULE_IDS),
  stage: z.enum(['build', 'load']),
  severity: z.enum(['error', 'warning']),
  symbol: z.string().optional(),
  message: z.string().min(1),
  hint: z.string().optional(),
  evidence: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
  references: z.array(referenceSchema),
});

export const moduleReportSchema = z.object({
  path: z.string(),
  name: z.string(),
  licenses: z.array(z.string()),
  verdict: z.enum(['pass', 'fail']),
  findings: z.array(findingSchema),
});

export const reportSchema = z.object({
  schemaVersion: z.literal(1),
  kernel: z.object({
    release: z.string().nullable(),
    /** The version whose rules were applied (MAJOR.MINOR.PATCH[-rcN]). */
    version: z.string(),
    versionSource: z.string(),
    source: z.string(),
    modversions: z.boolean().nullable(),
    exports: z.number().int().nonnegative(),
  }),
  stages: z.array(z.enum(['build', 'load'])),
  notes: z.array(z.string()),
  modules: z.array(moduleReportSchema),
  errors: z.array(z.object({ path: z.string(), message: z.string() })),
});

export type Report = z.infer<typeof reportSchema>;
export type ModuleReport = z.infer<typeof moduleReportSchema>;
export type FindingJson = z.infer<typeof findingSchema>;
