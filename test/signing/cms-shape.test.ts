/**
 * parseSignatures() decodes one CMS of a run's signatures and takes the next one that is byte for byte the
 * same up to its signature value without decoding it again (a tree signed with one key). Checked here on
 * real signatures (openssl cms, as sign-file writes them): each module's decoded fields equal what
 * decoding it alone gives, whatever came before it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { parseSignature, parseSignatures } from '../../src/signing/cms.js';
import { readSignature, type ModuleSignature } from '../../src/signing/signature.js';
import { sample } from '../helpers/fixtures.js';
import { makeKey, signBytes, type TestKey } from '../helpers/sign.js';

let dir: string;
let rsa: TestKey;
let other: TestKey;
let ec: TestKey;
let module: Buffer;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'ksymcheck-cms-'));
  rsa = makeKey(dir, 'rsa-test', 'rsa');
  other = makeKey(dir, 'other-test', 'rsa');
  ec = makeKey(dir, 'ec-test', 'ec-p256');
  module = readFileSync(sample('seed', 'openafs', 'libafs.ko'));
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The signature of `module` with its byte `at` changed to `v` (another content: another signature value). */
function signatureOf(k: TestKey, hash: string, at: number, v: number, o: { keyid?: boolean; attrs?: boolean } = {}): ModuleSignature {
  const m = Buffer.from(module);
  m[at] = v;
  const bytes = signBytes(m, k, hash, o);
  return readSignature(bytes.length, (off, len) => bytes.subarray(off, off + len))!;
}

test('a run of signatures: each decoded as it is decoded alone, shared shape or not', () => {
  const make = () => [
    signatureOf(rsa, 'sha256', 100, 1),
    signatureOf(rsa, 'sha256', 100, 2), // same key, same digest: only the signature value differs
    signatureOf(rsa, 'sha256', 100, 3),
    signatureOf(rsa, 'sha512', 100, 1), // another digest OID: another prefix
    signatureOf(other, 'sha256', 100, 1), // another signer
    signatureOf(rsa, 'sha256', 100, 4, { keyid: true }),
    signatureOf(rsa, 'sha256', 100, 5, { attrs: true }), // signed attributes: a problem, never a shape
    signatureOf(rsa, 'sha256', 100, 6),
    signatureOf(ec, 'sha256', 100, 1), // ECDSA: the value's length varies
    signatureOf(ec, 'sha256', 100, 2),
  ];
  const together = make();
  // the same CMSes each decoded alone (a copy: parseSignature takes the bytes off the object)
  const alone = together.map((s) => ({ ...s, cms: Buffer.from(s.cms!), digests: { ...s.digests } }));
  parseSignatures(together.map((signature) => ({ signature })));
  for (const s of alone) parseSignature(s);
  expect(together).toEqual(alone);
  expect(new Set(together.map((s) => s.signature)).size).toBe(together.length);
  expect(together[6].problem?.kernelLine).toBe('PKCS7: Invalid module sig (has authattrs)');
  expect(together.filter((s) => s.problem !== undefined)).toHaveLength(1);
});

test('the same prefix with a signature of another length is decoded, not taken for the shape', () => {
  const a = signatureOf(rsa, 'sha256', 100, 1);
  const b = signatureOf(rsa, 'sha256', 100, 2);
  // b cut short by one byte of its value: its outer DER length no longer fits; decoded, and refused
  const cut = { ...b, cms: b.cms!.subarray(0, b.cms!.length - 1), cmsLength: b.cmsLength - 1 };
  const alone = { ...cut, cms: Buffer.from(cut.cms), digests: { ...cut.digests } };
  parseSignatures([{ signature: a }, { signature: cut }]);
  parseSignature(alone);
  expect(cut).toEqual(alone);
  expect(cut.problem?.errno).toBe('EBADMSG');
});

test('a signature of the same shape is taken without decoding (the shape returned is the one given)', () => {
  const [a, b, c] = [signatureOf(rsa, 'sha256', 100, 1), signatureOf(rsa, 'sha256', 100, 2), signatureOf(other, 'sha256', 100, 2)];
  const shape = parseSignature(a);
  expect(shape).toBeDefined();
  const bAlone = { ...b, cms: Buffer.from(b.cms!), digests: { ...b.digests } };
  expect(parseSignature(b, shape)).toBe(shape);
  parseSignature(bAlone);
  expect(b).toEqual(bAlone);
  // another signer: decoded, a shape of its own
  const next = parseSignature(c, shape);
  expect(next).toBeDefined();
  expect(next).not.toBe(shape);
  expect(c.signer).not.toEqual(b.signer);
});
