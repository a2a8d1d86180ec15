/**
 * Across kernel builds: the modules read once, then checked against each kernel (`matrix`), or two
 * kernels' export indexes compared with what the change does to the modules (`diff`).
 */
import { checkModules, kernelSummary, readModules, stagesOf, type CheckRequest } from './check.js';
import { exportTypesNote, modversionsNote, vermagicNote, versionNote } from './run/notes.js';
import { diffExports } from './kernel/diff.js';
import { loadKernel } from './kernel/load.js';
import type { KernelBuild } from './kernel/types.js';
import { fetchMembers, showingReferences } from './module/packages.js';
import type { ModuleFacts } from './module/types.js';
import type { DiffBreak, DiffReport, MatrixReport } from './report/compare-schema.js';
import type { FindingJson, ModuleReport, Report } from './report/schema.js';
import type { Stage } from './rules/types.js';

type Options = Omit<CheckRequest, 'kernel' | 'modules' | 'kernelVersion'>;

export interface MatrixRequest extends Options {
  /** Kernel builds, in the order the report gives them (the first failing one is looked for in this order). */
  kernels: string[];
  modules: string[];
}

async function loadKernels(paths: string[], extraSymbols: string[] | undefined, symversCache: string | undefined): Promise<KernelBuild[]> {
  const out: KernelBuild[] = [];
  for (const p of [...new Set(paths)]) out.push(await loadKernel(p, { extraSymbols, symversCache }));
  return out;
}

/** Read every module once and check it against each kernel: one cell per (module, kernel, stage). */
export async function matrix(req: MatrixRequest): Promise<MatrixReport> {
  const kernels = await loadKernels(req.kernels, req.extraSymbols, req.symversCache);
  const { modules, errors } = await readModules(req.modules, kernels[0], req);
  const stages = stagesOf(req.stage);
  const cells: MatrixReport['cells'] = [];
  const showing: string[] = [];
  const firstFailing = new Map<ModuleFacts, string | null>(modules.map((m) => [m, null]));
  for (const kernel of kernels) {
    const reports = checkModules(kernel, modules, { ...req });
    reports.forEach((r, i) => {
      for (const stage of stages) {
        const findings = r.findings.filter((f) => f.stage === stage);
        const verdict = findings.some((f) => f.severity === 'error') ? 'fail' : 'pass';
        cells.push({ module: r.path, kernel: kernel.source, stage, verdict, findings });
      }
      if (r.verdict === 'fail' && firstFailing.get(modules[i]) === null) firstFailing.set(modules[i], kernel.source);
    });
    showing.push(...showingReferences(modules, reports));
  }
  // the package members whose references the cells show, read again from their packages
  const refetched = await fetchMembers(showing);
  return {
    schemaVersion: 1,
    report: 'matrix',
    kernels: kernels.map(kernelSummary),
    stages,
    notes: [...kernels.flatMap((k) => [versionNote(k), modversionsNote(k), exportTypesNote(k), vermagicNote(k, stages)]), refetched].filter((n): n is string => n !== undefined),
    modules: modules.map((m) => ({ path: m.path, name: m.name, licenses: m.licenses, firstFailing: firstFailing.get(m) ?? null })),
    cells,
    errors,
  };
}

export interface DiffRequest extends Options {
  from: string;
  to: string;
  /** Modules to say the change breaks or fixes (none: the export changes alone). */
  modules?: string[];
}

/** An error finding's identity across two kernels: stage, rule and symbol. */
const keyOf = (f: FindingJson) => `${f.stage}\0${f.rule}\0${f.symbol ?? ''}`;

function errorsByKey(r: ModuleReport): Map<string, FindingJson> {
  const m = new Map<string, FindingJson>();
  for (const f of r.findings) if (f.severity === 'error' && !m.has(keyOf(f))) m.set(keyOf(f), f);
  return m;
}

/** What changed from one kernel build to the other, and, with modules, which of them that breaks or fixes. */
export async function diff(req: DiffRequest): Promise<DiffReport> {
  // every export of both is compared: each Module.symvers is read whole, so no index (req.symversCache) is used
  const [from, to] = [await loadKernel(req.from, { extraSymbols: req.extraSymbols }), await loadKernel(req.to, { extraSymbols: req.extraSymbols })];
  const changes = diffExports(from.exports, to.exports);
  const breaks: DiffBreak[] = [];
  const fixes: DiffBreak[] = [];
  let errors: Report['errors'] = [];
  let checked = 0;
  if (req.modules && req.modules.length > 0) {
    const read = await readModules(req.modules, to, req);
    errors = read.errors;
    checked = read.modules.length;
    const before = checkModules(from, read.modules, { ...req });
    const after = checkModules(to, read.modules, { ...req });
    after.forEach((a, i) => {
      const was = errorsByKey(before[i]);
      const now = errorsByKey(a);
      const entry = (f: FindingJson): DiffBreak => ({ module: a.path, name: a.name, symbol: f.symbol ?? null, rule: f.rule, stage: f.stage as Stage, message: f.message });
      for (const [k, f] of now) if (!was.has(k)) breaks.push(entry(f));
      for (const [k, f] of was) if (!now.has(k)) fixes.push(entry(f));
    });
  }
  const summary = { added: 0, removed: 0, license: 0, namespace: 0, crc: 0, owner: 0 };
  for (const c of changes) summary[c.kind]++;
  return {
    schemaVersion: 1,
    report: 'diff',
    from: kernelSummary(from),
    to: kernelSummary(to),
    stages: stagesOf(req.stage),
    notes: [from, to].flatMap((k) => [versionNote(k), modversionsNote(k), exportTypesNote(k)]).filter((n): n is string => n !== undefined),
    summary,
    modules: checked,
    changes,
    breaks,
    fixes,
    errors,
  };
}
