// How a framed record gets from a writing thread to the file: into the process's shared ring, the
// flusher woken when a batch is worth writing; and this thread writing the records itself whenever
// no flusher can (`shared: false`, a full ring nobody drains, a flusher that cannot start, exit
// paths, a record larger than the ring), through its own drainer and appender.
import { RecordsDroppedError } from '../../errors.js';
import { Drainer, sleep } from '../process/drain.js';
import { FileAppender } from '../rotation/appender.js';
import { appenderOptions, type FlusherConfig, type ResolvedOptions } from '../options.js';
import { ensureFlusher, isServed, type SharedFile } from '../process/registry.js';
import { faultCode } from '../process/messages.js';
import type { RotationEvent } from '../rotation/ports.js';

/** How long a writer facing a full ring sleeps before looking again. */
const FULL_WAIT_MS = 20;
/** Longest wait of `flush()` between two looks at the flusher's health. */
const FLUSH_LOOK_MS = 50;
/** How often flush() looks again while another process holds the file lock (no flusher serving). */
const LOCKED_LOOK_MS = 10;

export class Feed {
  private readonly file: SharedFile;
  private readonly shared: boolean;
  private readonly options: ResolvedOptions;
  private readonly report: (err: Error) => void;
  private readonly announce: (e: RotationEvent) => void;
  private drainer: Drainer | null = null;
  /** Armed when records wait and no flusher serves the file: this thread writes them itself. */
  private fallback: NodeJS.Timeout | null = null;
  private stopped = false;
  private droppedReported = 0;

  constructor(
    file: SharedFile,
    options: ResolvedOptions,
    report: (err: Error) => void,
    announce: (e: RotationEvent) => void,
  ) {
    this.file = file;
    this.shared = options.shared;
    this.options = options;
    this.report = report;
    this.announce = announce;
  }

  push(frame: Buffer, total: number): boolean {
    const { ring, control, hub } = this.file;
    if (total > ring.size) return this.pushDirect(frame, total);
    for (;;) {
      const after = ring.tryPush(frame, total);
      if (after >= 0) {
        if (!this.shared) {
          this.flushSync();
        } else {
          const before = after - total;
          if (before === 0 || (before < this.options.batchBytes && after >= this.options.batchBytes)) hub.wake();
          if (before === 0 && this.fallback === null) this.armFallback();
        }
        return true;
      }
      // The ring is full.
      if (control.fault() !== 0) return this.drop();
      if (!this.shared || !isServed(this.file)) {
        if (this.shared) ensureFlusher(this.file, (err) => this.report(err));
        try {
          if (this.ownDrainer().drainOnce() === 'busy') sleep(1);
        } catch {
          return this.drop();
        }
        continue;
      }
      hub.wake();
      ring.waitForSpace(FULL_WAIT_MS);
    }
  }

  /** See LogFile.flush: resolves once every record written before the call is on disk. */
  async flush(): Promise<void> {
    const { ring, control, hub } = this.file;
    const target = ring.tail();
    hub.wake();
    while (!ring.isDrained(target)) {
      if (this.shared && isServed(this.file) && control.fault() === 0) {
        await ring.spaceFreed(FLUSH_LOOK_MS);
        continue;
      }
      // No flusher serves the file, or it is failing: this thread writes (an I/O error rejects).
      if (this.ownDrainer().drainIfUnlocked() !== 'drained') await ring.spaceFreed(LOCKED_LOOK_MS);
    }
  }

  /** Writes every pending record from this thread before returning. For exit paths; never throws. */
  flushSync(): void {
    try {
      this.ownDrainer().drainAll();
    } catch (err) {
      this.report(err as Error);
    }
  }

  /** CPython opens the base file in its constructor: `shared: false` does it from this thread. */
  openEagerly(openedAt: number): void {
    try {
      this.ownDrainer().appender.openEagerly(openedAt);
    } catch (err) {
      this.report(err as Error);
    }
  }

  /** The flusher may still be gzipping the last rotated files: closing waits for them too. */
  finishCompression(): void {
    if (!this.options.config.compress) return;
    try {
      this.ownDrainer().appender.compressRotated(true);
    } catch (err) {
      this.report(err as Error);
    }
  }

  /** See LogFile.shouldRollover. */
  shouldRollover(timeMs: number, bytes: number): boolean {
    return this.ownDrainer().appender.wouldRollover(timeMs / 1000, bytes);
  }

  /** The namer or rotator changed: this thread's appender, if it has one, uses it from the next rotation. */
  setHooks(config: FlusherConfig): void {
    this.drainer?.appender.setHooks(appenderOptions(config));
  }

  /**
   * The file's last handler in this process is closing and records are still in the ring: the
   * fault that kept them from the disk outlasted the flush. They are taken out, counted as dropped
   * and reported, so nothing accepted is lost silently.
   */
  countUnwritten(): void {
    const { ring, control } = this.file;
    if (control.attached() !== 1 || ring.pending() === 0) return;
    let n: number;
    try {
      n = this.ownDrainer().discardPending();
    } catch (err) {
      this.report(err as Error);
      return;
    }
    if (n === 0) return;
    let total = 0;
    for (let i = 0; i < n; i++) total = control.countDrop();
    this.report(new RecordsDroppedError(this.options.config.filename, total, faultCode(control.fault() || 1), true));
  }

  /** The handler is closed: no fallback fires any more, and this thread's appender lets its files go. */
  stop(): void {
    this.stopped = true;
    if (this.fallback) clearTimeout(this.fallback);
    this.drainer?.close();
    this.drainer = null;
  }

  /**
   * Records wait in the ring: if no flusher serves the file by the end of flushInterval and none can
   * be started (Worker creation failed, or the last one died before it ever listened), this thread
   * writes them itself, without waiting for another process's lock (it looks again at the next
   * interval). No record waits on a flusher that cannot run. Armed once per batch, when the ring goes
   * from empty to not empty.
   */
  private armFallback(): void {
    this.fallback = setTimeout(() => {
      this.fallback = null;
      if (this.stopped || this.file.ring.pending() === 0 || isServed(this.file)) return;
      // A flusher that is booting or was just started writes them; one that cannot start does not.
      if (ensureFlusher(this.file, (err) => this.report(err)) === 'none') {
        try {
          this.ownDrainer().drainIfUnlocked();
        } catch (err) {
          this.report(err as Error);
        }
      }
      if (this.file.ring.pending() > 0) this.armFallback();
    }, this.options.config.flushInterval);
    this.fallback.unref();
  }

  /** A record larger than the whole ring goes straight to the file, after what is queued before it. */
  private pushDirect(frame: Buffer, total: number): boolean {
    try {
      this.ownDrainer().appendDirect(frame, total);
      return true;
    } catch (err) {
      this.report(err as Error);
      return false;
    }
  }

  private drop(): boolean {
    const { control } = this.file;
    const n = control.countDrop();
    // One report per burst of drops, not one per record.
    if (this.droppedReported === 0 || n >= this.droppedReported * 2) {
      this.droppedReported = n;
      // The fault may be the flusher thread's: its code is in the shared buffer.
      this.report(new RecordsDroppedError(this.options.config.filename, n, faultCode(control.fault())));
    }
    return false;
  }

  /** This thread's own drainer, for flushSync, exit paths, oversized records and `shared: false`. */
  private ownDrainer(): Drainer {
    if (this.drainer === null) {
      const appender = new FileAppender(
        appenderOptions(this.file.config),
        (err) => this.report(err),
        (e) => this.announce(e),
      );
      this.drainer = new Drainer(this.file.control, this.file.ring, appender);
    }
    return this.drainer;
  }
}
