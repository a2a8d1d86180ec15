#!/usr/bin/env node
/**
 * Bundle the CLI with esbuild, over tsc's dist/cli/main.js: one file
 * instead of ~40 ES modules (yargs' included) loads faster — see docs/performance.md ("Start-up").
 *   dist/cli/main.js          the command line (bin)
 *   dist/report/*.js etc.     tsc's output, which the CLI imports at run time where it imports dynamically
 * The library (dist/index.js and the rest) stays tsc's output. The compressed-module decoders are
 * loaded at run time from node_modules (native binary / WebAssembly), not bundled.
 */
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
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
/**
 * What the CLI imports dynamically (the report formatters but text, `merge`) stays out of the bundle: the
 * import is left to run time and loads tsc's output of that file (dist/report/*.js) when its format or
 * command is used, so a text or JSON run loads and compiles none of it. (esbuild's code splitting was
 * tried: the code shared with the formatters became chunks that main.js imports statically, one ES
 * module each, and a one-module run got slower.)
 */
const lazyImports = {
  name: 'lazy-imports',
  setup(b) {
    b.onResolve({ filter: /^\.\.?\// }, (args) => {
      if (!args.importer.startsWith(join(root, 'src') + sep)) return undefined;
      const target = join(args.resolveDir, args.path); // …/src/report/sarif.js
      // src/errors.ts too, from every importer: the CLI tells input errors from internal ones with
      // `instanceof InputError`, so the bundle and the modules it loads at run time share one class
      if (args.kind !== 'dynamic-import' && target !== join(root, 'src', 'errors.js')) return undefined;
      const fromDist = relative(join(root, 'dist', 'cli'), join(root, 'dist', relative(join(root, 'src'), target)));
      return { path: fromDist.split(sep).join('/').replace(/^(?!\.)/, './'), external: true };
    });
  },
};
rmSync(join(root, 'dist/cli/chunks'), { recursive: true, force: true }); // an earlier build's chunks
await build({ ...common, plugins: [lazyHelpText, lazyImports], entryPoints: [join(root, 'src/cli/main.ts')], outfile: join(root, 'dist/cli/main.js') });
rmSync(join(root, 'dist/cli/main.js.map'), { force: true }); // tsc's map of the unbundled file
