/**
 * A module of the run that the loader refuses is never loaded: the symbols it exports are unknown to the
 * modules importing them ("Unknown symbol … (err -2)"), transitively — what `modprobe` meets when it loads a
 * whole tree on the wrong kernel. checkModules() decides each module's load verdict once and feeds it to
 * the loader walk of the modules that import from it.
 */
import { checkModules } from '../../src/check.js';
import { exp, kernel, mod } from './helpers.js';

const K = () => kernel('6.1.0', { modversions: true, exports: [exp('module_layout', 'EXPORT_SYMBOL', { crc: 0x1111 }), exp('kmalloc', 'EXPORT_SYMBOL', { crc: 0x2222 })] });

/** core: refused when its kmalloc CRC is wrong, exports core_fn and core_weak; mid imports both (core_weak weakly) and exports mid_fn; top imports mid_fn. */
function tree(coreKmallocCrc: number) {
  const core = mod({
    name: 'core',
    path: '/t/core.ko',
    imports: ['kmalloc'],
    exports: [{ name: 'core_fn', crc: 0xc0 }, { name: 'core_weak', crc: 0xc1 }],
    versions: { module_layout: 0x1111, kmalloc: coreKmallocCrc },
  });
  const mid = mod({
    name: 'mid',
    path: '/t/mid.ko',
    imports: ['kmalloc', 'core_fn', { name: 'core_weak', weak: true }],
    exports: [{ name: 'mid_fn', crc: 0xd0 }],
    versions: { module_layout: 0x1111, kmalloc: 0x2222, core_fn: 0xc0, core_weak: 0xc1 },
  });
  const top = mod({ name: 'top', path: '/t/top.ko', imports: ['mid_fn'], versions: { module_layout: 0x1111, mid_fn: 0xd0 } });
  return { core, mid, top };
}

const brief = (r: ReturnType<typeof checkModules>[number]) => ({
  name: r.name,
  verdict: r.verdict,
  findings: r.findings.map((f) => `${f.stage} ${f.rule} ${f.symbol} ${f.message}`),
});

describe('a module whose dependency the loader refuses', () => {
  test('is refused in turn, transitively, with the owner and its reason as evidence', () => {
    const { core, mid, top } = tree(0x9999);
    const reports = checkModules(K(), [top, mid, core], { stage: 'load' }); // importers first: order must not matter
    expect(reports.map(brief)).toEqual([
      { name: 'top', verdict: 'fail', findings: ['load unresolved mid_fn top: Unknown symbol mid_fn (err -2)'] },
      { name: 'mid', verdict: 'fail', findings: ['load unresolved core_fn mid: Unknown symbol core_fn (err -2)'] },
      { name: 'core', verdict: 'fail', findings: ['load crc-mismatch kmalloc core: disagrees about version of symbol kmalloc'] },
    ]);
    const midFinding = reports[1].findings[0];
    expect(midFinding.evidence).toEqual({
      weak: false,
      errno: -2,
      owner: '/t/core',
      ownerRefused: 'core',
      ownerRefusedBy: 'core: disagrees about version of symbol kmalloc',
    });
    expect(midFinding.hint).toMatch(/^'core_fn' comes from module core, which this kernel refuses/);
    expect(reports[0].findings[0].evidence.ownerRefusedBy).toBe('mid: Unknown symbol core_fn (err -2)');
  });

  test('the same modules pass when the dependency loads; a weak import from a refused module is no error', () => {
    const { core, mid, top } = tree(0x2222);
    expect(checkModules(K(), [top, mid, core], { stage: 'load' }).map((r) => [r.name, r.verdict, r.findings.length])).toEqual([
      ['top', 'pass', 0],
      ['mid', 'pass', 0],
      ['core', 'pass', 0],
    ]);
  });

  test('build stage: modpost resolves against the exports regardless (no load verdicts)', () => {
    const { core, mid, top } = tree(0x9999);
    expect(checkModules(K(), [top, mid, core], { stage: 'build' }).map((r) => [r.name, r.verdict])).toEqual([
      ['top', 'pass'],
      ['mid', 'pass'],
      ['core', 'pass'],
    ]);
  });

  test('a chain of 3,000 modules (a crafted tree): decided in dependency order, no deep recursion', () => {
    const n = 3000;
    const chain = Array.from({ length: n }, (_, i) =>
      mod({
        name: `m${i}`,
        path: `/t/m${i}.ko`,
        imports: i === 0 ? ['kmalloc'] : [`f${i - 1}`],
        exports: [{ name: `f${i}`, crc: i }],
        versions: i === 0 ? { module_layout: 0x1111, kmalloc: 0x9999 } : { module_layout: 0x1111, [`f${i - 1}`]: i - 1 },
      }),
    );
    const reports = checkModules(K(), [...chain].reverse(), { stage: 'load' });
    expect(reports.every((r) => r.verdict === 'fail')).toBe(true);
    const last = reports[0];
    expect([last.name, last.findings.map((f) => [f.rule, f.symbol, f.evidence.ownerRefused])]).toEqual(['m2999', [['unresolved', 'f2998', 'm2998']]]);
  });

  test('a dependency cycle (depmod would reject it) is taken as loaded, and the run ends', () => {
    const a = mod({ name: 'a', path: '/t/a.ko', imports: ['b_fn'], exports: [{ name: 'a_fn', crc: 1 }], versions: { module_layout: 0x1111, b_fn: 2 } });
    const b = mod({ name: 'b', path: '/t/b.ko', imports: ['a_fn'], exports: [{ name: 'b_fn', crc: 2 }], versions: { module_layout: 0x1111, a_fn: 1 } });
    expect(checkModules(K(), [a, b], { stage: 'load' }).map((r) => [r.name, r.verdict])).toEqual([
      ['a', 'pass'],
      ['b', 'pass'],
    ]);
  });
});

describe('a shard (checkModules only:): its modules decided against the whole run', () => {
  test('top alone is still refused through mid and core, which it does not report', () => {
    const { core, mid, top } = tree(0x9999);
    const whole = checkModules(K(), [top, mid, core], { stage: 'both' });
    for (const only of [[top], [mid], [core], [top, core], [mid, top]]) {
      const part = checkModules(K(), [top, mid, core], { stage: 'both', only: new Set(only) });
      // in run order, exactly the whole run's reports of those modules
      expect(part).toEqual(whole.filter((r) => only.some((m) => m.path === r.path)));
    }
    expect(checkModules(K(), [top, mid, core], { stage: 'load', only: new Set([top]) }).map(brief)).toEqual([
      { name: 'top', verdict: 'fail', findings: ['load unresolved mid_fn top: Unknown symbol mid_fn (err -2)'] },
    ]);
  });
});
