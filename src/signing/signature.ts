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
 * Reading a module only takes the trailer apart and keeps the CMS's bytes, with the digests of the signed
 * bytes the CMS can name (an algorithm's OID is looked for in its bytes, so that the module is hashed
 * while it is at hand); the CMS is decoded afterwards, by cms.ts with @peculiar/asn1-cms, loaded
 * only when some module of a run is signed (readModules()).
 */
import { crypto } from '../builtins.js';

export const MODULE_SIG_MARKER = '~Module signature appended~\n';
const MARKER = Buffer.from(MODULE_SIG_MARKER, 'latin1');
/** sizeof(struct module_signature). */
export const MODULE_SIGNATURE_SIZE = 12;
/** PKEY_ID_PKCS7, the only id_type the loader takes. */
export const PKEY_ID_PKCS7 = 2;

/** The digests the kernel's PKCS#7 parser knows (pkcs7_sig_note_digest_algo): node:crypto's name → OID, DER. */
export const DIGEST_OIDS: Readonly<Record<string, string>> = {
  sha1: '06052b0e03021a',
  sha224: '0609608648016503040204',
  sha256: '0609608648016503040201',
  sha384: '0609608648016503040202',
  sha512: '0609608648016503040203',
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
  /** The CMS's bytes, until cms.ts has decoded them (then removed). */
  cms?: Buffer;
  /** Digests of the signed bytes (hex) with each algorithm whose OID the CMS's bytes hold. */
  digests?: Record<string, string>;
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

/** Does a module image end with the marker? (Reads only the marker's bytes.) */
export function hasSignatureMarker(size: number, tail: (offset: number, length: number) => Buffer): boolean {
  return size > MARKER.length && tail(size - MARKER.length, MARKER.length).equals(MARKER);
}

/**
 * The appended signature of a module image of `size` bytes read through `read(offset, length)`, or
 * undefined when it has no marker (unsigned: the loader's -ENODATA): the trailer checked as
 * mod_check_sig() checks it, the CMS's bytes kept, the signed part read once for its digests (unless
 * `withDigests` is false: nothing will be verified).
 */
export function readSignature(size: number, read: (offset: number, length: number) => Buffer, withDigests = true): ModuleSignature | undefined {
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
  const cms = Buffer.from(read(signedLength, sigLen)); // a copy: the reader's buffers are reused
  const hashes = Object.entries(DIGEST_OIDS)
    .filter(([, oid]) => withDigests && cms.includes(Buffer.from(oid, 'hex')))
    .map(([name]) => [name, crypto().createHash(name)] as const);
  const CHUNK = 8 << 20;
  for (let at = 0; at < signedLength && hashes.length > 0; at += CHUNK) {
    const piece = read(at, Math.min(CHUNK, signedLength - at));
    for (const [, h] of hashes) h.update(piece);
  }
  const digests = Object.fromEntries(hashes.map(([name, h]) => [name, h.digest('hex')]));
  return { signedLength, cmsOffset: signedLength, cmsLength: sigLen, cms, digests, embeddedCertificates: 0 };
}

export const hex = (b: ArrayBuffer | Uint8Array): string => Buffer.from(b instanceof Uint8Array ? b : new Uint8Array(b)).toString('hex');
