/**
 * The command line's standard streams when the reader goes away: `ksymcheck … | head -3` closes the
 * pipe after three lines. Node.js ignores SIGPIPE, so the next write fails with EPIPE, and an 'error'
 * event nobody handles ends the process with a stack trace. Here a closed pipe ends the output quietly:
 * what is left is dropped, and the run ends with the exit status its verdicts give, as if the reader had
 * read everything.
 */

/** `write` for a stream whose reader may leave early; the stream's other errors end the run with status 2. */
export function closablePipe(stream: NodeJS.WriteStream): (s: string) => void {
  let closed = false;
  stream.on('error', (e: NodeJS.ErrnoException) => {
    // after the first EPIPE the stream is destroyed: a write still queued fails with ERR_STREAM_DESTROYED
    if (e.code === 'EPIPE' || (closed && e.code === 'ERR_STREAM_DESTROYED')) {
      closed = true;
      return;
    }
    // any other failure (`> /dev/full`: ENOSPC; EIO): said in one line, exit status 2 — the report was
    // not delivered, whatever its verdicts (it was a stack trace and the verdicts' status)
    closed = true;
    if (stream !== process.stderr) process.stderr.write(`ksymcheck: cannot write the report to standard output: ${e.message}\n`);
    process.exit(2);
  });
  return (s) => {
    if (!closed) stream.write(s);
  };
}
