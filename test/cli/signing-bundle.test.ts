/**
 * The command line decodes module signatures with dist/cli/signing.cjs (scripts/bundle-cli.mjs: src/signing/
 * cms.ts and @peculiar's ASN.1 packages as one bundle, loaded by the bin through the code cache), not with
 * tsc's dist/signing/cms.js and ~130 files of node_modules. The same signature fields as the library's check,
 * first run and with the code cache; the files the run required, read from `require.cache` at exit.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { check } from '../../src/check.js';
import { CLI, sample } from '../helpers/fixtures.js';
import { makeKey, signFile } from '../helpers/sign.js';

const dir = mkdtempSync(join(tmpdir(), 'ksymcheck-signing-bundle-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const probe = join(dir, 'probe.cjs');
writeFileSync(probe, `process.on('exit', () => process.stderr.write('REQUIRED ' + JSON.stringify(Object.keys(require.cache)) + '\\n'));\n`);
const KERNEL = sample('seed', 'kernels', '4.18', 'Module.symvers');

test('a signed module: signature fields as the library gives them, no @peculiar file or dist/signing/cms.js required', async () => {
  const key = makeKey(dir, 'bundle test key', 'rsa');
  const ko = signFile(sample('seed', 'openafs', 'libafs.ko'), join(dir, 'signed.ko'), key, 'sha256');
  const library = await check({ kernel: KERNEL, modules: [ko], frames: false });
  const expected = library.modules[0].signature;
  expect(expected).toMatchObject({ signer: 'O=ksymcheck tests, CN=bundle test key', digest: 'sha256', keyAlgorithm: 'rsa' });
  for (let run = 0; run < 2; run++) {
    const r = spawnSync(process.execPath, ['-r', probe, CLI, 'check', '--format', 'json', '-k', KERNEL, ko], { encoding: 'utf8', env: { ...process.env, XDG_CACHE_HOME: dir } });
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout).modules[0].signature).toEqual(expected);
    const required = JSON.parse(r.stderr.split('\n').find((l) => l.startsWith('REQUIRED '))!.slice(9)) as string[];
    expect(required.filter((f) => f.includes('@peculiar') || f.includes('asn1js') || f.endsWith(join('signing', 'cms.js')))).toEqual([]);
  }
});
