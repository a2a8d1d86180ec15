import { ParseError } from '../../src/errors.js';
import { parseKconfig, parseUtsRelease, readKconfig } from '../../src/kernel/config.js';

describe('parseKconfig', () => {
  test('.config: y/m/int/hex, quoted strings unquoted, "is not set" absent, comments ignored', () => {
    const text = [
      '#',
      '# Automatically generated file; DO NOT EDIT.',
      '# Linux/x86 6.1.192 Kernel Configuration',
      '#',
      'CONFIG_CC_VERSION_TEXT="gcc-12 (Debian 12.2.0-14+deb12u1) 12.2.0"',
      'CONFIG_MODULES=y',
      'CONFIG_MODVERSIONS=y',
      'CONFIG_USB_STORAGE=m',
      '# CONFIG_MODULE_SIG_FORCE is not set',
      'CONFIG_NR_CPUS=8192',
      'CONFIG_PHYSICAL_START=0x1000000',
      'CONFIG_LOCALVERSION=""',
      'CONFIG_ESCAPED="a \\"quoted\\" \\\\ word"',
      '',
      '#',
      '# General setup',
      '#',
      '',
    ].join('\n');
    const m = parseKconfig(text, '.config');
    expect(Object.fromEntries(m)).toEqual({
      CONFIG_CC_VERSION_TEXT: 'gcc-12 (Debian 12.2.0-14+deb12u1) 12.2.0',
      CONFIG_MODULES: 'y',
      CONFIG_MODVERSIONS: 'y',
      CONFIG_USB_STORAGE: 'm',
      CONFIG_NR_CPUS: '8192',
      CONFIG_PHYSICAL_START: '0x1000000',
      CONFIG_LOCALVERSION: '',
      CONFIG_ESCAPED: 'a "quoted" \\ word',
    });
    expect(m.has('CONFIG_MODULE_SIG_FORCE')).toBe(false);
  });

  test('auto.conf as 6.x writes it: strings without quotes, empty values', () => {
    const text =
      '#\n# Automatically generated file; DO NOT EDIT.\n# Linux/x86 6.1.192 Kernel Configuration\n#\n' +
      'CONFIG_IP6_NF_MATCH_AH=m\nCONFIG_BUILD_SALT=6.1.0-56-amd64\n' +
      'CONFIG_CC_VERSION_TEXT=gcc-12 (Debian 12.2.0-14+deb12u1) 12.2.0\nCONFIG_LOCALVERSION=\n';
    expect(Object.fromEntries(parseKconfig(text, 'include/config/auto.conf'))).toEqual({
      CONFIG_IP6_NF_MATCH_AH: 'm',
      CONFIG_BUILD_SALT: '6.1.0-56-amd64',
      CONFIG_CC_VERSION_TEXT: 'gcc-12 (Debian 12.2.0-14+deb12u1) 12.2.0',
      CONFIG_LOCALVERSION: '',
    });
  });

  test('later lines win; "is not set" after an assignment removes it', () => {
    const m = parseKconfig('CONFIG_A=y\nCONFIG_A=m\nCONFIG_B=y\n# CONFIG_B is not set\n', '.config');
    expect(Object.fromEntries(m)).toEqual({ CONFIG_A: 'm' });
  });

  test('CRLF tolerated, no final newline fine', () => {
    expect(Object.fromEntries(parseKconfig('CONFIG_A=y\r\nCONFIG_S="x y"\r\n# CONFIG_C is not set\r\nCONFIG_D=m', 'c'))).toEqual({
      CONFIG_A: 'y',
      CONFIG_S: 'x y',
      CONFIG_D: 'm',
    });
  });

  test('blanks after an unquoted value are not part of it (kconfig reads y by its first character); after a quoted one, ignored', () => {
    const text = 'CONFIG_MODVERSIONS=y \nCONFIG_X86_64=y\t\r\nCONFIG_HZ=250  \nCONFIG_S="a b"  \n';
    const want = { CONFIG_MODVERSIONS: 'y', CONFIG_X86_64: 'y', CONFIG_HZ: '250', CONFIG_S: 'a b' };
    expect(Object.fromEntries(parseKconfig(text, 'c'))).toEqual(want);
    // the lazy reader gives the same values, key by key
    const lazy = readKconfig(text, 'c');
    expect(Object.fromEntries(Object.keys(want).map((k) => [k, lazy.get(k)]))).toEqual(want);
  });

  test('empty text → empty map', () => {
    expect(parseKconfig('', '.config').size).toBe(0);
  });

  test('a line that is neither assignment nor comment → ParseError with its line', () => {
    let err: unknown;
    try {
      parseKconfig('CONFIG_A=y\n\nMODVERSIONS=y\n', '/k/.config');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ParseError);
    expect((err as ParseError).where).toEqual({ line: 3 });
    expect((err as ParseError).message).toBe(
      '/k/.config:3: not a Kconfig line (expected CONFIG_NAME=value or a # comment): "MODVERSIONS=y"',
    );
  });

  test('unterminated string → ParseError', () => {
    expect(() => parseKconfig('CONFIG_A=y\nCONFIG_S="abc\n', '.config')).toThrow(
      new ParseError('.config', 2, 'unterminated string value for CONFIG_S'),
    );
  });

  test('NUL byte → ParseError', () => {
    expect(() => parseKconfig('CONFIG_A=y\nCONFIG_\0B=y\n', '.config')).toThrow(ParseError);
  });
});

describe('parseUtsRelease', () => {
  test('Debian utsrelease.h', () => {
    expect(parseUtsRelease('#define UTS_RELEASE "6.1.0-47-amd64"\n')).toBe('6.1.0-47-amd64');
  });
  test('RHEL-style release, other lines around, no final newline', () => {
    expect(parseUtsRelease('/* generated */\n#define UTS_VERSION "x"\n#  define  UTS_RELEASE\t"5.14.0-162.el9.x86_64"')).toBe(
      '5.14.0-162.el9.x86_64',
    );
  });
  test('no UTS_RELEASE → undefined', () => {
    expect(parseUtsRelease('#define UTS_VERSION "#1 SMP"\n')).toBeUndefined();
    expect(parseUtsRelease('')).toBeUndefined();
    expect(parseUtsRelease('#define UTS_RELEASE_X "6.1"\n')).toBeUndefined();
  });
});
