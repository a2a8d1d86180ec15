/**
 * SARIF 2.1.0, for a forge's code-scanning view: one run, one reportingDescriptor per rule id (from the
 * rules' descriptive metadata), one result per finding. Knows the report's shape only.
 *
 * A finding's place is the module file (artifact location) and the function+offset of the references
 * (logical location; the first is the result's location, the others related locations), with the
 * relocated bytes' file offset as the region. A finding about the module as a whole (licence, vermagic,
 * no references) has the region at the file's start.
 */
import { createHash } from 'node:crypto';
import { isAbsolute } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ruleDescriptions } from '../rules/docs.js';
import type { FindingJson, Report } from './schema.js';
import { formatReference } from './text.js';

export interface SarifOptions {
  /** ksymcheck's version (tool.driver.version). */
  toolVersion: string;
  /** Where to learn about the tool (tool.driver.informationUri): an absolute URI. */
  informationUri: string;
  /** The directory relative module paths are relative to (%SRCROOT%). Default: the working directory. */
  baseDir?: string;
}

/** The uriBaseId of relative module paths: the directory ksymcheck ran in (GitHub's convention's name). */
const SRCROOT = '%SRCROOT%';

const STAGE_NAMES = { build: 'At build time (modpost)', load: 'At load time (the module loader)' } as const;

/**
 * 'namespace-not-imported' → 'NamespaceNotImported' (SARIF's `name`, a Pascal-case identifier); a
 * one-word id gets a word more, as SARIF wants `name` to differ from the id.
 */
function pascal(id: string): { name: string } {
  if (id === 'unresolved') return { name: 'UnresolvedSymbol' };
  return { name: id.replace(/(^|-)([a-z])/g, (_m, _d, c: string) => c.toUpperCase()) };
}

/** A compressed module's file offsets are in its decompressed image, not in the artifact. */
const COMPRESSED = /\.(gz|xz|zst)$/;

/** A path as it appears in the report → a URI reference: relative ones percent-encoded segment by segment. */
function artifactLocation(path: string): { uri: string; uriBaseId?: string } {
  if (isAbsolute(path)) return { uri: pathToFileURL(path).href };
  return { uri: path.split('/').map(encodeURIComponent).join('/'), uriBaseId: SRCROOT };
}

/**
 * Stable across runs and machines: the module's name, the rule, the stage and the symbol — not the path
 * (a CI workspace moves) nor offsets (they move with every code change).
 */
function fingerprint(moduleName: string, f: FindingJson): string {
  return createHash('sha256').update([moduleName, f.rule, f.stage, f.symbol ?? ''].join('\0')).digest('hex').slice(0, 32);
}

function sentence(s: string): string {
  return /[.!?]$/.test(s) ? s : `${s}.`;
}

/**
 * The SARIF log in pieces: everything up to the results, then one result at a time, then the rest — the
 * same text as one JSON.stringify(log, null, 2) would give. A failing tree has tens of thousands of
 * results (Debian's 4,023 modules on another ABI: 80,000); as one string the log was over 300 MB and the
 * run's peak memory over 2 GB.
 */
export function* formatSarifChunks(report: Report, opts: SarifOptions): Generator<string> {
  // The rules' own metadata (src/rules/info.ts, what `ksymcheck explain` prints): descriptions only.
  const descriptions = ruleDescriptions();
  const ruleIndex = new Map(descriptions.map((d, i) => [d.info.id, i]));
  const rules = descriptions.map(({ info, defaultSeverity }) => ({
    id: info.id,
    ...pascal(info.id),
    shortDescription: { text: sentence(info.summary) },
    fullDescription: { text: info.description },
    help: {
      text: `${info.description} Mirrors ${info.source}. Fix: ${info.fix}`,
      markdown:
        `${info.description}\n\nMirrors \`${info.source}\`.\n\n| stage | kernel versions | severity | message |\n|---|---|---|---|\n` +
        info.versions.map((v) => `| ${STAGE_NAMES[v.stage]} | ${v.versions}${v.condition ? ` (${v.condition})` : ''} | ${v.severity} | \`${v.message.replace(/\|/g, '\\|')}\` |`).join('\n') +
        `\n\n**Fix:** ${info.fix}`,
    },
    defaultConfiguration: { level: defaultSeverity },
    properties: { stages: info.stages },
  }));

  // Every module checked is an artifact, with or without findings (a forge shows what was analysed),
  // then every unreadable file; known before the results, which are written one at a time.
  const artifactIndex = new Map<string, number>();
  for (const path of [...report.modules.map((m) => m.path), ...report.errors.map((e) => e.path)]) {
    if (!artifactIndex.has(path)) artifactIndex.set(path, artifactIndex.size);
  }
  const signers = new Map(report.modules.map((m) => [m.path, m.signature]));
  const artifacts = [...artifactIndex.keys()].map((path) => {
    const signature = signers.get(path);
    return { location: artifactLocation(path), roles: ['analysisTarget'], ...(signature ? { properties: { signature } } : {}) };
  });
  const artifactOf = (path: string) => ({ ...artifactLocation(path), index: artifactIndex.get(path)! });

  function* results(): Generator<object> {
    for (const m of report.modules) {
      for (const f of m.findings) {
        const places = f.references.map((r, i) => ({
          id: i,
          physicalLocation: {
            artifactLocation: artifactOf(m.path),
            // a compressed module's offsets are in the decompressed image: the region is then the file's start
            region: { byteOffset: r.fileOffset !== undefined && !COMPRESSED.test(m.path) ? r.fileOffset : 0 },
          },
          logicalLocations: [
            r.function
              ? { name: r.function, fullyQualifiedName: `${m.name}::${r.function}`, kind: 'function' }
              : { name: r.section, fullyQualifiedName: `${m.name}::${r.section}`, kind: 'module' },
          ],
          message: { text: `${f.symbol ?? 'referenced'} at ${formatReference(r)}` },
          properties: { section: r.section, offset: r.offset },
        }));
        const [first, ...rest] = places;
        const { modpostPrints, ...evidence } = f.evidence;
        yield {
          ruleId: f.rule,
          ruleIndex: ruleIndex.get(f.rule)!,
          level: f.severity,
          message: { text: f.message },
          locations: [
            first ?? {
              physicalLocation: { artifactLocation: artifactOf(m.path), region: { byteOffset: 0 } },
              logicalLocations: [{ name: m.name, kind: 'module' }],
              message: { text: `the module ${m.name} as a whole` },
            },
          ],
          ...(rest.length ? { relatedLocations: rest } : {}),
          partialFingerprints: { 'ksymcheckFinding/v1': fingerprint(m.name, f) },
          properties: {
            stage: f.stage,
            module: m.name,
            ...(f.symbol !== undefined ? { symbol: f.symbol } : {}),
            ...(f.hint !== undefined ? { hint: f.hint } : {}),
            ...(modpostPrints !== undefined ? { modpostPrints } : {}),
            evidence,
          },
        };
      }
    }
  }

  const k = report.kernel;
  const notifications = [
    ...report.notes.map((n) => ({ level: 'note' as const, message: { text: sentence(n) } })),
    ...report.errors.map((e) => ({
      level: 'error' as const,
      message: { text: e.message },
      locations: [{ physicalLocation: { artifactLocation: artifactOf(e.path) } }],
    })),
  ];
  const sarif = {
    $schema: 'https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'ksymcheck',
            fullName: "ksymcheck: modpost's and the module loader's verdicts for out-of-tree Linux kernel modules",
            version: opts.toolVersion,
            informationUri: opts.informationUri,
            semanticVersion: opts.toolVersion,
            rules,
          },
        },
        // One category per kernel and stage set: a forge keeps the runs of a kernel matrix apart.
        automationDetails: { id: `ksymcheck/${k.release ?? k.version}/${report.stages.join('+')}/` },
        invocations: [{ executionSuccessful: report.errors.length === 0, ...(notifications.length ? { toolExecutionNotifications: notifications } : {}) }],
        originalUriBaseIds: { [SRCROOT]: { uri: pathToFileURL(`${opts.baseDir ?? process.cwd()}/`).href } },
        artifacts,
        results: RESULTS,
        properties: { kernel: k, stages: report.stages },
      },
    ],
  };
  const text = JSON.stringify(sarif, null, 2) + '\n';
  const marker = text.indexOf(JSON.stringify(RESULTS));
  const indent = text.slice(text.lastIndexOf('\n', marker) + 1).match(/^ */)![0];
  yield text.slice(0, marker);
  let first = true;
  for (const r of results()) {
    yield `${first ? '[\n' : ',\n'}${indent}  ${JSON.stringify(r, null, 2).replace(/\n/g, `\n${indent}  `)}`;
    first = false;
  }
  yield first ? '[]' : `\n${indent}]`;
  yield text.slice(marker + JSON.stringify(RESULTS).length);
}

/** Where the results go in the log's text (replaced by them as they are written). */
const RESULTS = '\u0000ksymcheck results\u0000';

/** The SARIF log as one string. */
export function formatSarif(report: Report, opts: SarifOptions): string {
  return [...formatSarifChunks(report, opts)].join('');
}
