/**
 * A model of the order in which modpost's check_exports() visits a module's undefined symbols, and of
 * what an old modpost (≤5.10, where a GPL violation is `fatal()`) still manages to print before it exits.
 *
 * Verified in source:
 *  - ≤5.18 handle_modversions()/handle_symbol() builds `mod->unres` by PREPENDING each undefined symbol
 *    while walking .symtab (`mod->unres = alloc_symbol(symname, weak, mod->unres)`, read in a 4.17-era
 *    modpost.c and in the 5.x diffs), so check_exports() sees them in REVERSE .symtab order.
 *  - 5.19 ("modpost: traverse unresolved symbols in order", Masahiro Yamada, May 2022) switched to a
 *    list_add_tail'ed list: .symtab order from then on.
 *  - Per symbol, check_exports() does: undefined → report and `continue`; (5.4+) namespace; GPL
 *    (`check_for_gpl_usage`, fatal() ≤5.10, error() ≥5.11); UNUSED (`check_for_unused`, ≤5.11).
 */
import type { Export } from '../kernel/types.js';
import { isGplOnly } from '../kernel/types.js';
import { importColumns } from '../module/columns.js';
import type { RuleContext } from './types.js';
import { atLeast } from './versioned.js';
import { modpostGplCompatible, modpostImportIndices, resolveById } from './shared.js';

export type ModpostPhase = 'undefined' | 'namespace' | 'gpl' | 'unused';

/**
 * The non-ignored undefined symbols in the order check_exports() visits them, as columns (no object per
 * import): the k-th visited is `nameAt(k)`, weak or not, and what modpost's find_symbol() finds for it.
 */
export interface ModpostWalk {
  count: number;
  nameAt(k: number): string;
  weakAt(k: number): boolean;
  exportAt(k: number): Export | undefined;
  /** Index in `order` where a ≤5.10 modpost fatal()s on a GPL-only symbol; -1 when it does not. */
  fatalAt: number;
  /** Position of a symbol in `order` (-1 if modpost ignores it). */
  position(name: string): number;
  /** Does modpost get to print the message of `phase` for `name` (false once it has exited)? */
  prints(name: string, phase: ModpostPhase): boolean;
}

/** Is check_exports()' walk over `mod->unres` in reverse .symtab order for this version? */
export function modpostWalksReversed(ctx: RuleContext): boolean {
  return !atLeast(ctx.version, '5.19');
}

/** GPL misuse is fatal() (modpost stops at the first) before 5.11, error() from 5.11. */
export function gplIsFatal(ctx: RuleContext): boolean {
  return !atLeast(ctx.version, '5.11');
}

/** One walk per module and run: five rules read it. */
const walkCache = new WeakMap<RuleContext, ModpostWalk>();

export function modpostWalk(ctx: RuleContext): ModpostWalk {
  let walk = walkCache.get(ctx);
  if (!walk) walkCache.set(ctx, (walk = computeWalk(ctx)));
  return walk;
}

function computeWalk(ctx: RuleContext): ModpostWalk {
  const cols = importColumns(ctx.module);
  const kept = modpostImportIndices(ctx, cols);
  const count = kept.length;
  // the import positions in visiting order, and what each resolves to (one array, not an object each)
  const at = modpostWalksReversed(ctx) ? kept.slice().reverse() : kept;
  const exports: Array<Export | undefined> = new Array(count);
  for (let k = 0; k < count; k++) exports[k] = resolveById(ctx, cols.ids[at[k]]);
  const nameAt = (k: number): string => cols.name(at[k]);
  const weakAt = (k: number): boolean => cols.weak(at[k]);
  const exportAt = (k: number): Export | undefined => exports[k];
  let fatalAt = -1;
  if (gplIsFatal(ctx) && !modpostGplCompatible(ctx.module)) {
    fatalAt = exports.findIndex((e) => e !== undefined && isGplOnly(e.type));
  }
  // built on first use: only a run where modpost fatal()s asks (a Map per module is measurable in a tree)
  let pos: Map<string, number> | undefined;
  const position = (name: string): number => {
    if (!pos) {
      pos = new Map<string, number>();
      for (let k = 0; k < count; k++) if (!pos.has(nameAt(k))) pos.set(nameAt(k), k);
    }
    return pos.get(name) ?? -1;
  };
  const prints = (name: string, phase: ModpostPhase): boolean => {
    if (fatalAt < 0) return true;
    const p = position(name);
    if (p < 0) return true;
    if (p < fatalAt) return true;
    if (p > fatalAt) return false;
    // the fatal symbol itself: namespace and the GPL line come out, the UNUSED warning does not
    return phase === 'namespace' || phase === 'gpl';
  };
  return { count, nameAt, weakAt, exportAt, fatalAt, position, prints };
}
