/**
 * ISO 8601 date and time (`2026-11-25T10:00:00.123Z`, with a zone offset or none): the one string
 * form whose meaning does not depend on a locale. `Date.parse` also accepts day-first and
 * month-first forms and guesses, which once put a November record into a May file.
 */
const ISO_8601 = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}(:?\d{2})?)?$/;

/**
 * A record time from what a logging library put in its record: epoch ms (a number, a string of
 * digits or a Date) or an ISO 8601 string; undefined for anything else, so the handler takes the
 * time the record was handed to it.
 */
export function timeFrom(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (value instanceof Date) {
    const t = value.getTime();
    return Number.isFinite(t) ? t : undefined;
  }
  if (typeof value === 'string') {
    if (/^\d+(\.\d+)?$/.test(value)) return Number(value);
    if (!ISO_8601.test(value)) return undefined;
    const t = Date.parse(value);
    return Number.isFinite(t) ? t : undefined;
  }
  return undefined;
}
