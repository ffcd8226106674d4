/// <reference types="node" preserve="true" />
/**
 * A log4js appender writing through `ConcurrentTimedRotatingFileHandler`:
 *
 *   log4js.configure({ appenders: { file: { type: 'concurrent-log/log4js', filename: 'app.log', when: 'midnight' } },
 *                      categories: { default: { appenders: ['file'], level: 'info' } } });
 *
 * The record's time is the event's `startTime`. `log4js.shutdown(cb)` flushes and closes the file.
 * log4js's own `file` and `dateFile` option names are mapped to the handler's (see `handlerOptions`).
 */
import { EOL } from 'node:os';
import type { LogFile } from '../core/file.js';
import { openLogFile } from '../core/open.js';
import type { HandlerOptions } from '../core/options.js';
import { ConfigError, describe } from '../errors.js';

/** What log4js passes as an event (the fields used here). */
export interface Log4jsEvent {
  startTime?: Date;
  [key: string]: unknown;
}
type Layout = (event: Log4jsEvent, timezoneOffset?: number) => string;
export interface Log4jsLayouts {
  basicLayout: Layout;
  layout(name: string, config: unknown): Layout;
}

/** log4js's `file` and `dateFile` appender options, as far as they mean something here. */
export interface Log4jsFileOptions {
  /** log4js `file`: rotate by size; bytes, or `'10K'`, `'10M'`, `'1G'` (powers of 1024). The handler's `maxBytes`. */
  maxLogSize?: number | string;
  /** log4js `file`: rotated files kept (default 5 with `maxLogSize`). The handler's `backupCount`; 0 is refused. */
  backups?: number;
  /** log4js `dateFile` (and streamroller): rotated files kept (default 1 with `pattern`). The handler's `backupCount`. */
  numBackups?: number;
  /** Deprecated log4js spelling of `numBackups`. */
  daysToKeep?: number;
  /** `app.log` rotates to `app.1.log` / `app.2026-03-28.log` instead of `app.log.1` / `app.log.2026-03-28`. */
  keepFileExt?: boolean;
  /** `true`: rotated files are gzipped (`compress: 'gzip'`). */
  compress?: boolean | 'gzip' | null;
  /**
   * log4js `dateFile`: its finest unit is the schedule: `yyyy-MM-dd` → `when: 'midnight'`, `…hh` → `'H'`,
   * `…mm` → `'M'`, `…ss` → `'S'`. Months, years and milliseconds have no schedule and are refused.
   */
  pattern?: string;
  /** Only `false`: the file written is always `filename`; rotated files carry the date. */
  alwaysIncludePattern?: boolean;
  /** Only `'.'`, the separator of the handler's rotated names. */
  fileNameSep?: string;
  /** Only `'a'`: the file is always appended to. */
  flags?: string;
  /** Strip ANSI colour codes from each record. */
  removeColor?: boolean;
}

export interface Log4jsAppenderConfig extends Omit<HandlerOptions, 'compress'>, Log4jsFileOptions {
  type?: unknown;
  filename: string;
  layout?: { type: string; [key: string]: unknown };
  /** Line terminator (log4js's file appender option; default os.EOL). */
  eol?: string;
  timezoneOffset?: number;
}

export interface Log4jsAppender {
  (event: Log4jsEvent): void;
  shutdown(callback: (err?: Error) => void): void;
  handler: LogFile;
}

const SIZE_UNITS: Record<string, number> = { K: 1024, M: 1024 ** 2, G: 1024 ** 3 };

/** log4js's `maxLogSize`: a whole number of bytes, or a whole number and K, M or G, as log4js reads it. */
function logSize(value: unknown): number {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value > 0) return value;
  if (typeof value === 'string') {
    const unit = SIZE_UNITS[value.slice(-1).toUpperCase()];
    const n = value.slice(0, -1).trim();
    if (unit !== undefined && /^\d+$/.test(n) && Number(n) > 0) return Number(n) * unit;
  }
  throw new ConfigError(
    'maxLogSize',
    value,
    `maxLogSize must be a whole number of bytes > 0 or a size such as '10M', '512K', '1G', got ${describe(value)}`,
  );
}

/** The schedule a log4js date pattern rolls at: its finest unit (date-format's tokens; `hh` is 0-23). */
function patternSchedule(pattern: unknown): 'S' | 'M' | 'H' | 'midnight' {
  if (typeof pattern === 'string') {
    if (/SSS/.test(pattern)) {
      throw new ConfigError(
        'pattern',
        pattern,
        `pattern ${describe(pattern)} rolls every millisecond: no schedule does (the finest is seconds, 'ss')`,
      );
    }
    if (/ss/.test(pattern)) return 'S';
    if (/mm/.test(pattern)) return 'M';
    if (/hh/i.test(pattern)) return 'H';
    if (/dd/.test(pattern)) return 'midnight';
  }
  throw new ConfigError(
    'pattern',
    pattern,
    `pattern must be a log4js date pattern rolling daily ('yyyy-MM-dd'), hourly ('yyyy-MM-dd-hh'), each minute or second, got ${describe(pattern)} (monthly and yearly files have no schedule here)`,
  );
}

/**
 * log4js's `keepFileExt` as a namer: `dir/app.log.1` → `dir/app.1.log`, `dir/app.log.2026-03-28_14.2` →
 * `dir/app.2026-03-28_14.2.log`. Self-contained (it runs in the flusher thread): the rotated part is
 * a size index or a CPython date suffix with its optional part number, after the base's extension.
 */
function keepFileExtNamer(name: string): string {
  const m = /^(.*?[^/])(\.[^./]+)\.(\d+|\d{4}-\d\d-\d\d(?:_\d\d(?:-\d\d){0,2})?(?:\.\d+)?)$/.exec(name);
  return m ? `${m[1]}.${m[3]}${m[2]}` : name;
}

/** One value under either of two names (log4js's and the handler's, or log4js's two spellings). */
function either<T>(config: Record<string, unknown>, a: string, b: string): T | undefined {
  if (config[a] !== undefined && config[b] !== undefined && config[a] !== config[b]) {
    throw new ConfigError(
      a,
      config[a],
      `${a} (${describe(config[a])}) and ${b} (${describe(config[b])}) name the same setting: give one`,
    );
  }
  return (config[a] ?? config[b]) as T | undefined;
}

/**
 * The handler's options from an appender config in log4js's vocabulary (`file`/`dateFile`) or the
 * handler's own, or both. log4js's defaults come with its names: `backups` 5 with `maxLogSize`,
 * `numBackups` 1 with `pattern`. What cannot be honoured is refused, naming the option and value.
 */
export function handlerOptions(
  config: Omit<Log4jsAppenderConfig, 'filename' | 'type' | 'layout' | 'eol' | 'timezoneOffset'>,
): HandlerOptions {
  const {
    maxLogSize,
    backups,
    numBackups,
    daysToKeep,
    keepFileExt,
    compress,
    pattern,
    alwaysIncludePattern,
    fileNameSep,
    flags,
    removeColor: _removeColor,
    ...options
  } = config;
  const c = config as Record<string, unknown>;
  const out: HandlerOptions = { ...options };
  if (maxLogSize !== undefined) {
    if (options.maxBytes !== undefined) either(c, 'maxLogSize', 'maxBytes');
    out.maxBytes = logSize(maxLogSize);
  }
  if (pattern !== undefined) {
    const when = patternSchedule(pattern);
    if (options.when !== undefined && String(options.when).toLowerCase() !== when.toLowerCase())
      either(c, 'pattern', 'when');
    out.when = when;
  }
  const kept = either<number>(c, 'numBackups', 'daysToKeep') ?? backups;
  if (backups !== undefined && (numBackups ?? daysToKeep) !== undefined)
    either(c, 'backups', numBackups !== undefined ? 'numBackups' : 'daysToKeep');
  if (kept !== undefined) {
    const name = backups !== undefined ? 'backups' : numBackups !== undefined ? 'numBackups' : 'daysToKeep';
    if (options.backupCount !== undefined) either(c, name, 'backupCount');
    if (!Number.isSafeInteger(kept) || kept < 1) {
      throw new ConfigError(
        name,
        kept,
        `${name} must be a whole number >= 1, got ${describe(kept)} (log4js's 0 keeps no rotated file; here backupCount 0 keeps them all)`,
      );
    }
    out.backupCount = kept;
  } else if (options.backupCount === undefined) {
    if (pattern !== undefined) out.backupCount = 1;
    else if (maxLogSize !== undefined) out.backupCount = 5;
  }
  if (compress === true) out.compress = 'gzip';
  else if (compress === false) out.compress = null;
  else if (compress !== undefined) out.compress = compress;
  if (keepFileExt === true) {
    if (options.namer != null)
      throw new ConfigError(
        'keepFileExt',
        keepFileExt,
        'keepFileExt (true) names the rotated files itself: give it or a namer, not both',
      );
    out.namer = keepFileExtNamer;
  } else if (keepFileExt !== undefined && keepFileExt !== false) {
    throw new ConfigError(
      'keepFileExt',
      keepFileExt,
      `keepFileExt must be true or false, got ${describe(keepFileExt)}`,
    );
  }
  if (alwaysIncludePattern !== undefined && alwaysIncludePattern !== false) {
    throw new ConfigError(
      'alwaysIncludePattern',
      alwaysIncludePattern,
      `alwaysIncludePattern: only false is supported (the file written is always the filename; rotated files carry the date), got ${describe(alwaysIncludePattern)}`,
    );
  }
  if (fileNameSep !== undefined && fileNameSep !== '.') {
    throw new ConfigError(
      'fileNameSep',
      fileNameSep,
      `fileNameSep: only '.' is supported (the rotated names are CPython's), got ${describe(fileNameSep)}`,
    );
  }
  if (flags !== undefined && flags !== 'a') {
    throw new ConfigError(
      'flags',
      flags,
      `flags: only 'a' is supported (a shared log is only ever appended to), got ${describe(flags)}`,
    );
  }
  return out;
}

/** ANSI SGR sequences (colours), which log4js's `removeColor` strips. */
// eslint-disable-next-line no-control-regex
const COLOR = /\x1b\[[0-9;]*m/g;

/** log4js's appender-module entry point. */
export function configure(config: Log4jsAppenderConfig, layouts?: Log4jsLayouts): Log4jsAppender {
  const { type: _type, filename, layout: layoutConfig, eol = EOL, timezoneOffset, removeColor, ...rest } = config;
  let layout: Layout = layouts?.basicLayout ?? ((e: Log4jsEvent) => JSON.stringify(e));
  if (layoutConfig && layouts) layout = layouts.layout(layoutConfig.type, layoutConfig);
  const handler = openLogFile(filename, handlerOptions(rest));
  const appender = ((event: Log4jsEvent) => {
    const t = event.startTime instanceof Date ? event.startTime.getTime() : undefined;
    const text = layout(event, timezoneOffset);
    handler.write((removeColor === true ? text.replace(COLOR, '') : text) + eol, Number.isFinite(t) ? t : undefined);
  }) as Log4jsAppender;
  appender.shutdown = (callback) => {
    handler.close().then(
      () => callback(),
      (err: Error) => callback(err),
    );
  };
  appender.handler = handler;
  return appender;
}

export default { configure };
