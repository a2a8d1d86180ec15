/**
 * The keys a kernel verifies module signatures with, as X.509 certificates: the kernel's built-in
 * system certificate list (certs/system_certificates.S: `system_certificate_list`, DER certificates end to
 * end, `system_certificate_list_size` bytes; in `.init.rodata`), certificate files a user names (DER or
 * PEM, one or several), and EFI signature lists (the enrolled MOK list the shim exposes as
 * /sys/firmware/efi/mok-variables/MokListRT: EFI_SIGNATURE_LIST records whose X.509 entries are keys).
 *
 * Certificates are decoded with @peculiar/asn1-x509 (issuer, serial, subject, SKID, the public key);
 * the public key is also given to node:crypto (RSA).
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import { Certificate, SubjectKeyIdentifier, id_ce_subjectKeyIdentifier } from '@peculiar/asn1-x509';
import { InputError } from '../errors.js';
import { hex } from './signature.js';
import { nameText } from './cms.js';

/** Where a trusted key came from. */
export type KeySource = 'built-in' | 'file' | 'mok';

export interface TrustedKey {
  /** The certificate's subject, `CN=…, O=…`. */
  subject: string;
  issuer: string;
  /** The issuer's Name, DER, hex (matched against a CMS signer's issuerAndSerialNumber). */
  issuerDer: string;
  serial: string;
  /** Subject key identifier, hex, when the certificate has one. */
  skid?: string;
  /** 'rsa' or 'ecdsa' (id-ecPublicKey) or another OID. */
  algorithm: string;
  /** The named curve of an EC key: P-256, P-384, P-521. */
  curve?: string;
  /** The raw subjectPublicKey bits (an EC point; an RSAPublicKey). */
  publicKeyBits: string;
  /** node:crypto's key (RSA and EC keys node can read). */
  key?: KeyObject;
  source: KeySource;
  /** The file it was read from (and, for a list, which entry). */
  origin: string;
}

const OID_RSA = '1.2.840.113549.1.1.1';
const OID_EC = '1.2.840.10045.2.1';

/** One DER certificate → a TrustedKey; throws an InputError naming `origin` when it is not one. */
export function certificateKey(der: Uint8Array, source: KeySource, origin: string): TrustedKey {
  let cert: Certificate;
  try {
    cert = AsnConvert.parse(der, Certificate);
  } catch (e) {
    throw new InputError(origin, `not a DER X.509 certificate (${(e as Error).message.split('\n')[0]})`);
  }
  const tbs = cert.tbsCertificate;
  const spki = tbs.subjectPublicKeyInfo;
  const algOid = spki.algorithm.algorithm;
  const out: TrustedKey = {
    subject: nameText(tbs.subject),
    issuer: nameText(tbs.issuer),
    issuerDer: hex(AsnConvert.serialize(tbs.issuer)),
    serial: hex(tbs.serialNumber),
    algorithm: algOid === OID_RSA ? 'rsa' : algOid === OID_EC ? 'ecdsa' : algOid,
    publicKeyBits: hex(spki.subjectPublicKey),
    source,
    origin,
  };
  if (algOid === OID_EC && spki.algorithm.parameters) {
    out.curve = CURVES[hex(spki.algorithm.parameters)] ?? `parameters ${hex(spki.algorithm.parameters)}`;
  }
  for (const ext of tbs.extensions ?? []) {
    if (ext.extnID !== id_ce_subjectKeyIdentifier) continue;
    out.skid = hex(AsnConvert.parse(ext.extnValue, SubjectKeyIdentifier).buffer);
  }
  try {
    out.key = createPublicKey({ key: Buffer.from(AsnConvert.serialize(spki)), format: 'der', type: 'spki' });
  } catch {
    /* a key node:crypto cannot read: verification says so */
  }
  return out;
}

/** The named curves (DER of the parameters' OBJECT IDENTIFIER) → the curve. */
const CURVES: Readonly<Record<string, string>> = {
  '06082a8648ce3d030107': 'P-256',
  '06052b81040022': 'P-384',
  '06052b81040023': 'P-521',
};

/** DER certificates end to end (the built-in list's layout): each SEQUENCE's length read from its header. */
export function certificateList(bytes: Uint8Array, source: KeySource, origin: string): TrustedKey[] {
  const out: TrustedKey[] = [];
  let at = 0;
  while (at < bytes.length) {
    const len = derLength(bytes, at);
    if (len === undefined) {
      // certs/system_certificates.S aligns nothing inside the list; trailing zero padding ends it
      if (bytes.subarray(at).every((b) => b === 0)) break;
      throw new InputError(origin, `offset ${at}: not a DER SEQUENCE (byte 0x${bytes[at].toString(16)})`);
    }
    if (at + len > bytes.length) throw new InputError(origin, `offset ${at}: certificate of ${len} bytes runs past the end of the list (${bytes.length} bytes)`);
    out.push(certificateKey(bytes.subarray(at, at + len), source, `${origin} (certificate at offset ${at})`));
    at += len;
  }
  return out;
}

/** The whole length (header included) of the DER SEQUENCE at `at`, or undefined when there is none. */
function derLength(b: Uint8Array, at: number): number | undefined {
  if (b[at] !== 0x30 || at + 2 > b.length) return undefined;
  const first = b[at + 1];
  if (first < 0x80) return 2 + first;
  const n = first & 0x7f;
  if (n === 0 || n > 4 || at + 2 + n > b.length) return undefined;
  let len = 0;
  for (let i = 0; i < n; i++) len = len * 256 + b[at + 2 + i];
  return 2 + n + len;
}

/** EFI_CERT_X509_GUID {a5c059a1-94e4-4aa7-87b5-ab155c2bf072} as its bytes lie in memory. */
const EFI_CERT_X509 = Buffer.from('a159c0a5e494a74a87b5ab155c2bf072', 'hex');

/**
 * EFI_SIGNATURE_LIST records (UEFI spec 2.x §32.4.1): SignatureType GUID, ListSize, HeaderSize,
 * SignatureSize (u32 LE), header, then SignatureOwner GUID + data per entry. Only EFI_CERT_X509 entries are
 * keys (hash entries are allow-list hashes, not keys); the others are counted in `skipped`.
 */
export function efiSignatureLists(bytes: Uint8Array, source: KeySource, origin: string): { keys: TrustedKey[]; skipped: number } {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  const keys: TrustedKey[] = [];
  let skipped = 0;
  let at = 0;
  while (at < b.length) {
    if (at + 28 > b.length) throw new InputError(origin, `offset ${at}: EFI_SIGNATURE_LIST header cut short (${b.length - at} bytes left)`);
    const type = b.subarray(at, at + 16);
    const listSize = b.readUInt32LE(at + 16);
    const headerSize = b.readUInt32LE(at + 20);
    const sigSize = b.readUInt32LE(at + 24);
    if (listSize < 28 + headerSize || at + listSize > b.length || sigSize < 16) throw new InputError(origin, `offset ${at}: EFI_SIGNATURE_LIST sizes do not fit (list ${listSize}, header ${headerSize}, entry ${sigSize}, ${b.length - at} bytes left)`);
    const entries = b.subarray(at + 28 + headerSize, at + listSize);
    if ((listSize - 28 - headerSize) % sigSize !== 0) throw new InputError(origin, `offset ${at}: EFI_SIGNATURE_LIST of ${listSize} bytes is no whole number of ${sigSize}-byte entries`);
    for (let e = 0; e < entries.length; e += sigSize) {
      if (type.equals(EFI_CERT_X509)) keys.push(certificateKey(entries.subarray(e + 16, e + sigSize), source, `${origin} (entry at offset ${at + 28 + headerSize + e})`));
      else skipped++;
    }
    at += listSize;
  }
  return { keys, skipped };
}

/**
 * A certificate file a user names: PEM (every CERTIFICATE block), or DER — one certificate, several end to
 * end, or EFI signature lists (MokListRT, a `db` dump).
 */
export function keysFromFile(bytes: Buffer, origin: string, source: KeySource = 'file'): TrustedKey[] {
  const text = bytes.subarray(0, Math.min(bytes.length, 1 << 16)).toString('latin1');
  if (text.includes('-----BEGIN ')) {
    const keys: TrustedKey[] = [];
    const re = /-----BEGIN (?:X509 |TRUSTED )?CERTIFICATE-----([\s\S]*?)-----END (?:X509 |TRUSTED )?CERTIFICATE-----/g;
    for (const m of bytes.toString('latin1').matchAll(re)) keys.push(certificateKey(Buffer.from(m[1].replace(/\s+/g, ''), 'base64'), source, `${origin} (PEM block ${keys.length + 1})`));
    if (keys.length === 0) throw new InputError(origin, 'PEM file without a CERTIFICATE block (a private or public key alone is not a certificate the kernel can load)');
    return keys;
  }
  if (bytes.length > 0 && bytes[0] === 0x30) return certificateList(bytes, source, origin);
  if (bytes.length >= 28) return efiSignatureLists(bytes, source, origin).keys;
  throw new InputError(origin, 'neither a PEM nor a DER certificate, nor an EFI signature list');
}

/** What the loader's signature check depends on besides the module (rule module-signature). */
export interface SigningOptions {
  /** Keys the kernel trusts, as far as known. */
  keys: readonly TrustedKey[];
  /** The kernel's built-in keys are among `keys` (read from its vmlinux): an unknown signer is then untrusted. */
  builtinKeys: boolean;
  /** module.sig_enforce; undefined: unknown (assumed off, said so). */
  enforce?: boolean;
  /** Where `enforce` comes from (an option, /sys/module/module/parameters/sig_enforce, …). */
  enforceSource?: string;
  /** The lockdown level; undefined: unknown (assumed none, said so). */
  lockdown?: 'none' | 'integrity' | 'confidentiality';
  lockdownSource?: string;
  /** ECDSA verification of a digest (ecdsa.ts), present when some key is an EC key. */
  ecdsa?: EcdsaVerify;
}

/** Does the DER signature `sig` verify `digest` with the EC point `publicKey` on `curve` (P-256, P-384, P-521)? */
export type EcdsaVerify = (curve: string, sig: Uint8Array, digest: Uint8Array, publicKey: Uint8Array) => boolean;
