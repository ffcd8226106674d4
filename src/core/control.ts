import {
  ATTACHED, DRAIN, DRAIN_BEAT, DROPPED, FAULT, FLUSHER, FLUSHER_BEAT, NEXT_TOKEN, REPORTED, REPORT_SEQ,
  type SharedViews,
} from './layout.js';

/**
 * A flusher whose heartbeat is older than this is replaced. Safe to be eager: a replaced flusher
 * that was only slow exits at its next turn, and DRAIN keeps two flushers from writing the same
 * records meanwhile.
 */
export const FLUSHER_STALE_MS = 3000;
/**
 * A drainer that has held DRAIN this long is taken to be dead (its thread was terminated mid-drain).
 * Generous, because a live drainer may legitimately wait for other processes' file lock.
 */
export const DRAIN_STALE_MS = 15_000;

/**
 * The one owner of the control block's coordination slots (layout.ts): who flushes, who drains,
 * how many handlers are attached, the current fault, drops, and which fault report was made. The
 * ring's own slots (mutex, head, tail, wake-ups) belong to ring.ts. Nothing else touches the
 * control block, so every protocol on it can be read here in one place.
 */
export class Control {
  private readonly c: Int32Array;
  private readonly times: Float64Array;

  constructor(views: SharedViews) {
    this.c = views.control;
    this.times = views.times;
  }

  /** A token unique in this buffer, for FLUSHER and DRAIN ownership. Never 0. */
  newToken(): number {
    return Atomics.add(this.c, NEXT_TOKEN, 1);
  }

  attach(): void {
    Atomics.add(this.c, ATTACHED, 1);
  }

  detach(): void {
    Atomics.sub(this.c, ATTACHED, 1);
  }

  /** Handler instances attached in this process and not closed. */
  attached(): number {
    return Atomics.load(this.c, ATTACHED);
  }

  /** The current fault's number (errors.ts FAULT_CODES), 0 when the last write succeeded. */
  fault(): number {
    return Atomics.load(this.c, FAULT);
  }

  setFault(n: number): void {
    Atomics.store(this.c, FAULT, n);
  }

  /** Counts one dropped record; returns the total. */
  countDrop(): number {
    return Atomics.add(this.c, DROPPED, 1) + 1;
  }

  dropped(): number {
    return Atomics.load(this.c, DROPPED);
  }

  // ---- The flusher thread: elected by compare-and-swap, kept by its heartbeat -------------------

  flusherAlive(): boolean {
    return Atomics.load(this.c, FLUSHER) !== 0 && this.fresh(FLUSHER_BEAT, FLUSHER_STALE_MS);
  }

  /** The caller becomes the flusher if there is none alive: returns its token, or 0 if another won. */
  claimFlusher(): number {
    const owner = Atomics.load(this.c, FLUSHER);
    if (owner !== 0 && this.fresh(FLUSHER_BEAT, FLUSHER_STALE_MS)) return 0;
    const token = this.newToken();
    if (Atomics.compareExchange(this.c, FLUSHER, owner, token) !== owner) return 0;
    this.times[FLUSHER_BEAT] = Date.now();
    return token;
  }

  /** Whether `token` is still the flusher (a replaced one exits at its next turn). */
  isFlusher(token: number): boolean {
    return Atomics.load(this.c, FLUSHER) === token;
  }

  beatFlusher(): void {
    this.times[FLUSHER_BEAT] = Date.now();
  }

  releaseFlusher(token: number): void {
    Atomics.compareExchange(this.c, FLUSHER, token, 0);
  }

  // ---- The drain lock: one drainer at a time; a dead holder is taken over once stale ------------

  acquireDrain(token: number): boolean {
    const holder = Atomics.compareExchange(this.c, DRAIN, 0, token);
    if (holder !== 0) {
      if (this.fresh(DRAIN_BEAT, DRAIN_STALE_MS)) return false;
      // The holder died mid-drain (a worker terminated). Its bytes are still in the ring, and
      // Node closed its descriptors as the thread exited, which dropped its file lock.
      if (Atomics.compareExchange(this.c, DRAIN, holder, token) !== holder) return false;
    }
    this.times[DRAIN_BEAT] = Date.now();
    return true;
  }

  releaseDrain(token: number): void {
    Atomics.compareExchange(this.c, DRAIN, token, 0);
  }

  // ---- Fault reports: made once per process, not once per thread that hears of them ------------

  /** A new report's sequence number. */
  nextReport(): number {
    return Atomics.add(this.c, REPORT_SEQ, 1) + 1;
  }

  /** Claims the report numbered `seq`: true for exactly one caller in the process. */
  claimReport(seq: number): boolean {
    for (;;) {
      const done = Atomics.load(this.c, REPORTED);
      if (((done - seq) | 0) >= 0) return false;
      if (Atomics.compareExchange(this.c, REPORTED, done, seq) === done) return true;
    }
  }

  private fresh(slot: number, staleMs: number): boolean {
    return Date.now() - this.times[slot]! < staleMs;
  }
}
