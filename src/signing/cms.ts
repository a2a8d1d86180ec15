/**
 * The CMS of a module signature (signature.ts kept its bytes) decoded as the kernel's PKCS#7
 * parser and pkcs7_verify() read it (crypto/asymmetric_keys/pkcs7_parser.c, pkcs7_verify.c; Debian
 * 6.1.192, 6.12.117, 7.2.13): with @peculiar/asn1-cms (DER schema classes, synchronous), not by hand. Loaded
 * by readModules() only when some module of the run is signed.
 */
import { AsnConvert } from '@peculiar/asn1-schema';
import { ContentInfo, SignedData, id_signedData, id_data } from '@peculiar/asn1-cms';
import type { Name } from '@peculiar/asn1-x509';
import { hex, type ModuleSignature, type SignatureProblem, type SignerId } from './signature.js';

/** The digest OIDs the kernel's PKCS#7 parser knows → node:crypto's names. */
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

const SHORT_NAMES: Readonly<Record<string, string>> = {
  '2.5.4.3': 'CN',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '1.2.840.113549.1.9.1': 'emailAddress',
};

/** `CN=…, O=…` of an X.509 Name, in its own order. */
export function nameText(name: Name): string {
  const parts: string[] = [];
  for (const rdn of name) {
    for (const atv of rdn) parts.push(`${SHORT_NAMES[atv.type] ?? atv.type}=${atv.value.toString()}`);
  }
  return parts.join(', ');
}

/** Decode the CMS of every signed module of a run (in place; the bytes are dropped afterwards). */
export function parseSignatures(modules: readonly { readonly signature?: ModuleSignature }[]): void {
  let last: Shape | undefined;
  for (const m of modules) if (m.signature?.cms) last = parseSignature(m.signature, last);
}

/**
 * What a CMS decoded without a problem says, but for the signature value, and the bytes that said it: every
 * byte before the signature value, which is the CMS's last (a DER SignedData whose one SignerInfo has no
 * unsigned attributes ends with the signature's OCTET STRING contents). sign-file signs a tree's modules
 * with one key: their CMSes differ only there, and decoding one with asn1js costs ~1 ms.
 */
interface Shape {
  prefix: Buffer;
  length: number;
  embeddedCertificates: number;
  signer: SignerId | undefined;
  digest: string;
  keyAlgorithm: 'rsa' | 'ecdsa';
}

/** The length a DER TLV at the start of `b` says it has, header included (-1 when it cannot be told). */
function derLength(b: Buffer): number {
  if (b.length < 2) return -1;
  const first = b[1];
  if (first < 0x80) return 2 + first;
  const n = first & 0x7f;
  if (n === 0 || n > 4 || b.length < 2 + n) return -1;
  let len = 0;
  for (let i = 0; i < n; i++) len = len * 256 + b[2 + i];
  return 2 + n + len;
}

/**
 * Fill in what the CMS says (signer, algorithms, signature, the content digest) or the problem with it.
 * Given the shape of a CMS decoded before, a CMS equal to it up to the signature value is not decoded
 * again: the same fields, its own signature. Returns the shape of this one when it was decoded without
 * a problem (else `known`).
 */
export function parseSignature(out: ModuleSignature, known?: Shape): Shape | undefined {
  const cms = out.cms!;
  delete out.cms;
  const digests = out.digests ?? {};
  delete out.digests;
  if (known !== undefined && cms.length === known.length && cms.compare(known.prefix, 0, known.prefix.length, 0, known.prefix.length) === 0) {
    out.embeddedCertificates = known.embeddedCertificates;
    if (known.signer) out.signer = { ...known.signer };
    out.digest = known.digest;
    out.keyAlgorithm = known.keyAlgorithm;
    out.signature = cms.toString('hex', known.prefix.length);
    if (digests[known.digest] !== undefined) out.contentDigest = digests[known.digest];
    return known;
  }
  const fail = (reason: string, errno: SignatureProblem['errno'] = 'EBADMSG', kernelLine?: string): Shape | undefined => {
    out.problem = { errno, reason: `PKCS#7 message at offset ${out.cmsOffset} (${out.cmsLength} bytes): ${reason}`, ...(kernelLine ? { kernelLine } : {}) };
    return known;
  };
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
  // the digest OID is in the CMS's bytes, so readSignature() computed it — unless told not to hash (no key)
  if (digests[digest] !== undefined) out.contentDigest = digests[digest];
  // the shape of this CMS, when its signature value is the last of its bytes and nothing follows the DER
  const value = Buffer.from(si.signature.buffer);
  const cut = cms.length - value.length;
  if (si.unsignedAttrs === undefined && cms[0] === 0x30 && derLength(cms) === cms.length && cut > 0 && cms.compare(value, 0, value.length, cut) === 0) {
    return { prefix: Buffer.from(cms.subarray(0, cut)), length: cms.length, embeddedCertificates: out.embeddedCertificates, signer: out.signer, digest, keyAlgorithm };
  }
  return known;
}
