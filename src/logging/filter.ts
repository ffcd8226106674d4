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

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AbstractConstructor<T = object> = abstract new (...args: any[]) => T;

/**
 * Python's `Filterer`, the base of both `Logger` and `Handler`. A mixin, because `Handler` must
 * also be an EventEmitter.
 */
export function Filterer<TBase extends AbstractConstructor>(Base: TBase) {
  abstract class FiltererMixin extends Base {
    /** `Filter` objects, objects with `filter(record)`, or functions. */
    filters: FilterLike[] = [];

    addFilter(filter: FilterLike): void {
      if (!this.filters.includes(filter)) this.filters.push(filter);
    }

    removeFilter(filter: FilterLike): void {
      const i = this.filters.indexOf(filter);
      if (i >= 0) this.filters.splice(i, 1);
    }

    /** False if a filter rejects the record, else the record (or one a filter returned instead). */
    filter(record: LogRecord): LogRecord | false {
      return this.filters.length === 0 ? record : applyFilters(this.filters, record);
    }
  }
  return FiltererMixin;
}
