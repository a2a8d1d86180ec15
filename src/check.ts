/**
 * The library's main entry: a kernel build and module files in, the kernel's verdicts out.
 */
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import pLimit from 'p-limit';
import { InputError } from './errors.js';
import { loadKernel } from './kernel/load.js';
import type { Export, KernelBuild } from './kernel/types.js';
import { formatVersion, NEWEST_KNOWN } from './kernel/version.js';
import { readModule } from './module/read.js';
import type { ModuleFacts } from './module/types.js';
import { runRules } from './rules/index.js';
import type { CheckOptions, Finding, Stage } from './rules/types.js';
import type { ModuleReport, Report } from './report/schema.js';

export type StageChoice = 'build' | 'load' | 'both';

export interface CheckRequest {
  kernel: string;
  modules: string[];
  extraSymbols?: string[];
  kernelVersion?: string;
  stage?: StageChoice;
  modpostWarn?: boolean;
  missingCrc?: 'warn' | 'error';
  /** Modules are out-of-tree builds (M=). Default true. */
  external?: boolean;
  /** Files read at once. */
  concurrency?: number;
}

export function stagesOf(choice: StageChoice = 'both'): Stage[] {
  return choice === 'both' ? ['build', 'load'] : [choice];
}

const MODULE_FILE = /\.ko$/;

/** Expand directories into the module files below them (sorted, so reports are stable). */
export async function expandModulePaths(paths: string[], errors: Report['errors']): Promise<string[]> {
  const out: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (e) {
      errors.push({ path: dir, message: `cannot read directory: ${(e as Error).message}` });
      return;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const p = join(dir, e.name);
      if (e.isDirectory()) await walk(p);
      else if ((e.isFile() || e.isSymbolicLink()) && MODULE_FILE.test(e.name)) out.push(p);
    }
  };
  for (const p of paths) {
    let st;
    try {
      st = await stat(p);
    } catch {
      errors.push({ path: p, message: `${p}: no such file or directory` });
      continue;
    }
    if (st.isDirectory()) await walk(p);
    else out.push(p);
  }
  return out;
}

/** The owner name modpost gives a module's exports: its path without `.ko`/`.o`. */
export function ownerOf(m: ModuleFacts): string {
  return m.path.replace(/\.(ko|o)$/, '');
}

/** Check already-read modules against a loaded kernel. Pure apart from nothing: no I/O. */
export function checkModules(kernel: KernelBuild, modules: ModuleFacts[], options: Partial<CheckOptions> & { stage?: StageChoice } = {}): ModuleReport[] {
  const opts: CheckOptions = {
    modpostWarn: options.modpostWarn ?? false,
    missingCrc: options.missingCrc ?? 'warn',
    external: options.external ?? true,
  };
  const stages = stagesOf(options.stage);
  // Exports of the modules in this run resolve each other's imports, as in one modpost invocation.
  const runExports = new Map<string, Export>();
  const byName = new Map<string, ModuleFacts>();
  for (const m of modules) {
    byName.set(m.name, m);
    for (const e of m.exports) {
      if (!runExports.has(e.name)) runExports.set(e.name, { ...e, owner: ownerOf(m), origin: { file: m.path } });
    }
  }
  const version = kernel.version ?? NEWEST_KNOWN;
  return modules.map((m) => {
    const resolve = (name: string): Export | undefined => {
      const k = kernel.exports.get(name);
      if (k && k.owner === 'vmlinux') return k;
      const r = runExports.get(name);
      return r && r.owner !== ownerOf(m) ? r : (k ?? undefined);
    };
    const findings: Finding[] = runRules({ module: m, kernel, version, resolve, modules: byName, options: opts }, stages);
    return {
      path: m.path,
      name: m.name,
      licenses: m.licenses,
      verdict: findings.some((f) => f.severity === 'error') ? 'fail' : 'pass',
      findings,
    } satisfies ModuleReport;
  });
}

/** Read the kernel and the modules, check them, and return the report (the JSON contract). */
export async function check(req: CheckRequest): Promise<Report> {
  const kernel = await loadKernel(req.kernel, { kernelVersion: req.kernelVersion, extraSymbols: req.extraSymbols });
  const errors: Report['errors'] = [];
  const notes: string[] = [];
  if (!kernel.version) {
    notes.push(`kernel version unknown for ${req.kernel}: applying the rules of the newest kernel known (${formatVersion(NEWEST_KNOWN)}); pass --kernel-version to choose`);
  }
  const paths = await expandModulePaths(req.modules, errors);
  const limit = pLimit(req.concurrency ?? 16);
  const read = await Promise.all(
    paths.map((p) =>
      limit(async () => {
        try {
          return await readModule(p);
        } catch (e) {
          if (e instanceof InputError) errors.push({ path: p, message: e.message });
          else errors.push({ path: p, message: `${p}: ${(e as Error).message}` });
          return undefined;
        }
      }),
    ),
  );
  const modules = read.filter((m): m is ModuleFacts => m !== undefined);
  const reports = checkModules(kernel, modules, { ...req });
  errors.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return {
    schemaVersion: 1,
    kernel: {
      release: kernel.release ?? null,
      version: formatVersion(kernel.version ?? NEWEST_KNOWN),
      versionSource: kernel.versionSource,
      source: kernel.source,
      modversions: kernel.modversions ?? null,
      exports: kernel.exports.size,
    },
    stages: stagesOf(req.stage),
    notes,
    modules: reports,
    errors,
  };
}
