/**
 * A tree's facts objects share one hidden class in fast mode (module/facts.ts): an object literal with
 * accessor properties is made in dictionary mode by V8, which cost a ~1.6 KB property dictionary per module
 * and a dictionary look-up for every rule's read of a field. Checked with V8's own predicates, in a child
 * process (they need --allow-natives-syntax), on the built readers.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT, sample } from '../helpers/fixtures.js';

test('reader-made ModuleFacts are in fast mode and share one map, eager or lazy, signed or not', () => {
  const read = pathToFileURL(join(ROOT, 'dist', 'module', 'read.js')).href;
  const files = [sample('seed', 'openafs', 'libafs.ko'), sample('seed', 'openafs-gpl', 'libafs.ko'), sample('v6', 'modules', 'ns-missing', 'ns-missing.ko'), sample('v6', 'modules', 'ext-both', 'ext-both.ko')];
  const script = `
    const { readModuleSync } = await import(${JSON.stringify(read)});
    const files = ${JSON.stringify(files)};
    const facts = [...files.map((f) => readModuleSync(f, { references: 'lazy' })), ...files.map((f) => readModuleSync(f))];
    facts[0].signature = { signedLength: 1 };
    facts[1].compression = 'xz';
    console.log(JSON.stringify({ fast: facts.map((f) => %HasFastProperties(f)), sameMap: facts.map((f) => %HaveSameMap(f, facts[2])), keys: Object.keys(facts[0]) }));
  `;
  const r = spawnSync(process.execPath, ['--allow-natives-syntax', '--input-type=module', '-e', script], { encoding: 'utf8' });
  expect(r.stderr).toBe('');
  const out = JSON.parse(r.stdout);
  expect(out.fast).toEqual(Array(8).fill(true));
  expect(out.sameMap).toEqual(Array(8).fill(true));
  expect(out.keys).toEqual(['path', 'name', 'kind', 'machine', 'elfClass', 'elfHeader', 'modinfo', 'licenses', 'importNs', 'depends', 'vermagic', 'intree', 'versions', 'versionsFormat', 'basicVersions', 'loaderSections', 'compression', 'xzCheck', 'zstdContentSize', 'signature', 'imports', 'exports']);
});
