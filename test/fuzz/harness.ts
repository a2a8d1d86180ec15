/**
 * The fuzzing harness shared by test/fuzz/*.fuzz.test.ts: run counts and seed (fixed inside `npm test`,
 * from the environment in `npm run fuzz`), the property every reader must keep on every input, per-case
 * timing, and the figures printed at the end of a run. See docs/fuzzing.md.
 *
 *   FUZZ_RUNS      cases per reader; setting it selects the long run (npm run fuzz: default 100000)
 *   FUZZ_SEED      fast-check seed (npm test: fixed; npm run fuzz: random, printed)
 *   FUZZ_PATH      fast-check replay path printed with a failure (use with FUZZ_SEED and jest -t <name>)
 *   FUZZ_BOUND_MS  the per-case time bound asserted in the long run (default 1000)
 *   FUZZ_REPORT    file to which the figures of the run are appended as JSON lines
 *   FUZZ_PROGRESS  every that many cases, a line on stderr (property, cases so far, mean and slowest ms):
 *                  a long run otherwise says nothing until a property ends
 */
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { ElfFormatError, InputError, ParseError } from '../../src/errors.js';

export const LONG = process.env.FUZZ_RUNS !== undefined && process.env.FUZZ_RUNS !== '';
export const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : 0x6b73796d;
export const REPLAY_PATH = process.env.FUZZ_PATH || undefined;
export const BOUND_MS = Number(process.env.FUZZ_BOUND_MS ?? 1000);
const PROGRESS = Number(process.env.FUZZ_PROGRESS ?? 0);
/** Where the input of a failing case is written (the last one written is the shrunk counterexample). */
export const FAILURE_DIR = join(tmpdir(), 'ksymcheck-fuzz-failures');

/** Cases for one property: `short` inside npm test, FUZZ_RUNS × `share` in the long run. */
export function runsFor(short: number, share = 1): number {
  if (!LONG) return short;
  return Math.max(1, Math.round(Number(process.env.FUZZ_RUNS) * share));
}

/** fast-check parameters: the run's seed, the replay path when given, no time limit (jest's timeout is raised). */
export function params<T>(numRuns: number): fc.Parameters<T> {
  return { numRuns, seed: SEED, path: REPLAY_PATH, endOnFailure: false, verbose: fc.VerbosityLevel.None };
}

/** A jest timeout for a property of `runs` cases that each take up to `msPerCase` (never below 60 s). */
export function timeoutFor(runs: number, msPerCase: number): number {
  return LONG ? 7 * 24 * 3600 * 1000 : Math.max(60_000, runs * msPerCase * 4);
}

/** The error class a reader may throw: ElfFormatError, ParseError, or InputError for container-level errors (decompression). */
export type Expected = typeof ElfFormatError | typeof ParseError | typeof InputError;

export interface InputShape {
  /** The name the reader was given (errors must name it). */
  file: string;
  /** Byte size (offsets must fall in [0, size]). */
  size: number;
  /** For text: number of lines (a line number must fall in [1, lines]). */
  lines?: number;
}

/** A broken promise of the readers: anything but a well-formed InputError of the expected kind. */
export class Defect extends Error {
  override name = 'Defect';
}

/**
 * Run one reader step. Returns the value, or undefined when the input was rejected with an error that
 * keeps the contract: an instance of `expected` (ElfFormatError / ParseError), naming the file, with an
 * offset in [0, size] (ELF) or a line in [1, lines] (text). Anything else throws a Defect.
 */
export function step<T>(stats: Stats, expected: Expected, shape: InputShape, what: string, fn: () => T): T | undefined {
  try {
    const v = fn();
    stats.accepted(what);
    return v;
  } catch (e) {
    if (!(e instanceof InputError) || !(e instanceof expected)) {
      const err = e as Error;
      throw new Defect(`${what}: threw ${err?.name ?? typeof e} instead of ${expected.name}: ${err?.message ?? String(e)}\n${err?.stack ?? ''}`);
    }
    if (e.file !== shape.file) throw new Defect(`${what}: error names '${e.file}', not '${shape.file}': ${e.message}`);
    if (!e.message.startsWith(shape.file)) throw new Defect(`${what}: message does not start with the file name: ${e.message}`);
    if (e instanceof ElfFormatError) {
      const o = e.offset;
      if (!Number.isSafeInteger(o) || o < 0 || o > shape.size) throw new Defect(`${what}: offset ${o} is outside the file (${shape.size} bytes): ${e.message}`);
      if (!e.message.includes(`at offset 0x${o.toString(16)}:`)) throw new Defect(`${what}: message does not show the offset: ${e.message}`);
    } else if (e instanceof ParseError) {
      const l = e.where?.line;
      if (l === undefined || !Number.isSafeInteger(l) || l < 1 || (shape.lines !== undefined && l > shape.lines)) {
        throw new Defect(`${what}: line ${l} is outside the text (${shape.lines} lines): ${e.message}`);
      }
    }
    if (e.reason.length === 0) throw new Defect(`${what}: empty reason`);
    stats.rejected(what, e.reason);
    stats.lastRejection = e;
    return undefined;
  }
}

/** Figures of one property: cases, accepted/rejected steps, distinct rejection reasons, time per case. */
export class Stats {
  cases = 0;
  private accepts = 0;
  private rejects = 0;
  private reasons = new Map<string, number>();
  maxMs = 0;
  maxCase = '';
  totalMs = 0;
  /** The last InputError a step returned (for messages about wrong rejections). */
  lastRejection: InputError | undefined;
  private started: number | undefined;
  private lastEnd = 0;

  /** `boundMs`: the per-case bound asserted in the long run (default FUZZ_BOUND_MS). */
  constructor(
    readonly name: string,
    readonly boundMs = BOUND_MS,
  ) {}

  accepted(_what: string): void {
    this.accepts++;
  }

  rejected(what: string, reason: string): void {
    this.rejects++;
    // Numbers and quoted names vary per case; the shape of the message is the kind of rejection.
    const kind = `${what}: ${reason.replace(/'[^']*'/g, "'…'").replace(/"[^"]*"/g, '"…"').replace(/0x[0-9a-f]+|\d+/gi, 'N')}`;
    this.reasons.set(kind, (this.reasons.get(kind) ?? 0) + 1);
  }

  /** Time one case (the readers only, not building the input); in the long run assert the bound. */
  time<T>(describe: () => string, fn: () => T): T {
    const t0 = performance.now();
    this.started ??= t0;
    const v = fn();
    this.record(describe, t0, performance.now() - t0);
    return v;
  }

  /** Record one case timed by the caller (an asynchronous reader: `t0` and `ms` from performance.now()); in the long run assert the bound. */
  record(describe: () => string, t0: number, ms: number): void {
    this.started ??= t0;
    this.lastEnd = t0 + ms;
    this.cases++;
    this.totalMs += ms;
    if (ms > this.maxMs) {
      this.maxMs = ms;
      this.maxCase = describe();
    }
    if (PROGRESS > 0 && this.cases % PROGRESS === 0) {
      process.stderr.write(`fuzz ${this.name}: ${this.cases} cases, mean ${(this.totalMs / this.cases).toFixed(2)} ms, slowest ${this.maxMs.toFixed(0)} ms, ${new Date().toISOString().slice(11, 19)}\n`);
    }
    if (LONG && ms > this.boundMs) throw new Defect(`${this.name}: one input took ${ms.toFixed(0)} ms (bound ${this.boundMs} ms): ${describe()}`);
  }

  summary(): Record<string, unknown> {
    const top = [...this.reasons.entries()].sort((a, b) => b[1] - a[1]);
    return {
      property: this.name,
      seed: SEED,
      cases: this.cases,
      stepsAccepted: this.accepts,
      stepsRejected: this.rejects,
      rejectionKinds: this.reasons.size,
      maxMs: Number(this.maxMs.toFixed(2)),
      meanMs: Number((this.totalMs / Math.max(1, this.cases)).toFixed(3)),
      boundMs: this.boundMs,
      wallS: Number(((this.lastEnd - (this.started ?? this.lastEnd)) / 1000).toFixed(1)),
      slowest: this.maxCase.slice(0, 300),
      topRejections: top.slice(0, 8).map(([k, n]) => `${n}× ${k.slice(0, 160)}`),
    };
  }

  print(): void {
    if (this.cases === 0) return; // the property did not run (jest -t)
    const s = this.summary();
    const line =
      `fuzz ${this.name}: ${s.cases} cases, seed ${SEED}, ${s.stepsAccepted} steps accepted, ${s.stepsRejected} rejected ` +
      `(${s.rejectionKinds} kinds), max ${s.maxMs} ms/case (bound ${this.boundMs}${LONG ? ', asserted' : ', not asserted'}), mean ${s.meanMs} ms, wall ${s.wallS} s\n`;
    process.stderr.write(line);
    if (LONG) process.stderr.write(`  slowest: ${String(s.slowest)}\n  ${(s.topRejections as string[]).join('\n  ')}\n`);
    if (process.env.FUZZ_REPORT) appendFileSync(process.env.FUZZ_REPORT, JSON.stringify(s) + '\n');
  }
}

/** Keep the input of a failing case on disk (overwritten while fast-check shrinks: the last is minimal). */
export function keepFailure(property: string, data: Buffer | string, note: string): string {
  mkdirSync(FAILURE_DIR, { recursive: true });
  const base = join(FAILURE_DIR, property.replace(/[^A-Za-z0-9_.-]+/g, '_'));
  writeFileSync(base + '.bin', data);
  writeFileSync(base + '.txt', `${note}\nseed=${SEED}${REPLAY_PATH ? ` path=${REPLAY_PATH}` : ''}\n`);
  return base + '.bin';
}

/**
 * fc.assert with the run's parameters; on failure the message carries the seed, the replay path and
 * the command line that replays it (fast-check's own report has the counterexample).
 */
export function assertProperty<T>(name: string, prop: fc.IProperty<T>, numRuns: number): void {
  const out = fc.check(prop, params<T>(numRuns));
  if (out.failed) {
    const how = `FUZZ_SEED=${out.seed} FUZZ_PATH=${out.counterexamplePath} FUZZ_RUNS=${numRuns} bash scripts/fuzz -t '${name}: '`;
    const err = out.errorInstance as Error | undefined;
    const cause = err instanceof Error ? `${err.message}${err instanceof Defect ? '' : `\n${err.stack ?? ''}`}` : String(err);
    throw new Error(`${fc.defaultReportMessage(out)}\n\nError: ${cause}\n\nReplay: ${how}\nFailing input kept under ${FAILURE_DIR}`);
  }
}

if (LONG) process.stderr.write(`fuzz: seed ${SEED} (replay with FUZZ_SEED=${SEED}), ${process.env.FUZZ_RUNS} cases per reader, bound ${BOUND_MS} ms per case\n`);
