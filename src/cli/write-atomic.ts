/**
 * --output FILE: the report written whole or not at all. The text goes to a temporary file beside the
 * target (same directory, so same file system), is flushed to disk, then renamed over the target: an
 * interrupted run leaves the previous file (or none), never half a report. A failure is an InputError
 * naming the file; the temporary file is removed.
 */
import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { InputError } from '../errors.js';

/** `text`: the whole text, or its pieces in order (a JSON report comes one module at a time). */
export function writeFileAtomic(path: string, text: string | Iterable<string>): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now().toString(36)}.tmp`);
  let fd: number | undefined;
  try {
    fd = openSync(tmp, 'wx', 0o666);
    for (const piece of typeof text === 'string' ? [text] : text) {
      const data = Buffer.from(piece, 'utf8');
      for (let at = 0; at < data.length; ) at += writeSync(fd, data, at, data.length - at);
    }
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, path);
  } catch (e) {
    if (fd !== undefined) closeSync(fd);
    rmSync(tmp, { force: true });
    const err = e as NodeJS.ErrnoException;
    throw new InputError(path, `cannot write the report: ${err.code === 'ENOENT' ? 'no such directory' : err.code === 'EISDIR' ? 'is a directory' : err.message}`);
  }
}
