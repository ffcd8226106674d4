import { readdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { LogFile, type HandlerStats } from '../core/file.js';
import {
  reviveHook,
  type HandlerOptions,
  type Namer,
  type ResolvedOptions,
  type Rotator,
  type SizeHandlerOptions,
} from '../core/options.js';
import { ConfigError, LogFileError, describe } from '../errors.js';
import type { Schedule } from '../time/schedule.js';
import { TimedPolicy } from '../core/rotation/timed-policy.js';
import { Handler } from './handler.js';
import type { LogRecord } from './record.js';
import { unregisterHandler } from './registry.js';
import type { RemoveEvent, RotateEvent } from '../core/rotation/ports.js';

/**
 * A logging `Handler` (level, formatter, filters; `Logger.addHandler`, `dictConfig`) around the
 * core `LogFile`, which does the writing, rotating and error reporting: what the timed and the size
 * handlers share. They differ only in the file's rotation policy.
 */
export abstract class LogFileHandler extends Handler {
  /** The core file this handler writes through. */
  readonly file: LogFile;
  #namer: Namer | null;
  #rotator: Rotator | null;

  protected constructor(file: LogFile, hooks: { namer?: Namer | null; rotator?: Rotator | null }) {
    super();
    this.file = file;
    this.#namer = hooks.namer ?? null;
    this.#rotator = hooks.rotator ?? null;
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

  /** CPython's `baseFilename`: the base file's absolute path. */
  get baseFilename(): string {
    return this.file.filename;
  }

  /**
   * CPython's `namer`, assignable as in CPython: used from the next rotation this process makes.
   * It runs in the flusher thread, so it must be self-contained (checked as the option is: a
   * ConfigError otherwise, and the namer in use stays).
   */
  get namer(): Namer | null {
    return this.#namer;
  }

  set namer(value: Namer | null) {
    if (value === this.#namer) return;
    this.file.setHook('namer', value);
    this.#namer = value;
  }

  /** CPython's `rotator`, assignable as in CPython, with the same rules as `namer`. */
  get rotator(): Rotator | null {
    return this.#rotator;
  }

  set rotator(value: Rotator | null) {
    if (value === this.#rotator) return;
    this.file.setHook('rotator', value);
    this.#rotator = value;
  }

  /**
   * CPython's `shouldRollover(record)`: whether emitting `record` now would rotate the base file
   * first — by the record's own time (which decides its file here) and its formatted size, against
   * the rotation state every process shares.
   */
  shouldRollover(record: LogRecord): boolean {
    const line = this.format(record) + '\n';
    return this.file.shouldRollover(record.created * 1000, Buffer.byteLength(line, this.options.encoding));
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
    super(new LogFile(filename, options), options ?? {});
  }

  get #schedule(): Schedule {
    return this.options.schedule!;
  }

  /** CPython's `computeRollover(currentTime)`: the rollover time (epoch seconds) that follows `currentTime`. */
  computeRollover(currentTime: number): number {
    if (typeof currentTime !== 'number' || !Number.isFinite(currentTime)) {
      throw new ConfigError(
        'currentTime',
        currentTime,
        `computeRollover: currentTime must be a finite number of epoch seconds, got ${describe(currentTime)}`,
      );
    }
    return this.#schedule.computeRollover(currentTime);
  }

  /**
   * CPython 3.13's `getFilesToDelete()`: the rotated files `backupCount` would delete now, oldest
   * first by name (every rotated file when backupCount is 0). Names of ours that CPython never
   * makes count too: `.gz` with `compress`, and numbered parts. The decision is the one the
   * rotation itself makes (TimedPolicy.backupsToDelete).
   */
  getFilesToDelete(): string[] {
    const { config } = this.options;
    const dir = dirname(this.filename);
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch (err) {
      throw new LogFileError('list', dir, err);
    }
    // The revived copy, as the flusher thread runs it (with `require` in scope).
    const namer = config.namer === null ? null : reviveHook<Namer>(config.namer);
    return TimedPolicy.fromKey(config.policy).backupsToDelete(
      this.filename,
      config.backupCount,
      namer,
      config.compress,
      names,
    );
  }
}

/**
 * CPython 3.13's `RotatingFileHandler` (rotation by size: `maxBytes`, `backupCount`), safe for many
 * threads and processes writing one log: the size is read from the file under the lock, so the
 * file rotates once for everybody, whoever wrote the bytes.
 */
export class ConcurrentRotatingFileHandler extends LogFileHandler {
  constructor(filename: string, options: SizeHandlerOptions = {}) {
    super(new LogFile(filename, options, 'size'), options ?? {});
  }
}
