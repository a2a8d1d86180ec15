/**
 * The report of `ksymcheck dkms`: one ordinary report (schema.ts) per DKMS build, with where the build
 * is and what DKMS made of it. Knows the reports' shape only, no rule.
 */
import { z } from 'zod';
import { reportSchema, type Report } from './schema.js';
import { formatText, type TextOptions } from './text.js';

export const dkmsBuildReportSchema = z.object({
  module: z.string(),
  version: z.string(),
  release: z.string(),
  arch: z.string(),
  /** `built`: DKMS kept the modules; `failed`: the build stopped (its module objects are checked). */
  state: z.enum(['built', 'failed']),
  log: z.string().nullable(),
  /** The kernel build tree the modules were checked against, or null when none is installed. */
  kernel: z.string().nullable(),
  report: reportSchema.nullable(),
  /** Why the build could not be checked (no kernel tree, no module files). */
  error: z.string().nullable(),
});

export const dkmsReportSchema = z.object({
  schemaVersion: z.literal(1),
  tree: z.string(),
  builds: z.array(dkmsBuildReportSchema),
});

export type DkmsBuildReport = z.infer<typeof dkmsBuildReportSchema>;
export type DkmsReport = z.infer<typeof dkmsReportSchema>;

/** A build's verdict: fail when its report has a failing module, error when it could not be checked. */
export function dkmsVerdict(b: DkmsBuildReport): 'pass' | 'fail' | 'error' {
  if (!b.report || b.error) return 'error';
  return b.report.modules.some((m) => m.verdict === 'fail') ? 'fail' : b.report.errors.length ? 'error' : 'pass';
}

export function formatDkmsText(r: DkmsReport, opts: TextOptions): string {
  const out: string[] = [];
  for (const b of r.builds) {
    const what = b.state === 'built' ? 'built' : 'build FAILED, its module objects checked';
    out.push(`=== dkms ${b.module}/${b.version} for ${b.release} (${b.arch}): ${what}${b.kernel ? `, against ${b.kernel}` : ''}`);
    if (b.log) out.push(`make.log: ${b.log}`);
    if (b.error) out.push(`error: ${b.error}`);
    if (b.report) out.push(formatText(b.report as Report, opts).trimEnd());
    out.push('');
  }
  const v = r.builds.map(dkmsVerdict);
  const n = (x: string) => v.filter((y) => y === x).length;
  out.push(`${r.builds.length} DKMS build(s) in ${r.tree} checked: ${n('fail')} fail, ${n('pass')} pass; ${n('error')} not checked`);
  return out.join('\n') + '\n';
}
