import { DEFER_OPEN_ERRORS, LogFile } from './file.js';
import { optionNames, type HandlerOptions, type SizeHandlerOptions } from './options.js';

/** The options only the timed handler takes (its schedule, its clock): any of them means rotation by time. */
const SCHEDULE_OPTIONS = optionNames('time').filter((name) => !optionNames('size').includes(name));

/**
 * The adapters' file (pino, winston, log4js take one options object): rotated by size, as
 * `ConcurrentRotatingFileHandler`, when `maxBytes` is given without any schedule option; by time
 * otherwise (with `maxBytes`, also within each period).
 */
export function openLogFile(filename: string, options: HandlerOptions): LogFile {
  const bySize =
    (options.maxBytes ?? 0) !== 0 &&
    SCHEDULE_OPTIONS.every((k) => (options as Record<string, unknown>)[k] === undefined);
  // The adapters' streams report a file that cannot be opened, as they always have, rather than throw.
  const deferred = { ...options, [DEFER_OPEN_ERRORS]: true };
  return bySize ? new LogFile(filename, deferred as SizeHandlerOptions, 'size') : new LogFile(filename, deferred);
}
