/** Python's `logging.Filter` and the filtering protocol of `Filterer`. */
import type { LogRecord } from './record.js';

/** A filter: an object with `filter(record)`, or a function; returns falsy to drop, or a record to use instead. */
export type FilterLike = { filter(record: LogRecord): unknown } | ((record: LogRecord) => unknown);

/** Python's `logging.Filter(name)`: passes records of the named logger and its children. */
export class Filter {
  readonly name: string;
  private readonly nlen: number;
  constructor(name = '') {
    this.name = name;
    this.nlen = name.length;
  }

  filter(record: LogRecord): boolean {
    if (this.nlen === 0) return true;
    if (this.name === record.name) return true;
    if (!record.name.startsWith(this.name)) return false;
    return record.name[this.nlen] === '.';
  }
}

function isRecord(v: unknown): v is LogRecord {
  return typeof v === 'object' && v !== null && typeof (v as LogRecord).levelno === 'number' && 'msg' in v;
}

export function applyFilters(filters: readonly FilterLike[], record: LogRecord): LogRecord | false {
  for (const f of filters) {
    const result = typeof f === 'function' ? f(record) : f.filter(record);
    if (!result) return false;
    if (isRecord(result)) record = result;
  }
  return record;
}
