import { EventEmitter } from 'node:events';
import type { LogRecord } from './record.js';

/** What a handler needs from a formatter. */
export interface RecordFormatter {
  format(record: LogRecord): string;
}

/**
 * Python's `logging.Handler`: a level, a formatter, `handle(record)` -> `emit(record)`.
 * The concurrent file handler extends this, so it plugs into `Logger.addHandler()` and `dictConfig`.
 */
export abstract class Handler extends EventEmitter {
  level = 0;
  formatter: RecordFormatter | null = null;
  name: string | null = null;

  setLevel(level: number | string): void {
    this.level = typeof level === 'number' ? level : levelFromName(level);
  }

  setFormatter(formatter: RecordFormatter | null): void {
    this.formatter = formatter;
  }

  format(record: LogRecord): string {
    if (this.formatter) return this.formatter.format(record);
    return String(record.msg);
  }

  /** Emits the record if it passes this handler's level. Returns whether it was emitted. */
  handle(record: LogRecord): boolean {
    if (record.levelno < this.level) return false;
    this.emit_(record);
    return true;
  }

  private emit_(record: LogRecord): void {
    try {
      this.emitRecord(record);
    } catch (err) {
      this.handleError(err as Error);
    }
  }

  /** Python's `emit(record)`; named `emitRecord` because `emit` is EventEmitter's. */
  abstract emitRecord(record: LogRecord): void;

  /** Reports an error without throwing: an 'error' listener if any, else a warning on stderr. */
  handleError(err: Error): void {
    if (this.listenerCount('error') > 0) super.emit('error', err);
    else process.emitWarning(err);
  }

  flush(): Promise<void> {
    return Promise.resolve();
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}

const NAMED: Record<string, number> = { CRITICAL: 50, FATAL: 50, ERROR: 40, WARNING: 30, WARN: 30, INFO: 20, DEBUG: 10, NOTSET: 0 };

export function levelFromName(name: string): number {
  const n = NAMED[name.toUpperCase()];
  if (n === undefined) throw new TypeError(`Unknown level: '${name}'`);
  return n;
}
