/**
 * Input files opened without waiting. open(2) of a FIFO for reading waits until something opens it for
 * writing, so a FIFO named as a module, a Module.symvers, a key, a report or a DKMS log hung the run before
 * anything could refuse it. Inputs are opened O_NONBLOCK (which changes nothing for a regular file's reads)
 * and the descriptor's own fstat decides — no stat before the open for the path to change in between: a
 * FIFO, a socket or a device is refused by name. A directory is left to the caller, whose read of it fails
 * with EISDIR as before. Errors of open(2) itself (ENOENT, EACCES, …) are thrown as Node gives them, for
 * each caller's own wording.
 */
import { closeSync, constants, fstatSync, openSync, readFileSync, type Stats } from 'node:fs';
import { InputError } from './errors.js';

/** What a file that is not a regular file or a directory is, in words. */
function specialKind(st: Stats): string | undefined {
  if (st.isFIFO()) return 'a FIFO';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  return undefined;
}

/** A read-only descriptor of `path` and its fstat, or an InputError naming it when it is a FIFO, a socket or a device. */
export function openInput(path: string): { fd: number; st: Stats } {
  const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const st = fstatSync(fd);
    const kind = specialKind(st);
    if (kind) throw new InputError(path, `${kind}, not a regular file`);
    return { fd, st };
  } catch (e) {
    closeSync(fd);
    throw e;
  }
}

/** readFileSync() of an input file, refusing what openInput() refuses. */
export function readInput(path: string): Buffer;
export function readInput(path: string, encoding: BufferEncoding): string;
export function readInput(path: string, encoding?: BufferEncoding): Buffer | string {
  const { fd } = openInput(path);
  try {
    return encoding ? readFileSync(fd, encoding) : readFileSync(fd);
  } finally {
    closeSync(fd);
  }
}
