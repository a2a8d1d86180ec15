/**
 * The JSON report of `ksymcheck dkms` (a contract, like schema.ts): one ordinary report per DKMS build,
 * with where the build is and what DKMS made of it. Kept apart from the text formatter (dkms.ts) so the
 * command line does not load zod to print text.
 */
import { z } from 'zod';
import { reportSchema } from '../report/schema.js';

export const dkmsBuildReportSchema = z.object({
  module: z.string(),
  version: z.string(),
  /** The kernel release and architecture the build was for ('' when a failed build's make.log does not tell). */
  release: z.string(),
  arch: z.string(),
  /** `built`: DKMS kept the modules; `failed`: the build stopped (its module objects are checked). */
  state: z.enum(['built', 'failed']),
  log: z.string().nullable(),
  /** The kernel build tree the modules were checked against, or null when none is installed. */
  kernel: z.string().nullable(),
  report: reportSchema.nullable(),
  /** Why the build could not be checked (no kernel tree, no module files, a failed build's make.log unreadable or naming no kernel). */
  error: z.string().nullable(),
});

export const dkmsReportSchema = z.object({
  schemaVersion: z.literal(1),
  tree: z.string(),
  builds: z.array(dkmsBuildReportSchema),
});

export type DkmsBuildReport = z.infer<typeof dkmsBuildReportSchema>;
export type DkmsReport = z.infer<typeof dkmsReportSchema>;
