#!/usr/bin/env node
/**
 * The `ksymcheck` command (dist/cli/main.cjs, CommonJS): runs the command line's program,
 * dist/cli/program.cjs (the esbuild bundle of src/cli/main.ts, scripts/bundle-cli.mjs), through V8's code
 * cache (./code-cache.ts).
 */
import { createRequire } from 'node:module';
import * as errors from '../errors.js';
import { loadBundle, runProgram } from './code-cache.js';

// built-ins through require(), as in code-cache.ts (no ESM facades)
const require = createRequire(import.meta.url);
const { readFileSync } = require('node:fs') as typeof import('node:fs');
const { fileURLToPath } = require('node:url') as typeof import('node:url');

const url = new URL('./program.cjs', import.meta.url);
const file = fileURLToPath(url);

/** What the program imports that scripts/bundle-cli.mjs bundled beside it: specifier → the bundle. */
const BUNDLED: Readonly<Record<string, string>> = { '../signing/cms.js': './signing.cjs' };

/** The bundles loaded, by specifier: loaded once, as import() evaluates a module once. */
const loaded = new Map<string, Promise<unknown>>();

function importModule(specifier: string): Promise<unknown> {
  const bundle = BUNDLED[specifier];
  if (bundle === undefined) return import(new URL(specifier, url).href);
  let got = loaded.get(specifier);
  if (got === undefined) {
    const at = new URL(bundle, url);
    const path = fileURLToPath(at);
    got = new Promise((resolve) => resolve(loadBundle(readFileSync(path), path, { errors, url: at.href, require: createRequire(at), importModule })));
    loaded.set(specifier, got);
  }
  return got;
}

// its bytes: the code cache's name is a CRC-32 of them; its text is their latin1 decoding, a one-byte
// string made without decoding (the program is pure ASCII, scripts/bundle-cli.mjs)
runProgram(readFileSync(file), file, { errors, url: url.href, require: createRequire(url), importModule });
