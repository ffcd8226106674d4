import { basename, dirname, join, resolve } from 'node:path';
import { createRequire } from 'node:module';
import { Schedule, type ScheduleOptions } from '../time/schedule.js';
import { ConfigError, describe } from '../errors.js';
import { policyFromKey } from './rotation/policy.js';
import { TimedPolicy } from './rotation/timed-policy.js';
import { SizePolicy } from './rotation/size-policy.js';
import { ENCODING_NAMES, encodingByName } from './encoding.js';

import type { Namer } from '../time/schedule.js';
import type { AppenderOptions } from './rotation/ports.js';
export type { Namer };
/** Moves the base file to its rotated name (`rotator` in CPython). */
export type Rotator = (source: string, dest: string) => void;

export interface HandlerOptions extends ScheduleOptions {
  /** Rotated files to keep; 0 keeps all (CPython `backupCount`). */
  backupCount?: number;
  /**
   * Also rotate within a period, before a record that would bring the base file to this many bytes
   * (the size handler's rule): the parts are `<base>.<suffix>.1`, `.2`, ... 0 (the default): by time only.
   */
  maxBytes?: number;
  /**
   * Retention: rotated files older than this are deleted, at start and after each rotation (files of
   * earlier runs too). Milliseconds, or `'14d'`, `'12h'`, `'30m'`, `'45s'`. Age is taken from the
   * period a name says, or from the mtime for size-rotated files.
   */
  maxAge?: number | string;
  /**
   * Retention: the oldest rotated files are deleted while all of them (compressed as they are)
   * total more than this. Bytes, or `'500M'`, `'2G'`, `'64K'` (powers of 1024).
   */
  maxTotalSize?: number | string;
  /** Encoding of string records, Python or Node spelling (`utf-8`, `latin-1`, `ascii`...). */
  encoding?: string | null;
  /** Open the base file only when the first record is written (CPython `delay`). */
  delay?: boolean;
  /** Permission bits for files the handler creates (before the umask). */
  mode?: number;
  /**
   * CPython's `namer`/`rotator`. They run in the flusher thread, so they must be self-contained
   * functions (no variables from the surrounding scope; `require` is available) — the same rule as
   * pino transports. A namer is checked at construction by comparing it with its revived copy.
   */
  namer?: Namer | null;
  rotator?: Rotator | null;
  /**
   * 'gzip': rotated files become `<name>.gz`, compressed after rotation by the process that rotated
   * them, off the write path (CPython's cookbook namer/rotator, done safely).
   */
  compress?: 'gzip' | null;
  /**
   * With `compress`: the newest N rotated files stay uncompressed (logrotate's `delaycompress`),
   * so a log shipper that was behind can finish reading one before it becomes `.gz`. Default 0.
   */
  compressDelay?: number;
  /** `false`: no shared buffer and no flusher thread; every write takes the file lock itself. */
  shared?: boolean;
  /** Bytes of shared ring per file per process; a power of two (default 4 MiB). */
  ringSize?: number;
  /** Longest time a record waits in the ring before the flusher writes it (ms, default 10). */
  flushInterval?: number;
  /** Pending bytes that wake the flusher at once (default ringSize / 8). */
  batchBytes?: number;
  /** Called with every error instead of the 'error' event. */
  onError?: (err: Error) => void;
  /** The clock that stamps records written without a time (ms since the epoch; default Date.now). */
  clock?: () => number;
  /**
   * The lock file, which also holds the rotation state every process shares. Default: the dot-file
   * `.<basename>.lock` beside the log, outside the `app.log*` glob that log shippers watch.
   */
  lockFile?: string | null;
  /** Create the log's (and the lock file's) missing folders, at start and whenever they vanish (default true). */
  mkdir?: boolean;
  /**
   * 'batch': durable mode. The flusher calls fdatasync once per batch per file before the batch
   * leaves the buffer, so `flush()` resolves only once its records are on stable storage; rotation
   * syncs the folder after its renames. Default false: the OS writes the page cache back.
   */
  fsync?: 'batch' | false | null;
  /**
   * The log's folder may be on a network file system (NFS, CIFS/SMB, FUSE). Default false: that is
   * reported at start as a NetworkFsError, since flock there does not reliably exclude other machines.
   */
  allowNetworkFs?: boolean;
}

/**
 * `ConcurrentRotatingFileHandler`'s options: CPython's `RotatingFileHandler(filename, mode='a',
 * maxBytes=0, backupCount=0, encoding=None, delay=False)`, plus ours where they apply. No schedule
 * and no clock: a record's time plays no part in rotation by size.
 */
export interface SizeHandlerOptions extends Omit<
  HandlerOptions,
  keyof ScheduleOptions | 'clock' | 'backupCount' | 'maxBytes'
> {
  /**
   * Rotate before a record that would bring the base file to this many bytes or beyond (the
   * record's encoded bytes; CPython counts its characters). 0 (the default) never rotates.
   */
  maxBytes?: number;
  /** Rotated files kept, `base.1` the newest to `base.N` the oldest; 0 (the default) never rotates. */
  backupCount?: number;
}

/** How a file rotates: by time (`ConcurrentTimedRotatingFileHandler`) or by size (`ConcurrentRotatingFileHandler`). */
export type RotationKind = 'time' | 'size';

/** What the flusher thread needs: plain data, since it crosses a thread boundary. */
export interface FlusherConfig {
  filename: string;
  /** Absolute path of the lock and state file. */
  lockFile: string;
  /**
   * The `clock` reading when the handler was made: the eager open's "now", so that the base file's
   * first period starts no later than any record written through it.
   */
  openedAt: number;
  /**
   * A random number naming this opening of the file in this process: every thread's appender of one
   * buffer has it, a handler made again after all were closed has a new one (see `opening` in the
   * state: the base file's mtime is compared once per opening, as CPython's __init__ does).
   */
  openId: number;
  /** The rotation policy's `key` (a schedule's, or a size limit's), from which every thread rebuilds it. */
  policy: string;
  backupCount: number;
  delay: boolean;
  mode: number;
  namer: string | null;
  rotator: string | null;
  flushInterval: number;
  batchBytes: number;
  compress: boolean;
  compressDelay: number;
  mkdir: boolean;
  fsync: boolean;
  /** ms; 0: no limit. */
  maxAge: number;
  /** bytes; 0: no limit. */
  maxTotalSize: number;
}

export interface ResolvedOptions {
  config: FlusherConfig;
  /** The schedule of a timed handler; null for rotation by size. */
  schedule: Schedule | null;
  encoding: BufferEncoding;
  shared: boolean;
  ringSize: number;
  batchBytes: number;
  onError: ((err: Error) => void) | null;
  clock: () => number;
  allowNetworkFs: boolean;
}

const DEFAULT_RING = 4 * 1024 * 1024;
const MIN_RING = 64 * 1024;
const MAX_RING = 1024 * 1024 * 1024;
const DEFAULT_FLUSH_MS = 10;

/** Options of both handlers; the timed handler's alone. */
const BOTH = ['time', 'size'] as const;
const TIME = ['time'] as const;

/** What resolving one option may read: the handler's kind, its file, the options resolved before it. */
interface Context {
  kind: RotationKind;
  filename: string;
  resolved: Partial<Record<string, unknown>>;
}

interface OptionSpec<T> {
  /** The handlers that take the option: any other refuses it, so a `when` is never silently ignored. */
  kinds: readonly RotationKind[];
  /** The option's value from what the user gave (undefined or null: absent), or a ConfigError. */
  resolve(value: unknown, ctx: Context): T;
}

/** A ConfigError naming the option and the value: "`name` must be `what`, got ...". */
function refuse(name: string, value: unknown, what: string): never {
  throw new ConfigError(name, value, `${name} must be ${what}, got ${describe(value)}`);
}

/** An option whose value is `fallback` when absent, else whatever `ok` accepts. */
function plain<T>(
  kinds: readonly RotationKind[],
  name: string,
  fallback: T,
  ok: (v: unknown, ctx: Context) => boolean,
  what: string,
): OptionSpec<T> {
  return {
    kinds,
    resolve: (value, ctx) => {
      const v = value ?? fallback;
      if (!ok(v, ctx)) refuse(name, v, what);
      return v as T;
    },
  };
}

const count = (v: unknown) => Number.isSafeInteger(v) && (v as number) >= 0;
const bool = (v: unknown) => typeof v === 'boolean';
const fn = (v: unknown) => typeof v === 'function';
/** The schedule's options are checked together, by Schedule.create (they depend on each other). */
const scheduleOption: OptionSpec<undefined> = { kinds: TIME, resolve: () => undefined };

/**
 * Every option of both handlers, in the order they are checked: the one list the known names, the
 * defaults and the checks come from. Its keys are the options' names.
 */
const OPTIONS = {
  when: scheduleOption,
  interval: scheduleOption,
  utc: scheduleOption,
  atTime: scheduleOption,
  timezone: scheduleOption,
  maxBytes: plain(BOTH, 'maxBytes', 0, count, 'a whole number of bytes >= 0'),
  maxAge: {
    kinds: BOTH,
    resolve: (v: unknown) =>
      parseAmount('maxAge', v, DURATION_UNITS, "a number of ms or a duration such as '14d', '12h', '30m'"),
  },
  maxTotalSize: {
    kinds: BOTH,
    resolve: (v: unknown) =>
      parseAmount('maxTotalSize', v, SIZE_UNITS, "a number of bytes or a size such as '500M', '2G'"),
  },
  backupCount: plain(BOTH, 'backupCount', 0, count, 'a whole number >= 0'),
  encoding: { kinds: BOTH, resolve: (v: unknown) => resolveEncoding(v) },
  mode: plain(
    BOTH,
    'mode',
    0o666,
    (v) => Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 0o7777,
    'permission bits such as 0o644',
  ),
  ringSize: plain(
    BOTH,
    'ringSize',
    DEFAULT_RING,
    (v) =>
      Number.isInteger(v) &&
      (v as number) >= MIN_RING &&
      (v as number) <= MAX_RING &&
      ((v as number) & ((v as number) - 1)) === 0,
    `a power of two from ${MIN_RING} to ${MAX_RING}`,
  ),
  flushInterval: plain(
    BOTH,
    'flushInterval',
    DEFAULT_FLUSH_MS,
    (v) => typeof v === 'number' && v > 0 && Number.isFinite(v),
    'a positive number of ms',
  ),
  batchBytes: {
    kinds: BOTH,
    resolve: (value: unknown, ctx: Context) => {
      const ringSize = ctx.resolved.ringSize as number;
      const v = value ?? ringSize / 8;
      if (!Number.isInteger(v) || (v as number) < 1 || (v as number) > ringSize)
        refuse('batchBytes', v, 'a whole number from 1 to ringSize');
      return v as number;
    },
  },
  delay: plain(BOTH, 'delay', false, bool, 'a boolean'),
  shared: plain(BOTH, 'shared', true, bool, 'a boolean'),
  mkdir: plain(BOTH, 'mkdir', true, bool, 'a boolean'),
  allowNetworkFs: plain(BOTH, 'allowNetworkFs', false, bool, 'a boolean'),
  onError: plain<((err: Error) => void) | null>(BOTH, 'onError', null, (v) => v === null || fn(v), 'a function'),
  clock: plain<() => number>(TIME, 'clock', Date.now, fn, 'a function returning ms'),
  fsync: {
    kinds: BOTH,
    resolve: (v: unknown) => {
      if (v != null && v !== false && v !== 'batch') refuse('fsync', v, "'batch' or false");
      return v === 'batch';
    },
  },
  compress: {
    kinds: BOTH,
    resolve: (v: unknown) => {
      if (v != null && v !== 'gzip') refuse('compress', v, "'gzip' or null");
      return v === 'gzip';
    },
  },
  compressDelay: plain(BOTH, 'compressDelay', 0, count, 'a whole number >= 0'),
  lockFile: {
    kinds: BOTH,
    resolve: (v: unknown, ctx: Context) => {
      if (v == null) return lockFilePath(ctx.filename);
      if (typeof v !== 'string' || v.length === 0) refuse('lockFile', v, 'a non-empty path');
      if (resolve(v) === resolve(ctx.filename))
        throw new ConfigError('lockFile', v, `lockFile must not be the log file itself, got ${describe(v)}`);
      return lockFilePath(ctx.filename, v);
    },
  },
  namer: { kinds: BOTH, resolve: (v: unknown) => hookOption('namer', v) },
  rotator: { kinds: BOTH, resolve: (v: unknown) => hookOption('rotator', v) },
} satisfies Record<keyof HandlerOptions | keyof SizeHandlerOptions, OptionSpec<unknown>>;

type Resolved = { [K in keyof typeof OPTIONS]: ReturnType<(typeof OPTIONS)[K]['resolve']> };

/** The option names a handler of `kind` takes. */
export function optionNames(kind: RotationKind): string[] {
  return Object.entries(OPTIONS)
    .filter(([, spec]) => (spec.kinds as readonly RotationKind[]).includes(kind))
    .map(([name]) => name);
}

export function resolveOptions(filename: unknown, options?: HandlerOptions, kind?: 'time'): ResolvedOptions;
export function resolveOptions(
  filename: unknown,
  options: SizeHandlerOptions | undefined,
  kind: 'size',
): ResolvedOptions;
export function resolveOptions(
  filename: unknown,
  options: HandlerOptions | SizeHandlerOptions = {},
  kind: RotationKind = 'time',
): ResolvedOptions {
  if (typeof filename !== 'string' || filename.length === 0) {
    throw new ConfigError('filename', filename, `filename must be a non-empty string, got ${describe(filename)}`);
  }
  if (options === null || typeof options !== 'object') {
    throw new ConfigError('options', options, `options must be an object, got ${describe(options)}`);
  }
  const given = options as Record<string, unknown>;
  const specs = OPTIONS as Record<string, OptionSpec<unknown>>;
  for (const key of Object.keys(given)) {
    if (!Object.hasOwn(specs, key) || !specs[key]!.kinds.includes(kind))
      throw new ConfigError(
        key,
        given[key],
        `unknown option '${key}'${kind === 'size' ? ' (ConcurrentRotatingFileHandler rotates by size: use ConcurrentTimedRotatingFileHandler to rotate by time)' : ''}`,
      );
  }
  const schedule = kind === 'time' ? Schedule.create(options as HandlerOptions) : null;
  const ctx: Context = { kind, filename, resolved: {} };
  for (const [key, spec] of Object.entries(specs))
    if (spec.kinds.includes(kind)) ctx.resolved[key] = spec.resolve(given[key], ctx);
  const o = ctx.resolved as Resolved;
  const policy = schedule ? new TimedPolicy(schedule, o.maxBytes) : new SizePolicy(o.maxBytes, o.backupCount);
  const clock = kind === 'time' ? o.clock : Date.now;
  return {
    schedule,
    encoding: o.encoding,
    shared: o.shared,
    ringSize: o.ringSize,
    batchBytes: o.batchBytes,
    onError: o.onError,
    clock,
    allowNetworkFs: o.allowNetworkFs,
    config: {
      filename: resolve(filename),
      lockFile: o.lockFile,
      openedAt: clockReading(clock) ?? Date.now(),
      openId: 1 + Math.floor(Math.random() * 2 ** 48),
      policy: policy.key,
      backupCount: o.backupCount,
      delay: o.delay,
      mode: o.mode,
      namer: o.namer?.source ?? null,
      rotator: o.rotator?.source ?? null,
      flushInterval: o.flushInterval,
      batchBytes: o.batchBytes,
      compress: o.compress,
      compressDelay: o.compressDelay,
      mkdir: o.mkdir,
      fsync: o.fsync,
      maxAge: o.maxAge,
      maxTotalSize: o.maxTotalSize,
    },
  };
}

/** The latest time a clock or a record may say (ms, year 5138): past it, no schedule can name a file. */
export const MAX_TIME_MS = 1e14;

/** Whether `t` is a time a record can be filed under: ms from 1970 to MAX_TIME_MS. */
export function usableTime(t: unknown): t is number {
  return typeof t === 'number' && t >= 0 && t <= MAX_TIME_MS;
}

/** The clock's reading, or null if it throws or says no usable time (the handler reports it). */
export function clockReading(clock: () => number): number | null {
  try {
    const t = clock();
    return usableTime(t) ? t : null;
  } catch {
    return null;
  }
}

/**
 * What a FileAppender needs, from the configuration that crosses to the flusher thread: the one
 * translation, used by the flusher and by every thread that drains for itself.
 */
export function appenderOptions(config: FlusherConfig): AppenderOptions {
  return {
    filename: config.filename,
    lockFile: config.lockFile,
    policy: policyFromKey(config.policy),
    backupCount: config.backupCount,
    delay: config.delay,
    mode: config.mode,
    namer: config.namer === null ? null : reviveHook<Namer>(config.namer),
    rotator: config.rotator === null ? null : reviveHook<Rotator>(config.rotator),
    compress: config.compress,
    compressDelay: config.compressDelay ?? 0,
    mkdir: config.mkdir,
    openedAt: config.openedAt,
    openId: config.openId,
    fsync: config.fsync,
    maxAge: config.maxAge,
    maxTotalSize: config.maxTotalSize,
  };
}

/**
 * Where the lock and rotation state of `filename` live: `lockFile` if given, else `.<basename>.lock`
 * in the log's folder. A dot-file, so that the `app.log*` and `*.log` globs of log shippers
 * (rsyslog imfile, Fluent Bit, Vector, Filebeat) never pick it up; beside the log rather than in a
 * side folder, so it is on the same file system and needs no folder of its own.
 */
export function lockFilePath(filename: string, lockFile?: string | null): string {
  if (lockFile != null) return resolve(lockFile);
  const abs = resolve(filename);
  return join(dirname(abs), `.${basename(abs)}.lock`);
}

const DURATION_UNITS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 7 * 86_400_000,
};
const SIZE_UNITS: Record<string, number> = { b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

/** A retention limit: a number (ms or bytes) or a string with a unit (`'14d'`, `'500M'`, `'2GB'`); 0 or absent: none. */
function parseAmount(option: string, value: unknown, units: Record<string, number>, what: string): number {
  if (value == null) return 0;
  let n = NaN;
  if (typeof value === 'number') n = value;
  else if (typeof value === 'string') {
    const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(value);
    const unit = m ? m[2]!.toLowerCase().replace(/(?<=.)i?b$/, '') : '';
    if (m && (unit === '' || units[unit] !== undefined)) n = Number(m[1]) * (units[unit] ?? 1);
  }
  if (!Number.isFinite(n) || n < 0)
    throw new ConfigError(option, value, `${option} must be ${what}, got ${describe(value)}`);
  return Math.round(n);
}

function resolveEncoding(value: unknown): BufferEncoding {
  if (value == null) return 'utf8';
  if (typeof value === 'string') {
    const found = encodingByName(value);
    if (found) return found;
  }
  throw new ConfigError('encoding', value, `unknown encoding: ${describe(value)} (supported: ${ENCODING_NAMES})`);
}

/**
 * A namer or rotator travels to the flusher thread as source text and is revived there. Reviving
 * it here too proves it parses; for a namer, comparing both on a sample name shows that it does not
 * depend on variables it closed over.
 */
export function hookOption(name: 'namer' | 'rotator', value: unknown): { fn: unknown; source: string } | null {
  if (value == null) return null;
  if (typeof value !== 'function')
    throw new ConfigError(name, value, `${name} must be a function, got ${describe(value)}`);
  const source = value.toString();
  let revived: (...a: unknown[]) => unknown;
  try {
    revived = reviveHook(source);
  } catch (err) {
    throw new ConfigError(
      name,
      value,
      `${name} must be a self-contained function (it runs in the flusher thread): ${(err as Error).message}`,
    );
  }
  if (name === 'namer') {
    const sample = resolve('concurrent-log-sample.log.2026-01-01_00-00-00');
    let b: unknown;
    try {
      b = revived(sample);
    } catch (err) {
      throw new ConfigError(
        name,
        value,
        `namer must be a self-contained function (it runs in the flusher thread): ${(err as Error).message}`,
      );
    }
    let a = b;
    try {
      a = (value as Namer)(sample);
    } catch {
      // The revived copy ran, so the original failed on what only the revived scope has: `require`,
      // which an ES module does not define.
    }
    if (a !== b || typeof a !== 'string') {
      throw new ConfigError(
        name,
        value,
        'namer must be a self-contained function returning a string (it runs in the flusher thread)',
      );
    }
  }
  // Every thread runs the revived copy, so the function sees the same scope wherever it runs.
  return { fn: revived, source };
}

/** Rebuilds a function from its source, with CommonJS `require` in scope. */
export function reviveHook<F = (...a: unknown[]) => unknown>(source: string): F {
  const req = requireFor();
  const attempts = [`return (${source});`, `return ({ ${source} })[Object.keys({ ${source} })[0]];`];
  let last: unknown;
  for (const body of attempts) {
    try {
      const fn = new Function('require', body)(req);
      if (typeof fn === 'function') return fn as F;
    } catch (err) {
      last = err;
    }
  }
  throw last instanceof Error ? last : new Error('not a function');
}

let cachedRequire: NodeJS.Require | null = null;
function requireFor(): NodeJS.Require {
  // Resolved from the working directory, where the user's own modules are.
  cachedRequire ??= createRequire(resolve('index.js'));
  return cachedRequire;
}
