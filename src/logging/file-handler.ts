import { LogFile, type HandlerStats } from '../core/file.js';
import type { HandlerOptions, ResolvedOptions, SizeHandlerOptions } from '../core/options.js';
import { Handler } from './handler.js';
import type { LogRecord } from './record.js';
import type { RemoveEvent, RotateEvent } from '../core/policy.js';
import { unregisterHandler } from './registry.js';

/**
 * A logging `Handler` (level, formatter, filters; `Logger.addHandler`, `dictConfig`) around the
 * core `LogFile`, which does the writing, rotating and error reporting: what the timed and the size
 * handlers share. They differ only in the file's rotation policy.
 */
export abstract class LogFileHandler extends Handler {
  /** The core file this handler writes through. */
  readonly file: LogFile;

  protected constructor(file: LogFile) {
    super();
    this.file = file;
    // Without onError, the file's errors become this handler's (its 'error' listeners, else a warning).
    this.file.on('error', (err) => this.handleError(err));
    // Rotations and deletions made by this process, as the handler's own events.
    this.file.on('rotate', (e) => this.emit('rotate', e));
    this.file.on('remove', (e) => this.emit('remove', e));
  }

  // The file's 'rotate' and 'remove' events are typed here as on LogFile; 'error' as on every Handler.
  override on(event: 'rotate', listener: (event: RotateEvent) => void): this;
  override on(event: 'remove', listener: (event: RemoveEvent) => void): this;
  override on(event: 'error', listener: (err: Error, record?: LogRecord) => void): this;
  override on(event: string | symbol, listener: (...args: unknown[]) => void): this;
  override on(event: string | symbol, listener: (...args: never[]) => void): this {
    return super.on(event, listener as (...args: unknown[]) => void);
  }

  override once(event: 'rotate', listener: (event: RotateEvent) => void): this;
  override once(event: 'remove', listener: (event: RemoveEvent) => void): this;
  override once(event: 'error', listener: (err: Error, record?: LogRecord) => void): this;
  override once(event: string | symbol, listener: (...args: unknown[]) => void): this;
  override once(event: string | symbol, listener: (...args: never[]) => void): this {
    return super.once(event, listener as (...args: unknown[]) => void);
  }

  override off(event: 'rotate', listener: (event: RotateEvent) => void): this;
  override off(event: 'remove', listener: (event: RemoveEvent) => void): this;
  override off(event: 'error', listener: (err: Error, record?: LogRecord) => void): this;
  override off(event: string | symbol, listener: (...args: unknown[]) => void): this;
  override off(event: string | symbol, listener: (...args: never[]) => void): this {
    return super.off(event, listener as (...args: unknown[]) => void);
  }

  /** Absolute path of the base file. */
  get filename(): string {
    return this.file.filename;
  }

  get options(): Readonly<ResolvedOptions> {
    return this.file.options;
  }

  /** Records dropped in this process because the buffer stayed full during an I/O fault. */
  get dropped(): number {
    return this.file.dropped;
  }

  /** See `LogFile.write`: one complete record, at its own time `timeMs` (default now). */
  write(line: string | Uint8Array, timeMs?: number): boolean {
    return this.file.write(line, timeMs);
  }

  /** Python's `emit(record)`: the formatted record plus '\n', at the record's own time. */
  emitRecord(record: LogRecord): void {
    this.file.write(this.format(record) + '\n', record.created * 1000);
  }

  override flush(): Promise<void> {
    return this.file.flush();
  }

  flushSync(): void {
    this.file.flushSync();
  }

  /** Flushes, closes the file and leaves the logging registry (Python's `Handler.close`). */
  override async close(): Promise<void> {
    await this.file.close();
    await super.close();
  }

  closeSync(): void {
    this.file.closeSync();
    unregisterHandler(this);
  }

  stats(): HandlerStats {
    return this.file.stats();
  }
}

/**
 * CPython's `TimedRotatingFileHandler`, safe for many threads and processes writing one log.
 */
export class ConcurrentTimedRotatingFileHandler extends LogFileHandler {
  constructor(filename: string, options: HandlerOptions = {}) {
    super(new LogFile(filename, options));
  }
}

/**
 * CPython 3.13's `RotatingFileHandler` (rotation by size: `maxBytes`, `backupCount`), safe for many
 * threads and processes writing one log: the size is read from the file under the lock, so the
 * file rotates once for everybody, whoever wrote the bytes.
 */
export class ConcurrentRotatingFileHandler extends LogFileHandler {
  constructor(filename: string, options: SizeHandlerOptions = {}) {
    super(new LogFile(filename, options, 'size'));
  }
}
