/**
 * The JSON report: a contract other tools parse. Defined once with zod; the TypeScript types are
 * inferred from it, and tests validate every report the CLI emits against it.
 */
import { z } from 'zod';
import { RULE_IDS } from '../rules/types.js';

/** One frame of an inline chain (eu-addr2line -i -f): a function, and the file and line in it. */
export const frameSchema = z.object({
  function: z.string(),
  file: z.string(),
  line: z.number().int().nonnegative(),
  column: z.number().int().positive().optional(),
});

export const referenceSchema = z.object({
  section: z.string(),
  function: z.string().optional(),
  offset: z.number().int().nonnegative(),
  /** The relocated bytes' offset in the ELF file (of a .ko.gz/.xz/.zst: in the decompressed image). */
  fileOffset: z.number().int().nonnegative().optional(),
  /**
   * From the module's DWARF, innermost first: the innermost inlined function with the line in it, then
   * each caller with the line of its call, out to the module's own function. Absent without DWARF.
   */
  frames: z.array(frameSchema).optional(),
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
    /**
     * Where `modversions` came from: `config` (.config / auto.conf), `exports` (inferred: a non-zero CRC →
     * on; every CRC zero and no module_layout export → off), `unknown` (null: the loader checks were made
     * as if on). Absent from reports written before it was added.
     */
    modversionsSource: z.enum(['config', 'exports', 'unknown']).optional(),
    exports: z.number().int().nonnegative(),
  }),
  stages: z.array(z.enum(['build', 'load'])),
  notes: z.array(z.string()),
  modules: z.array(moduleReportSchema),
  errors: z.array(z.object({ path: z.string(), message: z.string() })),
  /**
   * A shard's report (--shard i/n): which shard, and each module's place in the whole run's module
   * order (positions[k] is modules[k]'s). Absent from a whole run's report and from a merged one.
   */
  shard: z
    .object({
      index: z.number().int().min(1),
      count: z.number().int().min(1),
      positions: z.array(z.number().int().nonnegative()),
    })
    .optional(),
});

export type Report = z.infer<typeof reportSchema>;
export type ModuleReport = z.infer<typeof moduleReportSchema>;
export type FindingJson = z.infer<typeof findingSchema>;
