import { EventEmitter } from 'node:events';
import type { LogRecord } from './record.js';
import { checkLevel } from './levels.js';
import { Formatter } from './formatter.js';
import { Filterer, applyFilters } from './filter.js';
import { bumpConfigGeneration, handlerByName, handlerNames, renameHandler, unregisterHandler } from './registry.js';

/** What a handler needs from a formatter. */
export interface RecordFormatter {
  format(record: LogRecord): string;
  /** Whether the format needs the caller's file/line/function; assumed true when absent. */
  usesCaller?(): boolean;
}

/** Python's default formatter: `%(message)s`. */
let defaultFormatter: Formatter | undefined;

/**
 * Python's `logging.Handler`: a level, a formatter, filters, `handle(record)` -> `emit(record)`.
 * The concurrent file handler extends this, so it plugs into `Logger.addHandler()` and `dictConfig`.
 */
export abstract class Handler extends Filterer(EventEmitter) {
  level = 0;
  #name: string | null = null;
  private formatter_: RecordFormatter | null = null;

  /** Python's `handler.name`: setting it makes the handler `getHandlerByName(name)`'s answer. */
  get name(): string | null {
    return this.#name;
  }

  set name(name: string | null) {
    renameHandler(this, this.#name, name);
    this.#name = name;
  }

  get formatter(): RecordFormatter | null {
    return this.formatter_;
  }

  set formatter(formatter: RecordFormatter | null) {
    this.formatter_ = formatter;
    bumpConfigGeneration();
  }

  setLevel(level: number | string): void {
    this.level = checkLevel(level);
  }

  setFormatter(formatter: RecordFormatter | null): void {
    this.formatter = formatter;
  }

  // 'error' listeners are typed; other events keep EventEmitter's signature.
  override on(event: 'error', listener: (err: Error, record?: LogRecord) => void): this;
  override on(event: string | symbol, listener: (...args: unknown[]) => void): this;
  override on(event: string | symbol, listener: (...args: never[]) => void): this {
    return super.on(event, listener as (...args: unknown[]) => void);
  }

  override once(event: 'error', listener: (err: Error, record?: LogRecord) => void): this;
  override once(event: string | symbol, listener: (...args: unknown[]) => void): this;
  override once(event: string | symbol, listener: (...args: never[]) => void): this {
    return super.once(event, listener as (...args: unknown[]) => void);
  }

  override off(event: 'error', listener: (err: Error, record?: LogRecord) => void): this;
  override off(event: string | symbol, listener: (...args: unknown[]) => void): this;
  override off(event: string | symbol, listener: (...args: never[]) => void): this {
    return super.off(event, listener as (...args: unknown[]) => void);
  }

  /** Python's `handler.set_name(name)` / `handler.name = name`. */
  setName(name: string | null): void {
    this.name = name;
  }

  getName(): string | null {
    return this.name;
  }

  /** Whether the formatter needs the caller's file/line/function. */
  usesCaller(): boolean {
    const f = this.formatter_;
    if (!f) return false;
    return typeof f.usesCaller === 'function' ? f.usesCaller() : true;
  }

  format(record: LogRecord): string {
    const f = this.formatter_ ?? (defaultFormatter ??= new Formatter());
    return f.format(record);
  }

  /** Emits the record if it passes this handler's level and filters. Returns whether it was emitted. */
  handle(record: LogRecord): boolean {
    if (record.levelno < this.level) return false;
    if (this.filters.length > 0) {
      const r = applyFilters(this.filters, record);
      if (r === false) return false;
      record = r;
    }
    this.emit_(record);
    return true;
  }

  private emit_(record: LogRecord): void {
    try {
      this.emitRecord(record);
    } catch (err) {
      this.handleError(err as Error, record);
    }
  }

  /** Python's `emit(record)`; named `emitRecord` because `emit` is EventEmitter's. */
  abstract emitRecord(record: LogRecord): void;

  /** Reports an error without throwing: an 'error' listener if any, else a warning on stderr. */
  handleError(err: Error, record?: LogRecord): void {
    if (this.listenerCount('error') > 0) {
      super.emit('error', err, record);
      return;
    }
    if (record && err && typeof err === 'object') {
      try {
        (err as Error).message =
          `${(err as Error).message} (logging record: msg=${String(record.msg)}, name=${record.name})`;
      } catch {
        // frozen error: report as is
      }
    }
    process.emitWarning(err);
  }

  flush(): Promise<void> {
    return Promise.resolve();
  }

  close(): Promise<void> {
    unregisterHandler(this);
    return Promise.resolve();
  }

  override toString(): string {
    return `<${this.constructor.name} (${this.level})>`;
  }
}

/**
 * Python 3.12's `logging.getHandlerByName(name)`: the handler with that name (set by `dictConfig`,
 * `handler.name = ...` or `setName`), or null if none is open under it.
 */
export function getHandlerByName(name: string): Handler | null {
  return handlerByName(name) as Handler | null;
}

/** Python 3.12's `logging.getHandlerNames()`: the names of the open named handlers. */
export function getHandlerNames(): Set<string> {
  return handlerNames();
}
