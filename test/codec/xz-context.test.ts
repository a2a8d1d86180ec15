/**
 * xz-decompress's `create_context()` does not check malloc(): once the WebAssembly module's memory (at most
 * 4 GiB) is exhausted — decoders never destroyed — it returned 0, and decoding through that context spun
 * for ever inside the WebAssembly (a 100,000-case fuzz run of package-xz-blocks hung at ~10,000 cases:
 * its decoders of failed reads were never closed). `newContext()` in src/codec/xz-embedded.ts refuses a
 * context of 0 as the decoder's allocation error. Run in a child process on the built dist/ (`npm test`
 * builds it first): the exhausted memory is that process's, not the jest worker's.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BUILD, ROOT } from '../helpers/fixtures.js';

test('decoders never destroyed: the next one is refused with an error, and a decode says the decoder ran out of memory — no hang', () => {
  const dist = pathToFileURL(join(ROOT, 'dist', 'codec', 'decompress.js')).href;
  const distXz = pathToFileURL(join(ROOT, 'dist', 'codec', 'xz-embedded.js')).href;
  const xzFile = join(BUILD, 'compressed', 'xz-crc32', 'libafs.ko.xz');
  const script = `
    import { readFileSync } from 'node:fs';
    import { decompressSync } from ${JSON.stringify(dist)};
    import { XzStreamDecoder } from ${JSON.stringify(distXz)};
    const out = {};
    let n = 0;
    try { for (;;) { new XzStreamDecoder(() => {}); n++; } } catch (e) { out.refused = e.message; }
    out.many = n > 1000;
    try { decompressSync(readFileSync(${JSON.stringify(xzFile)}), 'libafs.ko.xz'); out.decoded = true; } catch (e) { out.error = e.constructor.name + ': ' + e.message; }
    console.log(JSON.stringify(out));
  `;
  // a hang is what this guards against: the child is killed after 60 s and the test fails on it
  const got = JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 60_000 }));
  expect(got).toEqual({ refused: 'out of memory', many: true, error: 'InputError: libafs.ko.xz: xz: the decoder ran out of memory' });
});
