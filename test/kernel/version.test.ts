import { atLeast, compareVersions, formatVersion, kv, parseKernelVersion } from '../../src/kernel/version.js';

describe('parseKernelVersion', () => {
  test.each([
    ['4.18.0-rc5', { major: 4, minor: 18, patch: 0, rc: 5, raw: '4.18.0-rc5' }],
    ['4.18', { major: 4, minor: 18, patch: 0, raw: '4.18' }],
    ['4.18-rc5', { major: 4, minor: 18, patch: 0, rc: 5, raw: '4.18-rc5' }],
    ['6.1.0-47-amd64', { major: 6, minor: 1, patch: 0, raw: '6.1.0-47-amd64' }],
    ['5.14.0-162.el9.x86_64', { major: 5, minor: 14, patch: 0, raw: '5.14.0-162.el9.x86_64' }],
    ['4.18.0-305.el8.x86_64', { major: 4, minor: 18, patch: 0, raw: '4.18.0-305.el8.x86_64' }],
    ['2.6.33', { major: 2, minor: 6, patch: 33, raw: '2.6.33' }],
    ['6.1.192', { major: 6, minor: 1, patch: 192, raw: '6.1.192' }],
    ['  5.10.0-rc1+\n', { major: 5, minor: 10, patch: 0, rc: 1, raw: '5.10.0-rc1+' }],
  ])('%j', (text, want) => {
    expect(parseKernelVersion(text)).toEqual(want);
  });

  test.each(['garbage', '', 'v6.1', '6', 'linux-6.1', '99999999999999999999.1', '6.99999999999999999999', '6.1.0-rc99999999999999999999'])('%j → undefined', (text) => {
    expect(parseKernelVersion(text)).toBeUndefined();
  });

  test('kv throws on non-versions', () => {
    expect(() => kv('garbage')).toThrow('not a kernel version: garbage');
  });
});

describe('compareVersions', () => {
  test('rc ordering: rcN < rcN+1 < release < next patch < next minor rc1', () => {
    const order = ['4.18-rc5', '4.18-rc7', '4.18', '4.18.1', '4.19-rc1', '4.19', '5.0'].map(kv);
    for (let i = 0; i < order.length; i++) {
      for (let j = 0; j < order.length; j++) {
        expect(Math.sign(compareVersions(order[i]!, order[j]!))).toBe(Math.sign(i - j));
      }
    }
  });

  test('distro suffixes do not count', () => {
    expect(compareVersions(kv('6.1.0-47-amd64'), kv('6.1.0'))).toBe(0);
    expect(compareVersions(kv('4.18.0-rc5'), kv('4.18-rc5'))).toBe(0);
  });

  test('numeric, not lexical', () => {
    expect(compareVersions(kv('5.10'), kv('5.9'))).toBeGreaterThan(0);
    expect(compareVersions(kv('4.18.10'), kv('4.18.9'))).toBeGreaterThan(0);
    expect(compareVersions(kv('10.0'), kv('9.99'))).toBeGreaterThan(0);
  });
});

describe('atLeast', () => {
  test('boundaries around 5.6-rc7 (namespace column moved last)', () => {
    expect(atLeast(kv('5.6-rc6'), '5.6-rc7')).toBe(false);
    expect(atLeast(kv('5.6-rc7'), '5.6-rc7')).toBe(true);
    expect(atLeast(kv('5.6.0'), '5.6-rc7')).toBe(true);
    expect(atLeast(kv('5.5.19'), '5.6-rc7')).toBe(false);
  });
  test('release boundaries', () => {
    expect(atLeast(kv('5.11-rc1'), '5.11')).toBe(false);
    expect(atLeast(kv('5.11'), '5.11')).toBe(true);
    expect(atLeast(kv('6.1.0-47-amd64'), '5.11')).toBe(true);
    expect(atLeast(kv('4.18.0-305.el8.x86_64'), '5.4')).toBe(false);
  });
});

describe('formatVersion', () => {
  test('canonical text', () => {
    expect(formatVersion(kv('4.18-rc5'))).toBe('4.18.0-rc5');
    expect(formatVersion(kv('6.1.0-47-amd64'))).toBe('6.1.0');
  });
});
