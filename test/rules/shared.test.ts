import { kv } from '../../src/kernel/version.js';
import {
  GPL_COMPATIBLE_LICENSES,
  hex8,
  ignoreUndefSymbol,
  isGplCompatible,
  loaderGplCompatible,
  loaderIgnoresUndef,
  modpostBasename,
  modpostGplCompatible,
  modpostModName,
  modpostObjectPath,
} from '../../src/rules/shared.js';
import { atLeast, fmt, message, pick, pickValue } from '../../src/rules/versioned.js';
import { moduleNamespaceMatches } from '../../src/rules/loader.js';
import { EM_PPC64, EM_X86_64, mod } from './helpers.js';

describe('licences', () => {
  test('the exact list of include/linux/license.h', () => {
    expect(GPL_COMPATIBLE_LICENSES).toEqual(['GPL', 'GPL v2', 'GPL and additional rights', 'Dual BSD/GPL', 'Dual MIT/GPL', 'Dual MPL/GPL']);
    for (const bad of ['GPL-2.0', 'GPLv2', 'gpl', 'GPL v3', 'Dual CDDL/GPL', 'CDDL', 'MIT', 'Proprietary', '']) {
      expect(isGplCompatible(bad)).toBe(false);
    }
  });

  test('modpost: all entries; loader: the first entry; none: modpost-compatible, loader-proprietary', () => {
    const both = mod({ licenses: ['GPL', 'Proprietary'] });
    expect(modpostGplCompatible(both)).toBe(false);
    expect(loaderGplCompatible(both)).toBe(true);
    const none = mod({ licenses: [] });
    expect(modpostGplCompatible(none)).toBe(true);
    expect(loaderGplCompatible(none)).toBe(false);
  });
});

describe('ignore_undef_symbol', () => {
  const v = (s: string) => kv(s);
  test('x86: __this_module and _GLOBAL_OFFSET_TABLE_, nothing arch-specific', () => {
    expect(ignoreUndefSymbol('__this_module', EM_X86_64, v('4.18'))).toBe(true);
    expect(ignoreUndefSymbol('_GLOBAL_OFFSET_TABLE_', EM_X86_64, v('4.18'))).toBe(true);
    expect(ignoreUndefSymbol('_savegpr0_14', EM_X86_64, v('6.1'))).toBe(false);
  });
  test('ppc64', () => {
    expect(ignoreUndefSymbol('_savegpr0_14', EM_PPC64, v('4.18'))).toBe(true);
    expect(ignoreUndefSymbol('_restvr_20', EM_PPC64, v('6.1'))).toBe(true);
    expect(ignoreUndefSymbol('.TOC.', EM_PPC64, v('6.1'))).toBe(true);
    expect(ignoreUndefSymbol('.TOC.', 20 /* EM_PPC */, v('6.1'))).toBe(false);
    expect(ignoreUndefSymbol('_savefpr_20', EM_PPC64, v('6.12'))).toBe(false);
    expect(ignoreUndefSymbol('_savefpr_20', EM_PPC64, v('7.0'))).toBe(true);
  });
  test('s390 expolines until 6.2', () => {
    expect(ignoreUndefSymbol('__s390_indirect_jump_r14', 22, v('6.1'))).toBe(true);
    expect(ignoreUndefSymbol('__s390_indirect_jump_r14', 22, v('6.12'))).toBe(false);
  });
  test('the loader ignores only x86 _GLOBAL_OFFSET_TABLE_, since 5.12', () => {
    expect(loaderIgnoresUndef('_GLOBAL_OFFSET_TABLE_', EM_X86_64, v('5.11'))).toBe(false);
    expect(loaderIgnoresUndef('_GLOBAL_OFFSET_TABLE_', EM_X86_64, v('5.12'))).toBe(true);
    expect(loaderIgnoresUndef('_GLOBAL_OFFSET_TABLE_', EM_PPC64, v('6.1'))).toBe(false);
  });
});

describe('names', () => {
  test('modpost names come from the path', () => {
    const m = mod({ name: 'snd_foo', path: '/home/u/snd/snd-foo.ko.xz' });
    expect(modpostModName(m)).toBe('/home/u/snd/snd-foo');
    expect(modpostBasename(m)).toBe('snd-foo');
    expect(modpostObjectPath(m)).toBe('/home/u/snd/snd-foo.o');
  });
  test('module: namespace patterns', () => {
    expect(moduleNamespaceMatches('kvm,kvm_*', 'kvm_intel', true)).toBe(true);
    expect(moduleNamespaceMatches('kvm,kvm_*', 'kvmx', true)).toBe(false);
    expect(moduleNamespaceMatches('kvm-amd', 'kvm_amd', true)).toBe(true);
    expect(moduleNamespaceMatches('kvm-amd', 'kvm_amd', false)).toBe(false);
  });
  test('hex8', () => {
    expect(hex8(0xdeadbeef)).toBe('0xdeadbeef');
    expect(hex8(0x1)).toBe('0x00000001');
  });
});

describe('versioned tables', () => {
  const table = [
    { until: '5.7', severity: 'warning' as const, template: 'old %s' },
    { since: '5.7', until: '5.11', severity: 'warning' as const, template: 'mid %s' },
    { since: '5.11', severity: 'error' as const, template: 'new %s %s' },
  ];
  test('since inclusive, until exclusive', () => {
    expect(pick(table, kv('5.6.19'))?.template).toBe('old %s');
    expect(pick(table, kv('5.7'))?.template).toBe('mid %s');
    expect(pick(table, kv('5.10.200'))?.template).toBe('mid %s');
    expect(pick(table, kv('5.11'))?.template).toBe('new %s %s');
  });
  test('an -rc has the behaviour of the release it leads to (unless the bound names an rc)', () => {
    expect(pick(table, kv('5.11-rc1'))?.template).toBe('new %s %s');
    expect(atLeast(kv('5.6-rc6'), '5.6-rc7')).toBe(false);
    expect(atLeast(kv('5.6-rc7'), '5.6-rc7')).toBe(true);
    expect(atLeast(kv('5.6'), '5.6-rc7')).toBe(true);
  });
  test('patch-level bounds (stable backports)', () => {
    expect(atLeast(kv('5.4.117'), '5.4.118')).toBe(false);
    expect(atLeast(kv('5.4.118'), '5.4.118')).toBe(true);
  });
  test('fmt / message / pickValue', () => {
    expect(fmt("a '%s' b %u%%", 'x', 3)).toBe("a 'x' b 3%");
    expect(() => fmt('%s %s', 'x')).toThrow();
    expect(message(table, kv('6.1'), 'x', 'y')).toEqual({ severity: 'error', message: 'new x y' });
    expect(pickValue([{ until: '5.2', value: true }], kv('5.1'), false)).toBe(true);
    expect(pickValue([{ until: '5.2', value: true }], kv('5.2'), false)).toBe(false);
  });
});
