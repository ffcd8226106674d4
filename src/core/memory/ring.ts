import { MUTEX, MUTEX_SEQ, HEAD, TAIL, SPACE, RECORDS, type SharedViews } from './layout.js';

/** Spins before sleeping: the critical section is a memcpy, usually shorter than a futex call. */
const SPIN_TRIES = 64;
/** A waiter re-checks the holder this often. */
const WAIT_SLICE_MS = 100;
/**
 * A holder that made no progress for this long is taken to be dead (a worker terminated inside the
 * critical section, which holds the lock for a memcpy): its half-written record was never
 * published, because TAIL is stored last, so taking the lock over loses nothing that was accepted.
 */
const MUTEX_STALE_MS = 2000;

/**
 * The producers' side and the drainer's side of one shared ring of records.
 *
 * Producers append whole frames under a futex-style Atomics mutex; the one drainer (see DRAIN)
 * copies pending bytes out without the mutex, since producers never touch bytes between HEAD and
 * TAIL and the drainer never touches bytes past TAIL.
 */
export class SharedRing {
  readonly control: Int32Array;
  readonly ring: Uint8Array;
  readonly size: number;
  private readonly mask: number;

  constructor(views: SharedViews) {
    this.control = views.control;
    this.ring = views.ring;
    this.size = views.ringSize;
    this.mask = views.ringSize - 1;
  }

  /** Total bytes ever pushed (wrapping); drained past it once `HEAD - tail() >= 0`. */
  tail(): number {
    return Atomics.load(this.control, TAIL);
  }

  /** Whether every byte pushed up to `target` (a `tail()` value) has been drained: wrap-safe. */
  isDrained(target: number): boolean {
    return ((Atomics.load(this.control, HEAD) - target) | 0) >= 0;
  }

  /** Records accepted since the ring was made (for statistics; wraps at 2^32). */
  accepted(): number {
    return Atomics.load(this.control, RECORDS) >>> 0;
  }

  /** Bytes pushed and not yet drained. */
  pending(): number {
    return (Atomics.load(this.control, TAIL) - Atomics.load(this.control, HEAD)) >>> 0;
  }

  /**
   * Appends one frame (header + payload, already laid out in `frame[0, len)`) if it fits.
   * Returns the bytes pending after the push, or -1 when the ring has no room for it now.
   */
  tryPush(frame: Uint8Array, len: number): number {
    const c = this.control;
    this.lock();
    const tail = Atomics.load(c, TAIL);
    const used = (tail - Atomics.load(c, HEAD)) >>> 0;
    if (len > this.size - used) {
      this.unlock();
      return -1;
    }
    const at = tail & this.mask;
    const first = Math.min(len, this.size - at);
    if (first === len) {
      this.ring.set(frame.subarray(0, len), at);
    } else {
      this.ring.set(frame.subarray(0, first), at);
      this.ring.set(frame.subarray(first, len), 0);
    }
    // Publishing the record is this one store; see TAIL in layout.ts.
    Atomics.store(c, TAIL, (tail + len) | 0);
    Atomics.add(c, RECORDS, 1);
    this.unlock();
    return used + len;
  }

  /**
   * Drainer only: copies every pending byte into `dst` (grown if needed) and returns the bytes
   * copied and the TAIL they end at, to pass to `release` once they are safely on disk.
   */
  peek(dst: Buffer): { bytes: number; end: number; buffer: Buffer } {
    const c = this.control;
    const end = Atomics.load(c, TAIL);
    const head = Atomics.load(c, HEAD);
    const bytes = (end - head) >>> 0;
    let buffer = dst;
    if (buffer.length < bytes) buffer = Buffer.allocUnsafe(Math.max(bytes, buffer.length * 2));
    const at = head & this.mask;
    const first = Math.min(bytes, this.size - at);
    buffer.set(this.ring.subarray(at, at + first), 0);
    if (first < bytes) buffer.set(this.ring.subarray(0, bytes - first), first);
    return { bytes, end, buffer };
  }

  /** Drainer only: frees the ring up to `end` (from `peek`) and wakes producers waiting for room. */
  release(end: number): void {
    Atomics.store(this.control, HEAD, end);
    Atomics.add(this.control, SPACE, 1);
    Atomics.notify(this.control, SPACE);
  }

  /** Sleeps until the drainer frees space or `ms` pass. */
  waitForSpace(ms: number): void {
    const seen = Atomics.load(this.control, SPACE);
    Atomics.wait(this.control, SPACE, seen, ms);
  }

  /** Resolves when the drainer frees space (so a `flush()` can look again) or after `ms`. */
  async spaceFreed(ms: number): Promise<void> {
    const seen = Atomics.load(this.control, SPACE);
    const r = Atomics.waitAsync(this.control, SPACE, seen, ms);
    if (!r.async) return;
    // A pending waitAsync does not keep Node's event loop alive; the timer does, so that an
    // awaited flush() is not cut short by the process exiting under it.
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([r.value, new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
    clearTimeout(timer);
  }

  private lock(): void {
    const c = this.control;
    if (Atomics.compareExchange(c, MUTEX, 0, 1) === 0) {
      Atomics.add(c, MUTEX_SEQ, 1);
      return;
    }
    for (let i = 0; i < SPIN_TRIES; i++) {
      if (Atomics.load(c, MUTEX) === 0 && Atomics.compareExchange(c, MUTEX, 0, 1) === 0) {
        Atomics.add(c, MUTEX_SEQ, 1);
        return;
      }
    }
    let seq = Atomics.load(c, MUTEX_SEQ);
    let stalledMs = 0;
    // 2 = held with waiters, so the holder's unlock knows to notify.
    while (Atomics.exchange(c, MUTEX, 2) !== 0) {
      if (Atomics.wait(c, MUTEX, 2, WAIT_SLICE_MS) !== 'timed-out') continue;
      const now = Atomics.load(c, MUTEX_SEQ);
      if (now !== seq) {
        seq = now;
        stalledMs = 0;
        continue;
      }
      stalledMs += WAIT_SLICE_MS;
      // Only one waiter wins the takeover: the one whose CAS moves the sequence on.
      if (stalledMs >= MUTEX_STALE_MS && Atomics.compareExchange(c, MUTEX_SEQ, seq, seq + 1) === seq) {
        Atomics.store(c, MUTEX, 2);
        return;
      }
    }
    Atomics.add(c, MUTEX_SEQ, 1);
  }

  private unlock(): void {
    const c = this.control;
    if (Atomics.sub(c, MUTEX, 1) !== 1) {
      Atomics.store(c, MUTEX, 0);
      Atomics.notify(c, MUTEX, 1);
    }
  }
}
