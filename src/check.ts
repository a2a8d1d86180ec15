/**
 * The library's main entry: a kernel build and module files in, the kernel's verdicts out.
 */
import { InputError } from './errors.js';
import { loadKernel } from './kernel/load.js';
import { runningKernel } from './kernel/locate.js';
import { release as osRelease } from 'node:os';
import { loadSigning } from './signing/options.js';
import type { SigningOptions } from './signing/keys.js';
import { keyLabel, signatureVerdict } from './rules/module-signature.js';
import type { Export, KernelBuild } from './kernel/types.js';
import { formatVersion, NEWEST_KNOWN } from './kernel/version.js';
import { fetchMembers, showingReferences } from './module/packages.js';
import { codeSiteOf, reopen } from './module/read.js';
import type { ModuleFacts } from './module/types.js';
import { runRules, STAGE_ORDER } from './rules/index.js';
import { ownerModule, resolveById } from './rules/shared.js';
import { importColumns } from './module/columns.js';
import { nameCount, nameOf } from './module/names.js';
import type { CheckOptions, Finding, RuleContext, Stage } from './rules/types.js';
import type { ModuleReport, Report } from './report/schema.js';
import { readModules } from './run/modules.js';
import { requestProblem } from './run/request.js';
import { dependencyOrder } from './run/order.js';
import { exportTypesNote, modversionsNote, noDwarfNote, signingNotes, structModuleNote, vermagicNote, versionNote } from './run/notes.js';

// What this module exported before the run's paths, order and notes had files of their own.
export { expandModulePaths } from './run/paths.js';
export { readModules } from './run/modules.js';
export { dependencyOrder } from './run/order.js';
export { exportTypesNote, modversionsNote, noDwarfNote, signingNotes, structModuleNote, vermagicNote, versionNote } from './run/notes.js';

export type StageChoice = 'build' | 'load' | 'both';

export interface CheckRequest {
  /** A kernel build, headers dir, Module.symvers[.gz] or vmlinux; default: the running kernel's (runningKernel()). */
  kernel?: string;
  modules: string[];
  extraSymbols?: string[];
  kernelVersion?: string;
  /** A directory where the kernel's Module.symvers index is kept between runs (LoadKernelOptions.symversCache). */
  symversCache?: string;
  stage?: StageChoice;
  modpostWarn?: boolean;
  /** The build ran with W=1 (modpost -W): warnings printed only then (CheckOptions.extraWarn). */
  extraWarn?: boolean;
  missingCrc?: 'warn' | 'error';
  /** What the loading kmod's `kmod --version` prints (version, feature line), for rule kmod-decompress. */
  kmod?: string;
  /** Modules are out-of-tree builds (M=). Default true. */
  external?: boolean;
  /** Files read at once (compressed ones are decompressed on libuv's threads meanwhile). Default 16. */
  concurrency?: number;
  /** Largest decompressed size of a compressed module, in bytes (default 512 MiB; `--max-module-size`). */
  maxModuleSize?: number;
  /**
   * Bytes the files being read at once may hold (file contents and decompressed output; default 128 MiB):
   * a tree of decompression bombs costs this, not the limit times the concurrency. One module larger than
   * the budget is read alone.
   */
  readBudget?: number;
  /**
   * Worker threads that decode the compressed modules of a tree (16 or more): default one per core; 0
   * decodes them on this thread.
   */
  decodeThreads?: number;
  /**
   * Worker threads that read a tree's plain module files beside this thread (`--read-threads`; default 0:
   * all on this thread). On the 2-core machine measured, one more thread made a tree slower, not faster
   * (docs/performance.md, "Reader threads"); `npm run bench` measures it on the machine at hand.
   */
  readThreads?: number;
  /** Called as module files are read: `done` of `total` (for a progress display). */
  onProgress?: (done: number, total: number) => void;
  /**
   * Frames (the inline chain from the module's DWARF) for every reference of every finding: default
   * true. Only modules with such references are read again.
   */
  frames?: boolean;
  /** `--trusted-key` files, `--sig-enforce`, `--lockdown`, `--secure-boot` (signing/options.ts). */
  trustedKeys?: string[];
  sigEnforce?: boolean;
  lockdown?: 'none' | 'integrity' | 'confidentiality';
  secureBoot?: boolean;
  /** Where the running kernel's /sys and /boot are (default /; for tests). */
  systemRoot?: string;
  /** Where separate debug files of stripped modules are looked for (default /usr/lib/debug). */
  debugDirs?: string[];
  /**
   * Report only shard `index` of `count` (1-based) of the module set, split by path (shardOf). Every
   * module is still read, as their exports resolve each other's imports; `ksymcheck merge` joins the
   * shards' reports into the single run's.
   */
  shard?: { index: number; count: number };
}

/**
 * Which shard (1-based, of `count`) a path belongs to: FNV-1a of the path's UTF-8 bytes, modulo count.
 * Stable: a path's shard depends on nothing but the path, so adding a module moves no other.
 */
export function shardOf(path: string, count: number): number {
  let h = 0x811c9dc5;
  for (const b of Buffer.from(path, 'utf8')) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return (h % count) + 1;
}

export function stagesOf(choice: StageChoice = 'both'): Stage[] {
  return choice === 'both' ? ['build', 'load'] : [choice];
}

/** The owner name modpost gives a module's exports: its path without `.ko`/`.o`. */
export function ownerOf(m: ModuleFacts): string {
  return m.path.replace(/\.(ko|o)(\.(gz|xz|zst))?$/, '');
}

/**
 * Check already-read modules against a loaded kernel. No I/O of its own (the references of a module read
 * with `references: 'lazy'` are read from its file when a finding first shows them). The modules' exports
 * and names resolve each other's imports, as in one modpost invocation.
 */
export function checkModules(
  kernel: KernelBuild,
  modules: ModuleFacts[],
  options: Partial<CheckOptions> & { stage?: StageChoice; only?: ReadonlySet<ModuleFacts> } = {},
): ModuleReport[] {
  // The modules reported (a shard's); the others only resolve imports, and are decided when one of
  // the reported modules depends on them.
  const reported = options.only ? modules.filter((m) => options.only!.has(m)) : modules;
  const opts: CheckOptions = {
    modpostWarn: options.modpostWarn ?? false,
    missingCrc: options.missingCrc ?? 'warn',
    external: options.external ?? true,
    ...(options.kmod !== undefined ? { kmod: options.kmod } : {}),
    ...(options.extraWarn ? { extraWarn: true } : {}),
    ...(options.signing !== undefined ? { signing: options.signing } : {}),
  };
  const stages = stagesOf(options.stage);
  // Exports of the modules in this run resolve each other's imports, as in one modpost invocation.
  const runExports = new Map<string, Export>();
  const byName = new Map<string, ModuleFacts>();
  for (const m of modules) {
    byName.set(m.name, m);
    if (m.exports.length === 0) continue;
    const owner = ownerOf(m);
    for (const e of m.exports) {
      // the fields named, not spread: a spread of each of a tree's 21,000 exports cost ~40 ms
      if (!runExports.has(e.name)) runExports.set(e.name, { name: e.name, type: e.type, namespace: e.namespace, crc: e.crc, owner, origin: { file: m.path } });
    }
  }
  const version = kernel.version ?? NEWEST_KNOWN;
  // One context per module (the walks are cached per context), findings per module and stage computed
  // once: a module's load verdict is asked for by the modules importing from it (refusedOwner), before
  // or after its own turn.
  const contexts = new Map<ModuleFacts, RuleContext>();
  const found = new Map<ModuleFacts, Partial<Record<Stage, Finding[]>>>();
  const deciding = new Set<ModuleFacts>();
  // What resolve() answers for a name: vmlinux's export first, then a module of this run, then a module
  // export Module.symvers lists — unless the run's export is the importer's own, then Module.symvers's (a
  // module does not import from itself). Only the run's exports that win are put in front of the kernel's
  // index, whose exports are made when looked up (a Module.symvers's SymversIndex); a tree's imports are
  // looked up by name id (below), each distinct name once.
  const front = runExports.size === 0 ? undefined : new Map<string, Export>();
  if (front) for (const [name, r] of runExports) if (kernel.exports.get(name)?.owner !== 'vmlinux') front.set(name, r);
  // The export that wins a name, before the importer's own is set aside (below).
  const winner: (name: string) => Export | undefined = front ? (name) => front.get(name) ?? kernel.exports.get(name) : (name) => kernel.exports.get(name);
  // The same by name id (the modules' import columns hold ids of the run's name table): each name looked
  // up once per run, its answer kept in an Int32Array indexed by id.
  const winnerById = exportsById(winner);
  const contextOf = (m: ModuleFacts): RuleContext => {
    let ctx = contexts.get(m);
    if (ctx) return ctx;
    const self = ownerOf(m);
    const resolve =
      front
        ? (name: string): Export | undefined => {
            const p = winner(name);
            return p !== undefined && p.owner === self ? kernel.exports.get(name) : p;
          }
        : winner;
    const resolveId =
      front
        ? (id: number): Export | undefined => {
            const p = winnerById(id);
            return p !== undefined && p.owner === self ? kernel.exports.get(nameOf(id)) : p;
          }
        : winnerById;
    ctx = { module: m, kernel, version, resolve, resolveId, modules: byName, options: opts, refusedOwner };
    contexts.set(m, ctx);
    return ctx;
  };
  const findingsOf = (m: ModuleFacts, stage: Stage): Finding[] => {
    let per = found.get(m);
    if (!per) found.set(m, (per = {}));
    return (per[stage] ??= runRules(contextOf(m), [stage]));
  };
  // The loader refuses a module of the run → it is never loaded, and its exports are unknown to the
  // modules importing them (they are refused in turn: "Unknown symbol"). A cycle — which depmod would
  // reject — is taken as loaded. Decided on demand, depth first; a chain deeper than DEEPEST_CHAIN (a
  // crafted tree: Debian 6.1's longest `depends=` chain has 9 links, from snd-sof-pci-intel-apl) restarts the run's decisions in dependency order, so the
  // stack never grows with the tree.
  const refusal = new Map<ModuleFacts, string | null>();
  let ordered = false;
  function refusedOwner(owner: ModuleFacts): string | undefined {
    if (!stages.includes('load')) return undefined;
    const known = refusal.get(owner);
    if (known !== undefined) return known ?? undefined;
    // an undecided owner while deciding in dependency order, or one being decided: on a cycle
    if (ordered || deciding.has(owner)) return undefined;
    if (deciding.size >= DEEPEST_CHAIN) throw new DeepChain();
    deciding.add(owner);
    try {
      return decideLoad(owner);
    } finally {
      deciding.delete(owner);
    }
  }
  const decideLoad = (m: ModuleFacts): string | undefined => {
    const first = findingsOf(m, 'load').find((f) => f.severity === 'error')?.message;
    refusal.set(m, first ?? null);
    settle(m);
    return first;
  };
  // A module's other stage now, while its context (and the walks cached on it) is at hand, then the
  // context dropped: kept to the end, the walks of 4,000 modules (one object per import) outlived
  // several young-generation collections, each copying them.
  const settle = (m: ModuleFacts): void => {
    for (const stage of stages) findingsOf(m, stage);
    contexts.delete(m);
  };
  if (stages.includes('load')) {
    try {
      for (const m of reported) if (!refusal.has(m)) decideLoad(m);
    } catch (e) {
      if (!(e instanceof DeepChain)) throw e;
      // The modules decided before the throw stand (their dependencies were decided); nothing of the
      // interrupted ones was kept (findingsOf and the walks store a result only when it is complete).
      ordered = true;
      for (const m of dependencyOrder(reported, (x) => runOwners(contextOf(x)))) if (!refusal.has(m)) decideLoad(m);
      ordered = false;
    }
  }
  return reported.map((m) => {
    settle(m);
    const findings: Finding[] = [];
    for (const stage of STAGE_ORDER) if (stages.includes(stage)) findings.push(...findingsOf(m, stage));
    const signature = m.signature ? signatureReport(m, opts.signing) : undefined;
    return {
      path: m.path,
      name: m.name,
      licenses: m.licenses,
      ...(signature ? { signature } : {}),
      verdict: findings.some((f) => f.severity === 'error') ? 'fail' : 'pass',
      findings,
    } satisfies ModuleReport;
  });
}

/**
 * Who signed a signed module, for the report: the trusted key's subject and id when a key matched, else
 * what the signature names (issuer, serial or key identifier); and what the check concluded.
 */
function signatureReport(m: ModuleFacts, signing: SigningOptions | undefined): NonNullable<ModuleReport['signature']> {
  const sig = m.signature!;
  const v = signatureVerdict(m, signing?.keys ?? [], signing?.ecdsa);
  const k = v.key;
  return {
    signer: k ? k.subject : sig.signer?.issuer !== undefined ? sig.signer.issuer : null,
    keyId: k ? (k.skid ?? k.serial) : (sig.signer?.skid ?? sig.signer?.serial ?? null),
    serial: sig.signer?.serial ?? null,
    digest: sig.digest ?? null,
    keyAlgorithm: sig.keyAlgorithm ?? null,
    status: v.status as NonNullable<ModuleReport['signature']>['status'],
    trustedKey: k ? { label: keyLabel(k), source: k.source, origin: k.origin } : null,
    ...(v.reason !== undefined && v.status !== 'verified' ? { reason: v.reason } : {}),
  };
}

/**
 * A look-up by name made one by name id (names.ts): each id's answer found once and kept — an Int32Array
 * from id to a place in a list of the exports found (0: not asked yet, -1: none) — for the names the table
 * held when it was made; a name added later is looked up by string.
 */
function exportsById(byName: (name: string) => Export | undefined): (id: number) => Export | undefined {
  const slots = new Int32Array(nameCount());
  const found: Export[] = [];
  return (id: number): Export | undefined => {
    if (id >= slots.length) return byName(nameOf(id));
    let slot = slots[id];
    if (slot === 0) {
      const e = byName(nameOf(id));
      slot = slots[id] = e === undefined ? -1 : found.push(e);
    }
    return slot < 0 ? undefined : found[slot - 1];
  };
}

/** How deep refusedOwner() may recurse before the run's load verdicts are decided in dependency order. */
const DEEPEST_CHAIN = 64;

class DeepChain extends Error {}

/** The other modules of the run that a module's imports resolve to (the loader's dependencies). */
function runOwners(ctx: RuleContext): ModuleFacts[] {
  const out: ModuleFacts[] = [];
  const cols = importColumns(ctx.module);
  for (let i = 0; i < cols.length; i++) {
    const e = resolveById(ctx, cols.ids[i]);
    if (!e || e.owner === 'vmlinux') continue;
    const o = ownerModule(ctx, e.owner);
    if (o && !out.includes(o)) out.push(o);
  }
  return out;
}

/** Read the kernel and the modules, check them, and return the report (the JSON contract). */
export async function check(req: CheckRequest): Promise<Report> {
  const wrong = requestProblem(req);
  if (wrong) throw wrong;
  const kernelPath = req.kernel ?? runningKernel();
  const kernel = await loadKernel(kernelPath, { kernelVersion: req.kernelVersion, extraSymbols: req.extraSymbols, symversCache: req.symversCache });
  const notes: string[] = [];
  const stages = stagesOf(req.stage);
  for (const note of [versionNote(kernel), modversionsNote(kernel), exportTypesNote(kernel), structModuleNote(kernel, stages), vermagicNote(kernel, stages)]) if (note) notes.push(note);
  const sig = stages.includes('load') ? await loadSigning(req, req.kernel, req.kernel === undefined ? { release: kernel.release ?? osRelease(), root: req.systemRoot } : undefined) : undefined;
  const { modules, errors } = await readModules(req.modules, kernel, { ...req, signatureDigests: (sig?.signing.keys.length ?? 0) > 0 });
  if (sig) notes.push(...sig.notes, ...signingNotes(sig.signing, modules, kernel));
  const opts = { ...req, ...(sig ? { signing: sig.signing } : {}) };
  const shard = req.shard;
  if (!shard) return assemble(req, kernel, notes, await withFrames(req, modules, checkModules(kernel, modules, opts), notes), errors);
  // A shard: its modules, their places in the whole run's order (merge restores it), its errors.
  const only = new Set<ModuleFacts>();
  const positions: number[] = [];
  modules.forEach((m, i) => {
    if (shardOf(m.path, shard.count) === shard.index) {
      only.add(m);
      positions.push(i);
    }
  });
  const mine = errors.filter((e) => shardOf(e.path, shard.count) === shard.index);
  const reports = await withFrames(req, modules, checkModules(kernel, modules, { ...opts, only }), notes);
  return { ...assemble(req, kernel, notes, reports, mine), shard: { ...shard, positions } };
}

/**
 * The reports with frames on the references their findings show (unless `frames: false`): the DWARF
 * reader is loaded, and each module concerned read again, only when some finding shows a reference.
 */
async function withFrames(req: CheckRequest, modules: ModuleFacts[], reports: ModuleReport[], notes: string[]): Promise<ModuleReport[]> {
  // package members are read again only now, and only those whose references a report shows
  const refetched = await fetchMembers(showingReferences(modules, reports));
  if (refetched) notes.push(refetched);
  if (req.frames === false || !reports.some((r) => r.findings.some((f) => f.references.length > 0))) return reports;
  const { attachFrames } = await import('./explain/frames.js');
  const outcome = await attachFrames(modules, reports, { debugDirs: req.debugDirs, reader: { codeSiteOf, reopen } });
  // bad DWARF leaves the verdicts as they are: said, not an unreadable input
  for (const e of outcome.errors) notes.push(`unreadable DWARF: ${e.message} (its references keep function+offset)`);
  if (outcome.withoutDwarf.length > 0) notes.push(noDwarfNote(req.debugDirs));
  return reports;
}

const byPath = (a: { path: string }, b: { path: string }) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0);

/** The report's account of a kernel build: what was read and which version's rules apply. */
export function kernelSummary(kernel: KernelBuild): Report['kernel'] {
  return {
    release: kernel.release ?? null,
    version: formatVersion(kernel.version ?? NEWEST_KNOWN),
    versionSource: kernel.versionSource,
    source: kernel.source,
    modversions: kernel.modversions ?? null,
    modversionsSource: kernel.modversionsSource ?? (kernel.modversions === undefined ? 'unknown' : 'config'),
    exports: kernel.exports.size,
    arch: kernel.arch?.name ?? null,
    vermagic: kernel.vermagic ?? null,
  };
}

function assemble(req: CheckRequest, kernel: KernelBuild, notes: string[], reports: ModuleReport[], errors: Report['errors']): Report {
  errors.sort(byPath);
  return {
    schemaVersion: 1,
    kernel: kernelSummary(kernel),
    stages: stagesOf(req.stage),
    notes,
    modules: reports,
    errors,
  };
}
