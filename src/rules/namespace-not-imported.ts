/**
 * namespace-not-imported: the module uses a symbol exported into a symbol namespace (5.4+) without
 * MODULE_IMPORT_NS() for it; 6.16+: a symbol exported only for certain modules
 * (EXPORT_SYMBOL_FOR_MODULES, namespace `module:<patterns>`) used by a module whose name matches none.
 *
 * Build: scripts/mod/modpost.c check_exports(): 5.4–5.6 warn(); 5.7+ (Jessica Yu, "modpost: return
 * error if module is missing ns imports and MODULE_ALLOW_MISSING_NAMESPACE_IMPORTS=n") error unless
 * `-N` (CONFIG_MODULE_ALLOW_MISSING_NAMESPACE_IMPORTS=y). 6.16+ (092a4f5985f2): a `module:` namespace
 * is accepted when verify_module_namespace() matches the module basename (strncmp(), trailing `*`
 * glob); otherwise the namespace is checked as any other — the same line, the whole `module:…` string as
 * the namespace, the same `-N` downgrade (read in 7.2.13's modpost.c check_exports()). An explicit
 * MODULE_IMPORT_NS("module:…") is its own error (rule module-namespace-import) but is still added to the
 * imported namespaces, so no line of this rule follows for it.
 *
 * Load: kernel/module verify_namespace_is_imported() (5.4+): pr_err + -EINVAL (→ "Unknown symbol …
 * (err -22)"), or pr_warn and accept with CONFIG_MODULE_ALLOW_MISSING_NAMESPACE_IMPORTS. 6.16+:
 * `module:` namespaces matched against mod->name with mod_strncmp() (`-` and `_` alike) first, then the
 * same import_ns test and the same lines (7.2.13's kernel/module/main.c).
 */
import type { Finding, Rule, RuleContext } from './types.js';
import { atLeast, message, type MessageEntry } from './versioned.js';
import { configEnabled, finding, modpostBasename } from './shared.js';
import { modpostWalk } from './modpost.js';
import { hasModuleNamespaces, loaderWalk, moduleNamespaceMatches, MODULE_NS_PREFIX, unknownSymbolLine } from './loader.js';
import { loaderName } from './shared.js';
import { rowsOf, rulesDocSection, type RuleInfo } from './info.js';

export const NS_BUILD_ERROR: readonly MessageEntry[] = [
  { since: '5.4', until: '5.7', severity: 'warning', template: 'WARNING: module %s uses symbol %s from namespace %s, but does not import it.' },
  { since: '5.7', severity: 'error', template: 'ERROR: modpost: module %s uses symbol %s from namespace %s, but does not import it.' },
];

/** With `-N` (CONFIG_MODULE_ALLOW_MISSING_NAMESPACE_IMPORTS=y, or `make nsdeps`). */
export const NS_BUILD_ALLOWED: readonly MessageEntry[] = [
  { since: '5.4', until: '5.7', severity: 'warning', template: 'WARNING: module %s uses symbol %s from namespace %s, but does not import it.' },
  { since: '5.7', severity: 'warning', template: 'WARNING: modpost: module %s uses symbol %s from namespace %s, but does not import it.' },
];

export const NS_LOAD_ERROR: readonly MessageEntry[] = [
  { since: '5.4', severity: 'error', template: '%s: module uses symbol (%s) from namespace %s, but does not import it.' },
];

export const NS_LOAD_ALLOWED: readonly MessageEntry[] = [
  { since: '5.4', severity: 'warning', template: '%s: module uses symbol (%s) from namespace %s, but does not import it.' },
];

/** The line to add: the macro took a bare identifier until 6.13 (cdd30ebb1b9f made it a string literal). */
export function importLine(ctx: RuleContext, ns: string): string {
  return atLeast(ctx.version, '6.13') ? `MODULE_IMPORT_NS("${ns}");` : `MODULE_IMPORT_NS(${ns});`;
}

function nsHint(ctx: RuleContext, sym: string, ns: string): string {
  const line = importLine(ctx, ns);
  const other = atLeast(ctx.version, '6.13')
    ? ''
    : ` (on 6.13+ kernels, and stable kernels that took cdd30ebb1b9f, write MODULE_IMPORT_NS("${ns}");)`;
  return `'${sym}' is exported in namespace ${ns}: add ${line} to the module source${other}`;
}

function moduleNsHint(sym: string, patterns: string, name: string): string {
  return (
    `'${sym}' is exported only for modules matching "${patterns}" (EXPORT_SYMBOL_FOR_MODULES); "${name}" does not ` +
    `match, and a module: namespace cannot be imported with MODULE_IMPORT_NS (only the listed modules may use it)`
  );
}

/** The hint for a namespace not imported: a `module:` one (6.16+) cannot be imported. */
function hintFor(ctx: RuleContext, sym: string, ns: string, name: string): string {
  return hasModuleNamespaces(ctx) && ns.startsWith(MODULE_NS_PREFIX) ? moduleNsHint(sym, ns.slice(MODULE_NS_PREFIX.length), name) : nsHint(ctx, sym, ns);
}

function buildCheck(ctx: RuleContext): Finding[] {
  if (!atLeast(ctx.version, '5.4')) return [];
  const walk = modpostWalk(ctx);
  const base = modpostBasename(ctx.module);
  const allowed = configEnabled(ctx, 'CONFIG_MODULE_ALLOW_MISSING_NAMESPACE_IMPORTS');
  const out: Finding[] = [];
  for (let k = 0; k < walk.count; k++) {
    const exp = walk.exportAt(k);
    if (!exp || exp.namespace === '') continue;
    const name = walk.nameAt(k);
    const ns = exp.namespace;
    const evidence = {
      namespace: ns,
      importNs: ctx.module.importNs.join(','),
      exportType: exp.type,
      owner: exp.owner,
      modpostPrints: walk.prints(name, 'namespace'),
    };
    // verify_module_namespace(): a module: namespace whose patterns match the basename (6.16+)
    if (hasModuleNamespaces(ctx) && ns.startsWith(MODULE_NS_PREFIX) && moduleNamespaceMatches(ns.slice(MODULE_NS_PREFIX.length), base, false)) continue;
    if (ctx.module.importNs.includes(ns)) continue;
    const m = message(allowed ? NS_BUILD_ALLOWED : NS_BUILD_ERROR, ctx.version, base, name, ns);
    if (!m) continue;
    out.push(
      finding(ctx, {
        rule: 'namespace-not-imported',
        stage: 'build',
        severity: m.severity,
        symbol: name,
        message: m.message,
        hint: hintFor(ctx, name, ns, base),
        evidence,
      }),
    );
  }
  return out;
}

function loadCheck(ctx: RuleContext): Finding[] {
  const out: Finding[] = [];
  const name = loaderName(ctx.module);
  for (const s of loaderWalk(ctx).symbols) {
    const exp = s.export;
    if (!exp || s.namespace === undefined || s.namespace === 'ok') continue;
    const ns = exp.namespace;
    const evidence: Record<string, string | number | boolean | null> = {
      namespace: ns,
      importNs: ctx.module.importNs.join(','),
      exportType: exp.type,
      owner: exp.owner,
    };
    const allowed = s.namespace === 'not-imported-allowed';
    const m = message(allowed ? NS_LOAD_ALLOWED : NS_LOAD_ERROR, ctx.version, name, s.imp.name, ns);
    if (!m) continue;
    if (!allowed) evidence.alsoPrints = unknownSymbolLine(ctx, s.imp.name, -22);
    out.push(
      finding(ctx, {
        rule: 'namespace-not-imported',
        stage: 'load',
        severity: m.severity,
        symbol: s.imp.name,
        message: m.message,
        hint: hintFor(ctx, s.imp.name, ns, name),
        evidence,
      }),
    );
  }
  return out;
}

export const namespaceBuild: Rule = {
  id: 'namespace-not-imported',
  stage: 'build',
  docs: {
    summary: 'A namespaced export is used without MODULE_IMPORT_NS (5.4+); a module-only export is used by another module (6.16+).',
    source: 'scripts/mod/modpost.c: check_exports() (namespace block), verify_module_namespace() 6.16+',
  },
  check: buildCheck,
};

export const namespaceLoad: Rule = {
  id: 'namespace-not-imported',
  stage: 'load',
  docs: {
    summary: 'The loader refuses a namespaced symbol the module does not import (5.4+), or a module-only export (6.16+).',
    source: 'kernel/module: resolve_symbol() → verify_namespace_is_imported()',
  },
  check: loadCheck,
};

export const namespaceInfo: RuleInfo = {
  id: 'namespace-not-imported',
  stages: ['build', 'load'],
  summary: 'A namespaced export is used without MODULE_IMPORT_NS() (5.4+), or a module-only export by another module (6.16+).',
  description:
    'Exports can live in a symbol namespace (EXPORT_SYMBOL_NS*); a module using one must import the ' +
    'namespace with MODULE_IMPORT_NS(), which records import_ns= in .modinfo. modpost warns (5.4–5.6) or ' +
    'fails (5.7+, unless CONFIG_MODULE_ALLOW_MISSING_NAMESPACE_IMPORTS), and the loader refuses the symbol. ' +
    'From 6.16 EXPORT_SYMBOL_FOR_MODULES exports (namespace module:<patterns>, EXPORT_SYMBOL_GPL_FOR_MODULES ' +
    'in 6.16) are accepted for modules whose name matches a pattern; any other module gets the same lines ' +
    'as for an ordinary namespace, with the whole module:… string as the namespace (and the same ' +
    'CONFIG_MODULE_ALLOW_MISSING_NAMESPACE_IMPORTS downgrade).',
  source: 'scripts/mod/modpost.c: check_exports() (namespace block), verify_module_namespace(); kernel/module: resolve_symbol() → verify_namespace_is_imported()',
  versions: [
    ...rowsOf('build', NS_BUILD_ERROR),
    ...rowsOf('build', NS_BUILD_ALLOWED.filter((e) => e.since !== '5.4'), 'CONFIG_MODULE_ALLOW_MISSING_NAMESPACE_IMPORTS=y'),
    ...rowsOf('load', NS_LOAD_ERROR),
    ...rowsOf('load', NS_LOAD_ALLOWED, 'CONFIG_MODULE_ALLOW_MISSING_NAMESPACE_IMPORTS=y'),
  ],
  fix:
    'Add MODULE_IMPORT_NS(NS); to the module (MODULE_IMPORT_NS("NS"); from 6.13); `make nsdeps` writes ' +
    'them. An export for named modules only (module:…) cannot be imported: only those modules may use it.',
  docs: rulesDocSection('namespace-not-imported'),
};

export default [namespaceBuild, namespaceLoad];
