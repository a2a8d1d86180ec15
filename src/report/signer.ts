/**
 * A signed module's signature in one line, the same words in every format: who signed it (the trusted
 * key's subject and id, else what the signature names), how, and what the loader's check concludes.
 */
import type { ModuleReport } from './schema.js';

const STATUS: Readonly<Record<NonNullable<ModuleReport['signature']>['status'], string>> = {
  verified: 'verified',
  'bad-signature': 'does not verify (changed after signing?)',
  'unknown-key': 'key not among the trusted keys known',
  malformed: 'malformed',
};

export function signerLine(m: ModuleReport): string | undefined {
  const s = m.signature;
  if (!s) return undefined;
  const how = [s.digest, s.keyAlgorithm].filter((x) => x !== null).join('/');
  const key = s.trustedKey ? `, trusted ${s.trustedKey.source} key` : '';
  return `signed by ${s.signer ?? 'an unnamed signer'} (key ${s.keyId ?? 'unknown'}${how ? `, ${how}` : ''}${key}): ${STATUS[s.status]}`;
}
