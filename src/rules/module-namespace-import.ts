/**
 * module-namespace-import: the module imports a `module:` namespace explicitly
 * (MODULE_IMPORT_NS("module:…")), which 6.16+ forbids: those namespaces are implicit, granted by name
 * (EXPORT_SYMBOL_FOR_MODULES), never by import.
 *
 * Build: scripts/mod/modpost.c read_symbols() (6.16+, 9c036cfbb75b; read in 7.2.13): for every such
 * import_ns, error("%s: explicitly importing namespace \"%s\" is not allowed.\n", mod->name, ns) — the
 * module's build path without `.o`, not its basename — and the namespace is still added to the imported
 * ones, so check_exports() then finds no namespace error for it (rule namespace-not-imported).
 *
 * Load: kernel/module setup_modinfo() (6.16+, 092a4f5985f2; read in 7.2.13): at the first such import_ns,
 * pr_err("%s: module tries to import module namespace: %s\n", mod->name, ns) and -EPERM — after the
 * vermagic check, before simplify_symbols(), so no symbol is resolved and no "Unknown symbol" line follows.
 */
import type { Finding, Rule, RuleContext } from './types.js';
import { message, type MessageEntry } from './versioned.js';
import { finding, loaderName, modpostName } from './shared.js';
import { MODULE_NS_PREFIX } from './loader.js';
import { rowsOf, rulesDocSection, type RuleInfo } from './info.js';

export const EXPLICIT_MODULE_NS_BUILD: readonly MessageEntry[] = [
  { since: '6.16', severity: 'error', template: 'ERROR: modpost: %s: explicitly importing namespace "%s" is not allowed.' },
];

export const EXPLICIT_MODULE_NS_LOAD: readonly MessageEntry[] = [
  { since: '6.16', severity: 'error', template: '%s: module tries to import module namespace: %s' },
];

const HINT = (ns: string) =>
  `remove MODULE_IMPORT_NS("${ns}"): a module: namespace cannot be imported; only the modules it lists ` +
  `(by name, EXPORT_SYMBOL_FOR_MODULES) may use its symbols`;

function moduleImports(ctx: RuleContext): string[] {
  return ctx.module.importNs.filter((ns) => ns.startsWith(MODULE_NS_PREFIX));
}

function buildCheck(ctx: RuleContext): Finding[] {
  const out: Finding[] = [];
  for (const ns of moduleImports(ctx)) {
    const m = message(EXPLICIT_MODULE_NS_BUILD, ctx.version, modpostName(ctx), ns);
    if (!m) return [];
    out.push(finding(ctx, { rule: 'module-namespace-import', stage: 'build', severity: m.severity, message: m.message, hint: HINT(ns), evidence: { namespace: ns } }));
  }
  return out;
}

function loadCheck(ctx: RuleContext): Finding[] {
  const ns = moduleImports(ctx)[0];
  if (ns === undefined) return [];
  const m = message(EXPLICIT_MODULE_NS_LOAD, ctx.version, loaderName(ctx.module), ns);
  if (!m) return [];
  return [
    finding(ctx, {
      rule: 'module-namespace-import',
      stage: 'load',
      severity: m.severity,
      message: m.message,
      hint: HINT(ns),
      evidence: { namespace: ns, errno: -1, stopsLoad: true },
    }),
  ];
}

export const moduleNamespaceImportBuild: Rule = {
  id: 'module-namespace-import',
  stage: 'build',
  docs: { summary: 'MODULE_IMPORT_NS("module:…") is refused by modpost (6.16+).', source: 'scripts/mod/modpost.c: read_symbols() (import_ns loop)' },
  check: buildCheck,
};

export const moduleNamespaceImportLoad: Rule = {
  id: 'module-namespace-import',
  stage: 'load',
  firstLoaderStep: 2.5,
  docs: { summary: 'MODULE_IMPORT_NS("module:…") makes the loader refuse the module with -EPERM (6.16+).', source: 'kernel/module: setup_modinfo()' },
  check: loadCheck,
};

export const moduleNamespaceImportInfo: RuleInfo = {
  id: 'module-namespace-import',
  stages: ['build', 'load'],
  summary: 'The module imports a module: namespace explicitly, which 6.16+ refuses at build and load time.',
  description:
    'Exports made with EXPORT_SYMBOL_FOR_MODULES() live in a namespace "module:<names>" that grants the ' +
    'listed modules access by name. From 6.16, MODULE_IMPORT_NS("module:…") is an error of modpost (the ' +
    'import still counts, so no per-symbol namespace error follows) and the loader refuses the module with ' +
    '-EPERM before resolving any symbol.',
  source: 'scripts/mod/modpost.c: read_symbols(); kernel/module: setup_modinfo()',
  versions: [...rowsOf('build', EXPLICIT_MODULE_NS_BUILD), ...rowsOf('load', EXPLICIT_MODULE_NS_LOAD)],
  fix: 'Remove the MODULE_IMPORT_NS("module:…") line; only the modules the export names may use it.',
  docs: rulesDocSection('module-namespace-import'),
};

export default [moduleNamespaceImportBuild, moduleNamespaceImportLoad];
