/**
 * What each rule id is, for people and for tools: `ksymcheck explain <rule>` prints it, and report
 * formats that describe their rules (SARIF's rule descriptors) take it from `ruleDocs` (index.ts).
 * One `RuleInfo` per rule id, kept in the rule's own file; the version rows are made from the same
 * message tables the rule's check reads, so the two cannot drift apart.
 */
import type { RuleId, Severity, Stage } from './types.js';
import type { MessageEntry, VersionRange } from './versioned.js';

/** One behaviour of a rule: at which stage, for which kernels (and condition), what is printed. */
export interface VersionRow {
  stage: Stage;
  /** Kernel versions, in words: "all versions", "before 5.11", "5.11 and later", "5.5 to before 5.19". */
  versions: string;
  /** A condition beyond the version, when there is one ("KBUILD_MODPOST_WARN=1", "Debian kernels"). */
  condition?: string;
  severity: Severity;
  /** The kernel's message, with its printf placeholders (`%s`, `%d`). */
  message: string;
}

export interface RuleInfo {
  id: RuleId;
  /** The stages at which the rule has findings, build (modpost) before load (the module loader). */
  stages: Stage[];
  /** One sentence. */
  summary: string;
  /** What the rule checks and how the kernel decides, a paragraph. */
  description: string;
  /** The kernel source this rule mirrors (files and functions). */
  source: string;
  /** Its behaviours per stage and kernel version. */
  versions: VersionRow[];
  /** How to fix a module the rule fails. */
  fix: string;
  /** The section of docs/rules.md with the evidence behind it (a path inside the repository). */
  docs: string;
}

/** A version range in words (`since` inclusive, `until` exclusive, as in versioned.ts). */
export function rangeText(r: VersionRange): string {
  if (r.since !== undefined && r.until !== undefined) return `${r.since} to before ${r.until}`;
  if (r.since !== undefined) return `${r.since} and later`;
  if (r.until !== undefined) return `before ${r.until}`;
  return 'all versions';
}

/**
 * The rows of a message table. Neighbouring rows with the same severity and text (a table split only
 * because of some other detail of the kernel's code) are said as one range.
 */
export function rowsOf(stage: Stage, table: readonly MessageEntry[], condition?: string): VersionRow[] {
  const merged: MessageEntry[] = [];
  for (const e of table) {
    const last = merged[merged.length - 1];
    if (last && last.severity === e.severity && last.template === e.template && last.until !== undefined && last.until === e.since) {
      merged[merged.length - 1] = { ...last, until: e.until };
    } else merged.push(e);
  }
  return merged.map((e) => ({
    stage,
    versions: rangeText(e),
    ...(condition ? { condition } : {}),
    severity: e.severity,
    message: e.template,
  }));
}

/** The docs/rules.md section of a rule id. */
export function rulesDocSection(id: RuleId): string {
  return `docs/rules.md#${id}`;
}
