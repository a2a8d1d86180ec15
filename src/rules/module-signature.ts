/**
 * module-signature: what the loader's signature check says of a module, before it reads any of the ELF.
 *
 * Load only. kernel/module/signing.c module_sig_check(), first step of load_module() (after the
 * decompression of a compressed module, before elf_validity_check()/elf_validity_cache_copy()). Read in
 * Debian's linux-source-6.1 (6.1.192), -6.12 (6.12.117) and -7.2 (7.2.13): the same code and messages
 * (6.1 and 6.12 also carry Debian's module-hash blacklist, not modelled).
 *
 *   marker `~Module signature appended~\n` absent → err = -ENODATA ("unsigned module")
 *   mod_verify_sig() → mod_check_sig(): sig_len too large → -EBADMSG; id_type ≠ PKEY_ID_PKCS7 →
 *     pr_err("module: not signed with expected PKCS#7 message"), -ENOPKG; non-zero params →
 *     pr_err("module: PKCS#7 signature info has unexpected non-zero params"), -EBADMSG
 *   verify_pkcs7_signature(): unparsable → -EBADMSG; unknown digest/key algorithm → -ENOPKG; not id-data
 *     or with authenticated attributes → pr_warn("PKCS7: Invalid module sig (…)"), -EKEYREJECTED;
 *     pkcs7_validate_trust(): no trusted key with the signer's id (issuer+serial or SKID) → -ENOKEY
 *     (the secondary keyring: built-in + secondary keys; then, with CONFIG_INTEGRITY_PLATFORM_KEYRING,
 *     the platform keyring: UEFI db and MOK keys); the key's signature check failing → -EKEYREJECTED.
 *   -ENODATA, -ENOPKG, -ENOKEY: with is_module_sig_enforced() → pr_notice("Loading of %s is rejected"),
 *     -EKEYREJECTED; else security_locked_down(LOCKDOWN_MODULE_SIGNATURE): lockdown integrity or
 *     confidentiality → "Lockdown: %s: unsigned module loading is restricted; see man kernel_lockdown.7"
 *     (current->comm), -EPERM; else the module loads and load_module() later prints, once per boot,
 *     pr_notice_once("%s: module verification failed: signature and/or required key missing - tainting
 *     kernel") (taint E).
 *   Every other error is fatal even without enforcement: -EBADMSG, -EKEYREJECTED.
 */
import { crypto } from '../builtins.js';
import type { EcdsaVerify, TrustedKey } from '../signing/keys.js';
import type { ModuleFacts } from '../module/types.js';
import type { Finding, Rule, RuleContext, SigningOptions } from './types.js';
import { message, type MessageEntry } from './versioned.js';
import { finding, loaderName } from './shared.js';
import { rangeText, rowsOf, rulesDocSection, type RuleInfo, type VersionRow } from './info.js';
import { configEmpty } from '../kernel/config.js';

/** The releases whose signing.c was read (below 6.1 the rule reports nothing: not read). */
const READ = { since: '6.1' };

/** pr_notice("Loading of %s is rejected\n", reason) — with enforcement. */
export const SIG_REJECTED: readonly MessageEntry[] = [{ ...READ, severity: 'error', template: 'Loading of %s is rejected' }];
/** lockdown_is_locked_down(): pr_notice_ratelimited(…, current->comm, lockdown_reasons[LOCKDOWN_MODULE_SIGNATURE]). */
export const SIG_LOCKDOWN: readonly MessageEntry[] = [
  { ...READ, severity: 'error', template: 'Lockdown: %s: unsigned module loading is restricted; see man kernel_lockdown.7' },
];
/** load_module(): pr_notice_once(…) when !mod->sig_ok — the module loads, the kernel is tainted (E). */
export const SIG_TAINT: readonly MessageEntry[] = [
  { ...READ, severity: 'warning', template: '%s: module verification failed: signature and/or required key missing - tainting kernel' },
];
/** A fatal error the kernel prints nothing for (or only at debug level): what kmod's insmod reports. */
export const INSMOD_KEY_REJECTED: readonly MessageEntry[] = [{ ...READ, severity: 'error', template: 'insmod: ERROR: could not insert module %s: Key was rejected by service' }];
export const INSMOD_BAD_MESSAGE: readonly MessageEntry[] = [{ ...READ, severity: 'error', template: 'insmod: ERROR: could not insert module %s: Bad message' }];

/** The errnos of the check (x86/generic values) and strerror()'s words, as insmod prints them. */
export const ERRNOS = {
  EPERM: { value: 1, text: 'Operation not permitted' },
  ENOPKG: { value: 65, text: 'Package not installed' },
  EBADMSG: { value: 74, text: 'Bad message' },
  ENOKEY: { value: 126, text: 'Required key not available' },
  EKEYREJECTED: { value: 129, text: 'Key was rejected by service' },
  ENODATA: { value: 61, text: 'No data available' },
} as const;

export type SignatureStatus =
  /** No marker. */
  | 'unsigned'
  /** Refused from the module alone (see `problem`). */
  | 'malformed'
  /** The signer's key is not among the keys known to be trusted. */
  | 'unknown-key'
  /** The key is trusted and the signature does not verify over the module's bytes. */
  | 'bad-signature'
  /** The key is trusted and the signature verifies. */
  | 'verified';

export interface SignatureVerdict {
  status: SignatureStatus;
  /** What module_sig_check()'s mod_verify_sig() returns (ENODATA for unsigned; undefined when verified). */
  errno?: keyof typeof ERRNOS;
  /** The trusted key that matched the signer. */
  key?: TrustedKey;
  /** Why, for people. */
  reason?: string;
}

const DIGEST_INFO: Readonly<Record<string, string>> = {
  sha1: '3021300906052b0e03021a05000414',
  sha224: '302d300d06096086480165030402040500041c',
  sha256: '3031300d060960864801650304020105000420',
  sha384: '3041300d060960864801650304020205000430',
  sha512: '3051300d060960864801650304020305000440',
};

/** How a key is named in a report: its subject's CN (else the whole subject) and its id. */
export function keyLabel(k: TrustedKey): string {
  const cn = /(?:^|, )CN=([^,]*)/.exec(k.subject)?.[1] ?? k.subject;
  return `${cn}: ${k.skid ?? k.serial}`;
}

/**
 * Does `sig` (hex) verify `digest` (hex, algorithm `hash`) with `key`? PKCS#1 v1.5 (RSA, node:crypto) or
 * X9.62 (ECDSA: `ecdsa`, signing/ecdsa.ts, given by the signing options when a key is an EC key).
 */
export function verifyDigest(key: TrustedKey, hash: string, digest: string, sig: string, ecdsa?: EcdsaVerify): { ok: boolean; reason?: string } {
  const s = Buffer.from(sig, 'hex');
  if (key.algorithm === 'rsa') {
    if (!key.key) return { ok: false, reason: 'the RSA key could not be read' };
    let info: Buffer;
    try {
      info = crypto().publicDecrypt({ key: key.key, padding: crypto().constants.RSA_PKCS1_PADDING }, s);
    } catch {
      return { ok: false, reason: 'the RSA signature does not decrypt to a PKCS#1 v1.5 block with this key' };
    }
    const want = DIGEST_INFO[hash] + digest;
    return info.toString('hex') === want ? { ok: true } : { ok: false, reason: `the signed ${hash} digest differs from the module's (${digest.slice(0, 16)}…)` };
  }
  if (key.algorithm === 'ecdsa') {
    if (!ecdsa || key.curve === undefined) return { ok: false, reason: `EC key on an unsupported curve (${key.curve ?? 'none named'})` };
    try {
      const ok = ecdsa(key.curve, s, Buffer.from(digest, 'hex'), Buffer.from(key.publicKeyBits, 'hex'));
      return ok ? { ok: true } : { ok: false, reason: `the ECDSA signature does not verify the module's ${hash} digest with this key` };
    } catch (e) {
      return { ok: false, reason: `the ECDSA signature is not DER (r, s) for ${key.curve}: ${(e as Error).message}` };
    }
  }
  return { ok: false, reason: `key algorithm ${key.algorithm} not supported` };
}

/** The trusted key a signer id names (pkcs7_validate_trust_one(): find_asymmetric_key(auth_ids[0])). */
export function findSignerKey(m: ModuleFacts, keys: readonly TrustedKey[]): TrustedKey | undefined {
  const id = m.signature?.signer;
  if (!id) return undefined;
  if (id.skid !== undefined) return keys.find((k) => k.skid === id.skid);
  return keys.find((k) => k.serial === id.serial && k.issuerDer === id.issuerDer);
}

const verdicts = new WeakMap<ModuleFacts, { keys: readonly TrustedKey[]; v: SignatureVerdict }>();

/** What mod_verify_sig() concludes for a module with these trusted keys (cached per module and key list). */
export function signatureVerdict(m: ModuleFacts, keys: readonly TrustedKey[], ecdsa?: EcdsaVerify): SignatureVerdict {
  const hit = verdicts.get(m);
  if (hit && hit.keys === keys) return hit.v;
  const v = decide(m, keys, ecdsa);
  verdicts.set(m, { keys, v });
  return v;
}

function decide(m: ModuleFacts, keys: readonly TrustedKey[], ecdsa?: EcdsaVerify): SignatureVerdict {
  const sig = m.signature;
  if (!sig) return { status: 'unsigned', errno: 'ENODATA', reason: 'no `~Module signature appended~` marker at the end of the module' };
  if (sig.problem) return { status: 'malformed', errno: sig.problem.errno, reason: sig.problem.reason };
  const key = findSignerKey(m, keys);
  if (!key) return { status: 'unknown-key', errno: 'ENOKEY', reason: `no trusted key has the signer's ${sig.signer?.skid !== undefined ? `key identifier ${sig.signer.skid}` : `issuer and serial (${sig.signer?.issuer ?? '?'}, ${sig.signer?.serial ?? '?'})`}` };
  if (sig.contentDigest === undefined) return { status: 'unknown-key', errno: 'ENOKEY', key, reason: 'the module was read without hashing it (no key was given to the read)' };
  const r = verifyDigest(key, sig.digest!, sig.contentDigest, sig.signature!, ecdsa);
  if (r.ok) return { status: 'verified', key };
  return { status: 'bad-signature', errno: 'EKEYREJECTED', key, reason: r.reason };
}

/** The signing state of the kernel as the options tell it, with what was assumed. */
export function signingState(ctx: RuleContext): { enforce: boolean; enforceKnown: string | undefined; lockdown: 'none' | 'integrity' | 'confidentiality'; lockdownKnown: string | undefined; s: SigningOptions } {
  const s: SigningOptions = ctx.options.signing ?? { keys: [], builtinKeys: false };
  let enforce = s.enforce;
  let enforceKnown = s.enforce !== undefined ? s.enforceSource ?? 'given' : undefined;
  // CONFIG_MODULE_SIG_FORCE=y: sig_enforce starts true and cannot be turned off (bool_enable_only)
  if (ctx.kernel.config.get('CONFIG_MODULE_SIG_FORCE') === 'y' && enforce !== true) {
    enforce = true;
    enforceKnown = 'CONFIG_MODULE_SIG_FORCE=y';
  }
  return { enforce: enforce ?? false, enforceKnown, lockdown: s.lockdown ?? 'none', lockdownKnown: s.lockdown !== undefined ? s.lockdownSource ?? 'given' : undefined, s };
}

/** Was anything told about the signature check (keys, enforcement, lockdown)? */
export function signingTold(s: SigningOptions): boolean {
  return s.enforce !== undefined || s.lockdown !== undefined || s.keys.length > 0;
}

/** Does the kernel check signatures at all? CONFIG_MODULE_SIG; unknown (no configuration) counts as yes. */
export function kernelChecksSignatures(ctx: RuleContext): boolean {
  if (configEmpty(ctx.kernel.config)) return true;
  return ctx.kernel.config.get('CONFIG_MODULE_SIG') === 'y';
}

const REASONS: Readonly<Record<string, string>> = { ENODATA: 'unsigned module', ENOPKG: 'module with unsupported crypto', ENOKEY: 'module with unavailable key' };

function check(ctx: RuleContext): Finding[] {
  if (ctx.module.kind === 'o' || !kernelChecksSignatures(ctx)) return [];
  if (message(SIG_TAINT, ctx.version, '') === undefined) return []; // a release whose signing.c was not read
  const st = signingState(ctx);
  const v = signatureVerdict(ctx.module, st.s.keys, st.s.ecdsa);
  if (v.status === 'verified') return [];
  const sig = ctx.module.signature;
  const evidence: Finding['evidence'] = {
    signature: v.status,
    signer: sig?.signer?.issuer ?? null,
    signerSerial: sig?.signer?.serial ?? null,
    signerKeyId: sig?.signer?.skid ?? null,
    trustedKey: v.key ? keyLabel(v.key) : null,
    verifyErrno: v.errno ? -ERRNOS[v.errno].value : null,
    verifyError: v.errno ?? null,
  };
  // fatal whatever the enforcement: a malformed signature the kernel refuses outright, or a trusted key that does not verify
  if (v.errno === 'EBADMSG' || v.errno === 'EKEYREJECTED') {
    const printed = sig?.problem?.kernelLine;
    const m = printed ? { severity: 'error' as const, message: printed } : message(v.errno === 'EBADMSG' ? INSMOD_BAD_MESSAGE : INSMOD_KEY_REJECTED, ctx.version, ctx.module.path)!;
    return [
      finding(ctx, {
        rule: 'module-signature',
        stage: 'load',
        severity: 'error',
        message: m.message,
        hint:
          v.status === 'bad-signature'
            ? `the module changed after it was signed, or was signed by another key with the same id: ${v.reason}; sign it again (scripts/sign-file) after the last change — the kernel refuses it even without enforcement`
            : `the appended signature is malformed: ${v.reason}; strip it (strip --strip-debug or rebuild) and sign again with scripts/sign-file`,
        evidence: { ...evidence, errno: -ERRNOS[v.errno].value, errnoText: ERRNOS[v.errno].text, kernelPrints: printed !== undefined, stopsLoad: true },
      }),
    ];
  }
  // -ENODATA / -ENOPKG / -ENOKEY: refused under enforcement or lockdown, else loads tainted; when nothing
  // at all was told about signatures, the run's notes say what is assumed instead of a finding per module
  if (!signingTold(st.s) && st.enforceKnown === undefined) return [];
  if (v.status === 'unknown-key' && !st.s.builtinKeys) {
    // the key may be one of the kernel's built-in keys, which were not read: assumed trusted (a note says so)
    return [];
  }
  const reason = REASONS[v.errno!];
  const assumed: string[] = [];
  if (st.enforceKnown === undefined) assumed.push('signatures assumed not enforced (module.sig_enforce unknown: pass --sig-enforce or --no-sig-enforce)');
  if (!st.enforce && st.lockdownKnown === undefined) assumed.push('lockdown assumed off (pass --secure-boot or --lockdown)');
  const what = v.status === 'unsigned' ? 'the module is not signed' : v.status === 'unknown-key' ? `its signer's key is not trusted: ${v.reason}` : `its signature uses crypto the kernel does not support: ${v.reason}`;
  const fixKey =
    v.status === 'unsigned'
      ? 'sign it (scripts/sign-file sha256 key.pem key.x509 module.ko) with a key the kernel trusts (built in, or enrolled with mokutil --import)'
      : 'enroll the signing certificate (mokutil --import cert.der, then reboot and confirm) or sign with a key the kernel trusts';
  const base = { ...evidence, enforcement: st.enforce, enforcementSource: st.enforceKnown ?? 'assumed', lockdown: st.lockdown, lockdownSource: st.lockdownKnown ?? 'assumed', reason };
  const one = (m: { severity: Finding['severity']; message: string }, hint: string, evidence: Record<string, unknown>): Finding[] => [
    finding(ctx, { rule: 'module-signature', stage: 'load', severity: m.severity, message: m.message, hint, evidence: { ...base, ...evidence } }),
  ];
  if (st.enforce) {
    return one(message(SIG_REJECTED, ctx.version, reason)!, `${what}; signatures are enforced (${st.enforceKnown}): ${fixKey}`, {
      errno: -ERRNOS.EKEYREJECTED.value,
      errnoText: ERRNOS.EKEYREJECTED.text,
      stopsLoad: true,
    });
  }
  if (st.lockdown !== 'none') {
    return one(
      message(SIG_LOCKDOWN, ctx.version, 'insmod')!,
      `${what}; the kernel is locked down (${st.lockdown}, ${st.lockdownKnown}; Secure Boot locks Debian's kernel down): ${fixKey}${assumed.length ? `; ${assumed.join('; ')}` : ''} (the line names the loading process: insmod, modprobe)`,
      { errno: -ERRNOS.EPERM.value, errnoText: ERRNOS.EPERM.text, stopsLoad: true },
    );
  }
  return one(
    message(SIG_TAINT, ctx.version, loaderName(ctx.module))!,
    `${what}; it loads and taints the kernel (E; the line is printed for the first such module after boot only)${assumed.length ? `; ${assumed.join('; ')}` : ''}; under Secure Boot or module.sig_enforce=1 it is refused: ${fixKey}`,
    { errno: 0, taint: 'E' },
  );
}

export const moduleSignature: Rule = {
  id: 'module-signature',
  stage: 'load',
  firstLoaderStep: 0.25,
  docs: {
    summary: "The module's appended signature, checked as the loader checks it before anything else.",
    source: 'kernel/module/signing.c: module_sig_check(), mod_verify_sig(); kernel/module_signature.c: mod_check_sig(); crypto/asymmetric_keys/pkcs7_verify.c, pkcs7_trust.c; security/lockdown/lockdown.c',
  },
  check,
};

const rejectedRows = (): VersionRow[] => [
  ...rowsOf('load', SIG_REJECTED, 'unsigned, unsupported crypto or untrusted key; module.sig_enforce=1 or CONFIG_MODULE_SIG_FORCE=y (-EKEYREJECTED)'),
  ...rowsOf('load', SIG_LOCKDOWN, 'same, not enforced, kernel locked down (Secure Boot) (-EPERM)'),
  ...rowsOf('load', SIG_TAINT, 'same, neither enforced nor locked down: loads, taint E, printed once per boot'),
  ...rowsOf('load', INSMOD_KEY_REJECTED, 'signed by a trusted key, does not verify (changed after signing): always (-EKEYREJECTED, the kernel prints nothing)'),
  { stage: 'load', versions: rangeText(READ), condition: 'signed attributes in the CMS: always (-EKEYREJECTED)', severity: 'error', message: 'PKCS7: Invalid module sig (has authattrs)' },
  { stage: 'load', versions: rangeText(READ), condition: 'struct module_signature id_type not PKCS#7 (-ENOPKG; then as unsigned)', severity: 'error', message: 'module: not signed with expected PKCS#7 message' },
  { stage: 'load', versions: rangeText(READ), condition: 'struct module_signature with non-zero params: always (-EBADMSG)', severity: 'error', message: 'module: PKCS#7 signature info has unexpected non-zero params' },
  ...rowsOf('load', INSMOD_BAD_MESSAGE, 'CMS the kernel cannot parse: always (-EBADMSG, nothing printed)'),
];

export const moduleSignatureInfo: RuleInfo = {
  id: 'module-signature',
  stages: ['load'],
  summary: "The module's appended signature does not verify, or is missing where the kernel requires one.",
  description:
    'Before it reads the ELF, the loader checks the signature sign-file appends (PKCS#7 SignedData, detached, ' +
    'no signed attributes, signer named by issuer and serial or by key identifier) against its trusted keys: ' +
    'the built-in certificate list, the secondary keyring and, on Debian, the platform keyring (UEFI db, MOK). ' +
    'A malformed signature, or a trusted key whose signature does not verify over the module bytes (the module ' +
    'changed after signing), is refused always. An unsigned module, or one signed by a key the kernel does not ' +
    'trust, is refused with module.sig_enforce=1 / CONFIG_MODULE_SIG_FORCE, refused under lockdown (Secure Boot), ' +
    'and otherwise loads and taints the kernel. ksymcheck knows the trusted keys it was given (a vmlinux\'s ' +
    'built-in list, --trusted-key files, the running machine\'s MOK list); without the built-in keys a signed ' +
    "module whose key it does not know is assumed to verify, and the report says so. Kernels before 6.1: not read, no finding.",
  source: moduleSignature.docs.source,
  versions: rejectedRows(),
  fix: 'Sign the module after its last change with a key the kernel trusts: scripts/sign-file sha256 signing_key.pem signing_key.x509 module.ko; enroll your own key with mokutil --import (DKMS: /var/lib/dkms/mok.pub).',
  docs: rulesDocSection('module-signature'),
};

export default [moduleSignature];
