/**
 * A check()'s request as a caller of the library gives it, checked before anything is read. The command
 * line checks its options itself; a program calling check() got no word for a wrong value, and some were
 * worse than an error: `modules: '/path/m.ko'` (a string) was read a character at a time — '/' among them,
 * a walk of the whole file system —, `stage: 'bogus'` ran no stage and passed every module, a shard of
 * 0 of 0 reported nothing. Each such value is a TypeError or RangeError naming the field and the value.
 */

import { parseKernelVersion } from '../kernel/version.js';

const STAGES = ['build', 'load', 'both'];
const MISSING_CRC = ['warn', 'error'];
const LOCKDOWN = ['none', 'integrity', 'confidentiality'];

const show = (v: unknown) => (typeof v === 'string' ? JSON.stringify(v) : String(v));

function stringList(req: Record<string, unknown>, field: string, required: boolean): TypeError | undefined {
  const v = req[field];
  if (v === undefined && !required) return undefined;
  if (!Array.isArray(v)) return new TypeError(`check(): ${field} must be an array of paths, not ${typeof v === 'string' ? `a string (${show(v)}): give [${show(v)}]` : show(v)}`);
  const i = v.findIndex((p) => typeof p !== 'string');
  return i < 0 ? undefined : new TypeError(`check(): ${field}[${i}] must be a path (a string), not ${show(v[i])}`);
}

function oneOf(req: Record<string, unknown>, field: string, values: readonly string[]): RangeError | undefined {
  const v = req[field];
  return v === undefined || values.includes(v as string) ? undefined : new RangeError(`check(): ${field} must be one of ${values.map(show).join(', ')}, not ${show(v)}`);
}

function count(req: Record<string, unknown>, field: string, min: number): RangeError | undefined {
  const v = req[field];
  return v === undefined || (Number.isSafeInteger(v) && (v as number) >= min) ? undefined : new RangeError(`check(): ${field} must be a whole number of at least ${min}, not ${show(v)}`);
}

/** What is wrong with a check() request, or undefined. */
export function requestProblem(req: unknown): TypeError | RangeError | undefined {
  if (req === null || typeof req !== 'object') return new TypeError(`check(): the request must be an object ({ kernel, modules, … }), not ${show(req)}`);
  const r = req as Record<string, unknown>;
  if (r.kernel !== undefined && typeof r.kernel !== 'string') return new TypeError(`check(): kernel must be a path (a string), not ${show(r.kernel)}`);
  if (r.kernelVersion !== undefined && typeof r.kernelVersion !== 'string') return new TypeError(`check(): kernelVersion must be a string such as "6.1" or "6.12.0-rc3", not ${show(r.kernelVersion)}`);
  if (typeof r.kernelVersion === 'string' && !parseKernelVersion(r.kernelVersion)) return new RangeError(`check(): kernelVersion ${show(r.kernelVersion)} is not a kernel version (X.Y[.Z][-rcN], or a release such as 6.1.0-47-amd64)`);
  const shard = r.shard as { index?: unknown; count?: unknown } | undefined;
  const badShard =
    shard !== undefined &&
    (typeof shard !== 'object' || shard === null || !Number.isSafeInteger(shard.index) || !Number.isSafeInteger(shard.count) || (shard.count as number) < 1 || (shard.index as number) < 1 || (shard.index as number) > (shard.count as number));
  return (
    stringList(r, 'modules', true) ??
    stringList(r, 'extraSymbols', false) ??
    stringList(r, 'trustedKeys', false) ??
    stringList(r, 'debugDirs', false) ??
    oneOf(r, 'stage', STAGES) ??
    oneOf(r, 'missingCrc', MISSING_CRC) ??
    oneOf(r, 'lockdown', LOCKDOWN) ??
    count(r, 'concurrency', 1) ??
    count(r, 'maxModuleSize', 1) ??
    count(r, 'readBudget', 1) ??
    count(r, 'decodeThreads', 0) ??
    count(r, 'readThreads', 0) ??
    (badShard ? new RangeError(`check(): shard must be { index, count } with 1 <= index <= count, not ${JSON.stringify(shard)}`) : undefined)
  );
}
