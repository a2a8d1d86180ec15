/**
 * xz-embedded (the kernel's own lib/xz decoder) as the WebAssembly that the xz-decompress package ships,
 * driven from here: the module instantiated once per thread, its decoder contexts (never one of 0: see
 * newContext()), a whole file decoded in steps (`xzSteps`, for decompress.ts, which bounds and keeps the
 * output), and a stream decoded as its input comes (`XzStreamDecoder`, for a package's data member).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { InputError } from '../errors.js';
import { isXzSha256, Sha256Verifier, withoutSha256 } from './xz-sha256.js';
import { withSliceBy8, writeTables } from './xz-crc32.js';

const require = createRequire(import.meta.url);

/** Where xzSteps() puts what it decodes (decompress.ts's Output: copies each chunk, counts, bounds). */
export interface XzOutput {
  push(chunk: Uint8Array): void;
}

/** The exports of xz-decompress's WebAssembly build of xz-embedded (its xz_dec_run wrapped per context). */
interface XzExports {
  memory: { buffer: ArrayBuffer };
  create_context(): number;
  destroy_context(ctx: number): void;
  supply_input(ctx: number, length: number): void;
  get_next_output(ctx: number): number;
}
let xzExports: XzExports | undefined;

/**
 * xz-embedded, instantiated synchronously from the WebAssembly that xz-decompress ships (its own
 * wrapper is an asynchronous Web stream; the module itself is synchronous, and a sync path is needed to
 * re-read a module for its references). xz-decompress is pinned: its context layout is read below.
 */
function xz(): XzExports {
  if (xzExports) return xzExports;
  const bundle = readFileSync(require.resolve('xz-decompress'), 'utf8');
  const wasm = /data:application\/wasm;base64,([A-Za-z0-9+/=]+)/.exec(bundle);
  if (!wasm) throw new Error('xz-decompress: its WebAssembly module was not found');
  // (the WebAssembly global, which this project's type libraries do not declare)
  const { WebAssembly: wa } = globalThis as unknown as { WebAssembly: { Module: new (b: Uint8Array) => object; Instance: new (m: object, i: object) => { exports: unknown } } };
  const original = Buffer.from(wasm[1], 'base64');
  const fast = withSliceBy8(original); // its CRC32 eight bytes at a time (xz-crc32.ts)
  const instance = new wa.Instance(new wa.Module(fast ?? original), {});
  const exports = instance.exports as XzExports;
  if (fast) writeTables(exports.memory.buffer);
  return (xzExports = exports);
}

/**
 * A decoder context of xz-decompress's WebAssembly (its `create_context()`: the context, input and output
 * buffers, and xz-embedded's state). Its C takes malloc()'s answer unchecked, so when the module's memory
 * (at most 4 GiB) is exhausted — decoders not destroyed — it hands back 0, and decoding through that
 * spins for ever inside the WebAssembly (seen: a fuzz run that never closed the decoders of failed reads).
 * Refused here as the decoder's own error for an allocation that failed.
 */
function newContext(x: XzExports): number {
  const ctx = x.create_context();
  if (ctx === 0) throw new Error(XZ_RET[3]);
  return ctx;
}

/** xz-embedded's return codes (lib/xz: enum xz_ret). */
const XZ_OK = 0;
const XZ_STREAM_END = 1;
const XZ_RET = ['ok', 'stream end', 'unsupported check', 'out of memory', 'memory limit', 'not xz data', 'unsupported options', 'corrupt data', 'truncated data'];
/** The decoder's error when an allocation failed (xz-embedded's XZ_MEM_ERROR, or newContext()). */
export const XZ_OUT_OF_MEMORY = XZ_RET[3];

/**
 * Decode an xz file into `out`, one buffer of input and output at a time. A context's words (from its
 * pointer): buffer size, input buffer, input position, input size, output buffer, output position.
 * Concatenated streams and stream padding are taken, as xz(1) and kmod's liblzma take them.
 * `pause` (asynchronous callers) is awaited every 16 MiB of output, so other reads go on meanwhile.
 */
export function* xzSteps(input: Buffer, out: XzOutput, path: string): Generator<void, void, void> {
  // SHA-256 (which xz-embedded lacks, as the kernel's decoder does): decoded as check "none", then verified
  let sha256: Sha256Verifier | undefined;
  if (isXzSha256(input)) {
    let unchecked: ReturnType<typeof withoutSha256>;
    try {
      unchecked = withoutSha256(input, path);
    } catch (e) {
      // the container cannot be followed: "xz: corrupt or truncated data (…)", as for the other checks
      const where = e instanceof InputError && e.where?.offset !== undefined ? ` at offset 0x${e.where.offset.toString(16)}` : '';
      throw new Error(`${e instanceof InputError ? e.reason : String(e)}${where}`);
    }
    input = unchecked.xz;
    sha256 = new Sha256Verifier(unchecked, path);
  }
  const x = xz();
  const ctx = newContext(x);
  const words = () => new Uint32Array(x.memory.buffer, ctx, 6);
  const bufSize = words()[0];
  let off = 0;
  let ended = false;
  let sinceYield = 0;
  try {
    for (;;) {
      let w = words();
      if (w[2] === w[3]) {
        const n = Math.min(bufSize, input.length - off);
        if (n > 0) new Uint8Array(x.memory.buffer, w[1], n).set(input.subarray(off, off + n));
        else if (ended) throw new Error(XZ_RET[8]);
        else ended = true; // an empty supply tells the decoder the input is over
        off += n;
        x.supply_input(ctx, n);
      }
      const ret = x.get_next_output(ctx);
      w = words();
      const produced = w[5];
      if (produced > 0) {
        sha256?.push(new Uint8Array(x.memory.buffer, w[4], produced));
        out.push(new Uint8Array(x.memory.buffer, w[4], produced));
        w = words();
        w[5] = 0;
        sinceYield += produced;
      }
      if (ret === XZ_STREAM_END) break;
      if (ret !== XZ_OK) throw new Error(XZ_RET[ret] ?? `error ${ret}`);
      if (sinceYield >= 16 << 20) {
        sinceYield = 0;
        yield;
      }
    }
    const w = words();
    if (w[3] - w[2] + (input.length - off) > 0) throw new Error('data after the end of the stream');
    sha256?.end();
  } finally {
    x.destroy_context(ctx);
  }
}

/**
 * xz-embedded fed piece by piece (a package's `data.tar.xz`, hundreds of megabytes): each push() hands
 * the output to `sink` as it is produced (in the decoder's reused buffer: copy what is kept), so neither
 * the input nor the output is held whole. end() says whether the stream ended where the input did.
 */
export class XzStreamDecoder {
  private readonly x = xz();
  private ctx = newContext(this.x);
  private finished = false;
  private supplied = 0;

  constructor(private readonly sink: (chunk: Uint8Array) => void) {}

  private words(): Uint32Array {
    return new Uint32Array(this.x.memory.buffer, this.ctx, 6);
  }

  /** Decode `input`. Throws the decoder's error ('corrupt data', …). */
  push(input: Uint8Array): void {
    let off = 0;
    for (;;) {
      let w = this.words();
      if (w[2] === w[3]) {
        if (off >= input.length) return; // all taken: more input, or end()
        if (this.finished) throw new Error('data after the end of the stream');
        const n = Math.min(w[0], input.length - off);
        new Uint8Array(this.x.memory.buffer, w[1], n).set(input.subarray(off, off + n));
        off += n;
        this.supplied += n;
        this.x.supply_input(this.ctx, n);
      }
      if (this.step() === 0 && this.finished && (off < input.length || this.words()[2] !== this.words()[3])) throw new Error('data after the end of the stream');
    }
  }

  /** One call of the decoder, its output to the sink: the bytes produced. */
  private step(): number {
    const ret = this.x.get_next_output(this.ctx);
    const w = this.words();
    const produced = w[5];
    if (produced > 0) {
      this.sink(new Uint8Array(this.x.memory.buffer, w[4], produced));
      this.words()[5] = 0;
    }
    if (ret === XZ_STREAM_END) this.finished = true;
    else if (ret !== XZ_OK) throw new Error(XZ_RET[ret] ?? `error ${ret}`);
    return produced;
  }

  /** The input is over: the rest of the output to the sink; throws unless the stream ended there. Frees the decoder. */
  end(): void {
    try {
      if (!this.finished) {
        this.x.supply_input(this.ctx, 0); // an empty supply tells the decoder the input is over
        while (!this.finished && this.step() > 0);
      }
      if (!this.finished) throw new Error(XZ_RET[8]);
    } finally {
      this.close();
    }
  }

  /** Input bytes the decoder has taken so far (after an error: up to where it found it). */
  get consumed(): number {
    if (this.ctx < 0) return this.supplied;
    const w = this.words();
    return this.supplied - (w[3] - w[2]);
  }

  close(): void {
    if (this.ctx >= 0) this.x.destroy_context(this.ctx);
    this.ctx = -1;
  }
}
