#!/usr/bin/env node
/**
 * The `ksymcheck` command (dist/cli/main.js): runs the command line's program, dist/cli/program.cjs (the
 * esbuild bundle of src/cli/main.ts, scripts/bundle-cli.mjs), through V8's code cache (./code-cache.ts).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import * as errors from '../errors.js';
import { runProgram } from './code-cache.js';

const url = new URL('./program.cjs', import.meta.url);
const file = fileURLToPath(url);
runProgram(readFileSync(file, 'utf8'), file, {
  errors,
  url: url.href,
  require: createRequire(url),
  importModule: (specifier) => import(new URL(specifier, url).href),
});
