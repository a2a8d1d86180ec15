/**
 * The JSON report written in pieces (one per module) is byte for byte JSON.stringify(report, null, 2)
 * plus a newline: on real reports of the samples, and on any JSON in the report's places (fast-check).
 */
import fc from 'fast-check';
import { join } from 'node:path';
import { check } from '../../src/check.js';
import { formatJsonChunks } from '../../src/report/json.js';
import type { Report } from '../../src/report/schema.js';
import { sample, SEED } from '../helpers/fixtures.js';

const whole = (r: unknown) => JSON.stringify(r, null, 2) + '\n';
const pieces = (r: unknown) => [...formatJsonChunks(r as object)];

describe('formatJsonChunks', () => {
  test('real reports: the seed (findings with references), the v6 samples, an unreadable file, no module', async () => {
    const reports = [
      await check({ kernel: join(SEED, 'kernels', '4.18-rc5'), modules: [sample('seed', 'openafs', 'libafs.ko')] }),
      await check({ kernel: sample('v6', 'kernels', '6.1'), modules: [sample('v6', 'modules')] }),
      await check({ kernel: sample('v6', 'kernels', '6.1'), modules: ['/nonexistent/foo.ko', sample('v6', 'modules', 'exporter', 'exporter.ko')] }),
      await check({ kernel: sample('v6', 'kernels', '6.1'), modules: [] }),
    ];
    expect(reports.map((r) => [r.modules.length, r.errors.length])).toEqual([
      [1, 0],
      [9, 0],
      [1, 1],
      [0, 0],
    ]);
    for (const r of reports) {
      const p = pieces(r);
      expect(p.join('')).toBe(whole(r));
      // `{`, one piece per field, `}` — and a non-empty array field as its opening, one piece per element, its close
      const arrays = Object.values(r).filter((v) => Array.isArray(v) && v.length > 0) as unknown[][];
      expect(p.length).toBe(Object.keys(r).length + 2 + arrays.reduce((n, a) => n + a.length + 1, 0));
    }
  });

  test('any JSON values in the fields and as modules', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), fc.array(fc.jsonValue(), { maxLength: 5 }), fc.jsonValue(), (head, modules, tail) => {
        const r = { ...head, modules, errors: tail };
        expect(pieces(r).join('')).toBe(whole(r));
      }),
      { seed: 20261203, numRuns: 500 },
    );
    expect(pieces({}).join('')).toBe(whole({}));
  });
});
