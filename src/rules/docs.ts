/**
 * The rules' descriptive metadata in one place, for formatters that describe rules (SARIF's
 * reportingDescriptors): what each rule id checks at each stage and the kernel source it mirrors, taken
 * from the Rule objects' `docs`, plus the level a finding of the rule usually has. Descriptions only:
 * nothing here decides a finding.
 */
import { ALL_RULES } from './index.js';
import { RULE_IDS, type RuleDocs, type RuleId, type Severity, type Stage } from './types.js';

export interface RuleDescription {
  id: RuleId;
  /** What the rule checks, at each stage it runs at (build = modpost, load = the module loader). */
  stages: Array<{ stage: Stage } & RuleDocs>;
  /**
   * The severity the rule's findings have on current kernels with default options (a finding's own
   * severity is what counts: it varies by kernel version and by --modpost-warn / --missing-crc).
   */
  defaultSeverity: Severity;
}

const DEFAULT_SEVERITY: Record<RuleId, Severity> = {
  'gpl-only': 'error',
  'gpl-future': 'warning',
  'unused-symbol': 'warning',
  unresolved: 'error',
  'namespace-not-imported': 'error',
  'missing-license': 'error',
  'duplicate-export': 'error',
  'crc-mismatch': 'error',
  'missing-crc': 'warning',
  'vermagic-mismatch': 'error',
  'proprietary-import': 'error',
  'xz-check': 'error',
};

/** Every rule id, in RULE_IDS order, with its stages' docs in build, load order. */
export function ruleDescriptions(): RuleDescription[] {
  return RULE_IDS.map((id) => ({
    id,
    stages: ALL_RULES.filter((r) => r.id === id)
      .sort((a, b) => (a.stage === b.stage ? 0 : a.stage === 'build' ? -1 : 1))
      .map((r) => ({ stage: r.stage, ...r.docs })),
    defaultSeverity: DEFAULT_SEVERITY[id],
  }));
}
