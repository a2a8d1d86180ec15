/** The library entry of `ksymcheck dkms`: each build in a DKMS tree checked against the kernel it was built for. */
import { check, type StageChoice } from '../check.js';
import { DEFAULT_DKMS_TREE, findDkmsBuilds, kernelTreeFor, type DkmsFilter } from './tree.js';
import type { DkmsBuildReport, DkmsReport } from './text.js';

export interface DkmsRequest {
  /** `<module>` or `<module>/<version>`; all builds when absent. */
  which?: string;
  release?: string;
  tree?: string;
  stage?: StageChoice;
  missingCrc?: 'warn' | 'error';
  /** Where kernel trees are looked for (/lib/modules/<release>/build, /usr/src/linux-headers-<release>). */
  root?: string;
  /** A directory where each kernel's Module.symvers index is kept between runs (CheckRequest.symversCache). */
  symversCache?: string;
}

export function dkmsFilter(which: string | undefined, release: string | undefined): DkmsFilter {
  const f: DkmsFilter = {};
  if (which) {
    const i = which.indexOf('/');
    f.module = i < 0 ? which : which.slice(0, i);
    if (i >= 0) f.version = which.slice(i + 1);
  }
  if (release) f.release = release;
  return f;
}

export async function checkDkms(req: DkmsRequest): Promise<DkmsReport> {
  const tree = req.tree ?? DEFAULT_DKMS_TREE;
  const builds: DkmsBuildReport[] = [];
  for (const b of findDkmsBuilds(tree, dkmsFilter(req.which, req.release))) {
    const kernel = b.error ? null : (kernelTreeFor(b.release, req.root) ?? null);
    const base = { module: b.module, version: b.version, release: b.release, arch: b.arch, state: b.state, log: b.log ?? null, kernel };
    if (b.error) {
      builds.push({ ...base, report: null, error: b.error });
      continue;
    }
    if (!kernel) {
      builds.push({ ...base, report: null, error: `no kernel build tree for ${b.release} (/lib/modules/${b.release}/build, /usr/src/linux-headers-${b.release}): install its headers` });
      continue;
    }
    if (b.files.length === 0) {
      builds.push({ ...base, report: null, error: b.state === 'failed' ? 'the failed build left no module object (<name>.o beside <name>.mod): it stopped before modpost' : 'no module file in the build' });
      continue;
    }
    // a failed build stopped at build time: what modpost says is the question (a .o is never loaded)
    const stage = b.state === 'failed' ? 'build' : (req.stage ?? 'both');
    const report = await check({ kernel, modules: b.files, stage, missingCrc: req.missingCrc ?? 'warn', symversCache: req.symversCache });
    builds.push({ ...base, report, error: null });
  }
  return { schemaVersion: 1, tree, builds };
}
