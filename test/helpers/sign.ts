/**
 * Keys and module signatures made at test time with openssl (never a committed private key): a
 * self-signed certificate per key, and the signature scripts/sign-file appends — `openssl cms -sign
 * -binary -noattr -nocerts -outform DER` (sign-file's CMS_sign() flags: detached, no certificates, no
 * signed attributes; `-keyid` names the signer by subject key identifier instead of issuer and serial),
 * then struct module_signature (id_type 2, the CMS length big-endian) and the marker.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface TestKey {
  key: string;
  cert: string;
  certDer: string;
}

export function makeKey(dir: string, name: string, type: 'rsa' | 'ec-p256' | 'ec-p384'): TestKey {
  const key = join(dir, `${name}.key.pem`);
  const cert = join(dir, `${name}.crt.pem`);
  const certDer = join(dir, `${name}.crt.der`);
  const newkey = type === 'rsa' ? ['-newkey', 'rsa:2048'] : ['-newkey', 'ec', '-pkeyopt', `ec_paramgen_curve:${type === 'ec-p256' ? 'P-256' : 'P-384'}`];
  execFileSync('openssl', ['req', '-x509', ...newkey, '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', `/O=ksymcheck tests/CN=${name}`, '-addext', 'subjectKeyIdentifier=hash'], { stdio: 'pipe' });
  execFileSync('openssl', ['x509', '-in', cert, '-outform', 'DER', '-out', certDer], { stdio: 'pipe' });
  return { key, cert, certDer };
}

export const MARKER = Buffer.from('~Module signature appended~\n', 'latin1');

/** The bytes sign-file would write for `module` signed with `k` (hash sha256/sha384/sha512). */
export function signBytes(module: Buffer, k: TestKey, hash: string, opts: { keyid?: boolean; attrs?: boolean } = {}): Buffer {
  const cms = execFileSync(
    'openssl',
    ['cms', '-sign', '-binary', '-nocerts', '-outform', 'DER', '-md', hash, '-signer', k.cert, '-inkey', k.key, ...(opts.attrs ? [] : ['-noattr']), ...(opts.keyid ? ['-keyid'] : [])],
    { input: module, maxBuffer: 1 << 26 },
  );
  const ms = Buffer.alloc(12);
  ms[2] = 2; // PKEY_ID_PKCS7
  ms.writeUInt32BE(cms.length, 8);
  return Buffer.concat([module, cms, ms, MARKER]);
}

export function signFile(src: string, dst: string, k: TestKey, hash: string, opts: { keyid?: boolean; attrs?: boolean } = {}): string {
  writeFileSync(dst, signBytes(readFileSync(src), k, hash, opts));
  return dst;
}
