/**
 * matrix and diff on Debian's real 6.1 builds: the oldest and newest headers of the suite, and the
 * newest image's 4,023 in-tree modules. Every figure of the diff is recomputed here from the raw files
 * (Module.symvers split on TABs; `__versions` by readelf), never from ksymcheck's readers.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { check } from '../../src/check.js';
import { diff, matrix } from '../../src/compare.js';
import { diffReportSchema, matrixReportSchema } from '../../src/report/compare-schema.js';
import { formatDiffText } from '../../src/report/compare-text.js';
import { formatHtml } from '../../src/report/html.js';
import { formatText } from '../../src/report/text.js';
import { CACHE, headersOf, readAbisEnv, readKos, readSymvers } from './env.js';

const env = readAbisEnv();
const OLD = headersOf(env.OLD_ABI);
const NEW = headersOf(env.NEW_ABI);
const hex = (n: number) => `0x${(n >>> 0).toString(16).padStart(8, '0')}`;

function kosUnder(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...kosUnder(p));
    else if (e.name.endsWith('.ko')) out.push(p);
  }
  return out.sort();
}

describe(`diff ${env.OLD_ABI} → ${env.NEW_ABI} (headers)`, () => {
  test('every change equals the raw Module.symvers files’', async () => {
    const r = await diff({ from: OLD, to: NEW });
    expect(diffReportSchema.parse(r)).toEqual(r);
    const a = readSymvers(join(OLD, 'Module.symvers'));
    const b = readSymvers(join(NEW, 'Module.symvers'));
    const want: string[] = [];
    for (const [name, x] of a) {
      const y = b.get(name);
      if (!y) want.push(`${name} removed ${x.type} -`);
      else {
        if (x.type !== y.type) want.push(`${name} license ${x.type} ${y.type}`);
        if (x.namespace !== y.namespace) want.push(`${name} namespace ${x.namespace} ${y.namespace}`);
        if (x.crc !== y.crc) want.push(`${name} crc ${hex(x.crc)} ${hex(y.crc)}`);
        if (x.owner !== y.owner) want.push(`${name} owner ${x.owner} ${y.owner}`);
      }
    }
    for (const [name, y] of b) if (!a.has(name)) want.push(`${name} added - ${y.type}`);
    const got = r.changes.map((c) => `${c.symbol} ${c.kind} ${c.from ?? '-'} ${c.to ?? '-'}`);
    expect([...got].sort()).toEqual(want.sort());
    // two ABIs of one 6.1 stable series: CRCs move, a few exports come and go
    expect(r.summary.crc).toBeGreaterThan(0);
    expect(r.summary.crc).toBe(want.filter((w) => w.split(' ')[1] === 'crc').length);
    expect(r.summary.added).toBe(want.filter((w) => w.split(' ')[1] === 'added').length);
    expect(r.summary.removed).toBe(want.filter((w) => w.split(' ')[1] === 'removed').length);
  });

  test('the text leads with the removals, then the additions, then one line for the CRC changes (module_layout among them)', async () => {
    const r = await diff({ from: OLD, to: NEW });
    const a = readSymvers(join(OLD, 'Module.symvers'));
    const b = readSymvers(join(NEW, 'Module.symvers'));
    const layoutMoved = a.get('module_layout')!.crc >>> 0 !== b.get('module_layout')!.crc >>> 0;
    const lines = formatDiffText(r).split('\n');
    const kinds = lines.slice(3).map((l) => /^ {2}(\S+)/.exec(l)?.[1] ?? l.slice(0, 4));
    const s = r.summary;
    // removed, licence, namespace, owner, added: one line each; then the CRC line; nothing else
    expect(kinds).toEqual([
      ...Array(s.removed).fill('removed'),
      ...Array(s.license).fill('licence'),
      ...Array(s.namespace).fill('namespace'),
      ...Array(s.owner).fill('owner'),
      ...Array(s.added).fill('added'),
      'CRC:',
      '',
    ]);
    const crcLine = lines[lines.length - 2];
    expect(crcLine.startsWith(`CRC: ${s.crc.toLocaleString('en-US')} changed, module_layout ${layoutMoved ? 'among them: every module built for the old ABI must be rebuilt' : 'not among them'}`)).toBe(true);
    expect(s.removed).toBeGreaterThan(0);
    expect(formatDiffText(r, { verbose: true }).split('\n').filter((l) => l.startsWith('  CRC '))).toHaveLength(s.crc);
  });

  test(`with the ${env.NEW_ABI} image's modules: fixed at module_layout exactly where their __versions disagreed with ${env.OLD_ABI}`, async () => {
    const kos = kosUnder(env.NEW_IMAGE_MODULES);
    const r = await diff({ from: OLD, to: NEW, modules: [env.NEW_IMAGE_MODULES], stage: 'load' });
    expect(r.modules).toBe(kos.length);
    expect(r.errors).toEqual([]);
    expect(r.breaks).toEqual([]);
    const oldLayout = readSymvers(join(OLD, 'Module.symvers')).get('module_layout')!.crc;
    const raw = await readKos(kos);
    const want = kos.filter((k) => {
      const v = raw.get(k)!.versions;
      return v?.has('module_layout') && v.get('module_layout')! >>> 0 !== oldLayout >>> 0;
    });
    const fixedAtLayout = r.fixes.filter((f) => f.rule === 'crc-mismatch' && f.symbol === 'module_layout').map((f) => f.module);
    expect(fixedAtLayout.sort()).toEqual(want);
    expect(want.length).toBeGreaterThan(4000);
  });
});

describe(`matrix of the ${env.NEW_ABI} image on ${env.OLD_ABI} and ${env.NEW_ABI}`, () => {
  test('modules read once; each cell equals check() against its kernel; first failing kernel', async () => {
    const kernels = [OLD, NEW];
    const m = await matrix({ kernels, modules: [env.NEW_IMAGE_MODULES], stage: 'load' });
    matrixReportSchema.parse(m);
    expect(m.cells).toHaveLength(m.modules.length * kernels.length);
    for (const kernel of kernels) {
      const one = await check({ kernel, modules: [env.NEW_IMAGE_MODULES], stage: 'load' });
      const cells = m.cells.filter((c) => c.kernel === kernel);
      expect(cells.map((c) => c.module)).toEqual(one.modules.map((x) => x.path));
      expect(JSON.stringify(cells.map((c) => c.findings))).toBe(JSON.stringify(one.modules.map((x) => x.findings)));
      expect(cells.map((c) => c.verdict)).toEqual(one.modules.map((x) => x.verdict));
    }
    // built for NEW: none fails there; those refused on OLD have OLD as their first failing kernel
    expect(m.cells.filter((c) => c.kernel === NEW && c.verdict === 'fail')).toEqual([]);
    const failOld = new Set(m.cells.filter((c) => c.kernel === OLD && c.verdict === 'fail').map((c) => c.module));
    expect(m.modules.filter((x) => x.firstFailing === OLD).map((x) => x.path)).toEqual(m.modules.filter((x) => failOld.has(x.path)).map((x) => x.path));
    expect(m.modules.filter((x) => x.firstFailing === null)).toHaveLength(m.modules.length - failOld.size);
  });
});

describe(`the ${env.NEW_ABI} image checked on ${env.OLD_ABI}'s headers, as reports`, () => {
  test('the HTML page leads with the causes: module_layout first, its count the modules whose __versions disagree; the text shows no DWARF note', async () => {
    const r = await check({ kernel: OLD, modules: [env.NEW_IMAGE_MODULES] });
    const kos = kosUnder(env.NEW_IMAGE_MODULES);
    const oldLayout = readSymvers(join(OLD, 'Module.symvers')).get('module_layout')!.crc;
    const raw = await readKos(kos);
    const layoutOnly = r.modules.filter((m) => {
      const v = raw.get(m.path)!.versions;
      const errors = m.findings.filter((f) => f.severity === 'error');
      // refused for module_layout with nothing failing before it (at build)
      return v?.has('module_layout') && v.get('module_layout')! >>> 0 !== oldLayout >>> 0 && errors[0].rule === 'crc-mismatch';
    });
    const html = formatHtml(r, { toolVersion: 'test' });
    const causes = [...html.matchAll(/<button type="button" class="cause" data-cause="(k\d+)" data-rule="([^"]*)" data-hint="[^"]*" data-count="(\d+)"/g)].map((m) => [m[1], m[2], Number(m[3])]);
    expect(causes[0]).toEqual(['k0', 'crc-mismatch', layoutOnly.length]);
    expect(layoutOnly.length).toBeGreaterThan(3900);
    // every failing module is in exactly one cause
    expect(causes.reduce((t, c) => t + (c[2] as number), 0)).toBe(r.modules.filter((m) => m.verdict === 'fail').length);
    expect(html.indexOf('id="causes"')).toBeLessThan(html.indexOf('<table class="grid">'));
    // the stripped image has no DWARF: the report says so as data, the one-line-per-module text does not
    expect(r.notes.some((n) => n.startsWith('modules with references but no DWARF'))).toBe(true);
    const text = formatText(r, { color: false });
    expect(text).not.toContain('no DWARF');
    expect(text).not.toContain('referenced at');
  }, 300_000);
});

describe('the headers packages themselves as kernels', () => {
  const debOf = (abi: string) => {
    const f = readdirSync(join(CACHE, 'debs')).find((n) => n.startsWith(`linux-headers-6.1.0-${abi}-amd64_`) && n.endsWith('.deb'));
    if (!f) throw new Error(`linux-headers-6.1.0-${abi}-amd64 .deb missing from ${join(CACHE, 'debs')}: run npm run fetch-kernels`);
    return join(CACHE, 'debs', f);
  };
  test.each([env.OLD_ABI, env.NEW_ABI])(`the ${env.NEW_ABI} image checked against linux-headers-6.1.0-%s-amd64's .deb: the report of its unpacked directory, byte for byte`, async (abi) => {
    const pkg = debOf(abi);
    const [a, b] = [await check({ kernel: pkg, modules: [env.NEW_IMAGE_MODULES] }), await check({ kernel: headersOf(abi), modules: [env.NEW_IMAGE_MODULES] })];
    expect(a.kernel.source).toBe(pkg);
    expect(JSON.stringify({ ...a, kernel: { ...a.kernel, source: '' } })).toBe(JSON.stringify({ ...b, kernel: { ...b.kernel, source: '' } }));
  });
  test('diff of the two packages equals diff of the two directories', async () => {
    const [a, b] = [await diff({ from: debOf(env.OLD_ABI), to: debOf(env.NEW_ABI) }), await diff({ from: OLD, to: NEW })];
    expect(a.changes).toEqual(b.changes);
    expect(a.summary).toEqual(b.summary);
  });
});
