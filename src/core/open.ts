import { DEFER_OPEN_ERRORS, LogFile } from './file.js';
import type { HandlerOptions, SizeHandlerOptions } from './options.js';

/** The options that make a schedule: any of them means rotation by time. */
const SCHEDULE_OPTIONS = ['when', 'interval', 'utc', 'atTime', 'timezone', 'clock'] as const;

/**
 * The adapters' file (pino, winston, log4js take one options object): rotated by size, as
 * `ConcurrentRotatingFileHandler`, when `maxBytes` is given without any schedule option; by time
 * otherwise (with `maxBytes`, also within each period).
 */
export function openLogFile(filename: string, options: HandlerOptions): LogFile {
  const bySize = (options.maxBytes ?? 0) !== 0 && SCHEDULE_OPTIONS.every((k) => options[k] === undefined);
  // The adapters' streams report a file that cannot be opened, as they always have, rather than throw.
  const deferred = { ...options, [DEFER_OPEN_ERRORS]: true };
  return bySize ? new LogFile(filename, deferred as SizeHandlerOptions, 'size') : new LogFile(filename, deferred);
}
