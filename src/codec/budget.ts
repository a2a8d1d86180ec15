/**
 * The bytes a run may hold at once for the module files it is reading: compressed file contents and
 * their decompressed output. A count of files read at once (p-limit) does not bound memory — one
 * compressed file can decompress to hundreds of megabytes — so every read takes its bytes from this
 * budget, and gives them back when the module's facts are extracted.
 *
 * A request that does not fit waits (first come, first served); a request larger than the whole budget
 * (one module bigger than it: a debug build's amdgpu.ko is ~375 MB) is granted when nothing else is held,
 * so it runs alone. A decoder whose output grows asks with tryTake(), which never waits: refused, it stops
 * keeping its output and only counts it, and asks again, waiting, once it knows the size (see Lease).
 * Waiting happens only while holding nothing (Lease.waitFor gives back first), so waiters cannot deadlock.
 */

/** Default budget of bytes held by files being read at once (see docs/performance.md, "Memory"). */
export const DEFAULT_READ_BUDGET = 128 * 1024 * 1024;

export class ByteBudget {
  private held = 0;
  private readonly queue: Array<{ n: number; grant: () => void }> = [];

  constructor(readonly capacity: number = DEFAULT_READ_BUDGET) {
    if (!(capacity > 0)) throw new RangeError(`byte budget must be positive, not ${capacity}`);
  }

  /** Bytes held now. */
  get inUse(): number {
    return this.held;
  }

  private fits(n: number): boolean {
    return this.held + n <= this.capacity || this.held === 0;
  }

  /** Take n bytes now if they fit and nobody is waiting; never waits. */
  tryTake(n: number): boolean {
    if (this.queue.length > 0 || this.held + n > this.capacity) return false;
    this.held += n;
    return true;
  }

  /** Take n bytes, waiting for them. Call it holding nothing of this budget (else two waiters can deadlock). */
  take(n: number): Promise<void> {
    if (this.queue.length === 0 && this.fits(n)) {
      this.held += n;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.queue.push({ n, grant: resolve }));
  }

  give(n: number): void {
    this.held -= n;
    if (this.held < 0) this.held = 0;
    while (this.queue.length > 0 && this.fits(this.queue[0].n)) {
      const next = this.queue.shift()!;
      this.held += next.n;
      next.grant();
    }
  }
}

/** What one module read holds of a budget (or of none: every call succeeds). */
export class Lease {
  private held = 0;

  constructor(private readonly budget?: ByteBudget) {}

  get bytes(): number {
    return this.held;
  }

  /** Grow by n bytes if they fit now (never waits). */
  tryGrow(n: number): boolean {
    if (this.budget && !this.budget.tryTake(n)) return false;
    this.held += n;
    return true;
  }

  shrink(n: number): void {
    const k = Math.min(n, this.held);
    this.held -= k;
    this.budget?.give(k);
  }

  /** Hold exactly n bytes, waiting for them: what is held is given back first, so waiting holds nothing. */
  async waitFor(n: number): Promise<void> {
    this.release();
    if (this.budget) await this.budget.take(n);
    this.held = n;
  }

  release(): void {
    if (this.held > 0) this.budget?.give(this.held);
    this.held = 0;
  }
}
