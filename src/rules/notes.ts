/**
 * What is known about a few symbols that out-of-tree modules famously trip over (kernel-rules.md §6),
 * for the hints: their history (when and by which commit their export changed). Keep this small: it is
 * advice, not a database. Each note is a version table (versioned.ts), so that what is true of one release
 * is not said of another. Which inline function pulls a symbol into a module is not written here: it comes
 * from the module's own DWARF (src/explain/frames.ts), for every symbol.
 */

import type { KernelVersion } from '../kernel/types.js';
import { pickValue, type Versioned } from './versioned.js';

export interface SymbolNote {
  /** Shown when the symbol is GPL-only for a GPL-incompatible module: the row of the build's version, if any. */
  gpl?: readonly Versioned<string>[];
  /** Shown when the symbol is not exported at all: the row of the build's version, if any. */
  missing?: readonly Versioned<string>[];
}

const DEVMAP: readonly Versioned<string>[] = [
  // the 4.18 series only: a GPL-only export of it in another release is that build's own, and this note's
  // advice (target 4.18 final) would be wrong there
  {
    since: '4.18-rc1',
    until: '4.19',
    value: 'EXPORT_SYMBOL_GPL only in 4.18-rc1…rc5 — 31c5bda3a656 made it EXPORT_SYMBOL before 4.18 final, so target 4.18 final or later',
  },
];
const FPU: readonly Versioned<string>[] = [
  {
    since: '4.2',
    until: '5.0',
    value: 'x86 kernel FPU helpers are GPL-only since 4.2; until 5.0 __kernel_fpu_begin()/__kernel_fpu_end() are EXPORT_SYMBOL',
  },
  { since: '5.0', value: 'x86 kernel FPU helpers are GPL-only since 4.2 and there is no non-GPL alternative since 5.0' },
];

export const SYMBOL_NOTES: Readonly<Record<string, SymbolNote>> = {
  __put_devmap_managed_page: { gpl: DEVMAP },
  devmap_managed_key: { gpl: DEVMAP },
  kernel_fpu_begin: { gpl: FPU },
  kernel_fpu_end: { gpl: FPU },
  kernel_fpu_begin_mask: {
    gpl: [{ since: '5.11', value: 'GPL-only since it was added in 5.11; there is no non-GPL alternative' }],
  },
  __kernel_fpu_begin: {
    missing: [{ since: '5.0', value: 'no longer exported since 5.0 ("x86/fpu: Don\'t export __kernel_fpu_{begin,end}()"); kernel_fpu_begin() is GPL-only' }],
  },
  __kernel_fpu_end: {
    missing: [{ since: '5.0', value: 'no longer exported since 5.0 ("x86/fpu: Don\'t export __kernel_fpu_{begin,end}()"); kernel_fpu_end() is GPL-only' }],
  },
};

/** What is known of `sym` for a build of `version`, when it is GPL-only (`gpl`) or not exported (`missing`). */
export function symbolNote(sym: string, kind: keyof SymbolNote, version: KernelVersion): string | undefined {
  const rows = SYMBOL_NOTES[sym]?.[kind];
  return rows ? pickValue<string | undefined>(rows, version, undefined) : undefined;
}
