/**
 * The signature appended to a module (scripts/sign-file): the module's bytes, then a PKCS#7/CMS
 * SignedData (detached: the module is the content), then `struct module_signature` (12 bytes: algo, hash,
 * id_type, signer_len, key_id_len, 3 pad bytes — all zero for PKCS#7 but id_type 2 — and the CMS's
 * length, big-endian), then the marker `~Module signature appended~\n`.
 *
 * What is read here is what kernel/module/signing.c mod_verify_sig() → kernel/module_signature.c
 * mod_check_sig() → crypto/asymmetric_keys/pkcs7_parser.c and pkcs7_verify.c pkcs7_verify() decide
 * from the module alone (Debian 6.1.192, 6.12.117 and 7.2.13 sources: the same code): a trailer that
 * is malformed, a CMS the kernel's parser refuses, a CMS with signed attributes or a content type other
 * than id-data. Whether the signer's key is trusted and the signature holds is the rule's part
 * (rules/module-signature.ts), against the kernel's keys; for it, the digest of the signed bytes is
 * computed here, with the digest algorithm the CMS names.
 *
 * The CMS is decoded with @peculiar/asn1-cms (DER schema classes, synchronous), not by hand.
 */
import { createHash } from 'node:crypto';
import { AsnConvert } from '@peculiar/asn1-schema';
import { ContentInfo, SignedData, id_signedData, id_data } from '@peculiar/asn1-cms';
import { Name } from '@peculiar/asn1-x509';

export const MODULE_SIG_MARKER = '~Module signature appended~\n';
const MARKER = Buffer.from(MODULE_SIG_MARKER, 'latin1');
/** sizeof(struct module_signature). */
export const MODULE_SIGNATURE_SIZE = 12;
/** PKEY_ID_PKCS7, the only id_type the loader takes. */
export const PKEY_ID_PKCS7 = 2;

/** A digest the kernel's PKCS#7 parser knows (pkcs7_sig_note_digest_algo), by name as node:crypto names it. */
export const DIGESTS: Readonly<Record<string, string>> = {
  '1.3.14.3.2.26': 'sha1',
  '2.16.840.1.101.3.4.2.4': 'sha224',
  '2.16.840.1.101.3.4.2.1': 'sha256',
  '2.16.840.1.101.3.4.2.2': 'sha384',
  '2.16.840.1.101.3.4.2.3': 'sha512',
};

/** A signature algorithm the kernel's PKCS#7 parser knows (pkcs7_sig_note_pkey_algo), as it names it. */
export const KEY_ALGORITHMS: Readonly<Record<string, 'rsa' | 'ecdsa'>> = {
  '1.2.840.113549.1.1.1': 'rsa',
  '1.2.840.10045.4.1': 'ecdsa',
  '1.2.840.10045.4.3.1': 'ecdsa',
  '1.2.840.10045.4.3.2': 'ecdsa',
  '1.2.840.10045.4.3.3': 'ecdsa',
  '1.2.840.10045.4.3.4': 'ecdsa',
};

/** Who signed, as the CMS's SignerIdentifier says: issuer and serial number, or subject key identifier. */
export interface SignerId {
  /** The issuer's name, `CN=…, O=…` (issuerAndSerialNumber). */
  issuer?: string;
  /** The issuer's Name, DER, hex: what a certificate's issuer is matched against. */
  issuerDer?: string;
  /** The serial number, hex (lower case, as DER holds it). */
  serial?: string;
  /** The subject key identifier, hex. */
  skid?: string;
}

/** Why the loader refuses a signature before any key is looked up. */
export interface SignatureProblem {
  /** The error mod_verify_sig() returns: EBADMSG, ENOPKG or EKEYREJECTED. */
  errno: 'EBADMSG' | 'ENOPKG' | 'EKEYREJECTED';
  /** What is wrong, for people (with the offset in the module where there is one). */
  reason: string;
  /** The line the kernel prints for it (pr_err/pr_warn), when it prints one. */
  kernelLine?: string;
}

export interface ModuleSignature {
  /** Bytes of the module the signature covers (from offset 0). */
  signedLength: number;
  /** Where the CMS starts in the (decompressed) module, and its length. */
  cmsOffset: number;
  cmsLength: number;
  /** Set when the loader refuses the signature from the module alone. */
  problem?: SignatureProblem;
  signer?: SignerId;
  /** Digest algorithm (node:crypto name: sha256, …). */
  digest?: string;
  /** The signature's key algorithm, as the kernel names it. */
  keyAlgorithm?: 'rsa' | 'ecdsa';
  /** The signature value, hex. */
  signature?: string;
  /** The digest of the signed bytes with `digest`, hex. */
  contentDigest?: string;
  /** Certificates the CMS carries (sign-file embeds none); the kernel only trusts keys of its keyrings. */
  embeddedCertificates: number;
}

/** `CN=…, O=…` of an X.509 Name, in its own order. */
export function nameText(name: Name): string {
  const parts: string[] = [];
  for (const rdn of name) {
    for (const atv of rdn) parts.push(`${SHORT_NAMES[atv.type] ?? atv.type}=${atv.value.toString()}`);
  }
  return parts.join(', ');
}

const SHORT_NAMES: Readonly<Record<string, string>> = {
  '2.5.4.3': 'CN',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '1.2.840.113549.1.9.1': 'emailAddress',
};

export const hex = (b: ArrayBuffer | Uint8Array): string => Buffer.from(b instanceof Uint8Array ? b : new Uint8Array(b)).toString('hex');

/** Does a module image end with the marker? (Reads only the marker's bytes.) */
export function hasSignatureMarker(size: number, tail: (offset: number, length: number) => Buffer): boolean {
  return size > MARKER.length && tail(size - MARKER.length, MARKER.length).equals(MARKER);
}

/**
 * The appended signature of a module image of `size` bytes read through `read(offset, length)`, or
 * undefined when it has no marker (unsigned: the loader's -ENODATA). The whole signed part is read once
 * for its digest.
 */
export function readSignature(size: number, read: (offset: number, length: number) => Buffer): ModuleSignature | undefined {
  if (!hasSignatureMarker(size, read)) return undefined;
  // mod_verify_sig(): info->len without the marker
  const modlen = size - MARKER.length;
  const bad = (reason: string, errno: SignatureProblem['errno'] = 'EBADMSG', kernelLine?: string): ModuleSignature => ({
    signedLength: 0,
    cmsOffset: 0,
    cmsLength: 0,
    embeddedCertificates: 0,
    problem: { errno, reason, ...(kernelLine ? { kernelLine } : {}) },
  });
  if (modlen <= MODULE_SIGNATURE_SIZE) return bad(`the marker at offset ${modlen} leaves no room for struct module_signature`);
  const ms = read(modlen - MODULE_SIGNATURE_SIZE, MODULE_SIGNATURE_SIZE);
  const sigLen = ms.readUInt32BE(8);
  const msAt = modlen - MODULE_SIGNATURE_SIZE;
  // mod_check_sig()
  if (sigLen >= modlen - MODULE_SIGNATURE_SIZE) return bad(`struct module_signature at offset ${msAt}: sig_len ${sigLen} is not less than the ${modlen - MODULE_SIGNATURE_SIZE} bytes before it`);
  if (ms[2] !== PKEY_ID_PKCS7) return bad(`struct module_signature at offset ${msAt}: id_type ${ms[2]}, not PKEY_ID_PKCS7 (2)`, 'ENOPKG', 'module: not signed with expected PKCS#7 message');
  if (ms[0] !== 0 || ms[1] !== 0 || ms[3] !== 0 || ms[4] !== 0 || ms[5] !== 0 || ms[6] !== 0 || ms[7] !== 0) {
    return bad(`struct module_signature at offset ${msAt}: algo/hash/signer_len/key_id_len/pad not all zero`, 'EBADMSG', 'module: PKCS#7 signature info has unexpected non-zero params');
  }
  const signedLength = modlen - MODULE_SIGNATURE_SIZE - sigLen;
  const cms = read(signedLength, sigLen);
  const out: ModuleSignature = { signedLength, cmsOffset: signedLength, cmsLength: sigLen, embeddedCertificates: 0 };
  const fail = (reason: string, errno: SignatureProblem['errno'] = 'EBADMSG', kernelLine?: string): ModuleSignature => ({
    ...out,
    problem: { errno, reason: `PKCS#7 message at offset ${signedLength} (${sigLen} bytes): ${reason}`, ...(kernelLine ? { kernelLine } : {}) },
  });
  // pkcs7_parse_message(): anything its ASN.1 decoder refuses is -EBADMSG
  let sd: SignedData;
  try {
    const ci = AsnConvert.parse(cms, ContentInfo);
    if (ci.contentType !== id_signedData) return fail(`content type ${ci.contentType}, not signedData`, 'EBADMSG', 'PKCS7: Only support pkcs7_signedData type');
    sd = AsnConvert.parse(ci.content, SignedData);
  } catch (e) {
    return fail(`not a DER PKCS#7 SignedData (${(e as Error).message.split('\n')[0]})`);
  }
  out.embeddedCertificates = sd.certificates?.length ?? 0;
  if (sd.signerInfos.length !== 1) return fail(`${sd.signerInfos.length} signer infos; sign-file writes one`);
  const si = sd.signerInfos[0];
  if (si.sid.issuerAndSerialNumber) {
    const ias = si.sid.issuerAndSerialNumber;
    out.signer = { issuer: nameText(ias.issuer), issuerDer: hex(AsnConvert.serialize(ias.issuer)), serial: hex(ias.serialNumber) };
  } else if (si.sid.subjectKeyIdentifier) {
    out.signer = { skid: hex(si.sid.subjectKeyIdentifier.buffer) };
  }
  const digest = DIGESTS[si.digestAlgorithm.algorithm];
  const keyAlgorithm = KEY_ALGORITHMS[si.signatureAlgorithm.algorithm];
  if (digest) out.digest = digest;
  if (keyAlgorithm) out.keyAlgorithm = keyAlgorithm;
  out.signature = hex(si.signature.buffer);
  // the parser's actions: an unknown digest or key algorithm is -ENOPKG ("module with unsupported crypto")
  if (!digest) return fail(`digest algorithm ${si.digestAlgorithm.algorithm} unknown to the kernel's PKCS#7 parser`, 'ENOPKG');
  if (!keyAlgorithm) return fail(`signature algorithm ${si.signatureAlgorithm.algorithm} unknown to the kernel's PKCS#7 parser`, 'ENOPKG');
  // pkcs7_verify(…, VERIFYING_MODULE_SIGNATURE)
  if (sd.encapContentInfo.eContentType !== id_data) return fail(`content type ${sd.encapContentInfo.eContentType}, not id-data`, 'EKEYREJECTED', 'PKCS7: Invalid module sig (not pkcs7-data)');
  if (si.signedAttrs && si.signedAttrs.length > 0) return fail('it has signed attributes (authenticated attributes)', 'EKEYREJECTED', 'PKCS7: Invalid module sig (has authattrs)');
  const h = createHash(digest);
  const CHUNK = 8 << 20;
  for (let at = 0; at < signedLength; at += CHUNK) h.update(read(at, Math.min(CHUNK, signedLength - at)));
  out.contentDigest = h.digest('hex');
  return out;
}
