/**
 * Rule module-signature end to end: a gcc-built sample module signed at test time as scripts/sign-file
 * signs (openssl cms, keys made here: RSA and ECDSA, SHA-256/384/512, signer by issuer+serial or by key
 * identifier), checked through check() against a kernel build whose .config has CONFIG_MODULE_SIG=y.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { check, type CheckRequest } from '../../src/check.js';
import { loadSigning } from '../../src/signing/options.js';
import { builtinKeysOfImage } from '../../src/signing/builtin-keys.js';
import { gzipSync } from 'node:zlib';
import { FORMATS, render, type RenderOptions } from '../../src/report/formats.js';
import { keyLabel } from '../../src/rules/module-signature.js';
import { sample } from '../helpers/fixtures.js';
import { MARKER, makeKey, signFile, type TestKey } from '../helpers/sign.js';

let dir: string;
let kernelDir: string;
let rsa: TestKey;
let ec: TestKey;
let other: TestKey;
let plain: string;
const MODULE = () => sample('seed', 'openafs', 'libafs.ko');

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ksymcheck-sig-'));
  rsa = makeKey(dir, 'rsa-test', 'rsa');
  ec = makeKey(dir, 'ec-test', 'ec-p384');
  other = makeKey(dir, 'other-test', 'rsa');
  // a kernel build: the seed kernel's exports, a 6.1 release, CONFIG_MODULE_SIG=y
  kernelDir = join(dir, 'kernel');
  mkdirSync(join(kernelDir, 'include', 'config'), { recursive: true });
  copyFileSync(sample('seed', 'kernels', '4.18', 'Module.symvers'), join(kernelDir, 'Module.symvers'));
  writeFileSync(join(kernelDir, 'include', 'config', 'kernel.release'), '6.1.0-test\n');
  writeFileSync(join(kernelDir, '.config'), 'CONFIG_MODULES=y\nCONFIG_MODVERSIONS=y\nCONFIG_MODULE_SIG=y\n');
  plain = join(dir, 'libafs.ko');
  copyFileSync(MODULE(), plain);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(modules: string[], opts: Partial<CheckRequest> = {}) {
  const r = await check({ kernel: kernelDir, modules, stage: 'load', frames: false, ...opts });
  return {
    report: r,
    sig: r.modules.map((m) => m.findings.filter((f) => f.rule === 'module-signature').map((f) => ({ severity: f.severity, message: f.message, errno: f.evidence.errno }))),
  };
}

function signed(name: string, k: TestKey, hash: string, o: { keyid?: boolean; attrs?: boolean } = {}): string {
  return signFile(plain, join(dir, name), k, hash, o);
}

describe('unsigned module', () => {
  test('nothing told about signatures: no finding, a note says what is assumed', async () => {
    const { report, sig } = await run([plain]);
    expect(sig).toEqual([[]]);
    expect(report.modules[0].signature).toBeUndefined();
    expect(report.notes).toContain(
      '1 unsigned module(s): signature enforcement and lockdown unknown, assumed off (such a module loads and taints the kernel, E); pass --sig-enforce, --secure-boot or --no-sig-enforce to have them checked',
    );
  });

  test('--sig-enforce: "Loading of unsigned module is rejected", -EKEYREJECTED, and the load stops there', async () => {
    const { report, sig } = await run([plain], { sigEnforce: true });
    expect(sig).toEqual([[{ severity: 'error', message: 'Loading of unsigned module is rejected', errno: -129 }]]);
    // the signature check comes before everything else of load_module(): nothing later is reported
    expect(report.modules[0].findings.map((f) => f.rule)).toEqual(['module-signature']);
    expect(report.modules[0].verdict).toBe('fail');
  });

  test('--secure-boot (lockdown integrity): the lockdown line, -EPERM', async () => {
    const { sig } = await run([plain], { secureBoot: true });
    expect(sig).toEqual([[{ severity: 'error', message: 'Lockdown: insmod: unsigned module loading is restricted; see man kernel_lockdown.7', errno: -1 }]]);
  });

  test('--no-sig-enforce, lockdown none: loads, taints (the once-per-boot line)', async () => {
    const { sig } = await run([plain], { sigEnforce: false, lockdown: 'none' });
    expect(sig).toEqual([[{ severity: 'warning', message: 'libafs: module verification failed: signature and/or required key missing - tainting kernel', errno: 0 }]]);
  });

  test('CONFIG_MODULE_SIG_FORCE=y in the build: enforced, said so', async () => {
    const k2 = join(dir, 'kernel-force');
    mkdirSync(join(k2, 'include', 'config'), { recursive: true });
    copyFileSync(join(kernelDir, 'Module.symvers'), join(k2, 'Module.symvers'));
    writeFileSync(join(k2, 'include', 'config', 'kernel.release'), '6.1.0-test\n');
    writeFileSync(join(k2, '.config'), 'CONFIG_MODULES=y\nCONFIG_MODULE_SIG=y\nCONFIG_MODULE_SIG_FORCE=y\n');
    const r = await check({ kernel: k2, modules: [plain], stage: 'load', frames: false });
    const f = r.modules[0].findings.filter((x) => x.rule === 'module-signature');
    expect(f.map((x) => [x.message, x.evidence.enforcementSource])).toEqual([['Loading of unsigned module is rejected', 'CONFIG_MODULE_SIG_FORCE=y']]);
  });

  test('no CONFIG_MODULE_SIG: the loader checks nothing', async () => {
    const k3 = join(dir, 'kernel-nosig');
    mkdirSync(join(k3, 'include', 'config'), { recursive: true });
    copyFileSync(join(kernelDir, 'Module.symvers'), join(k3, 'Module.symvers'));
    writeFileSync(join(k3, 'include', 'config', 'kernel.release'), '6.1.0-test\n');
    writeFileSync(join(k3, '.config'), 'CONFIG_MODULES=y\n');
    const r = await check({ kernel: k3, modules: [plain], stage: 'load', frames: false, sigEnforce: true });
    expect(r.modules[0].findings.filter((x) => x.rule === 'module-signature')).toEqual([]);
  });
});

describe('signed module, trusted key given', () => {
  test.each([
    ['RSA-2048, SHA-256, issuer+serial, PEM certificate', () => signed('rsa256.ko', rsa, 'sha256'), () => rsa.cert, 'rsa', 'sha256', 'rsa-test'],
    ['RSA-2048, SHA-512, by key identifier, DER certificate', () => signed('rsa512.ko', rsa, 'sha512', { keyid: true }), () => rsa.certDer, 'rsa', 'sha512', 'rsa-test'],
    ['ECDSA P-384, SHA-384, DER certificate', () => signed('ec384.ko', ec, 'sha384'), () => ec.certDer, 'ecdsa', 'sha384', 'ec-test'],
    ['ECDSA P-384, SHA-256, by key identifier', () => signed('ec256.ko', ec, 'sha256', { keyid: true }), () => ec.cert, 'ecdsa', 'sha256', 'ec-test'],
  ])('%s: verifies, no finding even under enforcement; the signer is named', async (_n, make, cert, alg, digest, cn) => {
    const m = make();
    const { report, sig } = await run([m], { trustedKeys: [cert()], sigEnforce: true });
    expect(sig).toEqual([[]]);
    const s = report.modules[0].signature!;
    expect(s.status).toBe('verified');
    expect(s.signer).toBe(`O=ksymcheck tests, CN=${cn}`);
    expect(s.keyAlgorithm).toBe(alg);
    expect(s.digest).toBe(digest);
    const want = execFileSync('openssl', ['x509', '-in', cert(), ...(cert().endsWith('.der') ? ['-inform', 'DER'] : []), '-noout', '-ext', 'subjectKeyIdentifier'], { encoding: 'utf8' });
    expect(s.keyId).toBe(want.split('\n')[1].trim().replace(/:/g, '').toLowerCase());
    expect(s.trustedKey).toEqual({ label: `${cn}: ${s.keyId}`, source: 'file', origin: expect.stringContaining(cert()) });
  });

  test('changed after signing (one byte of the signed part): -EKEYREJECTED, even without enforcement', async () => {
    const bytes = readFileSync(signed('altered-src.ko', rsa, 'sha256'));
    const at = bytes.indexOf(Buffer.from('license=', 'latin1'));
    bytes[at + 8] ^= 0x20; // the licence's first letter's case
    const m = join(dir, 'altered.ko');
    writeFileSync(m, bytes);
    const { report, sig } = await run([m], { trustedKeys: [rsa.cert], sigEnforce: false });
    expect(sig).toEqual([[{ severity: 'error', message: `insmod: ERROR: could not insert module ${m}: Key was rejected by service`, errno: -129 }]]);
    expect(report.modules[0].signature).toMatchObject({ status: 'bad-signature', signer: 'O=ksymcheck tests, CN=rsa-test' });
    expect(report.modules[0].findings.map((f) => f.rule)).toEqual(['module-signature']);
  });

  test('the same altered module signed by a key the kernel does not know: -ENOKEY, which loads tainted without enforcement', async () => {
    const bytes = readFileSync(signed('altered2-src.ko', other, 'sha256'));
    bytes[100] ^= 1;
    const m = join(dir, 'altered2.ko');
    writeFileSync(m, bytes);
    const { report, sig } = await run([m], { trustedKeys: [certVmlinux('vmlinux-altered', [rsa.certDer])], sigEnforce: false, lockdown: 'none' });
    expect(sig).toEqual([[{ severity: 'warning', message: 'libafs: module verification failed: signature and/or required key missing - tainting kernel', errno: 0 }]]);
    expect(report.modules[0].signature).toMatchObject({ status: 'unknown-key', signer: 'O=ksymcheck tests, CN=other-test', trustedKey: null });
  });
});

describe('the signer in every report format', () => {
  test.each(FORMATS)('%s', async (format) => {
    const m = signed('fmt.ko', rsa, 'sha256');
    const { report } = await run([m], { trustedKeys: [rsa.cert] });
    const out = [...(await render(report, format, { color: false, verbose: true, toolVersion: '0.0.0-test' } as RenderOptions))].join('');
    const keyId = report.modules[0].signature!.keyId!;
    if (format === 'json' || format === 'sarif') {
      const j = JSON.parse(out);
      const sig = format === 'json' ? j.modules[0].signature : j.runs[0].artifacts[0].properties.signature;
      expect(sig).toMatchObject({ signer: 'O=ksymcheck tests, CN=rsa-test', keyId, status: 'verified', digest: 'sha256', keyAlgorithm: 'rsa' });
    } else {
      expect(out).toContain(`signed by O=ksymcheck tests, CN=rsa-test (key ${keyId}, sha256/rsa, trusted file key): verified`);
    }
  });
});

describe('signed by a key the kernel does not trust', () => {
  test('built-in keys unknown: assumed to verify, said in a note', async () => {
    const m = signed('other.ko', other, 'sha256');
    const { report, sig } = await run([m], { trustedKeys: [rsa.cert], sigEnforce: true });
    expect(sig).toEqual([[]]);
    expect(report.modules[0].signature?.status).toBe('unknown-key');
    expect(report.notes).toContain(
      "the kernel's built-in keys were not read: 1 signed module(s) whose key is not among the 1 known are assumed to verify; give --trusted-key with the kernel's vmlinux (its -dbg package) or vmlinuz",
    );
  });

  test('built-in keys read from a vmlinux (system_certificate_list): "Loading of module with unavailable key is rejected"', async () => {
    const vmlinux = certVmlinux('vmlinux-rsa', [rsa.certDer]);
    const m = signed('other2.ko', other, 'sha256');
    const { sig } = await run([m], { trustedKeys: [vmlinux], sigEnforce: true });
    expect(sig).toEqual([[{ severity: 'error', message: 'Loading of module with unavailable key is rejected', errno: -129 }]]);
    const ok = signed('rsa-builtin.ko', rsa, 'sha256');
    const r2 = await run([ok], { trustedKeys: [vmlinux], sigEnforce: true });
    expect(r2.sig).toEqual([[]]);
    expect(r2.report.modules[0].signature).toMatchObject({ status: 'verified', trustedKey: { source: 'built-in', label: expect.stringMatching(/^rsa-test: [0-9a-f]{40}$/) } });
  });

  test('two certificates in the built-in list, both read', async () => {
    const vmlinux = certVmlinux('vmlinux-two', [other.certDer, ec.certDer]);
    const { signing } = await loadSigning({ trustedKeys: [vmlinux] }, undefined, undefined);
    expect(signing.builtinKeys).toBe(true);
    expect(signing.keys.map((k) => [k.subject, k.source, k.algorithm, k.curve ?? null])).toEqual([
      ['O=ksymcheck tests, CN=other-test', 'built-in', 'rsa', null],
      ['O=ksymcheck tests, CN=ec-test', 'built-in', 'ecdsa', 'P-384'],
    ]);
  });
});

describe('built-in keys of a bzImage', () => {
  test('a stripped ELF (no symbols) in a gzip payload: the list found by its layout (certificates, then their size)', () => {
    const elf = certVmlinux('vmlinux-stripped', [other.certDer, rsa.certDer]);
    execFileSync('strip', ['-s', elf]);
    expect(execFileSync('nm', [elf], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).includes('system_certificate_list')).toBe(false);
    const gz = gzipSync(readFileSync(elf));
    // arch/x86/boot/header.S: setup_sects at 0x1f1, "HdrS" at 0x202, payload_offset/length at 0x248/0x24c
    const setup = Buffer.alloc(2 * 512);
    setup[0x1f1] = 1;
    setup.write('HdrS', 0x202, 'latin1');
    setup.writeUInt32LE(0, 0x248);
    setup.writeUInt32LE(gz.length, 0x24c);
    const image = join(dir, 'vmlinuz-test');
    writeFileSync(image, Buffer.concat([setup, gz, Buffer.from([1, 2, 3, 4])]));
    const keys = builtinKeysOfImage(image);
    expect(keys.map((k) => [k.subject, k.source])).toEqual([
      ['O=ksymcheck tests, CN=other-test', 'built-in'],
      ['O=ksymcheck tests, CN=rsa-test', 'built-in'],
    ]);
    expect(keys[0].origin).toMatch(/^.*vmlinuz-test \(its compressed vmlinux\) \(\.init\.rodata offset 0, \d+ bytes, followed by their size\) \(certificate at offset 0\)$/);
  });

  test('a payload past the end of the file: an error naming the file and the offset', () => {
    const setup = Buffer.alloc(2 * 512);
    setup[0x1f1] = 1;
    setup.write('HdrS', 0x202, 'latin1');
    setup.writeUInt32LE(4096, 0x24c);
    const image = join(dir, 'vmlinuz-short');
    writeFileSync(image, setup);
    expect(() => builtinKeysOfImage(image)).toThrow(`${image}: offset 0x248: payload 0+4096 past the end of the bzImage (1024 bytes)`);
  });
});

describe('malformed signatures', () => {
  const tail = (cms: Buffer, ms: Buffer) => Buffer.concat([readFileSync(plain), cms, ms, MARKER]);
  const msOf = (len: number, idType = 2, extra = 0) => {
    const ms = Buffer.alloc(12);
    ms[2] = idType;
    ms[0] = extra;
    ms.writeUInt32BE(len, 8);
    return ms;
  };
  test.each([
    ['id_type 1 (PGP)', () => tail(Buffer.alloc(64, 1), msOf(64, 1)), { sigEnforce: true }, 'error', 'Loading of module with unsupported crypto is rejected'],
    ['non-zero algo byte', () => tail(Buffer.alloc(64, 1), msOf(64, 2, 1)), {}, 'error', 'module: PKCS#7 signature info has unexpected non-zero params'],
    ['sig_len past the start of the file', () => tail(Buffer.alloc(0), msOf(0x7fffffff)), {}, 'error', 'insmod: ERROR: could not insert module %s: Bad message'],
    ['not DER', () => tail(Buffer.alloc(64, 0x41), msOf(64)), {}, 'error', 'insmod: ERROR: could not insert module %s: Bad message'],
  ])('%s', async (name, bytes, opts, severity, message) => {
    const m = join(dir, `bad-${name.replace(/\W+/g, '-')}.ko`);
    writeFileSync(m, bytes());
    const { sig } = await run([m], opts);
    expect(sig.map((s) => s.map((f) => [f.severity, f.message]))).toEqual([[[severity, message.replace('%s', m)]]]);
  });

  test('signed attributes (openssl cms without -noattr): "PKCS7: Invalid module sig (has authattrs)", refused always', async () => {
    const m = signed('attrs.ko', rsa, 'sha256', { attrs: true });
    const { report, sig } = await run([m], { trustedKeys: [rsa.cert], sigEnforce: false });
    expect(sig).toEqual([[{ severity: 'error', message: 'PKCS7: Invalid module sig (has authattrs)', errno: -129 }]]);
    expect(report.modules[0].signature?.status).toBe('malformed');
  });

  test('a marker with nothing before it but the struct: refused, the file named, the rest of the run checked', async () => {
    const m = join(dir, 'tiny.ko');
    writeFileSync(m, Buffer.concat([Buffer.alloc(4), MARKER]));
    const r = await check({ kernel: kernelDir, modules: [m, signed('fine.ko', rsa, 'sha256')], stage: 'load', frames: false, trustedKeys: [rsa.cert] });
    expect(r.errors.map((e) => e.path)).toEqual([m]);
    expect(r.modules.map((x) => [x.path, x.signature?.status])).toEqual([[join(dir, 'fine.ko'), 'verified']]);
  });
});

describe('keys and state of a running machine', () => {
  test('MokListRT (EFI signature lists), sig_enforce and lockdown from /sys', async () => {
    const root = join(dir, 'machine');
    mkdirSync(join(root, 'sys/firmware/efi/mok-variables'), { recursive: true });
    mkdirSync(join(root, 'sys/module/module/parameters'), { recursive: true });
    mkdirSync(join(root, 'sys/kernel/security'), { recursive: true });
    writeFileSync(join(root, 'sys/firmware/efi/mok-variables/MokListRT'), Buffer.concat([efiList(readFileSync(rsa.certDer)), efiHashList()]));
    writeFileSync(join(root, 'sys/firmware/efi/mok-variables/MokListRT1'), efiList(readFileSync(ec.certDer)));
    writeFileSync(join(root, 'sys/module/module/parameters/sig_enforce'), 'Y\n');
    writeFileSync(join(root, 'sys/kernel/security/lockdown'), 'none [integrity] confidentiality\n');
    const { signing, notes } = await loadSigning({}, undefined, { release: '6.1.0-test', root });
    expect(signing.keys.map((k) => [keyLabel(k).split(':')[0], k.source])).toEqual([
      ['rsa-test', 'mok'],
      ['ec-test', 'mok'],
    ]);
    expect(signing).toMatchObject({ enforce: true, enforceSource: join(root, 'sys/module/module/parameters/sig_enforce'), lockdown: 'integrity', builtinKeys: false });
    expect(notes).toEqual([`enrolled MOK keys read from ${join(root, 'sys/firmware/efi/mok-variables/MokListRT')}, ${join(root, 'sys/firmware/efi/mok-variables/MokListRT1')}: 2`]);
  });

  test('a truncated EFI signature list is an error naming the file and offset', async () => {
    const f = join(dir, 'bad.esl');
    writeFileSync(f, efiList(readFileSync(rsa.certDer)).subarray(0, 40));
    await expect(loadSigning({ trustedKeys: [f] }, undefined, undefined)).rejects.toThrow(`${f}: offset 0: EFI_SIGNATURE_LIST sizes do not fit`);
  });
});

/** An EFI_SIGNATURE_LIST of one X.509 entry (EFI_CERT_X509_GUID), as MokListRT holds them. */
function efiList(cert: Buffer): Buffer {
  const guid = Buffer.from('a159c0a5e494a74a87b5ab155c2bf072', 'hex');
  const h = Buffer.alloc(28);
  guid.copy(h, 0);
  h.writeUInt32LE(28 + 16 + cert.length, 16);
  h.writeUInt32LE(0, 20);
  h.writeUInt32LE(16 + cert.length, 24);
  return Buffer.concat([h, Buffer.alloc(16, 0x11), cert]);
}

/** An EFI_SIGNATURE_LIST of one SHA-256 hash entry (EFI_CERT_SHA256_GUID): not a key, skipped. */
function efiHashList(): Buffer {
  const h = Buffer.alloc(28);
  Buffer.from('2616c4c14c509240aca941f936934328', 'hex').copy(h, 0);
  h.writeUInt32LE(28 + 48, 16);
  h.writeUInt32LE(48, 24);
  return Buffer.concat([h, Buffer.alloc(48, 0x22)]);
}

/**
 * A linked ELF laid out as certs/system_certificates.S lays the built-in list out (gcc, at test time):
 * `system_certificate_list` in .init.rodata, the certificates end to end, `system_certificate_list_size`.
 */
function certVmlinux(name: string, certs: string[]): string {
  const list = join(dir, `${name}.certs`);
  writeFileSync(list, Buffer.concat(certs.map((c) => readFileSync(c))));
  const src = join(dir, `${name}.S`);
  writeFileSync(
    src,
    [
      '\t.section .init.rodata,"a"',
      '\t.align 8',
      '\t.globl system_certificate_list',
      'system_certificate_list:',
      '__cert_list_start:',
      `\t.incbin "${list}"`,
      '__cert_list_end:',
      '\t.align 8',
      '\t.globl system_certificate_list_size',
      'system_certificate_list_size:',
      '\t.quad __cert_list_end - __cert_list_start',
      '\t.text',
      '\t.globl _start',
      '_start:',
      '\tret',
      '',
    ].join('\n'),
  );
  const out = join(dir, name);
  execFileSync('gcc', ['-nostdlib', '-static', '-no-pie', '-o', out, src]);
  return out;
}

