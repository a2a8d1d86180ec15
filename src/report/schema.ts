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

/**
 * A signed module's signature (absent for an unsigned module): who signed it — the trusted key's subject
 * and id when one of the known keys matched, else the issuer and serial (or key identifier) the signature
 * names — and what the loader's check concludes with the known keys (rule module-signature).
 */
export const signatureSchema = z.object({
  signer: z.string().nullable(),
  /** The key's subject key identifier (else its serial), hex. */
  keyId: z.string().nullable(),
  serial: z.string().nullable(),
  digest: z.string().nullable(),
  keyAlgorithm: z.enum(['rsa', 'ecdsa']).nullable(),
  status: z.enum(['malformed', 'unknown-key', 'bad-signature', 'verified']),
  trustedKey: z
    .object({ label: z.string(), source: z.enum(['built-in', 'file', 'mok']), origin: z.string() })
    .nullable(),
  reason: z.string().optional(),
});

export const moduleReportSchema = z.object({
  path: z.string(),
  name: z.string(),
  licenses: z.array(z.string()),
  signature: signatureSchema.optional(),
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
    /** The architecture the kernel is for (vmlinux's ELF header, else .config): x86_64, i386, arm64, arm, ppc64, s390, riscv64…; null when neither tells. */
    arch: z.string().nullable().optional(),
    /** The vermagic string the loader compares (vmlinux's, or derived from release + config); null: not known, vermagic not checked (a note says why). */
    vermagic: z.string().nullable().optional(),
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

export { NO_DWARF_NOTE, isNoDwarfNote, withoutFrames } from './frames-note.js';
export type ModuleReport = z.infer<typeof moduleReportSchema>;
export type FindingJson = z.infer<typeof findingSchema>;
