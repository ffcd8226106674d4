import {
  ATTACHED,
  DRAIN,
  DRAIN_BEAT,
  DROPPED,
  FAULT,
  FAULT_COUNT,
  REPORTED,
  REPORT_SEQ,
  SERVED_BY,
  type SharedViews,
} from './layout.js';
/**
 * A drainer whose thread lives but has held DRAIN this long is taken over all the same (one whose
 * thread ended is taken over at once). Generous, because a live drainer may legitimately wait for
 * other processes' file lock.
 */
export const DRAIN_STALE_MS = 15_000;

/**
 * The one owner of a file's coordination slots (layout.ts): which flusher serves it, who drains,
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

  /** The current fault's number (process/messages.ts FAULT_CODES), 0 when the last write succeeded. */
  fault(): number {
    return Atomics.load(this.c, FAULT);
  }

  /**
   * One more failure with fault `n`: returns how many times in a row it has occurred in this process,
   * whichever thread or flusher met it (a new flusher continues the count, so a fault is reported once
   * per process, not once per flusher).
   */
  noteFault(n: number): number {
    if (Atomics.exchange(this.c, FAULT, n) !== n) {
      Atomics.store(this.c, FAULT_COUNT, 1);
      return 1;
    }
    return Atomics.add(this.c, FAULT_COUNT, 1) + 1;
  }

  /** A write succeeded: the fault is over. */
  clearFault(): void {
    Atomics.store(this.c, FAULT, 0);
    Atomics.store(this.c, FAULT_COUNT, 0);
  }

  faultCount(): number {
    return Atomics.load(this.c, FAULT_COUNT);
  }

  /** Counts one dropped record; returns the total. */
  countDrop(): number {
    return Atomics.add(this.c, DROPPED, 1) + 1;
  }

  dropped(): number {
    return Atomics.load(this.c, DROPPED);
  }

  // ---- Which flusher serves this file (the process's one flusher, see hub.ts) -------------------

  servedBy(): number {
    return Atomics.load(this.c, SERVED_BY);
  }

  serve(token: number): void {
    Atomics.store(this.c, SERVED_BY, token);
    Atomics.notify(this.c, SERVED_BY);
  }

  /** Blocks until a flusher serves this file or `ms` pass; whether one does. */
  awaitServed(ms: number): boolean {
    const deadline = Date.now() + ms;
    for (;;) {
      const by = Atomics.load(this.c, SERVED_BY);
      const left = deadline - Date.now();
      if (by !== 0 || left <= 0) return by !== 0;
      Atomics.wait(this.c, SERVED_BY, 0, left);
    }
  }

  /** The flusher `token` lets the file go (its last handler closed). */
  unserve(token: number): void {
    Atomics.compareExchange(this.c, SERVED_BY, token, 0);
  }

  // ---- The drain lock: one drainer at a time; a dead holder is taken over once stale ------------

  /**
   * Takes the drain lock for `token` (the caller's thread token). A holder whose thread has ended
   * (`gone`) is taken over at once; a live one only once it looks stale.
   */
  acquireDrain(token: number, gone: (holder: number) => boolean): boolean {
    const holder = Atomics.compareExchange(this.c, DRAIN, 0, token);
    if (holder !== 0) {
      if (!gone(holder) && this.fresh(DRAIN_BEAT, DRAIN_STALE_MS)) return false;
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
