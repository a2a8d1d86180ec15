#!/usr/bin/env node
/**
 * Bundle the CLI with esbuild, over tsc's dist/: one file instead of ~40 ES modules (yargs' included)
 * loads faster — see docs/performance.md ("Start-up").
 *   dist/cli/program.cjs      the command line's program, src/cli/main.ts and what it imports, as one
 *                             function expression (a CommonJS bundle wrapped in `(function (require, module,
 *                             exports, errors, importMetaUrl, importModule) { … })`), compiled by the bin
 *                             through vm.Script with V8's code cache (src/cli/code-cache.ts)
 *   dist/cli/signing.cjs      src/signing/cms.ts and the ASN.1 packages it imports, wrapped and compiled the
 *                             same way, for the program's import of ../signing/cms.js
 *   dist/cli/main.cjs         the bin: src/cli/start.ts bundled as CommonJS (reads program.cjs, compiles it
 *                             with the cache, runs it); dist/cli/main.js, an ES module, requires it
 *   dist/report/*.js etc.     tsc's output, which the program imports at run time where it imports dynamically
 * The library (dist/index.js and the rest) stays tsc's output. The compressed-module decoders are
 * loaded at run time from node_modules (native binary / WebAssembly), not bundled.
 */
import { build, transformSync } from 'esbuild';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  external: ['xz-decompress', 'fzstd', '@bokuweb/zstd-wasm'],
  logLevel: 'warning',
  legalComments: 'none',
};
/**
 * yargs' platform shim imports cliui (help-text layout) and string-width at its top level, and they
 * build three Intl.Segmenters and a dozen Unicode-property regular expressions (RGI_Emoji alone ~20 ms)
 * when the bundle loads — ~30 ms of every run, used only to lay out help text. Here those two imports of
 * the shim become stand-ins that require() the real module on first call: esbuild then wraps the real
 * one (and what it imports) in a lazily run initialiser. The shim also imports Node's `assert` for
 * strictEqual and notStrictEqual, which yargs calls on every run to check itself, and Node compiles
 * `assert` (with its error classes) when first required; their stand-ins pass when Object.is() says the
 * assertion holds — the test Node's two functions make — and otherwise call Node's, which throws its
 * AssertionError. And the shim takes the application's directory (`mainFilename`) from where it sits
 * under node_modules: bundled it finds none and takes the working directory, so yargs' default version
 * (every run, before ours replaces it) searched for a package.json from there up to / — reading each
 * directory on the way, and failing that assertion when none was there. yargs/index.mjs gets the shim
 * with `mainFilename` set to the program's package, where the search finds ksymcheck's own package.json
 * at once (~4 ms of a one-module run). No dependency's source is edited; if yargs stops importing them
 * this way, the plugin matches nothing and the bundle is as before.
 */
const SHIM = /[\\/]yargs[\\/]lib[\\/]platform-shims[\\/]esm\.mjs$/;
const lazyHelpText = {
  name: 'lazy-help-text',
  setup(b) {
    b.onResolve({ filter: /^(cliui|string-width)$/ }, async (args) => {
      if (args.pluginData?.real || !SHIM.test(args.importer)) return undefined;
      const real = await b.resolve(args.path, { importer: args.importer, kind: args.kind, resolveDir: args.resolveDir, pluginData: { real: true } });
      if (real.errors.length > 0) return { errors: real.errors };
      return { path: args.path, namespace: 'lazy', pluginData: { real: real.path } };
    });
    b.onResolve({ filter: /^assert$/ }, (args) => (SHIM.test(args.importer) ? { path: 'assert', namespace: 'lazy-assert' } : undefined));
    b.onResolve({ filter: /platform-shims\/esm\.mjs$/ }, async (args) => {
      if (args.pluginData?.real || !/[\\/]yargs[\\/]index\.mjs$/.test(args.importer)) return undefined;
      const real = await b.resolve(args.path, { importer: args.importer, kind: args.kind, resolveDir: args.resolveDir, pluginData: { real: true } });
      if (real.errors.length > 0) return { errors: real.errors };
      return { path: args.path, namespace: 'yargs-shim', pluginData: { real: real.path } };
    });
    b.onLoad({ filter: /.*/, namespace: 'yargs-shim' }, (args) => ({
      contents:
        `import shim from ${JSON.stringify(args.pluginData.real)};\n` +
        "import { fileURLToPath } from 'node:url';\n" +
        // the package of dist/cli/program.cjs
        "export default { ...shim, mainFilename: fileURLToPath(new URL('../../', import.meta.url)) };\n",
      loader: 'js',
      resolveDir: root,
    }));
    b.onLoad({ filter: /.*/, namespace: 'lazy' }, (args) => ({
      contents: `export default function lazy(...a) { return require(${JSON.stringify(args.pluginData.real)}).default(...a); }\n`,
      loader: 'js',
      resolveDir: root,
    }));
    b.onLoad({ filter: /.*/, namespace: 'lazy-assert' }, () => ({
      contents:
        'export function strictEqual(actual, expected, ...rest) { if (!Object.is(actual, expected)) require(\'assert\').strictEqual(actual, expected, ...rest); }\n' +
        'export function notStrictEqual(actual, expected, ...rest) { if (Object.is(actual, expected)) require(\'assert\').notStrictEqual(actual, expected, ...rest); }\n',
      loader: 'js',
    }));
  },
};
/**
 * What the CLI imports dynamically (the report formatters but text, `merge`) stays out of the bundle: the
 * import is left to run time and loads tsc's output of that file (dist/report/*.js) when its format or
 * command is used, so a text or JSON run loads and compiles none of it. (esbuild's code splitting was
 * tried: the code shared with the formatters became chunks that main.js imports statically, one ES
 * module each, and a one-module run got slower.) In the program such an `import("../report/x.js")`
 * becomes a call of the bin's `importModule` (a dynamic import in a vm.Script compiled from a code cache
 * has no host to load it in Node 20). src/errors.ts is the bin's copy, passed in, from every importer; the
 * modules loaded at run time have dist/errors.js, whose classes recognise the bin's instances and the
 * other way round (src/errors.ts, brand()): the CLI tells input errors from internal ones with
 * `instanceof InputError`.
 */
const dynamicPaths = new Set();
const lazyImports = () => ({
  name: 'lazy-imports',
  setup(b) {
    b.onResolve({ filter: /^\.\.?\// }, (args) => {
      if (!args.importer.startsWith(join(root, 'src') + sep)) return undefined;
      const target = join(args.resolveDir, args.path); // …/src/report/sarif.js
      if (target === join(root, 'src', 'errors.js')) return { path: 'errors', namespace: 'injected' };
      if (args.kind !== 'dynamic-import') return undefined;
      const fromDist = relative(join(root, 'dist', 'cli'), join(root, 'dist', relative(join(root, 'src'), target)));
      const path = fromDist.split(sep).join('/').replace(/^(?!\.)/, './');
      dynamicPaths.add(path);
      return { path, external: true };
    });
    b.onLoad({ filter: /^errors$/, namespace: 'injected' }, () => ({ contents: 'module.exports = __ksymcheckErrors;', loader: 'js' }));
  },
});
// require: the bin's, for node: built-ins, the external decoders, yargs' CommonJS helpers, package.json
const PARAMS = 'require, module, exports, __ksymcheckErrors, __ksymcheckImportMetaUrl, __ksymcheckImport';
rmSync(join(root, 'dist/cli/chunks'), { recursive: true, force: true }); // an earlier build's chunks
const program = await build({
  ...common,
  format: 'cjs',
  write: false,
  plugins: [lazyHelpText, lazyImports()],
  define: { 'import.meta.url': '__ksymcheckImportMetaUrl' },
  entryPoints: [join(root, 'src/cli/main.ts')],
  outfile: join(root, 'dist/cli/program.cjs'),
});
/** Write a bundle as a function expression of PARAMS, pure ASCII, its dynamic imports through the bin's. */
function writeWrapped(out, built) {
  const name = relative(root, out);
  let text = built.outputFiles[0].text.replace(/^#!.*\n/, '');
  for (const p of dynamicPaths) text = text.split(`import(${JSON.stringify(p)})`).join(`__ksymcheckImport(${JSON.stringify(p)})`);
  // none may be left (esbuild prints a call as `import(`: prose such as "mokutil --import (…" does not match)
  for (const [what, re] of [['import(', /(?<![\w$.])import\(/], ['import.meta', /(?<![\w$.])import\.meta\b/]]) {
    const m = re.exec(text);
    if (m) throw new Error(`bundle-cli: ${name} still holds ${what} at ${m.index}: ${JSON.stringify(text.slice(m.index - 80, m.index + 80))}`);
  }
  // Pure ASCII, which the bin reads as latin1: a one-byte string made without UTF-8 decoding (one non-ASCII
  // character made the whole 676 kB text a two-byte string, decoded from UTF-8 at every start). esbuild
  // escapes non-ASCII characters in literals and names (charset 'ascii', its default), so those left are in
  // comments; they are written as \u{…} there, and the text minified before and after must be the same.
  const ascii = text.replace(/[^\x00-\x7f]/gu, (c) => `\\u{${c.codePointAt(0).toString(16)}}`);
  if (ascii !== text) {
    const min = (t) => transformSync(`(function (${PARAMS}) {\n${t}})`, { minify: true, charset: 'ascii', logLevel: 'silent' }).code;
    if (min(ascii) !== min(text)) throw new Error(`bundle-cli: ${name} has non-ASCII characters outside comments`);
    text = ascii;
  }
  writeFileSync(out, `(function (${PARAMS}) {\n"use strict";\n${text}})\n`);
}
writeWrapped(join(root, 'dist/cli/program.cjs'), program);
/**
 * dist/cli/signing.cjs: src/signing/cms.ts with @peculiar's ASN.1 packages, which the program imports when a
 * run has signed modules (every module of Debian's trees). Loaded as tsc's output it started Node's ES
 * module loader and read ~130 CommonJS files of node_modules, ~130 ms in a fresh process; as one bundle
 * compiled through the code cache like the program, the bin loads it in one read (src/cli/start.ts).
 */
const signing = await build({
  ...common,
  format: 'cjs',
  write: false,
  plugins: [lazyImports()],
  define: { 'import.meta.url': '__ksymcheckImportMetaUrl' },
  entryPoints: [join(root, 'src/signing/cms.ts')],
  outfile: join(root, 'dist/cli/signing.cjs'),
});
writeWrapped(join(root, 'dist/cli/signing.cjs'), signing);
// The bin, CommonJS: Node starts a CommonJS entry without its ES module loader (docs/performance.md,
// "Built: a CommonJS bin"). It carries its own copy of src/errors.ts, which the program gets; the modules
// imported at run time load dist/errors.js, and the two copies' classes recognise each other's instances
// (src/errors.ts, brand()).
await build({
  ...common,
  format: 'cjs',
  define: { 'import.meta.url': '__ksymcheckBinUrl' },
  banner: { js: '"use strict";\nconst __ksymcheckBinUrl = require("node:url").pathToFileURL(__filename).href;' },
  entryPoints: [join(root, 'src/cli/start.ts')],
  outfile: join(root, 'dist/cli/main.cjs'),
});
// `node dist/cli/main.js` as before (tsc's output of src/cli/main.ts, the program unbundled, replaced)
writeFileSync(join(root, 'dist/cli/main.js'), `#!/usr/bin/env node\n// The command through its ES module loader: dist/cli/main.cjs is the bin.\nimport { createRequire } from 'node:module';\ncreateRequire(import.meta.url)('./main.cjs');\n`);
for (const f of ['main.js.map', 'main.d.ts', 'main.d.ts.map']) rmSync(join(root, 'dist/cli', f), { force: true }); // tsc's, of the unbundled file
