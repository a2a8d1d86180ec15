/**
 * `ksymcheck explain <rule>` and the rule metadata it prints (`ruleDocs`, also the source of report
 * formats' rule descriptors): exact text for two rules, the version rows made from the rules' own
 * message tables, and an unknown rule as a usage error naming every id.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RULE_IDS, ruleDocs } from '../../src/index.js';
import { CLI, ROOT } from '../helpers/fixtures.js';

const ksymcheck = (...args: string[]) => spawnSync('node', [CLI, ...args], { encoding: 'utf8' });
const GPL_LIST = '"GPL", "GPL v2", "GPL and additional rights", "Dual BSD/GPL", "Dual MIT/GPL", "Dual MPL/GPL"';

describe('ruleDocs', () => {
  test('one entry per rule id, in RULE_IDS order, every field filled in, each with its docs/rules.md section', () => {
    expect(Object.keys(ruleDocs)).toEqual([...RULE_IDS]);
    const rulesMd = readFileSync(join(ROOT, 'docs', 'rules.md'), 'utf8');
    for (const id of RULE_IDS) {
      const d = ruleDocs[id];
      expect(d.id).toBe(id);
      expect(d.summary).toMatch(/^[A-Z].{20,}\.$/);
      expect(d.description.length).toBeGreaterThan(100);
      expect(d.fix).toMatch(/^[A-Z].{20,}\.$/);
      expect(d.source).toMatch(/modpost\.c|kernel\/module/);
      expect(d.versions.length).toBeGreaterThan(0);
      for (const v of d.versions) expect(d.stages).toContain(v.stage);
      expect(d.docs).toBe(`docs/rules.md#${id}`);
      expect(rulesMd).toContain(`\n## ${id}\n`);
    }
  });

  test('version rows come from the message tables: same text merged into one range', () => {
    expect(ruleDocs['duplicate-export'].versions).toEqual([
      { stage: 'build', versions: '5.5 to before 5.7', severity: 'warning', message: "WARNING: %s: '%s' exported twice. Previous export was in %s%s" },
      { stage: 'build', versions: '5.7 to before 5.19', severity: 'warning', message: "WARNING: modpost: %s: '%s' exported twice. Previous export was in %s%s" },
      { stage: 'build', versions: '5.19 and later', severity: 'error', message: "ERROR: modpost: %s: '%s' exported twice. Previous export was in %s%s" },
      { stage: 'load', versions: '2.6.16 and later', severity: 'error', message: '%s: exports duplicate symbol %s (owned by %s)' },
    ]);
    expect(ruleDocs['duplicate-export'].stages).toEqual(['build', 'load']);
  });
});

describe('ksymcheck explain', () => {
  test('gpl-only: what it checks, versions per stage, the fix', () => {
    const r = ksymcheck('explain', 'gpl-only');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(
      [
        'gpl-only: A GPL-incompatible module uses a GPL-only export (EXPORT_SYMBOL_GPL).',
        'stages: build, load',
        '',
        'At build time modpost tests every MODULE_LICENSE() entry of the module: if any is not one of the strings ' +
          `the kernel accepts as GPL-compatible (${GPL_LIST}), each EXPORT_SYMBOL_GPL symbol the module uses is an ` +
          'error (up to 5.10 modpost stops at the first one it meets). At load time the loader looks at the first ' +
          'licence only: a module tainted proprietary does not see GPL-only exports at all, so each one is an "Unknown symbol".',
        '',
        'Kernel versions:',
        "  build  before 5.11                                      error  FATAL: modpost: GPL-incompatible module %s.ko uses GPL-only symbol '%s'",
        "  build  5.11 and later                                   error  ERROR: modpost: GPL-incompatible module %s.ko uses GPL-only symbol '%s'",
        "  build  before 5.11 (EXPORT_UNUSED_SYMBOL_GPL)           error  FATAL: modpost: GPL-incompatible module %s.ko uses GPL-only symbol marked UNUSED '%s'",
        "  build  5.11 to before 5.12 (EXPORT_UNUSED_SYMBOL_GPL)   error  ERROR: modpost: GPL-incompatible module %s.ko uses GPL-only symbol marked UNUSED '%s'",
        '  load   before 4.19 (first licence GPL-incompatible)     error  %s: Unknown symbol %s (err 0)',
        '  load   4.19 and later (first licence GPL-incompatible)  error  %s: Unknown symbol %s (err -2)',
        '',
        `Fix: Use a GPL-compatible MODULE_LICENSE() (exactly one of ${GPL_LIST}) if the module's licence allows it; ` +
          'otherwise stop using the GPL-only symbol (a non-GPL alternative), or target a kernel where it is EXPORT_SYMBOL.',
        '',
        'Mirrors: scripts/mod/modpost.c: check_exports() → check_for_gpl_usage(), read_symbols(); kernel/module: resolve_symbol() → find_symbol() with gplok',
        'Details: docs/rules.md#gpl-only',
        '',
      ].join('\n'),
    );
  });

  test('missing-license: build only, warning before 5.11, error from 5.11', () => {
    const r = ksymcheck('explain', 'missing-license');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(
      [
        'missing-license: The module has no MODULE_LICENSE(): a modpost warning before 5.11, an error from 5.11.',
        'stages: build',
        '',
        'modpost reads the license= entries of .modinfo; a module without any gets a warning (with a second line ' +
          'pointing to include/linux/module.h before 5.9) and, from 5.11, an error. The loader then treats the module ' +
          'as proprietary: it taints the kernel and hides GPL-only exports.',
        '',
        'Kernel versions:',
        '  build  before 5.11     warning  WARNING: modpost: missing MODULE_LICENSE() in %s',
        '  build  5.11 and later  error    ERROR: modpost: missing MODULE_LICENSE() in %s',
        '',
        `Fix: Add MODULE_LICENSE("…") with the module's real licence; one of ${GPL_LIST} makes it GPL-compatible.`,
        '',
        'Mirrors: scripts/mod/modpost.c: read_symbols()',
        'Details: docs/rules.md#missing-license',
        '',
      ].join('\n'),
    );
  });

  test('no rule: every id with its summary', () => {
    const r = ksymcheck('explain');
    expect(r.status).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines.map((l) => l.split(' ')[0])).toEqual([...RULE_IDS]);
    // the ids padded to the longest (module-namespace-import) and a space
    expect(lines[0]).toBe('gpl-only                 A GPL-incompatible module uses a GPL-only export (EXPORT_SYMBOL_GPL).');
  });

  test('an unknown rule is a usage error listing the rule ids', () => {
    const r = ksymcheck('explain', 'gpl-onyl');
    expect(r.status).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      "ksymcheck: explain: unknown rule 'gpl-onyl'; the rules are: gpl-only, gpl-future, unused-symbol, unresolved, " +
        'namespace-not-imported, missing-license, duplicate-export, crc-mismatch, missing-crc, vermagic-mismatch, ' +
        'proprietary-import, xz-check, kmod-decompress, module-namespace-import, missing-description, export-flags, ext-modversions, ' +
        "module-struct-size, symbol-too-long\nRun 'ksymcheck --help' for usage.\n",
    );
  });
});

describe('ksymcheck completion', () => {
  test('the bash/zsh script, status 0', () => {
    const r = ksymcheck('completion');
    expect([r.status, r.stderr]).toEqual([0, '']);
    expect(r.stdout.split('\n')).toContain('complete -o bashdefault -o default -F _ksymcheck_yargs_completions ksymcheck');
  });

  test('completes commands, and the rule ids after explain', () => {
    const words = (...w: string[]) => ksymcheck('--get-yargs-completions', 'ksymcheck', ...w);
    // yargs offers every command; the shell filters by the word typed
    expect(words('ex').stdout.split('\n').filter(Boolean)).toEqual(expect.arrayContaining(['check', 'exports', 'dkms', 'explain', 'completion']));
    const r = words('explain', 'gpl-');
    expect([r.status, r.stdout, r.stderr]).toEqual([0, 'gpl-only\ngpl-future\n', '']);
  });
});
