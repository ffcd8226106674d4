/**
 * ISO 8601 date and time (`2026-11-25T10:00:00.123Z`, with a zone offset or none): the one string
 * form whose meaning does not depend on a locale. `Date.parse` also accepts day-first and
 * month-first forms and guesses, which once put a November record into a May file.
 */
const ISO_8601 = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}(:?\d{2})?)?$/;

/**
 * Where epoch seconds end and epoch milliseconds begin. pino's `unixTime` writes seconds
 * (1.7e9 today), `epochTime` milliseconds (1.7e12): 1e11 is the year 5138 in seconds and
 * March 1973 in milliseconds, so no time either library writes falls on the wrong side.
 */
const MS_FROM = 1e11;
/**
 * Below this, a number is not taken for a time at all (2001-09-09 in seconds): a duration or a
 * count that happens to sit in a field named `time` would otherwise file its record under 1970.
 */
const SECONDS_FROM = 1e9;

function epoch(n: number): number | undefined {
  if (!Number.isFinite(n) || n < SECONDS_FROM) return undefined;
  const ms = n < MS_FROM ? Math.round(n * 1000) : n;
  return Number.isFinite(new Date(ms).getTime()) ? ms : undefined;
}

/**
 * A record time from what a logging library put in its record: epoch seconds or milliseconds (a
 * number or a string of digits, told apart by size), a Date or an ISO 8601 string; undefined for
 * anything else, so the handler takes the time the record was handed to it.
 */
export function timeFrom(value: unknown): number | undefined {
  if (typeof value === 'number') return epoch(value);
  if (value instanceof Date) {
    const t = value.getTime();
    return Number.isFinite(t) ? t : undefined;
  }
  if (typeof value === 'string') {
    if (/^\d+(\.\d+)?$/.test(value)) return epoch(Number(value));
    if (!ISO_8601.test(value)) return undefined;
    const t = Date.parse(value);
    return Number.isFinite(t) ? t : undefined;
  }
  return undefined;
}
