/**
 * What changed in the export index between two kernel builds: what an out-of-tree module can lose or
 * gain when it moves from one to the other. Pure: two indexes in, changes out.
 */
import type { Export, ExportIndex } from './types.js';

/**
 * `license`: the export type changed (EXPORT_SYMBOL ↔ EXPORT_SYMBOL_GPL, and the older _GPL_FUTURE /
 * UNUSED types); `namespace`: EXPORT_SYMBOL_NS moves, 6.16's `module:` namespaces included; `crc`: the
 * genksyms CRC changed (both builds have one); `owner`: vmlinux ↔ a module, or the module renamed.
 */
export type ExportChangeKind = 'added' | 'removed' | 'license' | 'namespace' | 'crc' | 'owner';

export interface ExportChange {
  symbol: string;
  kind: ExportChangeKind;
  /** The value in the first build: the export type for added/removed/license, else the field (CRC as 0x%08x); null when absent. */
  from: string | null;
  to: string | null;
}

/**
 * The export whose CRC stands for the module ABI as a whole: modpost adds it to every module's
 * __versions, and the loader checks it first (check_modstruct_version, kernel/module/version.c since
 * 5.19, kernel/module.c before), refusing a mismatch with "disagrees about version of symbol
 * module_layout". Its CRC changing means every module built against the older kernel is refused.
 */
export const ABI_SYMBOL = 'module_layout';

const hex = (crc: number) => `0x${(crc >>> 0).toString(16).padStart(8, '0')}`;

/** The changes of one symbol present in both builds, in a fixed order (licence, namespace, CRC, owner). */
function changesOf(a: Export, b: Export, out: ExportChange[]): void {
  if (a.type !== b.type) out.push({ symbol: a.name, kind: 'license', from: a.type, to: b.type });
  if (a.namespace !== b.namespace) out.push({ symbol: a.name, kind: 'namespace', from: a.namespace, to: b.namespace });
  // a build without CRCs (no CONFIG_MODVERSIONS, or a vmlinux without __kcrctab) tells nothing of them
  if (a.crc !== null && b.crc !== null && a.crc >>> 0 !== b.crc >>> 0) out.push({ symbol: a.name, kind: 'crc', from: hex(a.crc), to: hex(b.crc) });
  if (a.owner !== b.owner) out.push({ symbol: a.name, kind: 'owner', from: a.owner, to: b.owner });
}

/** Every change from `from` to `to`, sorted by symbol (then kind, in the order of ExportChangeKind). */
export function diffExports(from: ExportIndex, to: ExportIndex): ExportChange[] {
  const out: ExportChange[] = [];
  for (const a of from.values()) {
    const b = to.get(a.name);
    if (b === undefined) out.push({ symbol: a.name, kind: 'removed', from: a.type, to: null });
    else changesOf(a, b, out);
  }
  for (const b of to.values()) if (!from.has(b.name)) out.push({ symbol: b.name, kind: 'added', from: null, to: b.type });
  const order: ExportChangeKind[] = ['added', 'removed', 'license', 'namespace', 'crc', 'owner'];
  return out.sort((x, y) => (x.symbol < y.symbol ? -1 : x.symbol > y.symbol ? 1 : order.indexOf(x.kind) - order.indexOf(y.kind)));
}
