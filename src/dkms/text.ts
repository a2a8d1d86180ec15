/**
 * The text of `ksymcheck dkms` (its JSON shape: schema.ts): each build's ordinary text report under
 * a line saying which build it is, and a summary line last. Knows the reports' shape only, no rule.
 */
import { visibleStrings } from '../report/visible.js';
import type { DkmsBuildReport, DkmsReport } from './schema.js';
import type { Report } from '../report/schema.js';
import { formatText, type TextOptions } from '../report/text.js';

export type { DkmsBuildReport, DkmsReport } from './schema.js';

/** A build's verdict: fail when its report has a failing module, error when it could not be checked. */
export function dkmsVerdict(b: DkmsBuildReport): 'pass' | 'fail' | 'error' {
  if (!b.report || b.error) return 'error';
  return b.report.modules.some((m) => m.verdict === 'fail') ? 'fail' : b.report.errors.length ? 'error' : 'pass';
}

export function formatDkmsText(shown: DkmsReport, opts: TextOptions): string {
  const r = visibleStrings(shown); // (a DKMS tree's names too: visible.ts)
  const out: string[] = [];
  for (const b of r.builds) {
    const what = b.state === 'built' ? 'built' : b.report ? 'build FAILED, its module objects checked' : 'build FAILED';
    const kernel = b.release === '' ? 'an unknown kernel' : `${b.release} (${b.arch})`;
    out.push(`=== dkms ${b.module}/${b.version} for ${kernel}: ${what}${b.kernel ? `, against ${b.kernel}` : ''}`);
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
