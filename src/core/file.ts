import { checkNetworkFs } from './fs/netfs.js';
import { EventEmitter } from 'node:events';
import { BroadcastChannel } from 'node:worker_threads';
import { HandlerClosedError, PermissionModelError } from '../errors.js';
import { FRAME_HEADER_BYTES, writeHeader } from './memory/frame.js';
import { checkOpens } from './rotation/appender.js';
import { flockAddon } from './fs/filelock.js';
import {
  hookOption,
  resolveOptions,
  type HandlerOptions,
  type ResolvedOptions,
  type SizeHandlerOptions,
} from './options.js';
import {
  channelName,
  ensureFlusher,
  privateFile,
  reannounce,
  sharedFileFor,
  type SharedFile,
} from './process/registry.js';
import type { ErrorMessage, EventMessage } from './process/messages.js';
import { Feed } from './handler/feed.js';
import { RecordTime } from './handler/record-time.js';
import { Reporter, type LogFileEvents } from './handler/report.js';

export type { LogFileEvents } from './handler/report.js';

export interface HandlerStats {
  /** Records accepted into this process's buffer since it was made. */
  accepted: number;
  /** Bytes accepted and not yet on disk. */
  pendingBytes: number;
  /** Records dropped because the buffer stayed full during an I/O fault. */
  dropped: number;
  shared: boolean;
}

/** How often each thread checks that its file's flusher is alive, from its own event loop. */
const WATCH_MS = 1000;
/** The scratch frame each thread starts with; grown for larger records. */
const SCRATCH_BYTES = 64 * 1024;

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
  /** Errors and events, to `onError`, listeners or a warning (handler/report.ts). */
  private readonly reporter: Reporter;
  /** Records' times, checked against the clock (handler/record-time.ts). */
  private readonly times: RecordTime;
  /** The records' way to the file: the shared ring, or this thread's own drainer (handler/feed.ts). */
  private readonly feed: Feed;
  private channel: BroadcastChannel | null = null;
  private watch: NodeJS.Timeout | null = null;
  private closed = false;

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
    this.reporter = new Reporter(this, resolved);
    this.times = new RecordTime(resolved, (err) => this.report(err));
    this.shared = resolved.shared;
    if (this.shared) this.file = sharedFileFor(resolved.config, resolved.ringSize, (err) => this.report(err));
    else {
      this.file = privateFile(resolved.config, resolved.ringSize);
      this.file.control.attach();
    }
    this.feed = new Feed(
      this.file,
      resolved,
      (err) => this.report(err),
      (e) => this.reporter.announce(e),
    );
    openFiles().add(this);
    if (!resolved.allowNetworkFs) checkNetworkFs(this.filename, (err) => this.report(err));
    if (this.shared) {
      this.channel = new BroadcastChannel(channelName(this.filename));
      this.channel.onmessage = (e: unknown) =>
        this.reporter.heard((e as { data: ErrorMessage | EventMessage }).data, this.file.control);
      this.channel.unref();
      ensureFlusher(this.file, (err) => this.report(err));
      // A flusher started by a worker dies with that worker, and an announcement can cross a flusher
      // that is letting the file go: whoever notices first announces the file or starts a flusher.
      this.watch = setInterval(() => {
        ensureFlusher(this.file, (err) => this.report(err));
      }, WATCH_MS);
      this.watch.unref();
    } else if (!resolved.config.delay) this.feed.openEagerly(resolved.config.openedAt);
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
    const time = timeMs == null ? this.times.now() : this.times.of(timeMs);
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
    return this.feed.push(scratch, total);
  }

  /**
   * Resolves once every record written before the call is on disk; rejects with the I/O error that
   * stops it. Never blocks the event loop: while another process holds the file lock, it waits
   * between turns of the loop.
   */
  flush(): Promise<void> {
    return this.feed.flush();
  }

  /** Writes every pending record from this thread before returning. For exit paths; never throws. */
  flushSync(): void {
    this.feed.flushSync();
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
    this.feed.finishCompression();
    // The flusher announced the rotations of those records before freeing them: one turn of the
    // event loop delivers the announcements, so they are emitted before the channel closes.
    await new Promise((r) => setImmediate(r));
    this.detach();
  }

  closeSync(): void {
    if (this.closed) return;
    this.flushSync();
    this.feed.finishCompression();
    this.detach();
  }

  /**
   * CPython's shouldRollover(record) for a record of `bytes` encoded bytes at `timeMs`: whether
   * writing it now would rotate the base file first, by the shared rotation state on disk. Throws
   * the LogFileError of a lock or state it cannot read.
   */
  shouldRollover(timeMs: number, bytes: number): boolean {
    return this.feed.shouldRollover(timeMs, bytes);
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
    this.feed.setHooks(config);
    if (this.shared) reannounce(this.file);
  }

  private detach(): void {
    this.feed.countUnwritten();
    this.closed = true;
    openFiles().delete(this);
    if (this.watch) clearInterval(this.watch);
    this.channel?.close();
    this.channel = null;
    this.feed.stop();
    this.file.control.detach();
    // Wake the flusher so it sees it may let the file go.
    this.file.hub.wake();
  }

  private report(err: Error): void {
    this.reporter.report(err);
  }
}
