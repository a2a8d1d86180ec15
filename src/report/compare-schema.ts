/**
 * The JSON contracts of `ksymcheck matrix` and `ksymcheck diff`, beside the check report's
 * (schema.ts): each document says what it is (`report`) and its own `schemaVersion`.
 */
import { z } from 'zod';
import { RULE_IDS } from '../rules/types.js';
import { findingSchema, reportSchema } from './schema.js';

const kernelSchema = reportSchema.shape.kernel;
const stageSchema = z.enum(['build', 'load']);
const errorsSchema = reportSchema.shape.errors;

export const matrixReportSchema = z.object({
  schemaVersion: z.literal(1),
  report: z.literal('matrix'),
  /** In the order given: `firstFailing` looks for the first failing one in this order. */
  kernels: z.array(kernelSchema),
  stages: z.array(stageSchema),
  notes: z.array(z.string()),
  modules: z.array(
    z.object({
      path: z.string(),
      name: z.string(),
      licenses: z.array(z.string()),
      /** The `source` of the first kernel (in the given order) the module fails on, at any stage; null: none. */
      firstFailing: z.string().nullable(),
    }),
  ),
  /** One per (module, kernel, stage): `module` is the module's path, `kernel` the kernel's `source`. */
  cells: z.array(
    z.object({
      module: z.string(),
      kernel: z.string(),
      stage: stageSchema,
      verdict: z.enum(['pass', 'fail']),
      findings: z.array(findingSchema),
    }),
  ),
  errors: errorsSchema,
});

export type MatrixReport = z.infer<typeof matrixReportSchema>;

export const exportChangeSchema = z.object({
  symbol: z.string(),
  kind: z.enum(['added', 'removed', 'license', 'namespace', 'crc', 'owner']),
  /** Export type (added, removed, license), namespace, CRC as 0x%08x, or owner; null where absent. */
  from: z.string().nullable(),
  to: z.string().nullable(),
});

/** An error finding a module has against one kernel and not against the other. */
export const diffBreakSchema = z.object({
  module: z.string(),
  name: z.string(),
  symbol: z.string().nullable(),
  rule: z.enum(RULE_IDS),
  stage: stageSchema,
  message: z.string(),
});

export type DiffBreak = z.infer<typeof diffBreakSchema>;

export const diffReportSchema = z.object({
  schemaVersion: z.literal(1),
  report: z.literal('diff'),
  from: kernelSchema,
  to: kernelSchema,
  stages: z.array(stageSchema),
  notes: z.array(z.string()),
  summary: z.object({
    added: z.number().int().nonnegative(),
    removed: z.number().int().nonnegative(),
    license: z.number().int().nonnegative(),
    namespace: z.number().int().nonnegative(),
    crc: z.number().int().nonnegative(),
    owner: z.number().int().nonnegative(),
  }),
  /** How many modules were checked against both kernels (0: none given, the export changes alone). */
  modules: z.number().int().nonnegative(),
  /** Sorted by symbol; a symbol with several changes has one entry per kind. */
  changes: z.array(exportChangeSchema),
  /** Error findings the modules have against `to` and not against `from`. */
  breaks: z.array(diffBreakSchema),
  /** Error findings the modules had against `from` and no longer have against `to`. */
  fixes: z.array(diffBreakSchema),
  errors: errorsSchema,
});

export type DiffReport = z.infer<typeof diffReportSchema>;
