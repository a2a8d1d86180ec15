import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { InputError, ParseError } from '../../src/errors.js';
import {
  formatSymvers,
  isValidSymversLine,
  parseSymvers,
  readSymversFile,
  symversLineSchema,
  type SymversFile,
} from '../../src/kernel/symvers.js';
import type { Export } from '../../src/kernel/types.js';
import { CORPUS } from '../helpers/fixtures.js';

const corpus = (name: string) => path.join(CORPUS, name);

function exp(file: string, line: number, crc: number, name: string, owner: string, type: Export['type'], namespace = ''): Export {
  return { name, type, namespace, crc, owner, origin: { file, line } };
}

/** The error a promise rejects with (fails the test if it resolves). */
async function rejectionOf<E = unknown>(p: Promise<unknown>): Promise<E> {
  return p.then(
    () => {
      throw new Error('expected a rejection, the promise resolved');
    },
    (e: unknown) => e as E,
  );
}

/** The ParseError a call throws (fails the test if it throws anything else or nothing). */
function parseErrorOf(fn: () => unknown): ParseError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ParseError);
    return e as ParseError;
  }
  throw new Error('expected a ParseError, nothing was thrown');
}

describe('corpus of real Module.symvers files', () => {
  const cases: Array<{ file: string; format: SymversFile['format']; count: number; some: Array<(f: string) => Export> }> = [
    {
      file: '01-drivers-for-usb-storage-zhao.symvers',
      format: 'crc-sym-mod-type',
      count: 5,
      some: [
        (f) => exp(f, 1, 0xb57f6483, 'our_pre_reset', '/home/bcxc/proc++/ourusb', 'EXPORT_SYMBOL_GPL'),
        (f) => exp(f, 5, 0xe42042fa, 'our_resume', '/home/bcxc/proc++/ourusb', 'EXPORT_SYMBOL_GPL'),
      ],
    },
    {
      file: '02-cvorj.symvers',
      format: 'crc-sym-mod-type',
      count: 21,
      some: [
        (f) => exp(f, 1, 0, 'vme_bus_error_check', '/acc/src/dsc/drivers/cohtdrep/dcobas/vmebridge/driver/vmebus', 'EXPORT_SYMBOL_GPL'),
        (f) => exp(f, 11, 0, 'vme_find_mapping', '/acc/src/dsc/drivers/cohtdrep/dcobas/vmebridge/driver/vmebus', 'EXPORT_SYMBOL_GPL'),
      ],
    },
    {
      file: '03-linux-cortexm.symvers',
      format: 'crc-sym-mod-type',
      count: 2580,
      some: [
        (f) => exp(f, 1, 0, 'generic_file_splice_write', 'vmlinux', 'EXPORT_SYMBOL'),
        (f) => exp(f, 9, 0, 'proc_net_remove', 'vmlinux', 'EXPORT_SYMBOL_GPL'),
        (f) => exp(f, 2580, 0, 'vmap', 'vmlinux', 'EXPORT_SYMBOL'),
      ],
    },
    {
      file: '04-oefeningen.symvers',
      format: 'crc-sym-mod-type',
      count: 32,
      some: [
        (f) => exp(f, 1, 0x83e6dfa6, 'nvidia_unregister_module', '/usr/src/nvidia-331-331.49/nvidia', 'EXPORT_SYMBOL'),
        (f) => exp(f, 32, 0x0ad5f37e, 'nvUvmInterfaceGetGpuArch', '/usr/src/nvidia-331-331.49/nvidia', 'EXPORT_SYMBOL'),
      ],
    },
    {
      file: '05-mqtt_filter.symvers',
      format: 'crc-sym-mod-type',
      count: 69,
      some: [
        (f) => exp(f, 1, 0, 'pcre2_compile_context_create_8', '/home/seed/mqtt_filter/kpcre/pcre2/libpcre2-8', 'EXPORT_SYMBOL'),
        (f) => exp(f, 5, 0, 'free', '/home/seed/mqtt_filter/kpcre/libc/libc', 'EXPORT_SYMBOL'),
      ],
    },
    {
      file: '06-proc_monitor-cpucycle.symvers',
      format: 'crc-sym-mod-type',
      count: 3,
      some: [
        (f) => exp(f, 1, 0, 'get_Cycles', '/home/odroid/testmodule/cpucycle/cpucycle', 'EXPORT_SYMBOL'),
        (f) => exp(f, 3, 0, 'read_cycle', '/home/odroid/proc_monitor/cpucycle/ipc', 'EXPORT_SYMBOL'),
      ],
    },
    { file: '07-proc_monitor-governor-empty.symvers', format: 'empty', count: 0, some: [] },
    {
      file: '08-linux-driver-protection.symvers',
      format: 'crc-sym-mod-type-ns',
      count: 2,
      some: [
        (f) => exp(f, 1, 0xab77d519, 'datastore_get', '/home/tw/Desktop/linux-driver-protection/drivers/datastore', 'EXPORT_SYMBOL'),
        (f) => exp(f, 2, 0x6c9f4cce, 'datastore_add', '/home/tw/Desktop/linux-driver-protection/drivers/datastore', 'EXPORT_SYMBOL'),
      ],
    },
    {
      file: '09-page-cache-deduplication.symvers',
      format: 'crc-sym-mod-type-ns',
      count: 1,
      some: [(f) => exp(f, 1, 0, 'auto_track_freed_pfn', '/home/cs614/project/modules/pfn_tracker', 'EXPORT_SYMBOL')],
    },
    {
      file: '10-ccshare.symvers',
      format: 'crc-sym-mod-type-ns',
      count: 1,
      some: [(f) => exp(f, 1, 0xea407cf5, 'sev_gpu_client_reserve_band', 'sev_gpu', 'EXPORT_SYMBOL_GPL')],
    },
    {
      file: '11-xekmd-backports.symvers',
      format: 'crc-sym-mod-type-ns',
      count: 183,
      some: [
        (f) =>
          exp(f, 166, 0xb85664f4, 'intel_pmt_is_early_client_hw',
            '/home/seos-backport/Work/git/akanksh5.drivers.gpu.kernel.backport-tools/xe-automation/akanksh5.xekmd-backports/releases/src/drivers/platform/x86/intel/pmt/pmt_class',
            'EXPORT_SYMBOL_GPL', 'INTEL_PMT'),
        (f) =>
          exp(f, 168, 0x3ed304d3, 'intel_pmt_class',
            '/home/seos-backport/Work/git/akanksh5.drivers.gpu.kernel.backport-tools/xe-automation/akanksh5.xekmd-backports/releases/src/drivers/platform/x86/intel/pmt/pmt_class',
            'EXPORT_SYMBOL_GPL', ''),
        (f) =>
          exp(f, 171, 0xd71cecee, 'pmt_telem_get_next_endpoint',
            '/home/seos-backport/Work/git/akanksh5.drivers.gpu.kernel.backport-tools/xe-automation/akanksh5.xekmd-backports/releases/src/drivers/platform/x86/intel/pmt/pmt_telemetry',
            'EXPORT_SYMBOL_GPL', 'INTEL_PMT_TELEMETRY'),
        (f) =>
          exp(f, 180, 0x953fc36f, 'intel_vsec_add_aux',
            '/home/seos-backport/Work/git/akanksh5.drivers.gpu.kernel.backport-tools/xe-automation/akanksh5.xekmd-backports/releases/src/drivers/platform/x86/intel/intel-vsec',
            'EXPORT_SYMBOL_GPL', 'INTEL_VSEC'),
      ],
    },
    {
      file: '12-tachyon-II-rapidio.symvers',
      format: 'crc-sym-mod-type-ns',
      count: 66,
      some: [
        (f) => exp(f, 1, 0, '__rio_local_read_config_16', '/home/matt/Modules/rapidio/rapidio', 'EXPORT_SYMBOL_GPL'),
        (f) => exp(f, 66, 0, 'rio_mport_get_physefb', '/home/matt/Modules/rapidio/rapidio', 'EXPORT_SYMBOL_GPL'),
      ],
    },
    {
      file: '13-NUC980-linux-5.10.y-modules-only.symvers',
      format: 'crc-sym-mod-type-ns',
      count: 1,
      some: [(f) => exp(f, 1, 0, 'cxd2880_attach', 'drivers/media/dvb-frontends/cxd2880/cxd2880', 'EXPORT_SYMBOL')],
    },
    {
      file: '14-multi-level_priority_queue-modules-only.symvers',
      format: 'crc-sym-mod-type-ns',
      count: 1884,
      some: [
        (f) => exp(f, 1, 0xfa489cc7, 'sata_pmp_error_handler', 'drivers/ata/libata', 'EXPORT_SYMBOL_GPL'),
        (f) => exp(f, 1884, 0xa7aa2658, 'drm_dp_cec_irq', 'drivers/gpu/drm/drm_kms_helper', 'EXPORT_SYMBOL'),
      ],
    },
    {
      file: 'oversize/15-linux_5.4.symvers',
      format: 'crc-sym-ns-mod-type',
      count: 11129,
      some: [
        (f) => exp(f, 1, 0, 'ipv6_chk_custom_prefix', 'vmlinux', 'EXPORT_SYMBOL'),
        (f) => exp(f, 738, 0, 'usb_stor_suspend', 'vmlinux', 'EXPORT_SYMBOL_GPL', 'USB_STORAGE'),
        (f) => exp(f, 11129, 0, 'ww_mutex_lock_interruptible', 'vmlinux', 'EXPORT_SYMBOL'),
      ],
    },
  ];

  test.each(cases)('$file', async ({ file, format, count, some }) => {
    const f = corpus(file);
    const parsed = await readSymversFile(f);
    expect(parsed.format).toBe(format);
    expect(parsed.exports).toHaveLength(count);
    for (const make of some) {
      const want = make(f);
      expect(parsed.exports[want.origin.line! - 1]).toEqual(want);
    }
    // each line becomes exactly one export, in file order
    parsed.exports.forEach((e, i) => expect(e.origin.line).toBe(i + 1));
  });

  test('11: exactly 15 namespaced lines, namespaces counted per value', async () => {
    const { exports } = await readSymversFile(corpus('11-xekmd-backports.symvers'));
    const counts: Record<string, number> = {};
    for (const e of exports) if (e.namespace) counts[e.namespace] = (counts[e.namespace] ?? 0) + 1;
    expect(counts).toEqual({ INTEL_PMT: 4, INTEL_PMT_TELEMETRY: 7, INTEL_VSEC: 4 });
  });

  test('15 (era 2, namespace third): 25 USB_STORAGE lines, all owned by vmlinux', async () => {
    const { exports } = await readSymversFile(corpus('oversize/15-linux_5.4.symvers'));
    const ns = exports.filter((e) => e.namespace !== '');
    expect(ns).toHaveLength(25);
    expect(new Set(ns.map((e) => e.namespace))).toEqual(new Set(['USB_STORAGE']));
    expect(new Set(exports.map((e) => e.owner))).toEqual(new Set(['vmlinux']));
    expect(exports.find((e) => e.name === 'usb_stor_resume')).toEqual(
      exp(corpus('oversize/15-linux_5.4.symvers'), 8291, 0, 'usb_stor_resume', 'vmlinux', 'EXPORT_SYMBOL_GPL', 'USB_STORAGE'),
    );
  });

  test('03: 1808 EXPORT_SYMBOL and 772 EXPORT_SYMBOL_GPL', async () => {
    const { exports } = await readSymversFile(corpus('03-linux-cortexm.symvers'));
    expect(exports.filter((e) => e.type === 'EXPORT_SYMBOL')).toHaveLength(1808);
    expect(exports.filter((e) => e.type === 'EXPORT_SYMBOL_GPL')).toHaveLength(772);
  });

  test('16: truncated at 512 KiB → ParseError at line 9311 (3 fields where 5 are required)', async () => {
    const f = corpus('oversize/16-22_EmbeddedSystem_11.symvers');
    await expect(readSymversFile(f)).rejects.toBeInstanceOf(ParseError);
    const err = await rejectionOf<ParseError>(readSymversFile(f));
    expect(err.file).toBe(f);
    expect(err.where).toEqual({ line: 9311 });
    expect(err.reason).toBe(
      'expected 5 TAB-separated fields as in line 1 (5-column layout crc-sym-mod-type-ns (namespace last, 5.6-rc7+)), ' +
        'found 3; the file ends here without a newline: truncated?',
    );
    expect(err.message).toBe(`${f}:9311: ${err.reason}`);
  });

  test('16 without its truncated last line: 9310 exports, namespaces and CRCs as in the file', async () => {
    const f = corpus('oversize/16-22_EmbeddedSystem_11.symvers');
    const text = await readFile(f, 'utf8');
    const whole = text.slice(0, text.lastIndexOf('\n') + 1);
    const { format, exports } = parseSymvers(whole, f);
    expect(format).toBe('crc-sym-mod-type-ns');
    expect(exports).toHaveLength(9310);
    expect(exports[0]).toEqual(exp(f, 1, 0x7fffffff, 'init_uts_ns', 'vmlinux', 'EXPORT_SYMBOL_GPL'));
    expect(exports[6287]).toEqual(exp(f, 6288, 0x00584aec, 'dma_buf_export', 'vmlinux', 'EXPORT_SYMBOL_GPL', 'DMA_BUF'));
    expect(exports[7302]).toEqual(exp(f, 7303, 0x6c38274a, 'usb_stor_suspend', 'vmlinux', 'EXPORT_SYMBOL_GPL', 'USB_STORAGE'));
    expect(exports[9309]).toEqual(exp(f, 9310, 0x0d4961de, 'nf_log_buf_open', 'vmlinux', 'EXPORT_SYMBOL_GPL'));
    // MANIFEST's 4692 counts the truncated line 9311 too (it starts with 0x7fffffff)
    expect(exports.filter((e) => e.crc === 0x7fffffff)).toHaveLength(4691);
    expect(exports.filter((e) => e.namespace === 'USB_STORAGE')).toHaveLength(25);
    expect(exports.filter((e) => e.namespace === 'DMA_BUF')).toHaveLength(17);
  });
});

describe('parseSymvers: layouts', () => {
  const F = 'Module.symvers';

  test('era 1 (4 columns)', () => {
    expect(parseSymvers('0x12345678\tfoo\tvmlinux\tEXPORT_SYMBOL\n', F)).toEqual({
      format: 'crc-sym-mod-type',
      exports: [exp(F, 1, 0x12345678, 'foo', 'vmlinux', 'EXPORT_SYMBOL')],
    });
  });

  test('pre-2.6.18 3-column lines: export type (unknown), as 4.18 read_dump made it', () => {
    expect(parseSymvers('0x00000001\tfoo\tdrivers/foo/foo\n0x2\tbar\tvmlinux\n', F)).toEqual({
      format: 'crc-sym-mod-type',
      exports: [exp(F, 1, 1, 'foo', 'drivers/foo/foo', '(unknown)'), exp(F, 2, 2, 'bar', 'vmlinux', '(unknown)')],
    });
  });

  test('era 2 (namespace third) vs era 3 (namespace last) are told apart by where the export type is', () => {
    const era2 = '0xe1cc2a05\tusb_stor_suspend\tUSB_STORAGE\tdrivers/usb/storage/usb-storage\tEXPORT_SYMBOL_GPL\n' +
      '0x00000001\tplain\t\tvmlinux\tEXPORT_SYMBOL\n';
    const era3 = '0xe1cc2a05\tusb_stor_suspend\tdrivers/usb/storage/usb-storage\tEXPORT_SYMBOL_GPL\tUSB_STORAGE\n' +
      '0x00000001\tplain\tvmlinux\tEXPORT_SYMBOL\t\n';
    const want = [
      exp(F, 1, 0xe1cc2a05, 'usb_stor_suspend', 'drivers/usb/storage/usb-storage', 'EXPORT_SYMBOL_GPL', 'USB_STORAGE'),
      exp(F, 2, 1, 'plain', 'vmlinux', 'EXPORT_SYMBOL'),
    ];
    expect(parseSymvers(era2, F)).toEqual({ format: 'crc-sym-ns-mod-type', exports: want });
    expect(parseSymvers(era3, F)).toEqual({ format: 'crc-sym-mod-type-ns', exports: want });
  });

  test('era 2 file with an era-3 line → ParseError naming both layouts', () => {
    const e = parseErrorOf(() =>
      parseSymvers('0x1\ta\t\tvmlinux\tEXPORT_SYMBOL\n0x2\tb\tvmlinux\tEXPORT_SYMBOL\t\n', F),
    );
    expect(e.where).toEqual({ line: 2 });
    expect(e.reason).toBe(
      'line is in the 5-column layout crc-sym-mod-type-ns (namespace last, 5.6-rc7+), but line 1 set the ' +
        '5-column layout crc-sym-ns-mod-type (namespace third, 5.4 - 5.6-rc6)',
    );
  });

  test('a 4-column line in a 5-column file → ParseError', () => {
    const e = parseErrorOf(() => parseSymvers('0x1\ta\tvmlinux\tEXPORT_SYMBOL\t\n0x2\tb\tvmlinux\tEXPORT_SYMBOL\n', F));
    expect(e.where).toEqual({ line: 2 });
    expect(e.reason).toMatch(/^expected 5 TAB-separated fields as in line 1 .*, found 4$/);
  });

  test('a 5-field line in a 4-column file → ParseError', () => {
    const e = parseErrorOf(() => parseSymvers('0x1\ta\tvmlinux\tEXPORT_SYMBOL\n0x2\tb\tvmlinux\tEXPORT_SYMBOL\t\n', F));
    expect(e.where).toEqual({ line: 2 });
    expect(e.reason).toMatch(/^expected 4 TAB-separated fields as in line 1 \(4-column layout crc-sym-mod-type.*found 5$/);
  });

  test('5 fields with no export type in column 4 or 5 → ParseError', () => {
    const e = parseErrorOf(() => parseSymvers('0x1\ta\tNS\tvmlinux\tEXPORT_WHATEVER\n', F));
    expect(e.where).toEqual({ line: 1 });
    expect(e.reason).toMatch(/^5 fields but neither field 4 "vmlinux" nor field 5 "EXPORT_WHATEVER" is an export type/);
  });
});

describe('parseSymvers: bad lines', () => {
  const F = '/k/Module.symvers';
  const good = '0x00000001\tok\tvmlinux\tEXPORT_SYMBOL\t\n';

  test('a 2-field line → ParseError with its line number', () => {
    const e = parseErrorOf(() => parseSymvers(good + good + '0x1\tfoo\n', F));
    expect(e.file).toBe(F);
    expect(e.where).toEqual({ line: 3 });
    expect(e.reason).toBe(
      'expected 5 TAB-separated fields as in line 1 (5-column layout crc-sym-mod-type-ns (namespace last, 5.6-rc7+)), found 2',
    );
    expect(e.message).toBe(`${F}:3: ${e.reason}`);
  });

  test('a 2-field first line', () => {
    const e = parseErrorOf(() => parseSymvers('0x1\tfoo\n', F));
    expect(e.where).toEqual({ line: 1 });
    expect(e.reason).toBe('expected 4 or 5 TAB-separated fields, found 2');
  });

  test('bad CRCs', () => {
    for (const crc of ['0xZZ', '0x', '', '0x123456789', '-1', ' 0x1', '1x12']) {
      const e = parseErrorOf(() => parseSymvers(good + `${crc}\tfoo\tvmlinux\tEXPORT_SYMBOL\t\n`, F));
      expect(e.where).toEqual({ line: 2 });
      expect(e.reason).toBe(`field 1 (crc) ${JSON.stringify(crc)}: CRC must be 0x followed by 1 to 8 hex digits`);
    }
  });

  test('CRCs modpost reads with strtoul(…, 16): 0x optional, any case, 1 to 8 digits', () => {
    const r = parseSymvers('deadbeef\ta\tvmlinux\tEXPORT_SYMBOL\t\n0XAB\tb\tvmlinux\tEXPORT_SYMBOL\t\n0x7\tc\tvmlinux\tEXPORT_SYMBOL\t\n', F);
    expect(r.exports.map((e) => e.crc)).toEqual([0xdeadbeef, 0xab, 7]);
  });

  test('unknown export type', () => {
    const e = parseErrorOf(() => parseSymvers('0x1\tfoo\tvmlinux\tEXPORT_SYMBOL_NS\n', F));
    expect(e.where).toEqual({ line: 1 });
    expect(e.reason).toBe(
      'field 4 (type) "EXPORT_SYMBOL_NS": unknown export type (expected one of EXPORT_SYMBOL, EXPORT_SYMBOL_GPL, ' +
        'EXPORT_SYMBOL_GPL_FUTURE, EXPORT_UNUSED_SYMBOL, EXPORT_UNUSED_SYMBOL_GPL, (unknown))',
    );
  });

  test('all historical export types are accepted', () => {
    const types = ['EXPORT_SYMBOL', 'EXPORT_SYMBOL_GPL', 'EXPORT_SYMBOL_GPL_FUTURE', 'EXPORT_UNUSED_SYMBOL', 'EXPORT_UNUSED_SYMBOL_GPL', '(unknown)'];
    const text = types.map((t, i) => `0x${i}\ts${i}\tvmlinux\t${t}\n`).join('');
    expect(parseSymvers(text, F).exports.map((e) => e.type)).toEqual(types);
  });

  test('empty symbol, empty module, white space in a symbol or namespace', () => {
    expect(parseErrorOf(() => parseSymvers('0x1\t\tvmlinux\tEXPORT_SYMBOL\t\n', F)).reason).toBe('field 2 (name) "": empty symbol name');
    expect(parseErrorOf(() => parseSymvers('0x1\tfoo\t\tEXPORT_SYMBOL\t\n', F)).reason).toBe('field 3 (owner) "": empty module column');
    expect(parseErrorOf(() => parseSymvers('0x1\tfo o\tvmlinux\tEXPORT_SYMBOL\t\n', F)).reason).toBe(
      'field 2 (name) "fo o": symbol name contains white space or control characters',
    );
    expect(parseErrorOf(() => parseSymvers('0x1\tfoo\tvmlinux\tEXPORT_SYMBOL\tA B\n', F)).reason).toBe(
      'field 5 (namespace) "A B": namespace contains white space or control characters',
    );
    // era 2: the namespace is column 3, the module column 4
    expect(parseErrorOf(() => parseSymvers('0x1\tfoo\tA B\tvmlinux\tEXPORT_SYMBOL\n', F)).reason).toBe(
      'field 3 (namespace) "A B": namespace contains white space or control characters',
    );
  });

  test('6 fields', () => {
    expect(parseErrorOf(() => parseSymvers('0x1\tfoo\tvmlinux\tEXPORT_SYMBOL\tNS\textra\n', F)).reason).toBe(
      'expected 4 or 5 TAB-separated fields, found 6',
    );
  });

  test('blank line → ParseError (fatal in modpost >= 5.10)', () => {
    const e = parseErrorOf(() => parseSymvers(good + '\n' + good, F));
    expect(e.where).toEqual({ line: 2 });
    expect(e.reason).toMatch(/^empty line/);
    expect(parseErrorOf(() => parseSymvers(good + '\n', F)).where).toEqual({ line: 2 });
  });

  test('NUL byte → ParseError naming the line', () => {
    const e = parseErrorOf(() => parseSymvers(good + good + '0x1\tfo\0o\tvmlinux\tEXPORT_SYMBOL\t\n', F));
    expect(e.where).toEqual({ line: 3 });
    expect(e.reason).toBe('NUL byte in line (not a text Module.symvers)');
  });

  test('U+FFFD (text decoded lossily) → ParseError naming the line', () => {
    const e = parseErrorOf(() => parseSymvers(good + '0x1\tfo\uFFFDo\tvmlinux\tEXPORT_SYMBOL\t\n', F));
    expect(e.where).toEqual({ line: 2 });
  });
});

describe('parseSymvers: line endings', () => {
  const F = 'x.symvers';

  test('CRLF: the CR is stripped (era 3: otherwise the namespace would be "\\r")', () => {
    const r = parseSymvers('0x1\ta\tvmlinux\tEXPORT_SYMBOL\t\r\n0x2\tb\tvmlinux\tEXPORT_SYMBOL_GPL\tNS\r\n', F);
    expect(r).toEqual({
      format: 'crc-sym-mod-type-ns',
      exports: [exp(F, 1, 1, 'a', 'vmlinux', 'EXPORT_SYMBOL'), exp(F, 2, 2, 'b', 'vmlinux', 'EXPORT_SYMBOL_GPL', 'NS')],
    });
  });

  test('CRLF in era 1: the CR does not stick to the export type', () => {
    expect(parseSymvers('0x1\ta\tvmlinux\tEXPORT_SYMBOL_GPL\r\n', F).exports[0]!.type).toBe('EXPORT_SYMBOL_GPL');
  });

  test('a complete final line without newline is fine', () => {
    const r = parseSymvers('0x1\ta\tvmlinux\tEXPORT_SYMBOL\t\n0x2\tb\tvmlinux\tEXPORT_SYMBOL\t', F);
    expect(r.exports).toHaveLength(2);
    expect(r.exports[1]).toEqual(exp(F, 2, 2, 'b', 'vmlinux', 'EXPORT_SYMBOL'));
  });

  test('an incomplete final line without newline says truncated', () => {
    const e = parseErrorOf(() => parseSymvers('0x1\ta\tvmlinux\tEXPORT_SYMBOL\t\n0x2\tb\tvml', F));
    expect(e.where).toEqual({ line: 2 });
    expect(e.reason).toMatch(/found 3; the file ends here without a newline: truncated\?$/);
  });

  test('empty text → format empty', () => {
    expect(parseSymvers('', F)).toEqual({ format: 'empty', exports: [] });
  });
});

describe('the hand check and the zod schema agree', () => {
  const field = fc.oneof(
    fc.constantFrom('', ' ', '0x', '0x1', '0X00000000', 'deadbeef', '0x123456789', 'vmlinux', 'drivers/a b/c', 'a\u0001b',
      'EXPORT_SYMBOL', 'EXPORT_SYMBOL_GPL', '(unknown)', 'EXPORT_SYMBOL_NS', 'USB_STORAGE', 'module:a,b*', '\u00e9t\u00e9'),
    fc.stringMatching(/^(0x)?[0-9a-fA-FgG]{0,10}$/),
    fc.string({ unit: 'binary', maxLength: 12 }),
  );
  test('for random field values', () => {
    fc.assert(
      fc.property(field, field, field, field, field, (crc, name, owner, type, namespace) => {
        const l = { crc, name, owner, type, namespace };
        return isValidSymversLine(l) === symversLineSchema().safeParse(l).success;
      }),
      { numRuns: 3000 },
    );
  });
});

describe('readSymversFile, gzip and formatSymvers', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'ksymcheck-symvers-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('formatSymvers of a parsed era-1 file: the 6.x layout, trailing TAB for the empty namespace', async () => {
    const parsed = await readSymversFile(corpus('01-drivers-for-usb-storage-zhao.symvers'));
    expect(formatSymvers(parsed.exports)).toBe(
      '0xb57f6483\tour_pre_reset\t/home/bcxc/proc++/ourusb\tEXPORT_SYMBOL_GPL\t\n' +
        '0x8a8ea10b\tour_reset_resume\t/home/bcxc/proc++/ourusb\tEXPORT_SYMBOL_GPL\t\n' +
        '0xf7eb2e7d\tour_suspend\t/home/bcxc/proc++/ourusb\tEXPORT_SYMBOL_GPL\t\n' +
        '0xf20855a0\tour_post_reset\t/home/bcxc/proc++/ourusb\tEXPORT_SYMBOL_GPL\t\n' +
        '0xe42042fa\tour_resume\t/home/bcxc/proc++/ourusb\tEXPORT_SYMBOL_GPL\t\n',
    );
  });

  test('formatSymvers: null CRC → 0x00000000, lowercase 8 digits, namespace last', () => {
    expect(
      formatSymvers([
        { name: 'a', type: 'EXPORT_SYMBOL', namespace: '', crc: null, owner: 'vmlinux', origin: { file: 'x' } },
        { name: 'b', type: 'EXPORT_SYMBOL_GPL', namespace: 'USB_STORAGE', crc: 0xabc, owner: 'drivers/usb/storage/usb-storage', origin: { file: 'x' } },
      ]),
    ).toBe('0x00000000\ta\tvmlinux\tEXPORT_SYMBOL\t\n0x00000abc\tb\tdrivers/usb/storage/usb-storage\tEXPORT_SYMBOL_GPL\tUSB_STORAGE\n');
    expect(formatSymvers([])).toBe('');
  });

  test('era 3 corpus file: format(parse(x)) is byte-identical to x', async () => {
    const f = corpus('11-xekmd-backports.symvers');
    expect(formatSymvers((await readSymversFile(f)).exports)).toBe(await readFile(f, 'utf8'));
  });

  test('gzip round trip (.gz name), and gzip detected by magic alone', async () => {
    const src = await readSymversFile(corpus('14-multi-level_priority_queue-modules-only.symvers'));
    const gz = path.join(dir, 'symvers-5.15.67.gz');
    await writeFile(gz, gzipSync(formatSymvers(src.exports)));
    const back = await readSymversFile(gz);
    expect(back.format).toBe('crc-sym-mod-type-ns');
    expect(back.exports).toEqual(src.exports.map((e) => ({ ...e, origin: { file: gz, line: e.origin.line } })));

    const noSuffix = path.join(dir, 'Module.symvers');
    await writeFile(noSuffix, gzipSync('0x1\ta\tvmlinux\tEXPORT_SYMBOL\t\n'));
    expect((await readSymversFile(noSuffix)).exports).toEqual([exp(noSuffix, 1, 1, 'a', 'vmlinux', 'EXPORT_SYMBOL')]);
  });

  test('corrupt gzip → InputError naming the file (not a ParseError)', async () => {
    const bad = path.join(dir, 'symvers-bad.gz');
    await writeFile(bad, gzipSync('0x1\ta\tvmlinux\tEXPORT_SYMBOL\t\n').subarray(0, 15));
    const e = await rejectionOf(readSymversFile(bad));
    expect(e).toBeInstanceOf(InputError);
    expect(e).not.toBeInstanceOf(ParseError);
    expect((e as InputError).file).toBe(bad);
    expect((e as InputError).reason).toMatch(/^corrupt gzip data: /);

    const notGz = path.join(dir, 'plain-text.gz');
    await writeFile(notGz, '0x1\ta\tvmlinux\tEXPORT_SYMBOL\t\n');
    await expect(readSymversFile(notGz)).rejects.toThrow(`${notGz}: corrupt gzip data: `);
  });

  test('xz or zstd: said to be a compression not read (it was "not valid UTF-8" at byte 0)', async () => {
    const text = '0x1\ta\tvmlinux\tEXPORT_SYMBOL\t\n';
    for (const [tool, ext, kind] of [['xz', 'xz', 'xz'], ['zstd', 'zst', 'zstd']]) {
      const f = path.join(dir, `Module.symvers.${ext}`);
      await writeFile(f, execFileSync(tool, ['-c'], { input: text }));
      await expect(readSymversFile(f)).rejects.toThrow(
        new InputError(f, `${kind}-compressed: a Module.symvers is read plain or gzip-compressed (as RHEL ships it); decompress it first`, { offset: 0 }),
      );
    }
  });

  test('invalid UTF-8 → ParseError naming the line', async () => {
    const f = path.join(dir, 'latin1.symvers');
    await writeFile(f, Buffer.concat([Buffer.from('0x1\ta\tvmlinux\tEXPORT_SYMBOL\t\n0x2\tb\t/home/'), Buffer.from([0xe9]), Buffer.from('/m\tEXPORT_SYMBOL\t\n')]));
    const e = await rejectionOf<ParseError>(readSymversFile(f));
    expect(e).toBeInstanceOf(ParseError);
    expect(e.where).toEqual({ line: 2 });
    expect(e.reason).toBe('not valid UTF-8 (byte 0xe9 at offset 41)');
  });

  test('missing file → InputError', async () => {
    const f = path.join(dir, 'nope');
    await expect(readSymversFile(f)).rejects.toThrow(new InputError(f, 'no such file or directory'));
  });
});

describe('a large file', () => {
  // Its speed is measured by `npm run bench`, not here: the brief keeps timings out of unit tests.
  test('a 1.5 MB, 20k-line file parses whole', () => {
    const lines: string[] = [];
    for (let i = 0; i < 20000; i++) {
      const crc = ((i * 2654435761) >>> 0).toString(16).padStart(8, '0');
      const owner = i % 3 === 0 ? 'vmlinux' : `drivers/some/subsystem/module_number_${i % 97}`;
      lines.push(`0x${crc}\tsymbol_name_number_${i}\t${owner}\t${i % 2 ? 'EXPORT_SYMBOL_GPL' : 'EXPORT_SYMBOL'}\t${i % 50 ? '' : 'SOME_NS'}\n`);
    }
    const text = lines.join('');
    expect(text.length).toBeGreaterThan(1.5e6);
    const r = parseSymvers(text, 'big');
    expect(r.exports).toHaveLength(20000);
    expect(r.exports[19999]).toMatchObject({ name: 'symbol_name_number_19999', type: 'EXPORT_SYMBOL_GPL' });
    expect(r.exports.filter((e) => e.namespace === 'SOME_NS')).toHaveLength(400);
  });
});
