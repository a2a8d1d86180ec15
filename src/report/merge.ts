/**
 * `ksymcheck merge`: the JSON reports of the n shards of one run (--shard i/n) joined into the report the
 * whole run writes. Refuses reports of another schema version, kernel or stages, a report that is not a
 * shard, and a shard missing or given twice — each with an error naming the file.
 */
import { readInput } from '../files.js';
import { InputError } from '../errors.js';
import { reportSchema, type Report } from './schema.js';

export interface NamedReport {
  file: string;
  report: Report;
}

/** Read and validate one JSON report (the schema version first, so that a newer one is named as such). */
export function readReport(file: string): NamedReport {
  let text: string;
  try {
    text = readInput(file, 'utf8');
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError(file, `cannot read: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new InputError(file, `not JSON: ${(e as Error).message}`);
  }
  const version = (json as { schemaVersion?: unknown } | null)?.schemaVersion;
  if (version !== 1) throw new InputError(file, `report schema version ${JSON.stringify(version ?? null)}: this ksymcheck reads version 1 (--format json)`);
  const parsed = reportSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new InputError(file, `not a ksymcheck JSON report: ${issue.path.join('.') || '(top)'}: ${issue.message}`);
  }
  // the text as written (zod's output orders keys by the schema): the merged report then reads byte for
  // byte as the whole run's
  return { file, report: json as Report };
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

export function mergeReports(inputs: NamedReport[]): Report {
  if (inputs.length === 0) throw new InputError('merge', 'no reports given');
  const [first] = inputs;
  const count = first.report.shard?.count;
  const byIndex = new Map<number, NamedReport>();
  for (const it of inputs) {
    const r = it.report;
    if (!r.shard) throw new InputError(it.file, 'not a shard report: merge joins the reports of `ksymcheck --shard i/n --format json`');
    if (!same(r.kernel, first.report.kernel)) {
      const k = r.kernel;
      const f = first.report.kernel;
      throw new InputError(it.file, `another kernel than ${first.file}: ${k.release ?? k.version} from ${k.source} (${k.exports} exports), not ${f.release ?? f.version} from ${f.source} (${f.exports} exports)`);
    }
    if (!same(r.stages, first.report.stages)) throw new InputError(it.file, `other stages than ${first.file}: ${r.stages.join('+')}, not ${first.report.stages.join('+')}`);
    if (r.shard.count !== count) throw new InputError(it.file, `shard ${r.shard.index}/${r.shard.count} is of another split than ${first.file} (${first.report.shard!.index}/${count})`);
    const twice = byIndex.get(r.shard.index);
    if (twice) throw new InputError(it.file, `shard ${r.shard.index}/${count} given twice (also ${twice.file})`);
    if (r.shard.positions.length !== r.modules.length) throw new InputError(it.file, `shard positions (${r.shard.positions.length}) do not match its modules (${r.modules.length})`);
    byIndex.set(r.shard.index, it);
  }
  const missing = Array.from({ length: count! }, (_, i) => i + 1).filter((i) => !byIndex.has(i));
  if (missing.length) throw new InputError(inputs.map((i) => i.file).join(', '), `shard${missing.length > 1 ? 's' : ''} ${missing.map((i) => `${i}/${count}`).join(', ')} missing`);

  const placed: Array<{ at: number; module: Report['modules'][number]; file: string }> = [];
  for (const { file, report } of inputs) report.modules.forEach((module, k) => placed.push({ at: report.shard!.positions[k], module, file }));
  placed.sort((a, b) => a.at - b.at);
  for (let i = 1; i < placed.length; i++) {
    if (placed[i].at === placed[i - 1].at) throw new InputError(placed[i].file, `module ${placed[i].module.path} and ${placed[i - 1].module.path} (${placed[i - 1].file}) claim the same place in the run: not shards of one run`);
  }
  const notes: string[] = [];
  for (const { report } of inputs) for (const n of report.notes) if (!notes.includes(n)) notes.push(n);
  const errors = inputs.flatMap((i) => i.report.errors).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return {
    schemaVersion: 1,
    kernel: first.report.kernel,
    stages: first.report.stages,
    notes,
    modules: placed.map((p) => p.module),
    errors,
  };
}
