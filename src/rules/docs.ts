/**
 * The rules' descriptive metadata for formatters that describe rules (SARIF's reportingDescriptors): each
 * rule id's `RuleInfo` (ruleDocs: what `ksymcheck explain` prints), plus the level a finding of the rule
 * usually has. Descriptions only: nothing here decides a finding.
 */
import { ruleDocs } from './index.js';
import type { RuleInfo } from './info.js';
import { RULE_IDS, type RuleId, type Severity } from './types.js';

export interface RuleDescription {
  /** What the rule checks, its kernel versions and messages, the source it mirrors, the fix (info.ts). */
  info: RuleInfo;
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
  'kmod-decompress': 'error',
  'module-namespace-import': 'error',
  'missing-description': 'warning',
  'export-flags': 'error',
  'ext-modversions': 'error',
  'module-struct-size': 'error',
  'symbol-too-long': 'error',
};

/** Every rule id, in RULE_IDS order, with its metadata and default level. */
export function ruleDescriptions(): RuleDescription[] {
  return RULE_IDS.map((id) => ({ info: ruleDocs[id], defaultSeverity: DEFAULT_SEVERITY[id] }));
}
