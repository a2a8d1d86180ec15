/**
 * --output FILE: the report written whole or not at all. The text goes to a temporary file beside the
 * target (same directory, so same file system), is flushed to disk, then renamed over the target: an
 * interrupted run leaves the previous file (or none), never half a report. A failure is an InputError
 * naming the file; the temporary file is removed.
 *
 * Where the report goes is what a shell's `>` would write: through a symbolic link to its target (the
 * link stays), and into a device, a FIFO or a socket rather than in its place — renaming a file over
 * `-o /dev/null` replaced the machine's /dev/null with a regular file. Those are written directly (a
 * device is no file to be half-written), and their errors are said (`-o /dev/full`: ENOSPC).
 */
import { closeSync, existsSync, fchmodSync, fsyncSync, lstatSync, openSync, readlinkSync, realpathSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { InputError } from '../errors.js';

type Text = string | Iterable<string>;

/** The file a path names for writing: a symbolic link's final target (even one not there yet), else the path. */
function writeTarget(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    // not there yet, or a link to a file not there yet: follow the links by hand
    let p = path;
    for (let i = 0; i < 40; i++) {
      let link: string;
      try {
        if (!lstatSync(p).isSymbolicLink()) return p;
        link = readlinkSync(p);
      } catch {
        return p;
      }
      p = resolve(dirname(p), link);
    }
    return p;
  }
}

function writeAll(fd: number, text: Text): void {
  for (const piece of typeof text === 'string' ? [text] : text) {
    const data = Buffer.from(piece, 'utf8');
    for (let at = 0; at < data.length; ) at += writeSync(fd, data, at, data.length - at);
  }
}

function cannotWrite(path: string, target: string, e: unknown): InputError {
  const err = e as NodeJS.ErrnoException;
  const why = err.code === 'ENOENT' && !existsSync(dirname(target)) ? 'no such directory' : err.code === 'EISDIR' ? 'is a directory' : err.message;
  return new InputError(path, `cannot write the report: ${why}`);
}

/** `text`: the whole text, or its pieces in order (a JSON report comes one module at a time). */
export function writeFileAtomic(path: string, text: Text): void {
  if (path === '') throw new InputError("''", 'cannot write the report: an empty file name');
  const target = writeTarget(path);
  let st;
  try {
    st = statSync(target);
  } catch {
    st = undefined;
  }
  if (st && !st.isFile() && !st.isDirectory()) {
    // a device, a FIFO, a socket: written into, never replaced
    let fd: number | undefined;
    try {
      fd = openSync(target, 'w');
      writeAll(fd, text);
      closeSync(fd);
      return;
    } catch (e) {
      if (fd !== undefined) closeSync(fd);
      throw cannotWrite(path, target, e);
    }
  }
  const tmp = join(dirname(target), `.${basename(target)}.${process.pid}.${Date.now().toString(36)}.tmp`);
  let fd: number | undefined;
  try {
    fd = openSync(tmp, 'wx', 0o666);
    if (st?.isFile()) fchmodSync(fd, st.mode & 0o7777); // a report file replaced keeps its mode (a 0600 one stays private)
    writeAll(fd, text);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, target);
  } catch (e) {
    if (fd !== undefined) closeSync(fd);
    rmSync(tmp, { force: true });
    throw cannotWrite(path, target, e);
  }
}
