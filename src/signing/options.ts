/**
 * What the loader's signature check depends on besides the module, gathered from files (rule
 * module-signature reads the result, SigningOptions): the trusted keys and the enforcement.
 *
 * Keys: `--trusted-key` files (certificates in PEM or DER, EFI signature lists, a vmlinux or bzImage whose
 * built-in list is read); the `--kernel` itself when it is a vmlinux; for the running kernel (no
 * `--kernel`), /boot/vmlinuz-$(uname -r)'s built-in list and the enrolled MOK keys the shim exposes
 * (/sys/firmware/efi/mok-variables/MokListRT, then MokListRT1, MokListRT2… when the list is split).
 * Enforcement: `--sig-enforce`/`--no-sig-enforce`, `--lockdown`, `--secure-boot` (lockdown integrity:
 * Debian's CONFIG_LOCK_DOWN_IN_EFI_SECURE_BOOT); for the running kernel
 * /sys/module/module/parameters/sig_enforce (Y/N) and /sys/kernel/security/lockdown (`[none] integrity
 * confidentiality`, the bracketed one in force). CONFIG_MODULE_SIG_FORCE=y is read by the rule from the
 * build's configuration. What is not known stays undefined, and the rule says what it assumed.
 *
 * The certificate readers (keys.ts, builtin-keys.ts: @peculiar/asn1-x509) and the ECDSA verifier
 * (ecdsa.ts: @noble/curves) are loaded only when there is a key to read: a run without keys loads neither.
 */
import { existsSync, readFileSync } from 'node:fs';
import { readInput } from '../files.js';
import { join } from 'node:path';
import { InputError } from '../errors.js';
import type { SigningOptions, TrustedKey } from './keys.js';

export interface SigningRequest {
  /** `--trusted-key`: certificate files, EFI signature lists, or a vmlinux/vmlinuz (its built-in keys). */
  trustedKeys?: string[];
  /** `--sig-enforce` (true) / `--no-sig-enforce` (false): module.sig_enforce. */
  sigEnforce?: boolean;
  /** `--lockdown`. */
  lockdown?: 'none' | 'integrity' | 'confidentiality';
  /** `--secure-boot`: booted with UEFI Secure Boot — lockdown integrity (unless --lockdown says otherwise). */
  secureBoot?: boolean;
}

export interface RunningKernel {
  release: string;
  /** Where /sys and /boot are (tests give a directory; default /). */
  root?: string;
}

const isElf = (b: Buffer) => b.length >= 4 && b[0] === 0x7f && b[1] === 0x45 && b[2] === 0x4c && b[3] === 0x46;

/** The readers of certificates, loaded on first use. */
const readers = async () => ({ ...(await import('./keys.js')), ...(await import('./builtin-keys.js')) });

/** The keys of one `--trusted-key` file. */
export async function keysOfFile(path: string): Promise<{ keys: TrustedKey[]; builtin: boolean }> {
  const { builtinKeysOfImage, isBzImage, keysFromFile } = await readers();
  let bytes: Buffer;
  try {
    bytes = readInput(path);
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError(path, (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : `cannot read: ${(e as Error).message}`);
  }
  if (isElf(bytes) || isBzImage(bytes)) return { keys: builtinKeysOfImage(path), builtin: true };
  return { keys: keysFromFile(bytes, path), builtin: false };
}

/** The enrolled MOK keys of a running machine, and which files they came from (none: not exposed). */
export async function mokKeys(root = '/'): Promise<{ keys: TrustedKey[]; files: string[] }> {
  const dir = join(root, 'sys/firmware/efi/mok-variables');
  const files: string[] = [];
  const keys: TrustedKey[] = [];
  for (let i = 0; ; i++) {
    const f = join(dir, i === 0 ? 'MokListRT' : `MokListRT${i}`);
    if (!existsSync(f)) break;
    files.push(f);
    keys.push(...(await readers()).efiSignatureLists(readFileSync(f), 'mok', f).keys);
  }
  return { keys, files };
}

/** `[none] integrity confidentiality` → the bracketed level. */
export function parseLockdown(text: string, origin: string): 'none' | 'integrity' | 'confidentiality' {
  const m = /\[(none|integrity|confidentiality)\]/.exec(text);
  if (!m) throw new InputError(origin, `no [level] in '${text.trim()}'`);
  return m[1] as 'none' | 'integrity' | 'confidentiality';
}

/** Everything the signature check needs, and the notes that say what was read or assumed. */
export async function loadSigning(req: SigningRequest, kernelPath: string | undefined, running: RunningKernel | undefined): Promise<{ signing: SigningOptions; notes: string[] }> {
  const keys: TrustedKey[] = [];
  const notes: string[] = [];
  let builtinKeys = false;
  for (const f of req.trustedKeys ?? []) {
    const r = await keysOfFile(f);
    keys.push(...r.keys);
    builtinKeys ||= r.builtin;
  }
  // a vmlinux given as the kernel carries its own built-in list
  if (kernelPath !== undefined && !builtinKeys) {
    let head: Buffer | undefined;
    try {
      head = readInput(kernelPath).subarray(0, 4);
    } catch {
      head = undefined; // a directory, a package read elsewhere, or a FIFO (refused by the kernel's reader)
    }
    if (head && isElf(head)) {
      try {
        keys.push(...(await readers()).builtinKeysOfImage(kernelPath));
        builtinKeys = true;
      } catch (e) {
        if (!(e instanceof InputError)) throw e;
        notes.push(`the kernel's built-in keys could not be read from ${kernelPath}: ${e.reason}`);
      }
    }
  }
  const signing: SigningOptions = { keys, builtinKeys };
  if (req.sigEnforce !== undefined) {
    signing.enforce = req.sigEnforce;
    signing.enforceSource = req.sigEnforce ? '--sig-enforce' : '--no-sig-enforce';
  }
  if (req.lockdown !== undefined) {
    signing.lockdown = req.lockdown;
    signing.lockdownSource = '--lockdown';
  } else if (req.secureBoot) {
    signing.lockdown = 'integrity';
    signing.lockdownSource = '--secure-boot';
  }
  if (running) {
    const root = running.root ?? '/';
    if (!builtinKeys) {
      const image = join(root, 'boot', `vmlinuz-${running.release}`);
      if (existsSync(image)) {
        try {
          keys.push(...(await readers()).builtinKeysOfImage(image));
          builtinKeys = signing.builtinKeys = true;
        } catch (e) {
          if (!(e instanceof InputError)) throw e;
          notes.push(`the running kernel's built-in keys could not be read from ${image}: ${e.reason}`);
        }
      }
    }
    const mok = await mokKeys(root);
    keys.push(...mok.keys);
    if (mok.files.length) notes.push(`enrolled MOK keys read from ${mok.files.join(', ')}: ${mok.keys.length}`);
    const enforceFile = join(root, 'sys/module/module/parameters/sig_enforce');
    if (signing.enforce === undefined && existsSync(enforceFile)) {
      signing.enforce = readFileSync(enforceFile, 'latin1').trim() === 'Y';
      signing.enforceSource = enforceFile;
    }
    const lockdownFile = join(root, 'sys/kernel/security/lockdown');
    if (signing.lockdown === undefined && existsSync(lockdownFile)) {
      try {
        signing.lockdown = parseLockdown(readFileSync(lockdownFile, 'latin1'), lockdownFile);
        signing.lockdownSource = lockdownFile;
      } catch (e) {
        if (!(e instanceof InputError)) throw e;
        notes.push(`${lockdownFile}: ${e.reason}`);
      }
    }
  }
  if (keys.some((k) => k.algorithm === 'ecdsa')) signing.ecdsa = (await import('./ecdsa.js')).verifyEcdsa;
  return { signing, notes };
}
