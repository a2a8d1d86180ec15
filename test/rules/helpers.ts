/**
 * Builders for rule tests: small ModuleFacts / KernelBuild / RuleContext objects.
 */
import { ExportIndex, type Export, type ExportType, type KernelBuild } from '../../src/kernel/types.js';
import { kv } from '../../src/kernel/version.js';
import type { Import, ModuleExport, ModuleFacts } from '../../src/module/types.js';
import type { CheckOptions, RuleContext } from '../../src/rules/types.js';

export const EM_X86_64 = 62;
export const EM_PPC64 = 21;

export type ImportSpec = string | (Partial<Import> & { name: string });

export function imp(spec: ImportSpec): Import {
  if (typeof spec === 'string') return { name: spec, weak: false, refs: [{ section: '.text', function: 'foo_init', offset: 4 }] };
  return { weak: false, refs: [], ...spec };
}

export interface ModuleSpec extends Partial<Omit<ModuleFacts, 'imports' | 'exports' | 'versions'>> {
  imports?: ImportSpec[];
  exports?: Array<Partial<ModuleExport> & { name: string }>;
  versions?: Record<string, number> | Map<string, number>;
}

/**
 * A linked x86_64 `.ko` named `foo` at /src/foo/foo.ko, GPL, no imports unless given, with a vermagic
 * (pass `vermagic: undefined` explicitly for none).
 */
export function mod(spec: ModuleSpec = {}): ModuleFacts {
  const name = spec.name ?? 'foo';
  const path = spec.path ?? `/src/${name}/${name}.ko`;
  const licenses = spec.licenses ?? ['GPL'];
  const m: ModuleFacts = {
    path,
    name,
    kind: spec.kind ?? 'ko',
    machine: spec.machine ?? EM_X86_64,
    elfClass: spec.elfClass ?? 64,
    ...(spec.elfHeader ? { elfHeader: spec.elfHeader } : {}),
    modinfo: spec.modinfo ?? licenses.map((l) => ({ key: 'license', value: l })),
    licenses,
    importNs: spec.importNs ?? [],
    intree: spec.intree ?? false,
    imports: (spec.imports ?? []).map(imp),
    exports: (spec.exports ?? []).map((e) => ({ type: 'EXPORT_SYMBOL' as ExportType, namespace: '', crc: null, ...e })),
  };
  if (spec.depends !== undefined) m.depends = spec.depends;
  if (spec.vermagic !== undefined) m.vermagic = spec.vermagic;
  else if (!('vermagic' in spec)) m.vermagic = '6.1.0 SMP preempt mod_unload ';
  if (spec.versions !== undefined) {
    m.versions = spec.versions instanceof Map ? spec.versions : new Map(Object.entries(spec.versions));
  }
  if (spec.versionsFormat !== undefined) m.versionsFormat = spec.versionsFormat;
  return m;
}

export function exp(name: string, type: ExportType = 'EXPORT_SYMBOL', over: Partial<Export> = {}): Export {
  return { name, type, namespace: '', crc: null, owner: 'vmlinux', origin: { file: 'Module.symvers' }, ...over };
}

export const gpl = (name: string, over: Partial<Export> = {}) => exp(name, 'EXPORT_SYMBOL_GPL', over);

export interface KernelSpec extends Partial<Omit<KernelBuild, 'exports' | 'config' | 'version'>> {
  exports?: Export[];
  config?: Record<string, string>;
}

export function kernel(version: string, spec: KernelSpec = {}): KernelBuild {
  const idx = new ExportIndex();
  for (const e of spec.exports ?? []) idx.add(e);
  const k: KernelBuild = {
    source: spec.source ?? '/lib/modules/x/build',
    version: kv(version),
    versionSource: spec.versionSource ?? 'option',
    config: new Map(Object.entries(spec.config ?? {})),
    exports: idx,
  };
  if (spec.release !== undefined) k.release = spec.release;
  // tests opt in to CONFIG_MODVERSIONS
  k.modversions = spec.modversions ?? false;
  if (spec.vermagic !== undefined) k.vermagic = spec.vermagic;
  if (spec.machine !== undefined) k.machine = spec.machine;
  if (spec.arch !== undefined) k.arch = spec.arch;
  return k;
}

export interface CtxSpec {
  module: ModuleFacts;
  kernel: KernelBuild;
  /** Other modules of the run (their exports resolve too). */
  others?: ModuleFacts[];
  options?: Partial<CheckOptions>;
}

/** Module.symvers owner for a module of the run: its path without `.ko`. */
export function ownerOf(m: ModuleFacts): string {
  return m.path.replace(/\.ko$/, '');
}

export function ctx(spec: CtxSpec): RuleContext {
  const modules = new Map<string, ModuleFacts>();
  modules.set(spec.module.name, spec.module);
  for (const o of spec.others ?? []) modules.set(o.name, o);
  const runExports = new Map<string, Export>();
  for (const o of spec.others ?? []) {
    for (const e of o.exports) {
      if (!runExports.has(e.name)) {
        runExports.set(e.name, {
          name: e.name,
          type: e.type,
          namespace: e.namespace,
          crc: e.crc,
          owner: ownerOf(o),
          origin: { file: o.path },
        });
      }
    }
  }
  return {
    module: spec.module,
    kernel: spec.kernel,
    version: spec.kernel.version!,
    resolve: (name) => spec.kernel.exports.get(name) ?? runExports.get(name),
    modules,
    options: { modpostWarn: false, missingCrc: 'warn', external: true, ...spec.options },
  };
}

/** Just the fields most assertions look at. */
export function brief(f: { rule: string; stage: string; severity: string; symbol?: string; message: string }) {
  return { rule: f.rule, stage: f.stage, severity: f.severity, symbol: f.symbol, message: f.message };
}
