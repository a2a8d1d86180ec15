/**
 * XXH64 (xxHash's 64-bit hash, as zstd's frame content checksum uses it: the low 32 bits of XXH64 with
 * seed 0 over the decoded content), streaming: `update()` over the decoded pieces as a decoder produces
 * them, `digest()` at the frame's end. Specification: xxHash's doc/xxhash_spec.md.
 *
 * No BigInt: each 64-bit value is two uint32 halves, products formed from 16-bit limbs (exact in doubles)
 * with Math.imul for the cross terms that only reach the high half.
 */

// the primes, as [high, low] halves
const P1H = 0x9e3779b1, P1L = 0x85ebca87;
const P2H = 0xc2b2ae3d, P2L = 0x27d4eb4f;
const P3H = 0x165667b1, P3L = 0x9e3779f9;
const P4H = 0x85ebca77, P4L = 0xc2b2ae63;
const P5H = 0x27d4eb2f, P5L = 0x165667c5;

// the result of the 64-bit helpers (module-level: no allocation per operation)
let rh = 0;
let rl = 0;

/** (ah:al) × (bh:bl) mod 2^64 → rh:rl. */
function mul(ah: number, al: number, bh: number, bl: number): void {
  const a0 = al & 0xffff, a1 = al >>> 16, b0 = bl & 0xffff, b1 = bl >>> 16;
  const p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
  const mid = (p00 >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
  rl = (((mid & 0xffff) << 16) | (p00 & 0xffff)) >>> 0;
  // (each product is below 2^32: >>> is exact)
  const carry = p11 + (p01 >>> 16) + (p10 >>> 16) + (mid >>> 16);
  rh = (carry + Math.imul(ah, bl) + Math.imul(al, bh)) >>> 0;
}

/** (ah:al) + (bh:bl) mod 2^64 → rh:rl. */
function add(ah: number, al: number, bh: number, bl: number): void {
  const lo = al + bl;
  rl = lo >>> 0;
  rh = (ah + bh + (lo > 0xffffffff ? 1 : 0)) >>> 0;
}

/** (h:l) rotated left by r (0 < r < 64) → rh:rl. */
function rotl(h: number, l: number, r: number): void {
  if (r >= 32) {
    const t = h;
    h = l;
    l = t;
    r -= 32;
  }
  if (r === 0) {
    rh = h;
    rl = l;
    return;
  }
  rh = ((h << r) | (l >>> (32 - r))) >>> 0;
  rl = ((l << r) | (h >>> (32 - r))) >>> 0;
}

/** round(acc, input) = rotl(acc + input × P2, 31) × P1 → rh:rl. */
function round(acch: number, accl: number, inh: number, inl: number): void {
  mul(inh, inl, P2H, P2L);
  add(acch, accl, rh, rl);
  rotl(rh, rl, 31);
  mul(rh, rl, P1H, P1L);
}

/**
 * round() with its constants inlined (the inner loop): rotl(acc + input × P2, 31) × P1 → rh:rl.
 * Products of 16-bit limbs (below 2^32, exact); cross terms that only reach the high half by Math.imul.
 */
function lane(ah: number, al: number, ih: number, il: number): void {
  // input × P2
  let a0 = il & 0xffff, a1 = il >>> 16;
  let p00 = a0 * 0xeb4f, p01 = a0 * 0x27d4, p10 = a1 * 0xeb4f;
  let mid = (p00 >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
  let lo = (((mid & 0xffff) << 16) | (p00 & 0xffff)) >>> 0;
  let hi = a1 * 0x27d4 + (p01 >>> 16) + (p10 >>> 16) + (mid >>> 16) + Math.imul(ih, P2L) + Math.imul(il, P2H);
  // + acc
  lo += al;
  hi = (hi + ah + (lo > 0xffffffff ? 1 : 0)) >>> 0;
  lo >>>= 0;
  // rotl 31
  const rl31 = ((lo << 31) | (hi >>> 1)) >>> 0;
  const rh31 = ((hi << 31) | (lo >>> 1)) >>> 0;
  // × P1
  a0 = rl31 & 0xffff;
  a1 = rl31 >>> 16;
  p00 = a0 * 0xca87;
  p01 = a0 * 0x85eb;
  p10 = a1 * 0xca87;
  mid = (p00 >>> 16) + (p01 & 0xffff) + (p10 & 0xffff);
  rl = (((mid & 0xffff) << 16) | (p00 & 0xffff)) >>> 0;
  rh = (a1 * 0x85eb + (p01 >>> 16) + (p10 >>> 16) + (mid >>> 16) + Math.imul(rh31, P1L) + Math.imul(rl31, P1H)) >>> 0;
}

export class Xxh64 {
  // the four accumulators' halves: v1h, v1l, …, v4h, v4l
  private readonly v = new Uint32Array(8);
  private readonly buf = new Uint8Array(32);
  private fill = 0;
  private total = 0;

  constructor() {
    this.reset();
  }

  /** Back to the state of a new hash (seed 0). */
  reset(): void {
    // seed 0: v1 = P1 + P2, v2 = P2, v3 = 0, v4 = -P1
    add(P1H, P1L, P2H, P2L);
    this.v[0] = rh;
    this.v[1] = rl;
    this.v[2] = P2H;
    this.v[3] = P2L;
    this.v[4] = 0;
    this.v[5] = 0;
    // -P1 = ~P1 + 1
    add(~P1H >>> 0, ~P1L >>> 0, 0, 1);
    this.v[6] = rh;
    this.v[7] = rl;
    this.fill = 0;
    this.total = 0;
  }

  update(data: Uint8Array): void {
    let p = 0;
    const n = data.length;
    this.total += n;
    if (this.fill > 0) {
      const take = Math.min(32 - this.fill, n);
      this.buf.set(data.subarray(0, take), this.fill);
      this.fill += take;
      p = take;
      if (this.fill < 32) return;
      this.stripes(this.buf, 0, 32);
      this.fill = 0;
    }
    const whole = p + ((n - p) & ~31);
    if (whole > p) this.stripes(data, p, whole);
    if (whole < n) {
      this.buf.set(data.subarray(whole), 0);
      this.fill = n - whole;
    }
  }

  /** The 32-byte stripes of d[from, to) into the accumulators. */
  private stripes(d: Uint8Array, from: number, to: number): void {
    const v = this.v;
    let v1h = v[0], v1l = v[1], v2h = v[2], v2l = v[3], v3h = v[4], v3l = v[5], v4h = v[6], v4l = v[7];
    for (let i = from; i < to; i += 32) {
      lane(v1h, v1l, (d[i + 4] | (d[i + 5] << 8) | (d[i + 6] << 16) | (d[i + 7] << 24)) >>> 0, (d[i] | (d[i + 1] << 8) | (d[i + 2] << 16) | (d[i + 3] << 24)) >>> 0);
      v1h = rh;
      v1l = rl;
      lane(v2h, v2l, (d[i + 12] | (d[i + 13] << 8) | (d[i + 14] << 16) | (d[i + 15] << 24)) >>> 0, (d[i + 8] | (d[i + 9] << 8) | (d[i + 10] << 16) | (d[i + 11] << 24)) >>> 0);
      v2h = rh;
      v2l = rl;
      lane(v3h, v3l, (d[i + 20] | (d[i + 21] << 8) | (d[i + 22] << 16) | (d[i + 23] << 24)) >>> 0, (d[i + 16] | (d[i + 17] << 8) | (d[i + 18] << 16) | (d[i + 19] << 24)) >>> 0);
      v3h = rh;
      v3l = rl;
      lane(v4h, v4l, (d[i + 28] | (d[i + 29] << 8) | (d[i + 30] << 16) | (d[i + 31] << 24)) >>> 0, (d[i + 24] | (d[i + 25] << 8) | (d[i + 26] << 16) | (d[i + 27] << 24)) >>> 0);
      v4h = rh;
      v4l = rl;
    }
    v[0] = v1h; v[1] = v1l; v[2] = v2h; v[3] = v2l; v[4] = v3h; v[5] = v3l; v[6] = v4h; v[7] = v4l;
  }

  /** The hash of everything updated so far, as [high, low] uint32 halves (the state is left as it is). */
  digest(): [number, number] {
    const v = this.v;
    let hh: number, hl: number;
    if (this.total >= 32) {
      rotl(v[0], v[1], 1);
      let ah = rh, al = rl;
      rotl(v[2], v[3], 7);
      add(ah, al, rh, rl);
      ah = rh; al = rl;
      rotl(v[4], v[5], 12);
      add(ah, al, rh, rl);
      ah = rh; al = rl;
      rotl(v[6], v[7], 18);
      add(ah, al, rh, rl);
      hh = rh; hl = rl;
      for (let k = 0; k < 8; k += 2) {
        // mergeRound: h ^= round(0, v); h = h × P1 + P4
        round(0, 0, v[k], v[k + 1]);
        mul((hh ^ rh) >>> 0, (hl ^ rl) >>> 0, P1H, P1L);
        add(rh, rl, P4H, P4L);
        hh = rh; hl = rl;
      }
    } else {
      hh = P5H;
      hl = P5L;
    }
    // + the length (below 2^53)
    add(hh, hl, Math.floor(this.total / 2 ** 32) >>> 0, this.total >>> 0);
    hh = rh; hl = rl;
    const d = this.buf;
    let p = 0;
    for (; p + 8 <= this.fill; p += 8) {
      round(0, 0, (d[p + 4] | (d[p + 5] << 8) | (d[p + 6] << 16) | (d[p + 7] << 24)) >>> 0, (d[p] | (d[p + 1] << 8) | (d[p + 2] << 16) | (d[p + 3] << 24)) >>> 0);
      rotl((hh ^ rh) >>> 0, (hl ^ rl) >>> 0, 27);
      mul(rh, rl, P1H, P1L);
      add(rh, rl, P4H, P4L);
      hh = rh; hl = rl;
    }
    if (p + 4 <= this.fill) {
      mul(0, (d[p] | (d[p + 1] << 8) | (d[p + 2] << 16) | (d[p + 3] << 24)) >>> 0, P1H, P1L);
      rotl((hh ^ rh) >>> 0, (hl ^ rl) >>> 0, 23);
      mul(rh, rl, P2H, P2L);
      add(rh, rl, P3H, P3L);
      hh = rh; hl = rl;
      p += 4;
    }
    for (; p < this.fill; p++) {
      mul(0, d[p], P5H, P5L);
      rotl((hh ^ rh) >>> 0, (hl ^ rl) >>> 0, 11);
      mul(rh, rl, P1H, P1L);
      hh = rh; hl = rl;
    }
    // avalanche
    hl = (hl ^ (hh >>> 1)) >>> 0; // h ^= h >> 33
    mul(hh, hl, P2H, P2L);
    hh = rh; hl = rl;
    hl = (hl ^ ((hl >>> 29) | (hh << 3))) >>> 0; // h ^= h >> 29
    hh = (hh ^ (hh >>> 29)) >>> 0;
    mul(hh, hl, P3H, P3L);
    hh = rh; hl = rl;
    hl = (hl ^ hh) >>> 0; // h ^= h >> 32
    return [hh, hl];
  }
}

/** XXH64 (seed 0) of one buffer, as 16 hex digits (for tests and tools). */
export function xxh64Hex(data: Uint8Array): string {
  const h = new Xxh64();
  h.update(data);
  const [hi, lo] = h.digest();
  return hi.toString(16).padStart(8, '0') + lo.toString(16).padStart(8, '0');
}
