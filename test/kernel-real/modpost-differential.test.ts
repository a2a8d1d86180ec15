/**
 * Differential test against the REAL modpost of Debian's 6.1, 6.12 and 7.x kernels.
 *
 * For every sample (samples/modules/<case>) × header tree (the oldest and newest 6.1 ABI apt offers; the
 * two 6.12 ABIs of the trixie chroot, scripts/trixie-chroot; Debian unstable's 7.x release in the unstable
 * chroot, scripts/unstable-chroot) × mode (normal, KBUILD_MODPOST_WARN=1),
 * scripts/kbuild-oracle.mjs (run by this suite's globalSetup) built the case with the real kbuild and
 * recorded modpost's messages. Here ksymcheck checks the same `<mod>.o`
 * files modpost read (and the `.ko` where one was produced) against the same header tree, and the sets
 * of (rule, severity, symbol, module) must be equal: no miss, no extra.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { check } from '../../src/index.js';
import { readModule } from '../../src/module/read.js';
import {
  diffKeys,
  formatDiff,
  headersOf,
  key,
  listCases,
  normModule,
  readAbisEnv,
  readOracle,
  readSymvers,
  readTrixieEnv,
  readUnstableEnv,
  trixieHeadersOf,
  unstableHeaders,
  type OracleMode,
  type OracleRun,
  type OracleTarget,
} from './env.js';

/**
 * KSYMCHECK_ORACLE_TARGETS=7.2 (a comma-separated list of 6.1, 6.12, 7.2) limits the trees to those targets,
 * e.g. to re-check one release without the others' caches; default: all three.
 */
const TARGETS = (process.env.KSYMCHECK_ORACLE_TARGETS ?? '6.1,6.12,7.2').split(',');
const env = TARGETS.includes('6.1') ? readAbisEnv() : undefined;
const trixie = TARGETS.includes('6.12') ? readTrixieEnv() : undefined;
const unstable = TARGETS.includes('7.2') ? readUnstableEnv() : undefined;
/**
 * `abi` names the oracle/ folder; `headers` is the tree ksymcheck reads (for 6.12 and 7.x, inside the
 * chroot); `target` selects the sample cases built for it (listCases).
 */
const TREES: Array<{ name: string; abi: string; headers: string; target: OracleTarget }> = [
  ...(env ? [...new Set([env.OLD_ABI, env.NEW_ABI])] : []).map((abi) => ({ name: `linux-headers-6.1.0-${abi}-amd64`, abi, headers: headersOf(abi), target: '6.1' as const })),
  ...(trixie ? [...new Set(trixie.TRIXIE_ABIS.split(','))] : []).map((release) => ({
    name: `linux-headers-${release}`,
    abi: release,
    headers: trixieHeadersOf(trixie!, release),
    target: '6.12' as const,
  })),
  ...(unstable
    ? [{ name: `linux-headers-${unstable.UNSTABLE_RELEASE}`, abi: unstable.UNSTABLE_RELEASE, headers: unstableHeaders(unstable), target: '7.2' as const }]
    : []),
];
const MODES: OracleMode[] = ['normal', 'warn'];

interface Row {
  caseName: string;
  mode: OracleMode;
  kind: 'o' | 'ko';
}

function rowsFor(abi: string, target: OracleTarget): Row[] {
  const rows: Row[] = [];
  for (const caseName of listCases(target))
    for (const mode of MODES) {
      rows.push({ caseName, mode, kind: 'o' });
      const o = readOracle(abi, caseName, mode);
      if (o.modules.every((m) => m.ko)) rows.push({ caseName, mode, kind: 'ko' });
    }
  return rows;
}

function context(o: OracleRun): string {
  return [`$ ${o.command}  (exit ${o.exitCode})`, 'modpost stderr:', ...o.stderr.trimEnd().split('\n').map((l) => `  | ${l}`)].join('\n');
}

describe.each(TREES)('modpost of $name', ({ abi, headers, target }) => {
  const CASES = listCases(target);
  test('the oracle understood every line modpost printed (no rule "unknown")', () => {
    const unknown = CASES.flatMap((c) =>
      MODES.flatMap((m) =>
        readOracle(abi, c, m)
          .findings.filter((f) => f.rule === 'unknown')
          .map((f) => `${c}.${m}: ${f.line}`),
      ),
    );
    expect(unknown).toEqual([]);
  });

  test.each(rowsFor(abi, target))('$caseName ($mode, .$kind)', async ({ caseName, mode, kind }) => {
    const o = readOracle(abi, caseName, mode);
    const files = o.modules.map((m) => (kind === 'o' ? m.o : m.ko)).filter((p): p is string => p !== null);
    expect(files).toHaveLength(o.modules.length);

    const result = await check({ kernel: headers, modules: files, stage: 'build', modpostWarn: mode === 'warn', extraSymbols: [] });

    expect(result.errors).toEqual([]);
    expect(result.modules.map((m) => m.path).sort()).toEqual([...files].sort());
    const ours = result.modules.flatMap((m) =>
      m.findings.filter((f) => f.stage === 'build').map((f) => key(f.rule, f.severity, f.symbol, m.name)),
    );
    const d = diffKeys(o.findings, ours);
    if (d.missing.length || d.extra.length) {
      throw new Error(formatDiff(`ksymcheck ≠ modpost for ${caseName} on ${o.release} (${mode}, .${kind})`, d, context(o)));
    }
    // modpost fails the build exactly when it printed an error; ksymcheck's verdict must agree.
    const modpostFailed = o.findings.some((f) => f.severity === 'error' || f.severity === 'fatal');
    expect(result.modules.some((m) => m.verdict === 'fail')).toBe(modpostFailed);
  });

  // The exports ksymcheck reads from each module modpost wrote to the build's Module.symvers (written only
  // when modpost passes): from the `.o` (6.1: __ksymtab* entries; 6.12: only `.export_symbol` markers,
  // no CRC yet) and from the `.ko` (__ksymtab* from the generated .mod.c, CRCs in __kcrctab*).
  // (Every passing run writes one, empty when nothing is exported: those runs are left out.)
  const exporting = CASES.flatMap((caseName) =>
    MODES.map((mode) => ({ caseName, mode, o: readOracle(abi, caseName, mode) })).filter(
      ({ o }) => o.exitCode === 0 && existsSync(join(o.buildDir, 'Module.symvers')) && readSymvers(join(o.buildDir, 'Module.symvers')).size > 0,
    ),
  );
  test('the passing runs with exports are those of the exporting samples', () => {
    expect([...new Set(exporting.map((r) => r.caseName))]).toEqual(['dup-base', 'dup-user', 'export-marker-clean', 'prop-pair'].filter((c) => CASES.includes(c)));
  });
  test.each(exporting.map(({ caseName, mode }) => ({ caseName, mode })))('$caseName ($mode): exports of .o and .ko = the Module.symvers modpost wrote', async ({ caseName, mode }) => {
    const o = readOracle(abi, caseName, mode);
    const symvers = [...readSymvers(join(o.buildDir, 'Module.symvers')).values()];
    // Without CONFIG_MODVERSIONS (Debian's 7.x) modpost writes 0x00000000 for every export and the .ko
    // has no __kcrctab: no CRC to compare.
    const modversions = !/^# CONFIG_MODVERSIONS is not set$/m.test(readFileSync(join(headers, '.config'), 'utf8'));
    const theirs = (crc: boolean) =>
      symvers.map((r) => `${normModule(r.owner)} ${r.name} ${r.type} ${r.namespace || '-'} ${crc && modversions ? r.crc.toString(16) : '-'}`).sort();
    for (const kind of ['o', 'ko'] as const) {
      const ours: string[] = [];
      for (const m of o.modules) {
        const path = kind === 'o' ? m.o : m.ko;
        expect(path).not.toBeNull();
        const facts = await readModule(path!);
        for (const e of facts.exports)
          ours.push(`${m.name} ${e.name} ${e.type} ${e.namespace || '-'} ${kind === 'ko' && e.crc !== null ? e.crc.toString(16) : '-'}`);
      }
      expect({ kind, exports: ours.sort() }).toEqual({ kind, exports: theirs(kind === 'ko') });
    }
  });

  // Finding.message is "the exact line modpost prints": given the very `<mod>.o` paths modpost read, the
  // texts must match too (6.1 and 6.12 print the bare `name.ko` in the GPL and namespace messages, but the
  // full path in the unresolved, missing-licence and exported-twice ones; for 6.12 the oracle gives the
  // paths modpost printed inside the chroot as the host sees them). Prefixes `ERROR: modpost: ` are
  // ignored on both sides; modpost's `suppressed N…` line is expected as a finding's message too.
  const PREFIX = /^(WARNING|ERROR|FATAL): modpost: /;
  test.each(rowsFor(abi, target).filter((r) => r.kind === 'o'))('$caseName ($mode, .o): message text', async ({ caseName, mode }) => {
    const o = readOracle(abi, caseName, mode);
    const files = o.modules.map((m) => m.o).filter((p): p is string => p !== null);
    const result = await check({ kernel: headers, modules: files, stage: 'build', modpostWarn: mode === 'warn', extraSymbols: [] });
    const theirs = o.findings.map((f) => f.line.replace(PREFIX, ''));
    const ours = result.modules.flatMap((m) => m.findings.filter((f) => f.stage === 'build').map((f) => f.message.replace(PREFIX, '')));
    const printed = new Set(theirs);
    const suppressed = o.findings.some((f) => f.rule === 'unresolved-suppressed');
    // With modpost's cap, ksymcheck may report the hidden unresolved symbols too: ignore its extra ones.
    const oursShown = suppressed ? ours.filter((m) => printed.has(m) || !/\] undefined!$/.test(m)) : ours;
    expect([...oursShown].sort()).toEqual([...theirs].sort());
  });
});

