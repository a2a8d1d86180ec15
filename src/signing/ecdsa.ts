/**
 * ECDSA over a digest (the module's, computed while it was read): @noble/curves with `prehash: false` —
 * node:crypto verifies ECDSA only over data it hashes itself. Loaded by options.ts only when some
 * trusted key is an EC key; the rule gets it through SigningOptions.ecdsa.
 */
import { p256, p384, p521 } from '@noble/curves/nist.js';
import type { EcdsaVerify } from './keys.js';

const CURVES = { 'P-256': p256, 'P-384': p384, 'P-521': p521 } as const;

export const verifyEcdsa: EcdsaVerify = (curve, sig, digest, publicKey) => {
  const c = CURVES[curve as keyof typeof CURVES];
  if (!c) throw new Error(`EC key on an unsupported curve (${curve})`);
  // X9.62 DER (r, s), as the kernel takes it (encoding "x962"); OpenSSL makes high-S signatures too
  return c.verify(sig, digest, publicKey, { prehash: false, lowS: false, format: 'der' });
};
