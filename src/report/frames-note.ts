/**
 * The report's words about references without frames, apart from report/schema.ts: the command line and
 * the text formatter use them on every run, and schema.ts builds zod schemas when it is loaded (755 kB
 * of code to compile and initialise that a clean run never needs: src/zod.ts). schema.ts re-exports them.
 */

/**
 * How the note starts that says some modules' references have no frames for want of DWARF (check.ts's
 * noDwarfNote). It is about references shown without frames, so a format says it where it shows such
 * references, once, rather than at the head of a report that may show none (a distribution's tree:
 * stripped by design, and one line per module).
 */
export const NO_DWARF_NOTE = 'modules with references but no DWARF';

export const isNoDwarfNote = (note: string) => note.startsWith(NO_DWARF_NOTE);

/** Whether a reference is shown with function+offset alone (no inline chain from DWARF). */
export const withoutFrames = (r: { frames?: unknown[] }) => !r.frames || r.frames.length === 0;
