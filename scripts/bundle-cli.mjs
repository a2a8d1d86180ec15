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
  external: ['xz-decompress', 'fzstd', '@bokuweb/zstd-wasm'],
  logLevel: 'warning',
  legalComments: 'none',
  // yargs' CommonJS helpers call require(): give the ES module bundle one
  banner: { js: "import { createRequire as __ksymcheckRequire } from 'node:module'; const require = __ksymcheckRequire(import.meta.url);" },
};
/**
 * yargs' platform shim imports cliui (help-text layout) and string-width at its top level, and they
 * build three Intl.Segmenters and a dozen Unicode-property regular expressions (RGI_Emoji alone ~20 ms)
 * when the bundle loads — ~30 ms of every run, used only to lay out help text. Here those two imports of
 * the shim become stand-ins that require() the real module on first call: esbuild then wraps the real
 * one (and what it imports) in a lazily run initialiser. No dependency's source is edited; if yargs stops
 * importing them this way, the plugin matches nothing and the bundle is as before.
 */
const lazyHelpText = {
  name: 'lazy-help-text',
  setup(b) {
    b.onResolve({ filter: /^(cliui|string-width)$/ }, async (args) => {
      if (args.pluginData?.real || !/[\\/]yargs[\\/]lib[\\/]platform-shims[\\/]esm\.mjs$/.test(args.importer)) return undefined;
      const real = await b.resolve(args.path, { importer: args.importer, kind: args.kind, resolveDir: args.resolveDir, pluginData: { real: true } });
      if (real.errors.length > 0) return { errors: real.errors };
      return { path: args.path, namespace: 'lazy', pluginData: { real: real.path } };
    });
    b.onLoad({ filter: /.*/, namespace: 'lazy' }, (args) => ({
      contents: `export default function lazy(...a) { return require(${JSON.stringify(args.pluginData.real)}).default(...a); }\n`,
      loader: 'js',
      resolveDir: root,
    }));
  },
};
await build({ ...common, plugins: [lazyHelpText], entryPoints: [join(root, 'src/cli/main.ts')], outfile: join(root, 'dist/cli/main.js') });
rmSync(join(root, 'dist/cli/main.js.map'), { force: true }); // tsc's map of the unbundled file
