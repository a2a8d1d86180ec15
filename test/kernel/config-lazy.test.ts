/**
 * readKconfig (a .config read lazily: KconfigMap) against parseKconfig (the whole file parsed): for every
 * text the same error, or the same values — looked up one by one before anything builds the Map, and
 * the whole Map after.
 */
import { existsSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { configEmpty, KconfigMap, parseKconfig, readKconfig } from '../../src/kernel/config.js';

const FILE = 'k/.config';

function errorOf(fn: () => unknown): string | undefined {
  try {
    fn();
    return undefined;
  } catch (e) {
    return `${(e as Error).constructor.name}: ${(e as Error).message}`;
  }
}

/** readKconfig(text) says what parseKconfig(text) says; returns whether it read lazily. */
function agrees(text: string, probes: string[] = []): boolean {
  const want = errorOf(() => parseKconfig(text, FILE));
  let got: Map<string, string> | undefined;
  expect(errorOf(() => (got = readKconfig(text, FILE)))).toBe(want);
  if (want !== undefined) return false;
  const eager = parseKconfig(text, FILE);
  const lazy = got!;
  // before anything builds it: emptiness, then each look-up (twice: the remembered answer too)
  expect(configEmpty(lazy)).toBe(eager.size === 0);
  for (const k of [...eager.keys(), ...probes]) {
    expect(lazy.get(k)).toBe(eager.get(k));
    expect(lazy.has(k)).toBe(eager.has(k));
    expect(lazy.get(k)).toBe(eager.get(k));
  }
  expect(Object.fromEntries(lazy)).toEqual(Object.fromEntries(eager));
  expect([...lazy.keys()]).toEqual([...eager.keys()]);
  expect(lazy.size).toBe(eager.size);
  return lazy instanceof KconfigMap;
}

describe('readKconfig', () => {
  test('the formats parseKconfig documents', () => {
    expect(agrees('CONFIG_A=y\nCONFIG_B=m\n# CONFIG_C is not set\nCONFIG_S="a \\"b\\" c"\nCONFIG_U=unquoted text\nCONFIG_H=0x1000\n', ['CONFIG_C', 'CONFIG_X', 'CONFIG_', 'A', ''])).toBe(true);
    expect(agrees('CONFIG_A=y\nCONFIG_A=m\nCONFIG_B=y\n# CONFIG_B is not set\n# CONFIG_B is not set really\n')).toBe(true);
    expect(agrees('CONFIG_A=y\r\nCONFIG_S="x y"\r\n# CONFIG_C is not set\r\nCONFIG_D=m')).toBe(true);
    expect(agrees('# CONFIG_A is not set\nCONFIG_A=y\n')).toBe(true);
    expect(agrees('CONFIG_A=y\n# CONFIG_A is not set\r\n')).toBe(true);
    expect(agrees('CONFIG_A=y\n# CONFIG_A is not set\r')).toBe(true);
    expect(agrees('CONFIG_A=y\n# CONFIG_A is not set')).toBe(true);
    expect(agrees('CONFIG_AB=y\nCONFIG_A=n\n# CONFIG_AB is not set\n', ['CONFIG_A', 'CONFIG_AB'])).toBe(true);
    expect(agrees('')).toBe(true);
    expect(agrees('\n\n  \n# only comments\n')).toBe(true);
    expect(configEmpty(readKconfig('CONFIG_A=y\n# CONFIG_A is not set\n', FILE))).toBe(true);
  });

  test('what parseKconfig refuses, refused with its error', () => {
    for (const bad of ['CONFIG_A=y\n\nMODVERSIONS=y\n', 'CONFIG_A=y\nCONFIG_S="abc\n', 'CONFIG_A=y\nCONFIG_\0B=y\n', ' CONFIG_A=y\n', 'CONFIG_A=y\rCONFIG_B=y\n', 'CONFIG_S="a\\']) {
      expect(agrees(bad)).toBe(false);
      expect(errorOf(() => readKconfig(bad, FILE))).toMatch(/^ParseError: k\/\.config:\d+: /);
    }
  });

  const realConfig = '/usr/src/linux-headers-6.1.0-57-amd64/.config';
  (existsSync(realConfig) ? test : test.skip)("Debian 6.1's .config (260 kB): every value the same", () => {
    expect(agrees(readFileSync(realConfig, 'utf8'), ['CONFIG_MODVERSIONS', 'CONFIG_NOPE'])).toBe(true);
  });

  const name = fc.constantFrom('CONFIG_A', 'CONFIG_AB', 'CONFIG_B', 'CONFIG_A_B', 'CONFIG_', 'CONFIG_1');
  const value = fc.oneof(fc.constantFrom('y', 'm', 'n', '', '""', '"a\\"b"', '"a"junk', '"x', '"\\', 'a b', '0x10', '"\u2028"'), fc.string({ maxLength: 6 }));
  const line = fc.oneof(
    { weight: 6, arbitrary: fc.tuple(name, value).map(([n, v]) => `${n}=${v}`) },
    { weight: 3, arbitrary: name.map((n) => `# ${n} is not set`) },
    { weight: 1, arbitrary: fc.constantFrom('', ' ', '\t', '#', '# comment', '#CONFIG_A is not set', '# CONFIG_A is not set ', ' # x', 'x', '\u00a0', 'CONFIG_A', '\u0000') },
    { weight: 1, arbitrary: fc.string({ maxLength: 8 }) },
  );
  const eol = fc.oneof({ weight: 8, arbitrary: fc.constant('\n') }, { weight: 2, arbitrary: fc.constant('\r\n') }, { weight: 1, arbitrary: fc.constantFrom('\r', '', '\r\r\n') });
  const text = fc.array(fc.tuple(line, eol), { maxLength: 20 }).map((ls) => ls.map(([l, e]) => l + e).join(''));

  test('random files: the lazy Map and the parsed one agree (4,000 cases)', () => {
    let lazy = 0;
    fc.assert(
      fc.property(text, fc.array(name, { maxLength: 3 }), (t, probes) => {
        if (agrees(t, probes)) lazy++;
      }),
      { numRuns: 4000 },
    );
    expect(lazy).toBeGreaterThan(400);
  });
});
