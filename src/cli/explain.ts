/** `ksymcheck explain [rule]`: a rule's own metadata (src/rules/docs.ts) as text for a terminal. */
import { RULE_IDS, ruleDocs } from '../rules/index.js';
import type { RuleInfo } from '../rules/info.js';
import type { RuleId } from '../rules/types.js';

export function isRuleId(id: string): id is RuleId {
  return (RULE_IDS as readonly string[]).includes(id);
}

/** Every rule id with its one-line summary. */
export function formatRuleList(): string {
  const w = Math.max(...RULE_IDS.map((id) => id.length));
  return RULE_IDS.map((id) => `${id.padEnd(w)}  ${ruleDocs[id].summary}`).join('\n') + '\n';
}

/** What the rule checks, the kernel versions and conditions with what is printed, how to fix it. */
export function formatRuleInfo(r: RuleInfo): string {
  const rows = r.versions.map((v) => [v.stage, v.versions + (v.condition ? ` (${v.condition})` : ''), v.severity, v.message]);
  const widths = [0, 1, 2].map((i) => Math.max(...rows.map((row) => row[i].length)));
  return [
    `${r.id}: ${r.summary}`,
    `stages: ${r.stages.join(', ')}`,
    '',
    r.description,
    '',
    'Kernel versions:',
    ...rows.map((row) => `  ${row.map((c, i) => (i < 3 ? c.padEnd(widths[i]) : c)).join('  ')}`),
    '',
    `Fix: ${r.fix}`,
    '',
    `Mirrors: ${r.source}`,
    `Details: ${r.docs}`,
  ].join('\n') + '\n';
}
