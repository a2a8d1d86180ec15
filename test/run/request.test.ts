/**
 * check()'s request from a program: a wrong value is a TypeError or RangeError naming the field, before
 * anything is read. Each case here was taken as something else: a string of modules read a character at a
 * time (a walk of '/'), an unknown stage passed a failing module, a version that is no version applied the
 * newest rules, a shard of 0 of 0 reported nothing.
 */
import { check, loadKernel } from '../../src/index.js';
import { sample } from '../helpers/fixtures.js';

const K = sample('v6', 'kernels', '6.1');
const M = sample('v6', 'modules', 'fpu-user', 'fpu-user.ko');

test.each([
  [{ kernel: K, modules: M }, TypeError, `check(): modules must be an array of paths, not a string (${JSON.stringify(M)}): give [${JSON.stringify(M)}]`],
  [{ kernel: K }, TypeError, 'check(): modules must be an array of paths, not undefined'],
  [{ kernel: K, modules: [M, 7] }, TypeError, 'check(): modules[1] must be a path (a string), not 7'],
  [{ kernel: K, modules: [M], extraSymbols: 'x' }, TypeError, 'check(): extraSymbols must be an array of paths, not a string ("x"): give ["x"]'],
  [{ kernel: 7, modules: [M] }, TypeError, 'check(): kernel must be a path (a string), not 7'],
  [{ kernel: K, modules: [M], stage: 'bogus' }, RangeError, 'check(): stage must be one of "build", "load", "both", not "bogus"'],
  [{ kernel: K, modules: [M], missingCrc: 'bogus' }, RangeError, 'check(): missingCrc must be one of "warn", "error", not "bogus"'],
  [{ kernel: K, modules: [M], lockdown: 'bogus' }, RangeError, 'check(): lockdown must be one of "none", "integrity", "confidentiality", not "bogus"'],
  [{ kernel: K, modules: [M], kernelVersion: 'banana' }, RangeError, 'check(): kernelVersion "banana" is not a kernel version (X.Y[.Z][-rcN], or a release such as 6.1.0-47-amd64)'],
  [{ kernel: K, modules: [M], kernelVersion: 6.1 }, TypeError, 'check(): kernelVersion must be a string such as "6.1" or "6.12.0-rc3", not 6.1'],
  [{ kernel: K, modules: [M], shard: { index: 0, count: 0 } }, RangeError, 'check(): shard must be { index, count } with 1 <= index <= count, not {"index":0,"count":0}'],
  [{ kernel: K, modules: [M], shard: { index: 5, count: 2 } }, RangeError, 'check(): shard must be { index, count } with 1 <= index <= count, not {"index":5,"count":2}'],
  [{ kernel: K, modules: [M], concurrency: 0 }, RangeError, 'check(): concurrency must be a whole number of at least 1, not 0'],
  [{ kernel: K, modules: [M], maxModuleSize: NaN }, RangeError, 'check(): maxModuleSize must be a whole number of at least 1, not NaN'],
  [{ kernel: K, modules: [M], maxModuleSize: -5 }, RangeError, 'check(): maxModuleSize must be a whole number of at least 1, not -5'],
  [{ kernel: K, modules: [M], readBudget: 0 }, RangeError, 'check(): readBudget must be a whole number of at least 1, not 0'],
  [undefined, TypeError, 'check(): the request must be an object ({ kernel, modules, … }), not undefined'],
])('%j: %p', async (req, kind, message) => {
  const e = await check(req as never).then(
    () => undefined,
    (x: unknown) => x as Error,
  );
  expect(e).toBeInstanceOf(kind);
  expect(e?.message).toBe(message);
});

test('the same module with the values right: its GPL-only findings at build', async () => {
  const r = await check({ kernel: K, modules: [M], stage: 'build', kernelVersion: '6.1', shard: { index: 1, count: 1 } });
  expect(r.modules.map((m) => [m.name, m.verdict, m.findings.map((f) => `${f.rule} ${f.symbol}`)])).toEqual([
    ['fpu_user', 'fail', ['gpl-only kernel_fpu_begin_mask', 'gpl-only kernel_fpu_end']],
  ]);
});

test('loadKernel() with a kernelVersion that is no version: a RangeError, not the newest rules', async () => {
  await expect(loadKernel(K, { kernelVersion: 'banana' })).rejects.toThrow(new RangeError('kernelVersion "banana" is not a kernel version (X.Y[.Z][-rcN], or a release such as 6.1.0-47-amd64)'));
});
