/**
 * A map keyed by byte strings as they lie in a buffer: the value a caller made for the same bytes
 * before, found without decoding them. A tree's 4,000 modules name the same few thousand symbols
 * and section names 500,000 times; decoding each to a fresh string only to look the string up costs
 * a call into Node's binding, an allocation and a string hash, where hashing the bytes in place
 * costs a loop over ~20 bytes.
 */

/** FNV-1a over buf[start, end): cheap, and enough for names (a hit compares the bytes too). */
function fnv1a(buf: Uint8Array, start: number, end: number): number {
  let h = 0x811c9dc5 | 0;
  for (let i = start; i < end; i++) h = Math.imul(h ^ buf[i], 16777619);
  return h;
}

export class ByteMap<T> {
  /** Per slot: the value kept there (undefined: the slot is empty), its key's hash, start in `bytes`, length. */
  #values: (T | undefined)[];
  #hashes: Int32Array;
  #starts: Int32Array;
  #lengths: Int32Array;
  /** The bytes of every key, one after another. */
  #bytes: Uint8Array;
  #used = 0;
  #count = 0;

  /**
   * `maxBytes`: the keys' bytes kept at most. A key past it is not kept (get() makes its value again
   * each time it is asked), so that a run over hostile files cannot grow the map without bound
   * through names nobody meets twice.
   */
  constructor(readonly maxBytes: number) {
    const slots = 1 << 10;
    this.#values = new Array<T | undefined>(slots).fill(undefined);
    this.#hashes = new Int32Array(slots);
    this.#starts = new Int32Array(slots);
    this.#lengths = new Int32Array(slots);
    this.#bytes = new Uint8Array(1 << 14);
  }

  /** Keys kept. */
  get size(): number {
    return this.#count;
  }

  /**
   * The value kept for buf[start, end), or, when there is none, `make()`'s for them (never undefined),
   * kept unless the map is full.
   */
  get<B extends Uint8Array>(buf: B, start: number, end: number, make: (buf: B, start: number, end: number) => T): T {
    const h = fnv1a(buf, start, end);
    const len = end - start;
    const values = this.#values;
    const mask = values.length - 1;
    let k = h & mask;
    for (;;) {
      const v = values[k];
      if (v === undefined) break;
      if (this.#hashes[k] === h && this.#lengths[k] === len && this.#same(this.#starts[k], buf, start, len)) return v;
      k = (k + 1) & mask;
    }
    const v = make(buf, start, end);
    if (this.#used + len <= this.maxBytes) this.#keep(k, h, buf, start, len, v);
    return v;
  }

  #same(at: number, buf: Uint8Array, start: number, len: number): boolean {
    const bytes = this.#bytes;
    for (let j = 0; j < len; j++) if (bytes[at + j] !== buf[start + j]) return false;
    return true;
  }

  /** Keep a key in slot `k` (empty: where get()'s probe stopped), growing the bytes or the slots. */
  #keep(k: number, h: number, buf: Uint8Array, start: number, len: number, v: T): void {
    if (this.#used + len > this.#bytes.length) {
      let size = this.#bytes.length * 2;
      while (size < this.#used + len) size *= 2;
      const grown = new Uint8Array(size);
      grown.set(this.#bytes.subarray(0, this.#used));
      this.#bytes = grown;
    }
    this.#bytes.set(buf.subarray(start, start + len), this.#used);
    this.#values[k] = v;
    this.#hashes[k] = h;
    this.#starts[k] = this.#used;
    this.#lengths[k] = len;
    this.#used += len;
    // at most half full, so that a probe meets an empty slot soon
    if (++this.#count * 2 > this.#values.length) this.#grow();
  }

  #grow(): void {
    const values = this.#values, hashes = this.#hashes, starts = this.#starts, lengths = this.#lengths;
    const slots = values.length * 2;
    const mask = slots - 1;
    this.#values = new Array<T | undefined>(slots).fill(undefined);
    this.#hashes = new Int32Array(slots);
    this.#starts = new Int32Array(slots);
    this.#lengths = new Int32Array(slots);
    for (let i = 0; i < values.length; i++) {
      if (values[i] === undefined) continue;
      let k = hashes[i] & mask;
      while (this.#values[k] !== undefined) k = (k + 1) & mask;
      this.#values[k] = values[i];
      this.#hashes[k] = hashes[i];
      this.#starts[k] = starts[i];
      this.#lengths[k] = lengths[i];
    }
  }
}
