import { BroadcastChannel } from 'node:worker_threads';
import { Handler } from '../logging/handler.js';
import type { LogRecord } from '../logging/record.js';
import { ATTACHED, DROPPED, FAULT, HEAD, RECORDS, RECORD_HEADER_BYTES } from './layout.js';
import { writeHeader } from './ring.js';
import { Drainer, sleep } from './drain.js';
import { FileAppender } from './rotation.js';
import { resolveOptions, type HandlerOptions, type ResolvedOptions } from './options.js';
import { channelName, ensureFlusher, flusherAlive, privateFile, sharedFileFor, type SharedFile } from './shared.js';
import { HandlerClosedError, RecordsDroppedError, faultCode, messageToError, type ErrorMessage } from './errors.js';

export type { HandlerOptions, Namer, Rotator } from './options.js';
export { LogFileError } from './rotation.js';
export { HandlerClosedError, RecordsDroppedError } from './errors.js';

export interface HandlerStats {
  accepted: number;
  pendingBytes: number;
  dropped: number;
  shared: boolean;
}

/** How long a writer facing a full ring sleeps before looking again. */
const FULL_WAIT_MS = 20;
/** How often each thread checks that its file's flusher is alive, from its own event loop. */
const WATCH_MS = 1000;
/** How often `flush()` looks whether its records have been written. */
const FLUSH_POLL_MS = 2;

/** One scratch frame per thread, shared by every handler in it (JS runs one call at a time). */
let scratch = Buffer.allocUnsafe(64 * 1024);

/**
 * Handlers open in this thread, closed synchronously when it exits so nothing pending is left in a
 * buffer no thread will drain. One 'exit' listener per thread, on globalThis so that the ESM and
 * CommonJS copies of the package share it.
 */
const OPEN_HANDLERS = Symbol.for('concurrent-log.open-handlers.v1');
function openHandlers(): Set<{ closeSync(): void }> {
  const g = globalThis as unknown as Record<symbol, Set<{ closeSync(): void }> | undefined>;
  let set = g[OPEN_HANDLERS];
  if (!set) {
    const handlers = new Set<{ closeSync(): void }>();
    set = handlers;
    g[OPEN_HANDLERS] = handlers;
    process.on('exit', () => {
      for (const h of [...handlers]) h.closeSync();
    });
  }
  return set;
}

/**
 * CPython's `TimedRotatingFileHandler`, safe for many threads and processes writing one log.
 *
 * `write()` copies the record into a ring shared by every thread of this process (a
 * SharedArrayBuffer); one flusher thread per process drains it under an exclusive `flock` on
 * `<filename>.lock`, rotating exactly once across processes and putting each record in the file
 * of its own timestamp.
 */
export class ConcurrentTimedRotatingFileHandler extends Handler {
  readonly filename: string;
  readonly options: Readonly<ResolvedOptions>;
  private readonly file: SharedFile;
  private readonly shared: boolean;
  private drainer: Drainer | null = null;
  private channel: BroadcastChannel | null = null;
  private watch: NodeJS.Timeout | null = null;
  private closed = false;
  private droppedReported = 0;

  constructor(filename: string, options: HandlerOptions = {}) {
    super();
    const resolved = resolveOptions(filename, options);
    this.options = resolved;
    this.filename = resolved.config.filename;
    this.shared = resolved.shared;
    this.file = this.shared ? sharedFileFor(resolved.config, resolved.ringSize) : privateFile(resolved.config, resolved.ringSize);
    Atomics.add(this.file.views.control, ATTACHED, 1);
    openHandlers().add(this);
    if (this.shared) {
      this.channel = new BroadcastChannel(channelName(this.filename));
      this.channel.onmessage = (e: unknown) => this.report(messageToError((e as { data: ErrorMessage }).data));
      this.channel.unref();
      ensureFlusher(this.file, (err) => this.report(err));
      // A flusher started by a worker dies with that worker; whoever notices first starts another.
      this.watch = setInterval(() => {
        if (this.file.ring.pending() > 0) ensureFlusher(this.file, (err) => this.report(err));
      }, WATCH_MS);
      this.watch.unref();
    } else if (!resolved.config.delay) {
      try {
        this.ownDrainer().appender.openEagerly();
      } catch (err) {
        this.report(err as Error);
      }
    }
  }

  /**
   * Queues one complete record (its line terminator included). `timeMs` is the record's own time,
   * which decides its file. Never throws; returns false only if the record was not accepted
   * (handler closed, or dropped during an I/O fault with the buffer full), which is also reported.
   */
  write(line: string | Uint8Array, timeMs?: number): boolean {
    if (this.closed) {
      this.report(new HandlerClosedError(this.filename));
      return false;
    }
    let time = timeMs ?? this.options.clock();
    if (typeof time !== 'number' || !Number.isFinite(time)) {
      this.report(new TypeError(`concurrent-log: timeMs must be a finite number of ms, got ${String(timeMs)}; the record was given the current time`));
      time = this.options.clock();
    }
    let len: number;
    if (typeof line === 'string') {
      const max = RECORD_HEADER_BYTES + line.length * 3;
      if (max > scratch.length) scratch = Buffer.allocUnsafe(Math.max(max, scratch.length * 2));
      len = scratch.write(line, RECORD_HEADER_BYTES, this.options.encoding);
    } else if (line instanceof Uint8Array) {
      const max = RECORD_HEADER_BYTES + line.length;
      if (max > scratch.length) scratch = Buffer.allocUnsafe(Math.max(max, scratch.length * 2));
      scratch.set(line, RECORD_HEADER_BYTES);
      len = line.length;
    } else {
      this.report(new TypeError(`concurrent-log: a record must be a string or bytes, got ${typeof line}`));
      return false;
    }
    const total = writeHeader(scratch, len, time);
    return this.push(scratch, total);
  }

  /** Python's `emit(record)`: the formatted record plus '\n', at the record's own time. */
  emitRecord(record: LogRecord): void {
    this.write(this.format(record) + '\n', record.created * 1000);
  }

  /** Resolves once every record written before the call is on disk. */
  override async flush(): Promise<void> {
    if (!this.shared || !flusherAlive(this.file.views)) {
      this.flushOrThrow();
      return;
    }
    const c = this.file.views.control;
    const target = this.file.ring.tail();
    this.file.ring.wakeFlusher();
    while (((Atomics.load(c, HEAD) - target) | 0) < 0) {
      if (Atomics.load(c, FAULT) !== 0 || !flusherAlive(this.file.views)) {
        this.flushOrThrow();
        return;
      }
      await new Promise((r) => setTimeout(r, FLUSH_POLL_MS));
    }
  }

  /** Writes every pending record from this thread before returning. For exit paths; never throws. */
  flushSync(): void {
    const err = this.ownDrainer().drainAll();
    if (err) this.report(err);
  }

  /** Flushes, then detaches. Resolves once everything this process wrote is on disk. */
  override async close(): Promise<void> {
    if (this.closed) return;
    try {
      await this.flush();
      this.finishCompression();
    } finally {
      this.detach();
    }
  }

  closeSync(): void {
    if (this.closed) return;
    this.flushSync();
    this.finishCompression();
    this.detach();
  }

  /** The flusher may still be gzipping the last rotated files: closing waits for them too. */
  private finishCompression(): void {
    if (!this.options.config.compress) return;
    try {
      this.ownDrainer().appender.compressRotated();
    } catch (err) {
      this.report(err as Error);
    }
  }

  /** Records dropped in this process because the buffer stayed full during an I/O fault. */
  get dropped(): number {
    return Atomics.load(this.file.views.control, DROPPED);
  }

  /**
   * Counters of this file's buffer in this process, shared by every thread attached to it:
   * records accepted since it was made, bytes not yet on disk, records dropped.
   */
  stats(): HandlerStats {
    const c = this.file.views.control;
    return { accepted: Atomics.load(c, RECORDS) >>> 0, pendingBytes: this.file.ring.pending(), dropped: Atomics.load(c, DROPPED), shared: this.shared };
  }

  private push(frame: Buffer, total: number): boolean {
    const { ring, views } = this.file;
    if (total > ring.size) return this.pushDirect(frame, total);
    for (;;) {
      const after = ring.tryPush(frame, total);
      if (after >= 0) {
        if (!this.shared) {
          const err = this.ownDrainer().drainAll();
          if (err) this.report(err);
        } else {
          const before = after - total;
          if (before === 0 || (before < this.options.batchBytes && after >= this.options.batchBytes)) ring.wakeFlusher();
        }
        return true;
      }
      // The ring is full.
      if (Atomics.load(views.control, FAULT) !== 0) return this.drop();
      if (!this.shared || !flusherAlive(views)) {
        if (this.shared) ensureFlusher(this.file, (err) => this.report(err));
        const r = this.ownDrainer().drainOnce();
        if (r === 'failed') return this.drop();
        if (r === 'busy') sleep(1);
        continue;
      }
      ring.wakeFlusher();
      ring.waitForSpace(FULL_WAIT_MS);
    }
  }

  /** A record larger than the whole ring goes straight to the file, after what is queued before it. */
  private pushDirect(frame: Buffer, total: number): boolean {
    const err = this.ownDrainer().appendDirect(frame, total);
    if (err) {
      this.report(err);
      return false;
    }
    return true;
  }

  private drop(): boolean {
    const c = this.file.views.control;
    const n = Atomics.add(c, DROPPED, 1) + 1;
    // One report per burst of drops, not one per record.
    if (this.droppedReported === 0 || n >= this.droppedReported * 2) {
      this.droppedReported = n;
      // The fault may be the flusher thread's: its code is in the shared buffer.
      this.report(new RecordsDroppedError(this.filename, n, faultCode(Atomics.load(c, FAULT))));
    }
    return false;
  }

  private flushOrThrow(): void {
    const err = this.ownDrainer().drainAll();
    if (err) throw err;
  }

  /** This thread's own drainer, for flushSync, exit paths, oversized records and `shared: false`. */
  private ownDrainer(): Drainer {
    if (this.drainer === null) {
      const o = this.options;
      const appender = new FileAppender({
        filename: this.filename,
        schedule: o.schedule,
        backupCount: o.config.backupCount,
        delay: o.config.delay,
        mode: o.config.mode,
        namer: o.namer,
        rotator: o.rotator,
        compress: o.config.compress,
      });
      this.drainer = new Drainer(this.file.views, this.file.ring, appender);
    }
    return this.drainer;
  }

  private detach(): void {
    this.closed = true;
    openHandlers().delete(this);
    if (this.watch) clearInterval(this.watch);
    this.channel?.close();
    this.channel = null;
    this.drainer?.close();
    this.drainer = null;
    Atomics.sub(this.file.views.control, ATTACHED, 1);
    // Wake the flusher so it sees it may exit.
    this.file.ring.wakeFlusher();
  }

  private report(err: Error): void {
    if (this.options.onError) {
      try {
        this.options.onError(err);
      } catch {
        // An error handler that throws must not take the host down.
      }
      return;
    }
    this.handleError(err);
  }
}
