#!/usr/bin/env node
/**
 * Frames on top of a check, measured in-process (scripts/bench.mjs runs it): `check()` of the given
 * modules with frames off, then on, alternately, --runs times each; prints JSON with the medians, the
 * references of the findings and how many got frames.
 *   node scripts/bench-frames.mjs --kernel <headers> --runs N <module>...
 */
import { check } from '../dist/index.js';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(name);
  if (i < 0) return dflt;
  const v = args[i + 1];
  args.splice(i, 2);
  return v;
};
const kernel = opt('--kernel');
const runs = Number(opt('--runs', '7'));
const modules = args;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const off = [];
const on = [];
let refs = 0;
let framed = 0;
for (let i = 0; i < runs; i++) {
  for (const frames of [false, true]) {
    const t0 = performance.now();
    const r = await check({ kernel, modules, stage: 'build', frames });
    const ms = performance.now() - t0;
    (frames ? on : off).push(ms);
    if (frames) {
      const all = new Set(r.modules.flatMap((m) => m.findings.flatMap((f) => f.references)));
      refs = all.size;
      framed = [...all].filter((x) => x.frames).length;
    }
  }
}
process.stdout.write(JSON.stringify({ modules: modules.length, references: refs, withFrames: framed, runs, checkMs: median(off), withFramesMs: median(on), framesMs: median(on) - median(off) }) + '\n');
