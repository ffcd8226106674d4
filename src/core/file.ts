import { checkNetworkFs } from './fs/netfs.js';
import { EventEmitter } from 'node:events';
import { BroadcastChannel } from 'node:worker_threads';
import {
  HandlerClosedError,
  PermissionModelError,
  RecordTimeError,
  RecordsDroppedError,
  type ScheduleConflictError,
} from '../errors.js';
import { FRAME_HEADER_BYTES, writeHeader } from './memory/frame.js';
import { Drainer, sleep } from './process/drain.js';
import { FileAppender, checkOpens } from './rotation/appender.js';
import { flockAddon } from './fs/filelock.js';
import {
  appenderOptions,
  hookOption,
  resolveOptions,
  usableTime,
  type HandlerOptions,
  type ResolvedOptions,
  type SizeHandlerOptions,
} from './options.js';
import {
  channelName,
  ensureFlusher,
  isServed,
  privateFile,
  reannounce,
  sharedFileFor,
  type SharedFile,
} from './process/registry.js';
import { faultCode, messageToError, type ErrorMessage, type EventMessage } from './process/messages.js';
import type { RemoveEvent, RotateEvent, RotationEvent } from './rotation/ports.js';

export interface HandlerStats {
  /** Records accepted into this process's buffer since it was made. */
  accepted: number;
  /** Bytes accepted and not yet on disk. */
  pendingBytes: number;
  /** Records dropped because the buffer stayed full during an I/O fault. */
  dropped: number;
  shared: boolean;
}

/** The events a log file emits. */
export interface LogFileEvents {
  error: [err: Error];
  /** The base file was rotated to `dest` by this process (once per rotation, across all processes). */
  rotate: [event: RotateEvent];
  /** A rotated file was deleted by this process: for `backupCount`, `maxAge` or `maxTotalSize`. */
  remove: [event: RemoveEvent];
}

/** How long a writer facing a full ring sleeps before looking again. */
const FULL_WAIT_MS = 20;
/** How often each thread checks that its file's flusher is alive, from its own event loop. */
const WATCH_MS = 1000;
/** Longest wait of `flush()` between two looks at the flusher's health. */
const FLUSH_LOOK_MS = 50;
/** How often flush() looks again while another process holds the file lock (no flusher serving). */
const LOCKED_LOOK_MS = 10;
/** The scratch frame each thread starts with; grown for larger records. */
const SCRATCH_BYTES = 64 * 1024;

/** Rotation by size: times decide nothing, and a record may be stamped up to a day ahead of the clock. */
const SIZE_TIME_WINDOW_MS = 86_400_000;

/**
 * Set (as a symbol key, invisible to the option check) by `openLogFile`: the adapters' files report
 * a file that cannot be opened instead of throwing at construction, as their streams always did.
 */
export const DEFER_OPEN_ERRORS = Symbol('concurrent-log.deferOpenErrors');

/** One scratch frame per thread, shared by every file in it (JS runs one call at a time). */
let scratch = Buffer.allocUnsafe(SCRATCH_BYTES);

/**
 * Files open in this thread, closed synchronously when it exits so nothing pending is left in a
 * buffer no thread will drain. One 'exit' listener per thread, on globalThis so that the ESM and
 * CommonJS copies of the package share it.
 */
const OPEN_FILES = Symbol.for('concurrent-log.open-handlers.v1');
export function openFiles(): Set<LogFile> {
  const g = globalThis as unknown as Record<symbol, Set<LogFile> | undefined>;
  let set = g[OPEN_FILES];
  if (!set) {
    const files = new Set<LogFile>();
    set = files;
    g[OPEN_FILES] = files;
    process.on('exit', () => {
      for (const f of [...files]) f.closeSync();
    });
  }
  return set;
}

/**
 * Node's permission model, when on, must allow what every handler needs: a clear error at
 * construction instead of records that wait for a flusher that cannot start. A `shared: false`
 * handler writes from its own thread and needs no worker.
 */
function checkPermissions(shared: boolean): void {
  const permission = (process as { permission?: { has(scope: string): boolean } }).permission;
  if (permission !== undefined && shared && !permission.has('worker')) throw new PermissionModelError('--allow-worker');
  try {
    flockAddon();
  } catch (err) {
    // Node 20 answers has('addon') false even under --allow-addons: only a load that failed says.
    if (permission !== undefined && !permission.has('addon')) throw new PermissionModelError('--allow-addons');
    throw err;
  }
}

/**
 * The core of the package: one log file that many threads and processes write at once, rotated by
 * its rotation policy exactly once for everybody. The logging layer wraps it as a `Handler`; the
 * adapters use it directly.
 *
 * `write()` copies the record into a ring shared by every thread of this process (a
 * SharedArrayBuffer); one flusher thread per process drains it under an exclusive `flock` on the
 * lock file, putting each record in the file of its own timestamp.
 *
 * Errors go to `onError` if given, else to 'error' listeners, else to `process.emitWarning`:
 * never thrown at the writer, never lost.
 */
export class LogFile extends EventEmitter<LogFileEvents> {
  readonly filename: string;
  readonly options: ResolvedOptions;
  private readonly file: SharedFile;
  private readonly shared: boolean;
  private drainer: Drainer | null = null;
  private channel: BroadcastChannel | null = null;
  private watch: NodeJS.Timeout | null = null;
  /** Armed when records wait and no flusher serves the file: this thread writes them itself. */
  private fallback: NodeJS.Timeout | null = null;
  private closed = false;
  private droppedReported = 0;
  /** Schedule conflicts told already (running + configured schedule keys). */
  private readonly conflictsReported = new Set<string>();
  /** The clock's last usable reading: a record time this far behind it needs no new reading. */
  private clockRead: number;
  /** How far ahead of the clock a record may be stamped: one rotation period. */
  private readonly timeWindow: number;
  /** Times (or clock readings) refused so far: reported at 1, 2, 4, 8... */
  private timeFaults = 0;

  /** `kind` 'size': rotated by size with `SizeHandlerOptions` (`ConcurrentRotatingFileHandler`); by time otherwise. */
  constructor(filename: string, options?: HandlerOptions, kind?: 'time');
  constructor(filename: string, options: SizeHandlerOptions | undefined, kind: 'size');
  constructor(filename: string, options: HandlerOptions | SizeHandlerOptions = {}, kind: 'time' | 'size' = 'time') {
    super();
    const resolved =
      kind === 'size'
        ? resolveOptions(filename, options as SizeHandlerOptions, 'size')
        : resolveOptions(filename, options as HandlerOptions);
    checkPermissions(resolved.shared);
    // CPython's handlers open the file in their constructor unless `delay`: one that cannot be opened raises there.
    if (!resolved.config.delay && (options as Record<symbol, unknown>)[DEFER_OPEN_ERRORS] !== true)
      checkOpens(resolved.config);
    this.options = resolved;
    this.filename = resolved.config.filename;
    this.timeWindow = resolved.schedule === null ? SIZE_TIME_WINDOW_MS : resolved.schedule.interval * 1000;
    this.clockRead = resolved.config.openedAt;
    this.shared = resolved.shared;
    if (this.shared) this.file = sharedFileFor(resolved.config, resolved.ringSize, (err) => this.report(err));
    else {
      this.file = privateFile(resolved.config, resolved.ringSize);
      this.file.control.attach();
    }
    openFiles().add(this);
    if (!resolved.allowNetworkFs) checkNetworkFs(this.filename, (err) => this.report(err));
    if (this.shared) {
      this.channel = new BroadcastChannel(channelName(this.filename));
      this.channel.onmessage = (e: unknown) => this.heard((e as { data: ErrorMessage | EventMessage }).data);
      this.channel.unref();
      ensureFlusher(this.file, (err) => this.report(err));
      // A flusher started by a worker dies with that worker, and an announcement can cross a flusher
      // that is letting the file go: whoever notices first announces the file or starts a flusher.
      this.watch = setInterval(() => {
        ensureFlusher(this.file, (err) => this.report(err));
      }, WATCH_MS);
      this.watch.unref();
    } else if (!resolved.config.delay) {
      try {
        this.ownDrainer().appender.openEagerly(resolved.config.openedAt);
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
    const time = timeMs == null ? this.now() : this.recordTime(timeMs);
    let len: number;
    if (typeof line === 'string') {
      const max = FRAME_HEADER_BYTES + line.length * 3;
      if (max > scratch.length) scratch = Buffer.allocUnsafe(Math.max(max, scratch.length * 2));
      len = scratch.write(line, FRAME_HEADER_BYTES, this.options.encoding);
    } else if (line instanceof Uint8Array) {
      const max = FRAME_HEADER_BYTES + line.length;
      if (max > scratch.length) scratch = Buffer.allocUnsafe(Math.max(max, scratch.length * 2));
      scratch.set(line, FRAME_HEADER_BYTES);
      len = line.length;
    } else {
      this.report(new TypeError(`concurrent-log: a record must be a string or bytes, got ${typeof line}`));
      return false;
    }
    const total = writeHeader(scratch, len, time);
    return this.push(scratch, total);
  }

  /** The clock's time; Date.now() when it throws or says no usable time (reported). */
  private now(): number {
    let t: unknown;
    try {
      t = this.options.clock();
    } catch (err) {
      return this.timeRefused('the clock threw', err instanceof Error ? err.message : err, Date.now());
    }
    if (!usableTime(t)) return this.timeRefused('the clock returned no usable time', t, Date.now());
    this.clockRead = t;
    return t;
  }

  /**
   * A record's own time, or the clock's when it is none (not a number, before 1970) or further
   * ahead of the clock than one rotation period: a time no schedule can name a file for, or that
   * would freeze the base file in a far period, is never handed to the schedule.
   */
  private recordTime(ms: unknown): number {
    if (typeof ms !== 'number' || !(ms >= 0))
      return this.timeRefused('a record time before 1970 or not a number', ms, this.now());
    if (ms > this.clockRead + this.timeWindow) {
      const now = this.now();
      if (ms > now + this.timeWindow)
        return this.timeRefused('a record time more than one rotation period ahead of the clock', ms, now);
    }
    return ms;
  }

  private timeRefused(what: string, value: unknown, instead: number): number {
    const n = ++this.timeFaults;
    if ((n & (n - 1)) === 0) this.report(new RecordTimeError(this.filename, what, value, n));
    return instead;
  }

  /**
   * Resolves once every record written before the call is on disk; rejects with the I/O error that
   * stops it. Never blocks the event loop: while another process holds the file lock, it waits
   * between turns of the loop.
   */
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

  /**
   * Flushes, then detaches. Resolves once everything that could be written is on disk; what could
   * not (an I/O error) is reported, never thrown, so closing never takes the host down.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    try {
      await this.flush();
    } catch (err) {
      this.report(err as Error);
    }
    this.finishCompression();
    // The flusher announced the rotations of those records before freeing them: one turn of the
    // event loop delivers the announcements, so they are emitted before the channel closes.
    await new Promise((r) => setImmediate(r));
    this.detach();
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
      this.ownDrainer().appender.compressRotated(true);
    } catch (err) {
      this.report(err as Error);
    }
  }

  /**
   * CPython's shouldRollover(record) for a record of `bytes` encoded bytes at `timeMs`: whether
   * writing it now would rotate the base file first, by the shared rotation state on disk. Throws
   * the LogFileError of a lock or state it cannot read.
   */
  shouldRollover(timeMs: number, bytes: number): boolean {
    return this.ownDrainer().appender.wouldRollover(timeMs / 1000, bytes);
  }

  /** Records dropped in this process because the buffer stayed full during an I/O fault. */
  get dropped(): number {
    return this.file.control.dropped();
  }

  /**
   * Counters of this file's buffer in this process, shared by every thread attached to it:
   * records accepted since it was made, bytes not yet on disk, records dropped.
   */
  stats(): HandlerStats {
    const { ring, control } = this.file;
    return { accepted: ring.accepted(), pendingBytes: ring.pending(), dropped: control.dropped(), shared: this.shared };
  }

  private push(frame: Buffer, total: number): boolean {
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
      if (this.closed || this.file.ring.pending() === 0 || isServed(this.file)) return;
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
      this.report(new RecordsDroppedError(this.filename, n, faultCode(control.fault())));
    }
    return false;
  }

  /** This thread's own drainer, for flushSync, exit paths, oversized records and `shared: false`. */
  /**
   * CPython's assignable `namer` and `rotator`: checked as the option is, and used from the next
   * rotation this process makes (its flusher is told; the handlers of this file in the process share
   * it, as they share the flusher). Other processes keep their own.
   */
  setHook(name: 'namer' | 'rotator', value: unknown): void {
    const source = hookOption(name, value)?.source ?? null;
    const config = { ...this.file.config, [name]: source };
    this.file.config = config;
    this.options.config = { ...this.options.config, [name]: source };
    this.drainer?.appender.setHooks(appenderOptions(config));
    if (this.shared) reannounce(this.file);
  }

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

  /** A flusher's report: made by the one handler in the process that claims it. */
  private heard(m: ErrorMessage | EventMessage): void {
    if (!this.file.control.claimReport(m.seq)) return;
    if (m.type === 'error') this.report(messageToError(m));
    else this.announce(m);
  }

  /** Emits a rotation or deletion; a listener that throws is reported, never thrown into the flusher's path. */
  private announce(e: RotationEvent): void {
    try {
      if (e.type === 'rotate') this.emit('rotate', { source: e.source, dest: e.dest });
      else this.emit('remove', { path: e.path, reason: e.reason });
    } catch (err) {
      this.report(err as Error);
    }
  }

  /**
   * The file's last handler in this process is closing and records are still in the ring: the
   * fault that kept them from the disk outlasted the flush. They are taken out, counted as dropped
   * and reported, so nothing accepted is lost silently.
   */
  private countUnwritten(): void {
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
    this.report(new RecordsDroppedError(this.filename, total, faultCode(control.fault() || 1), true));
  }

  private detach(): void {
    this.countUnwritten();
    this.closed = true;
    openFiles().delete(this);
    if (this.watch) clearInterval(this.watch);
    if (this.fallback) clearTimeout(this.fallback);
    this.channel?.close();
    this.channel = null;
    this.drainer?.close();
    this.drainer = null;
    this.file.control.detach();
    // Wake the flusher so it sees it may let the file go.
    this.file.hub.wake();
  }

  private report(err: Error): void {
    // Each appender of the file in this process (the flusher's, a writing thread's own) finds a
    // schedule conflict for itself: the handler tells it once.
    const conflict = err as Partial<ScheduleConflictError>;
    if (conflict.code === 'ERR_CONCURRENT_LOG_SCHEDULE') {
      const key = `${conflict.running}\0${conflict.configured}`;
      if (this.conflictsReported.has(key)) return;
      this.conflictsReported.add(key);
    }
    if (this.options.onError) {
      try {
        this.options.onError(err);
      } catch {
        // An error handler that throws must not take the host down.
      }
      return;
    }
    if (this.listenerCount('error') > 0) this.emit('error', err);
    else process.emitWarning(err);
  }
}
