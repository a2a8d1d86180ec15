#!/usr/bin/env node
/**
 * Bundle the CLI with esbuild, over tsc's dist/cli/main.js: one file
 * instead of ~40 ES modules (yargs' included) loads faster — see docs/performance.md ("Start-up").
 *   dist/cli/main.js          the command line (bin)
 * The library (dist/index.js and the rest) stays tsc's output. The compressed-module decoders are
 * loaded at run time from node_modules (native binary / WebAssembly), not bundled.
 */
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const common = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['@napi-rs/lzma', '@bokuweb/zstd-wasm'],
  logLevel: 'warning',
  legalComments: 'none',
  // yargs' CommonJS helpers call require(): give the ES module bundle one
  banner: { js: "import { createRequire as __ksymcheckRequire } from 'node:module'; const require = __ksymcheckRequire(import.meta.url);" },
};
await build({ ...common, entryPoints: [join(root, 'src/cli/main.ts')], outfile: join(root, 'dist/cli/main.js') });
rmSync(join(root, 'dist/cli/main.js.map'), { force: true }); // tsc's map of the unbundled file
