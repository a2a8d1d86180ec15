/**
 * What is known about a few symbols that out-of-tree modules famously trip over (kernel-rules.md §6),
 * for the hints: their history (when and by which commit their export changed). Keep this small: it is
 * advice, not a database. Which inline function pulls a symbol into a module is not written here: it
 * comes from the module's own DWARF (src/explain/frames.ts), for every symbol.
 */

export interface SymbolNote {
  /** Shown when the symbol is GPL-only for a GPL-incompatible module. */
  gpl?: string;
  /** Shown when the symbol is not exported at all. */
  missing?: string;
}

export const SYMBOL_NOTES: Readonly<Record<string, SymbolNote>> = {
  __put_devmap_managed_page: {
    gpl:
      'EXPORT_SYMBOL_GPL only in 4.18-rc1…rc5 — 31c5bda3a656 ' +
      'made it EXPORT_SYMBOL before 4.18 final, so target 4.18 final or later',
  },
  devmap_managed_key: {
    gpl:
      'EXPORT_SYMBOL_GPL only in 4.18-rc1…rc5 — 31c5bda3a656 ' +
      'made it EXPORT_SYMBOL before 4.18 final, so target 4.18 final or later',
  },
  kernel_fpu_begin: {
    gpl: 'x86 kernel FPU helpers are GPL-only since 4.2 and there is no non-GPL alternative since 5.0',
  },
  kernel_fpu_end: {
    gpl: 'x86 kernel FPU helpers are GPL-only since 4.2 and there is no non-GPL alternative since 5.0',
  },
  kernel_fpu_begin_mask: {
    gpl: 'GPL-only since it was added in 5.11; there is no non-GPL alternative',
  },
  __kernel_fpu_begin: {
    missing: 'no longer exported since 5.0 ("x86/fpu: Don\'t export __kernel_fpu_{begin,end}()"); kernel_fpu_begin() is GPL-only',
  },
  __kernel_fpu_end: {
    missing: 'no longer exported since 5.0 ("x86/fpu: Don\'t export __kernel_fpu_{begin,end}()"); kernel_fpu_end() is GPL-only',
  },
};
