import { LogFileError } from '../../errors.js';
import { DRAIN_STALE_MS, type Control } from '../memory/control.js';
import { faultNumber } from './messages.js';
import { FRAME_HEADER_BYTES, payloadLength } from '../memory/frame.js';
import type { SharedRing } from '../memory/ring.js';
import type { FileAppender } from '../rotation/appender.js';
import { flockAddon, threadGone, threadToken } from '../fs/filelock.js';

/** 'busy': another live thread is draining; the caller waits or leaves it to that thread. */
export type DrainResult = 'drained' | 'busy';

/**
 * Moves pending records from the shared ring to disk. Any thread may drain (the flusher, a writer
 * helping out when the ring is full, an exit handler), but only one at a time: DRAIN is a lock, and
 * bytes leave the ring only after they are on disk, so a drainer that dies loses nothing.
 *
 * Errors are thrown (as LogFileError); the fault is also published in the control block, so that
 * writers facing a full ring in any thread drop and count instead of waiting forever.
 */
export class Drainer {
  private readonly control: Control;
  private readonly ring: SharedRing;
  readonly appender: FileAppender;
  /** This thread's token (a thread drains one file at a time, so its drainers may share it). */
  private readonly token = threadToken();
  private buf: Buffer = Buffer.allocUnsafe(256 * 1024);
  /**
   * The fault's count in a row as this drainer's last failed drain made it (0: that drain did not
   * fail, or failed before it held the drain lock). The count to report: read again after the lock is
   * given back it may already include another flusher's next failure, and a count nobody reports
   * breaks the series told to the user (1, 2, 4...).
   */
  failedAt = 0;

  constructor(control: Control, ring: SharedRing, appender: FileAppender) {
    this.control = control;
    this.ring = ring;
    this.appender = appender;
  }

  /** Writes everything pending now, then compresses what rotation left to compress. */
  drainOnce(): DrainResult {
    this.failedAt = 0;
    if (!this.acquire()) return 'busy';
    try {
      const { bytes, end, buffer } = this.ring.peek(this.buf);
      this.buf = buffer;
      if (bytes === 0) return 'drained';
      const head = (end - bytes) | 0;
      // Frees each run as soon as it is on disk; what did not reach the disk stays in the ring.
      this.appender.appendFrames(buffer, bytes, (committed) => this.ring.release((head + committed) | 0));
      this.control.clearFault();
    } catch (err) {
      this.failedAt = this.control.noteFault(faultNumber(err));
      throw err;
    } finally {
      this.control.releaseDrain(this.token);
    }
    // Compression happens after the drain lock is given back: other threads keep draining.
    this.appender.compressRotated();
    return 'drained';
  }

  /**
   * drainOnce, unless another process holds the file lock: then 'locked' at once instead of waiting
   * for it. The flusher and an awaited flush() use this, so that a stalled process holding the lock
   * costs them waiting between event-loop turns (the flusher keeps beating and answering), never a
   * thread frozen in flock. The probe takes the lock on the appender's own descriptor, where the
   * drain's own lock is then a no-op.
   */
  drainIfUnlocked(): DrainResult | 'locked' {
    return this.ifUnlocked(() => this.drainOnce());
  }

  /** Runs `fn` (which takes the file lock itself) if the file lock is free now; 'locked' otherwise. */
  ifUnlocked<T>(fn: () => T): T | 'locked' {
    const a = flockAddon();
    let fd: number;
    try {
      fd = this.appender.lock.descriptor;
    } catch {
      // The lock file cannot be opened: `fn` meets the same error and reports it as the file's fault.
      return fn();
    }
    if (!a.flock(fd, a.LOCK_EX | a.LOCK_NB)) return 'locked';
    try {
      return fn();
    } finally {
      // 'busy' (another thread of this process drains) left the probe's lock held: it waits for it.
      this.appender.lock.release();
    }
  }

  /** Drains, from this thread, until everything pushed before the call is on disk. */
  drainAll(timeoutMs = DRAIN_STALE_MS + 1000): void {
    const target = this.ring.tail();
    const deadline = Date.now() + timeoutMs;
    while (!this.ring.isDrained(target)) {
      if (this.drainOnce() === 'busy') {
        if (Date.now() > deadline)
          throw new LogFileError(
            'write',
            this.appender.options.filename,
            new Error('timed out waiting for another thread to finish writing'),
          );
        sleep(1);
      }
    }
  }

  /** Writes one frame directly (a record larger than the ring), after everything pending. */
  appendDirect(frame: Buffer, len: number): void {
    this.drainAll();
    while (!this.acquire()) sleep(1);
    try {
      this.appender.appendFrames(frame, len, () => {});
    } finally {
      this.control.releaseDrain(this.token);
    }
  }

  /**
   * Takes out of the ring every record still in it and returns how many there were: for the last
   * handler of a file closing while the file cannot be written, so that what it accepted and could
   * not write is counted as dropped rather than lost silently. Waits a little for a thread that is
   * draining; returns 0 (nothing taken) if it does not let go.
   */
  discardPending(timeoutMs = 1000): number {
    const deadline = Date.now() + timeoutMs;
    while (!this.acquire()) {
      if (Date.now() > deadline) return 0;
      sleep(1);
    }
    try {
      const { bytes, end, buffer } = this.ring.peek(this.buf);
      this.buf = buffer;
      let records = 0;
      for (let off = 0; off < bytes; off += FRAME_HEADER_BYTES + payloadLength(buffer, off)) records++;
      if (bytes > 0) this.ring.release(end);
      return records;
    } finally {
      this.control.releaseDrain(this.token);
    }
  }

  close(): void {
    this.appender.close();
  }

  /** A thread that ended mid-drain (a worker terminated, or ended with its parent) left DRAIN held:
   * it is taken over at once. */
  private acquire(): boolean {
    return this.control.acquireDrain(this.token, threadGone);
  }
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));
export function sleep(ms: number): void {
  Atomics.wait(sleeper, 0, 0, ms);
}
