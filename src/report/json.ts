/**
 * A JSON report (check, matrix, diff), byte for byte what `JSON.stringify(report, null, 2) + '\n'` gives,
 * in pieces: one per top-level field, and one per element of a top-level array (the modules of a check,
 * the cells of a matrix). A tree's report runs to tens of megabytes (Debian's 4,023 modules on another
 * ABI's kernel: 97 MB); as one string it was held three times over at the end of a run (the string, the
 * string with its newline, the buffer written), the run's peak memory.
 */

/** JSON.stringify(value, null, 2) as it reads nested `depth` levels deep (JSON strings hold no raw newline). */
function nested(value: unknown, depth: number): string {
  const s = JSON.stringify(value, null, 2);
  return depth === 0 ? s : s.replace(/\n/g, '\n' + '  '.repeat(depth));
}

export function* formatJsonChunks(report: object): Generator<string> {
  const keys = Object.keys(report).filter((k) => {
    const v = (report as unknown as Record<string, unknown>)[k];
    return v !== undefined && typeof v !== 'function' && typeof v !== 'symbol';
  });
  if (keys.length === 0) {
    yield '{}\n';
    return;
  }
  yield '{\n';
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i];
    const v = (report as unknown as Record<string, unknown>)[k];
    const last = i === keys.length - 1 ? '\n' : ',\n';
    if (Array.isArray(v) && v.length > 0) {
      yield `  ${JSON.stringify(k)}: [\n`;
      for (let j = 0; j < v.length; j++) yield `    ${nested(v[j] === undefined ? null : v[j], 2)}${j === v.length - 1 ? '\n' : ',\n'}`;
      yield `  ]${last}`;
    } else {
      yield `  ${JSON.stringify(k)}: ${nested(v, 1)}${last}`;
    }
  }
  yield '}\n';
}
