/**
 * Options given more than once. yargs makes an array of any option repeated on the command line; an
 * option that takes one value (--stage, --format, check's --kernel, --kernel-version, …) was then read as
 * if that array were its value — `--stage build --stage both` checked no stage at all and passed every
 * module, `--format json --format text` failed with an internal error. Such an option given twice is a
 * usage error; the options meant to be repeated, one value each, are listed here.
 */

/** Repeatable in every command that has them. */
const REPEATABLE = new Set(['extra-symbols', 'extraSymbols', 'debug-dir', 'debugDir', 'trusted-key', 'trustedKey']);
/** Repeatable in one command: matrix's kernels (`-k A -k B`). */
const REPEATABLE_IN: Readonly<Record<string, ReadonlySet<string>>> = { matrix: new Set(['kernel', 'k']) };
/** What yargs puts beside the options: the command words, the words after `--`, the positional lists. */
const NOT_OPTIONS = new Set(['_', '--', '$0', 'modules', 'reports']);

/** The first option of a parsed command line given more than once that may not be (as the user would type it), if any. */
export function repeatedOption(argv: Readonly<Record<string, unknown>>): string | undefined {
  const words = Array.isArray(argv._) ? argv._ : [];
  const also = REPEATABLE_IN[String(words[0] ?? '')];
  const found = Object.keys(argv).filter((k) => Array.isArray(argv[k]) && !NOT_OPTIONS.has(k) && !REPEATABLE.has(k) && !also?.has(k));
  if (found.length === 0) return undefined;
  // yargs keeps a dashed option under its camelCase name and its aliases too: say the long dashed one
  const name = found.find((k) => k.length > 1 && !/[A-Z]/.test(k)) ?? found[0];
  return name.length > 1 ? `--${name}` : `-${name}`;
}
