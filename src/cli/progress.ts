/** The progress line of long runs (stderr, terminals only). */

/**
 * `read 1234/4023 modules, 2,345/s` on one line of a terminal's stderr, redrawn at most every 100 ms
 * and erased at the end; nothing at all when stderr is not a terminal (a pipe, a CI log), nor for runs
 * that end within a second.
 */
export function progressDisplay(stream: Pick<NodeJS.WriteStream, 'isTTY' | 'write'>, now: () => number = Date.now): ((done: number, total: number) => void) | undefined {
  if (!stream.isTTY) return undefined;
  const start = now();
  let last = 0;
  let shown = false;
  return (done, total) => {
    const t = now();
    if (done >= total) {
      if (shown) stream.write('\r\x1b[K');
      return;
    }
    if (t - start < 1000 || t - last < 100) return;
    last = t;
    shown = true;
    const rate = done / ((t - start) / 1000);
    stream.write(`\r\x1b[Kksymcheck: read ${done}/${total} modules, ${Math.round(rate).toLocaleString('en')}/s`);
  };
}

