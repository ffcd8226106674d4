import { DRAIN, DRAIN_BEAT, FAULT, HEAD, newToken, type SharedViews } from './layout.js';
import type { SharedRing } from './ring.js';
import type { FileAppender } from './rotation.js';
import { faultNumber } from './errors.js';

/**
 * A drainer that has held DRAIN this long is taken to be dead (its thread was terminated mid-drain).
 * Generous, because a live drainer may legitimately wait for other processes' file lock.
 */
const DRAIN_STALE_MS = 15_000;

export type DrainResult = 'drained' | 'busy' | 'failed';

/**
 * Moves pending records from the shared ring to disk. Any thread may drain (the flusher, a writer
 * helping out when the ring is full, an exit handler), but only one at a time: DRAIN is a lock, and
 * bytes leave the ring only after they are on disk, so a drainer that dies loses nothing.
 */
export class Drainer {
  private readonly views: SharedViews;
  private readonly ring: SharedRing;
  readonly appender: FileAppender;
  private readonly token: number;
  private buf: Buffer = Buffer.allocUnsafe(256 * 1024);
  /** The last error, until a drain succeeds again. */
  lastError: Error | null = null;

  /** `token` identifies this drainer in DRAIN; the flusher's is chosen by the thread that starts it. */
  constructor(views: SharedViews, ring: SharedRing, appender: FileAppender, token = newToken(views.control)) {
    this.views = views;
    this.ring = ring;
    this.appender = appender;
    this.token = token;
  }

  /** Writes everything pending now. 'busy' if another live thread is draining. */
  drainOnce(): DrainResult {
    if (!this.acquire()) return 'busy';
    try {
      const { bytes, end, buffer } = this.ring.peek(this.buf);
      this.buf = buffer;
      if (bytes === 0) return 'drained';
      const head = (end - bytes) | 0;
      try {
        // Frees each run as soon as it is on disk; what did not reach the disk stays in the ring.
        this.appender.appendFrames(buffer, bytes, (committed) => this.ring.release((head + committed) | 0));
      } catch (err) {
        this.lastError = err as Error;
        Atomics.store(this.views.control, FAULT, faultNumber(err));
        return 'failed';
      }
      this.lastError = null;
      Atomics.store(this.views.control, FAULT, 0);
    } finally {
      this.releaseDrain();
    }
    // Compression happens after the drain lock is given back: other threads keep draining.
    try {
      this.appender.compressRotated();
    } catch (err) {
      this.lastError = err as Error;
      return 'failed';
    }
    return 'drained';
  }

  /**
   * Drains, from this thread, until everything pushed before the call is on disk. Waits for another
   * drainer rather than racing it. Returns the error that stopped it, if any.
   */
  drainAll(timeoutMs = DRAIN_STALE_MS + 1000): Error | null {
    const c = this.views.control;
    const target = this.ring.tail();
    const deadline = Date.now() + timeoutMs;
    while (((Atomics.load(c, HEAD) - target) | 0) < 0) {
      const r = this.drainOnce();
      if (r === 'failed') return this.lastError;
      if (r === 'busy') {
        if (Date.now() > deadline) return new Error('concurrent-log: timed out waiting for another thread to finish writing');
        sleep(1);
      }
    }
    return null;
  }

  /** Writes one frame directly (a record larger than the ring), after everything pending. */
  appendDirect(frame: Buffer, len: number): Error | null {
    const err = this.drainAll();
    if (err) return err;
    while (!this.acquire()) sleep(1);
    try {
      this.appender.appendFrames(frame, len, () => {});
      return null;
    } catch (e) {
      return e as Error;
    } finally {
      this.releaseDrain();
    }
  }

  close(): void {
    this.appender.close();
  }

  private acquire(): boolean {
    const c = this.views.control;
    const holder = Atomics.compareExchange(c, DRAIN, 0, this.token);
    if (holder !== 0) {
      if (Date.now() - this.views.times[DRAIN_BEAT]! < DRAIN_STALE_MS) return false;
      // The holder died mid-drain (a worker terminated). Its bytes are still in the ring, and
      // Node closed its descriptors as the thread exited, which dropped its file lock.
      if (Atomics.compareExchange(c, DRAIN, holder, this.token) !== holder) return false;
    }
    this.views.times[DRAIN_BEAT] = Date.now();
    return true;
  }

  private releaseDrain(): void {
    Atomics.compareExchange(this.views.control, DRAIN, this.token, 0);
  }
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));
export function sleep(ms: number): void {
  Atomics.wait(sleeper, 0, 0, ms);
}
