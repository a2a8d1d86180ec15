/**
 * The files a package stream hands over, the damage that ends it, and the files held back until the check
 * that covers their bytes passes.
 */
import type { InputError } from '../errors.js';
import { formatSize } from '../codec/decompress.js';

/** A wanted file of a package: its path as in the package (`/lib/modules/…`), its bytes or why not. */
export type StreamedFile = { path: string; data: Buffer; error?: undefined } | { path: string; data?: undefined; error: InputError };

/**
 * Where the data member stopped being readable: the package offset reached and why; `corrupt`: the bytes
 * were seen to be wrong (a decoder's error, a failed check, a bad tar header), not merely cut short.
 */
export class Damage {
  constructor(
    readonly offset: number,
    readonly reason: string,
    readonly corrupt = true,
  ) {}
}

/** The most bytes of files held back awaiting their check; past it the oldest are handed over unverified (and the error says so). */
export const HOLD_MAX = 64 << 20;

/**
 * Files whole but not yet verified (gzip's CRC32 comes at the end of its data, zstd's checksum at the end
 * of a frame, xz's check at the end of each block: a damaged stream can decode to garbage for a while before
 * the decoder notices), held until the check that covers their bytes passes: then handed over in order.
 * Checks that cover all the output so far say `checkpoint()`; checks that cover it up to an offset (xz's
 * blocks) say `verifiedTo(offset)`, and a file held with the offset where its bytes end in the decoded
 * stream is verified once that offset is. When a check fails, the held files are dropped — nothing tells
 * their bytes from garbage; when the input is merely cut short, they are handed over as a cut stream's are
 * (what decoded before the cut was not seen to be wrong).
 */
export class HeldFiles {
  private files: Array<{ f: StreamedFile; end?: number }> = [];
  private bytes = 0;
  /** files[0 .. verified) are verified. */
  private verified = 0;
  /** The decoded output verified so far, from its start: its end offset. */
  private upTo = 0;
  /** The output from here on awaits a check. */
  holding = false;
  /** The first file handed over before its check because the hold was full. */
  unverifiedFrom: string | undefined;

  constructor(private readonly onFile: (f: StreamedFile) => Promise<void | 'stop'>) {}

  /** Everything produced so far is verified (every file held now is). */
  checkpoint(): void {
    this.verified = this.files.length;
  }

  /** The decoded output is verified from its start up to `offset` (the files held whose bytes end there or before are). */
  verifiedTo(offset: number): void {
    if (offset > this.upTo) this.upTo = offset;
    this.advance();
  }

  private advance(): void {
    while (this.verified < this.files.length) {
      const end = this.files[this.verified].end;
      if (end === undefined || end > this.upTo) break;
      this.verified++;
    }
  }

  /**
   * A whole file: handed over now, or held until the check that covers its bytes. `end`: the offset in the
   * decoded stream where its bytes end (for `verifiedTo`).
   */
  async add(f: StreamedFile, end?: number): Promise<void | 'stop'> {
    if (!this.holding && this.files.length === 0) return this.onFile(f);
    this.files.push({ f, end });
    this.bytes += f.data?.length ?? 0;
    this.advance();
    return this.release(false);
  }

  /** The verified files handed over (and, `all`, every one; or the oldest while the hold is over its bound). */
  async release(all: boolean): Promise<void | 'stop'> {
    while (this.files.length > 0 && (all || this.verified > 0 || this.bytes > HOLD_MAX)) {
      const { f } = this.files.shift()!;
      if (this.verified > 0) this.verified--;
      else if (!all) this.unverifiedFrom ??= f.path;
      this.bytes -= f.data?.length ?? 0;
      if ((await this.onFile(f)) === 'stop') return 'stop';
    }
  }

  /** The held files dropped (a check failed): what the error says of them. */
  drop(what: string): string {
    const n = this.files.length;
    const first = this.files[0]?.f.path;
    this.files = [];
    this.bytes = 0;
    this.verified = 0;
    let out = '';
    if (n > 0) out += `; ${n} file${n === 1 ? '' : 's'} decoded before it left out, unverified (${what}), from ${first}`;
    if (this.unverifiedFrom) out += `; the files from ${this.unverifiedFrom} on were handed over before their check (more than ${formatSize(HOLD_MAX)} held)`;
    return out;
  }
}

/** What a codec's check covers, for the error that drops held files. */
export function checkOf(name: string): string {
  if (name.endsWith('.xz')) return 'xz checks a block only at its end';
  return name.endsWith('.gz') || name === 'gzip' ? 'gzip checks its data only at its end' : 'zstd checks a frame only at its end';
}

