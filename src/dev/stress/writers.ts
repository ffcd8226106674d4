// The writer backends of the stress workload: each is opened once per worker thread for a file and
// gets (level index, message, record time ms) for every record. `ours` is the package's handler;
// `raw` is the floor (pre-formatted lines with writeSync on an O_APPEND fd, no rotation); the rest are
// the usual Node.js loggers as a user would set them up in every thread of every process.
// Peers are loaded on demand (they are devDependencies), so `ours` and `raw` need none of them.
import { closeSync, openSync, writeSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { threadId } from 'node:worker_threads';
import type { HandlerOptions } from '../../core/options.js';
import type { When } from '../../time/schedule.js';

export { LEVELS } from '../../tools/verify.js';
/** The seed's levelname for each of verify's LEVELS (debug, info, 警告, 报错, 严重). */
export const LEVEL_NAMES = ['DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL'] as const;

export interface WriterInfo {
  name: string;
  description: string;
  /** Rotated names differ from CPython's: verify with `all` (every file of the stem; no misplaced check). */
  verifyAll: boolean;
  /** Runs outside Node (the CPython reference). */
  external?: boolean;
  /** Rotates by size with --max-bytes (and --when none: by size alone), as the peer's own size option. */
  size?: boolean;
}

export const WRITERS: readonly WriterInfo[] = [
  {
    name: 'raw',
    description: 'fs.writeSync of each pre-formatted line on an O_APPEND fd, no rotation (the per-line floor)',
    verifyAll: false,
  },
  {
    name: 'raw-batched',
    description:
      'pre-formatted lines, 64 KiB writeSync per thread on an O_APPEND fd, no coordination, no rotation (the true floor)',
    verifyAll: false,
  },
  {
    name: 'ours',
    description: 'concurrent-log LogFile, lines formatted by the stress harness',
    verifyAll: false,
    size: true,
  },
  {
    name: 'ours-fsync',
    description: "concurrent-log LogFile with fsync: 'batch' (durable: group commit)",
    verifyAll: false,
    size: true,
  },
  {
    name: 'logging',
    description:
      "concurrent-log's Python-style layer: the seed's dictConfig verbatim and getLogger().info(...) (caller fields included)",
    verifyAll: false,
  },
  {
    name: 'pino',
    description: 'pino + sonic-boom (sync:false) to one file, no rotation; critical as fatal (flushes synchronously)',
    verifyAll: false,
  },
  {
    name: 'pino-error',
    description: 'pino + sonic-boom (sync:false) to one file, no rotation; critical as error',
    verifyAll: false,
  },
  {
    name: 'pino-roll',
    description: 'pino + pino-roll (frequency 1000 ms, or size with --max-bytes; names file.N)',
    verifyAll: true,
    size: true,
  },
  {
    name: 'winston',
    description:
      'winston + winston-daily-rotate-file (datePattern per second, named like CPython; maxSize with --max-bytes)',
    verifyAll: false,
    size: true,
  },
  {
    name: 'log4js',
    description:
      'log4js dateFile appender (pattern per second, named like CPython; file appender with maxLogSize with --max-bytes)',
    verifyAll: false,
    size: true,
  },
  {
    name: 'rotating-file-stream',
    description: 'rotating-file-stream (interval 1s, generator naming like CPython; size with --max-bytes)',
    verifyAll: false,
    size: true,
  },
  {
    name: 'python',
    description:
      'CPython logging.handlers.TimedRotatingFileHandler, multiprocessing + threads (bench/python_stress.py)',
    verifyAll: false,
    external: true,
  },
];

/** Writers that go through this package's handler: the process makes the file's buffer first, for its threads. */
export function usesOurHandler(name: string): boolean {
  return name === 'ours' || name === 'ours-fsync' || name === 'logging';
}

export function writerInfo(name: string): WriterInfo | undefined {
  return WRITERS.find((w) => w.name === name);
}

export interface WriterOptions {
  /** The handler's when (default 'S'); interval is 1, backupCount 0, delay true, utf-8. */
  when?: string;
  /** `ours` only: durable mode (`fsync: 'batch'`). */
  fsync?: boolean;
  /** `ours` only: rotate by size too (with when 'NONE', by size alone); 0: by time only. */
  maxBytes?: number;
  /** The thread name put in text lines. */
  threadName?: string;
  /** ours, ours-fsync: the handler is configured in this thread by the logging layer's dictConfig (the
   * seed's config), as the seed's threads do, instead of opened as a LogFile. */
  dictConfig?: boolean;
}

export interface StressWriter {
  write(level: number, msg: string, timeMs: number): void;
  /** Flushes and releases the writer (every record written is on disk when it resolves). */
  close(): Promise<void>;
}

const pad2 = (x: number): string => (x < 10 ? '0' : '') + x;
const pad3 = (x: number): string => (x < 10 ? '00' : x < 100 ? '0' : '') + x;

let stampSecond = NaN;
let stampText = '';

/** Python's default asctime, local time: 'YYYY-MM-DD HH:MM:SS,mmm' (the second part is cached). */
export function asctime(timeMs: number): string {
  const sec = Math.floor(timeMs / 1000);
  if (sec !== stampSecond) {
    const d = new Date(sec * 1000);
    stampText = `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())} ${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;
    stampSecond = sec;
  }
  return stampText + ',' + pad3(timeMs - sec * 1000);
}

const PATHNAME = '/concurrent-log/stress/task.js';
/** The line of the seed's first logging call (debug); the other levels follow on the next lines. */
const SEED_FIRST_CALL_LINE = 27;

/**
 * The seed's line, newline included:
 * `%(asctime)s - %(process)d-%(threadName)s - %(pathname)s[line:%(lineno)d] - %(levelname)s: %(message)s`.
 */
export function seedLine(level: number, msg: string, timeMs: number, threadName: string): string {
  return `${asctime(timeMs)} - ${process.pid}-${threadName} - ${PATHNAME}[line:${SEED_FIRST_CALL_LINE + level}] - ${LEVEL_NAMES[level]}: ${msg}\n`;
}

/** A peer package, loaded at run time (typed loosely: these are devDependencies, and some ship no types). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;
async function load(name: string): Promise<Any> {
  const mod: Any = await import(name);
  return mod.default ?? mod;
}

function endStream(stream: Any): Promise<void> {
  return new Promise((resolve, reject) => {
    if (stream.destroyed || stream.closed) return resolve();
    stream.once('error', reject);
    stream.once('close', () => resolve());
    stream.end();
  });
}

/**
 * The options every `ours` handler of the stress run is created with. With maxBytes, 'NONE' means
 * the size handler alone, keeping every file for the verifier (backupCount: a bound on the files).
 */
export function handlerOptions(when: string, fsync = false, maxBytes = 0): HandlerOptions {
  const common = { delay: true, encoding: 'utf-8', fsync: fsync ? ('batch' as const) : false } as const;
  if (when === 'NONE') return { ...common, maxBytes, backupCount: SIZE_BACKUPS };
  return { ...common, when: when as When, interval: 1, backupCount: 0, maxBytes };
}

/** backupCount of a size-only stress run: more files than any run makes, so none is deleted. */
const SIZE_BACKUPS = 20_000;

/** What every writer is opened with. */
interface OpenContext {
  file: string;
  when: string;
  fsync: boolean;
  maxBytes: number;
  thread: string;
  dictConfig: boolean;
}

/**
 * The seed's dictConfig, verbatim but for the file and the rotation unit; `extra` adds the stress
 * options (durable mode, size rotation; when 'NONE': the size handler alone).
 */
export function seedLogConfig(
  file: string,
  when: string,
  extra: { fsync?: boolean; maxBytes?: number } = {},
): Record<string, unknown> {
  const handler: Record<string, unknown> =
    when === 'NONE'
      ? {
          level: 'DEBUG',
          class: 'logging.handlers.ConcurrentRotatingFileHandler',
          backupCount: SIZE_BACKUPS,
          maxBytes: extra.maxBytes,
          filename: file,
          encoding: 'utf-8',
          formatter: 'default',
          delay: true,
        }
      : {
          level: 'DEBUG',
          class: 'logging.handlers.ConcurrentTimedRotatingFileHandler',
          backupCount: 0,
          when: when.toLowerCase(),
          filename: file,
          encoding: 'utf-8',
          formatter: 'default',
          delay: true,
        };
  if (when !== 'NONE' && extra.maxBytes) handler.maxBytes = extra.maxBytes;
  if (extra.fsync) handler.fsync = 'batch';
  return {
    version: 1,
    disable_existing_loggers: false,
    formatters: {
      default: {
        format: '%(asctime)s - %(process)d-%(threadName)s - %(pathname)s[line:%(lineno)d] - %(levelname)s: %(message)s',
        datefmt: '%Y-%m-%d %H:%M:%S',
      },
    },
    handlers: { file: handler },
    root: { handlers: ['file'], level: 'DEBUG' },
  };
}

/**
 * The package as a user's `import 'concurrent-log'` loads it: by its name (the bundle, one file to
 * load), not this build's module tree (some forty modules, each resolved, read and linked: ~0.1 s
 * more per worker thread). The specifier is a variable so that tsc takes the types from the source.
 */
function importPackage(): Promise<typeof import('../../index.js')> {
  const name = 'concurrent-log';
  return import(name) as Promise<typeof import('../../index.js')>;
}

/** How many bytes raw-batched gathers per thread before one write. */
const RAW_BATCH_BYTES = 64 * 1024;

async function openOurs(c: OpenContext, fsync: boolean): Promise<StressWriter> {
  if (c.dictConfig) {
    const logging = await importPackage();
    logging.config.dictConfig(seedLogConfig(c.file, c.when, { fsync, maxBytes: c.maxBytes }));
    const h = logging.getLogger().handlers[0] as InstanceType<typeof logging.ConcurrentTimedRotatingFileHandler>;
    h.on('error', (err) => process.stderr.write(`stress: handler error: ${err.stack ?? err}\n`));
    // The records are the harness's own pre-formatted lines, as for the LogFile: the same bytes.
    return { write: (level, msg, t) => h.write(seedLine(level, msg, t, c.thread), t), close: () => logging.shutdown() };
  }
  // Loaded only here: the handler's module graph costs ~0.1 s per thread to load, which the
  // other writers should not pay (with 100 threads per process it adds up).
  const { openLogFile } = await import('../../core/open.js');
  const h = openLogFile(c.file, handlerOptions(c.when, fsync, c.maxBytes));
  h.on('error', (err) => process.stderr.write(`stress: handler error: ${err.stack ?? err}\n`));
  return { write: (level, msg, t) => h.write(seedLine(level, msg, t, c.thread), t), close: () => h.close() };
}

/** One writer per name: opened once per worker thread for a file. */
const OPENERS: Record<string, (c: OpenContext) => Promise<StressWriter>> = {
  ours: (c) => openOurs(c, c.fsync),
  'ours-fsync': (c) => openOurs(c, true),

  async logging(c) {
    const logging = await importPackage();
    // Each thread configures its own logging state, as each Python process would; the handler
    // attaches to the process's buffer for the file.
    logging.config.dictConfig(seedLogConfig(c.file, c.when));
    const logger = logging.getLogger('stress');
    return {
      write: (level, msg) => {
        // One call site per level, as the seed's task has.
        if (level === 0) logger.debug(msg);
        else if (level === 1) logger.info(msg);
        else if (level === 2) logger.warning(msg);
        else if (level === 3) logger.error(msg);
        else logger.critical(msg);
      },
      close: () => logging.shutdown(),
    };
  },

  async raw(c) {
    const fd = openSync(c.file, 'a');
    return {
      write: (level, msg, t) => {
        writeSync(fd, seedLine(level, msg, t, c.thread));
      },
      close: async () => closeSync(fd),
    };
  },

  async 'raw-batched'(c) {
    const fd = openSync(c.file, 'a');
    const buf = Buffer.allocUnsafe(RAW_BATCH_BYTES);
    let used = 0;
    const flush = (): void => {
      for (let at = 0; at < used;) at += writeSync(fd, buf, at, used - at);
      used = 0;
    };
    return {
      write: (level, msg, t) => {
        const line = seedLine(level, msg, t, c.thread);
        if (used + Buffer.byteLength(line) > RAW_BATCH_BYTES) flush();
        used += buf.write(line, used);
      },
      close: async () => {
        flush();
        closeSync(fd);
      },
    };
  },

  pino: (c) => openPino(c, 'fatal'),
  'pino-error': (c) => openPino(c, 'error'),

  async 'pino-roll'(c) {
    const pino = await load('pino');
    const roll = await load('pino-roll');
    // pino-roll's size takes units: k for KiB.
    const rotation = c.maxBytes > 0 ? { size: `${Math.max(1, Math.round(c.maxBytes / 1024))}k` } : { frequency: 1000 };
    const dest = await roll({ file: c.file, ...rotation, mkdir: true });
    const log = pino({ level: 'debug' }, dest);
    const methods = ['debug', 'info', 'warn', 'error', 'fatal'];
    return { write: (level, msg) => log[methods[level]!](msg), close: () => endStream(dest) };
  },

  async winston(c) {
    const winston = await load('winston');
    const DailyRotateFile = await load('winston-daily-rotate-file');
    const transport = new DailyRotateFile({
      filename: `${basename(c.file)}.%DATE%`,
      dirname: dirname(c.file),
      // By size: one date for the whole run, the size rotation numbering the files (maxSize in bytes).
      ...(c.maxBytes > 0 ? { datePattern: 'YYYY', maxSize: c.maxBytes } : { datePattern: 'YYYY-MM-DD_HH-mm-ss' }),
      maxFiles: null,
      auditFile: `${dirname(c.file)}/.winston-audit-${process.pid}-${threadId}.json`,
    });
    const logger = winston.createLogger({
      levels: { crit: 2, error: 3, warning: 4, info: 6, debug: 7 },
      level: 'debug',
      format: winston.format.printf((info: Any) => seedLine(info.lv, info.message, info.t, c.thread).slice(0, -1)),
      transports: [transport],
    });
    const methods = ['debug', 'info', 'warning', 'error', 'crit'];
    return {
      write: (level, msg, t) => logger.log({ level: methods[level], message: msg, lv: level, t }),
      close: () =>
        new Promise<void>((resolve) => {
          transport.once('finish', () => resolve());
          transport.close();
        }),
    };
  },

  async log4js(c) {
    const log4js = await load('log4js');
    log4js.addLayout(
      'seed',
      () => (ev: Any) => seedLine(ev.data[1], ev.data[0], ev.startTime.getTime(), c.thread).slice(0, -1),
    );
    log4js.configure({
      appenders: {
        file:
          c.maxBytes > 0
            ? { type: 'file', filename: c.file, maxLogSize: c.maxBytes, backups: 1e6, layout: { type: 'seed' } }
            : {
                type: 'dateFile',
                filename: c.file,
                pattern: 'yyyy-MM-dd_hh-mm-ss',
                keepFileExt: false,
                alwaysIncludePattern: false,
                numBackups: 1e6,
                layout: { type: 'seed' },
              },
      },
      categories: { default: { appenders: ['file'], level: 'debug' } },
    });
    const logger = log4js.getLogger();
    const methods = ['debug', 'info', 'warn', 'error', 'fatal'];
    return {
      write: (level, msg) => logger[methods[level]!](msg, level),
      close: () => new Promise<void>((resolve) => log4js.shutdown(() => resolve())),
    };
  },

  async 'rotating-file-stream'(c) {
    const rfs = await load('rotating-file-stream');
    const base = basename(c.file);
    // CPython's per-second suffix of the period start: 'YYYY-MM-DD HH:MM:SS' with '_' and '-'.
    const generator = (time: Date | null): string =>
      time ? `${base}.${asctime(new Date(time).getTime()).slice(0, 19).replace(' ', '_').replace(/:/g, '-')}` : base;
    // By size: numbered names (rotating-file-stream's size takes K for KiB).
    const stream =
      c.maxBytes > 0
        ? rfs.createStream((time: Date | null, index?: number) => (time ? `${base}.${index ?? 1}` : base), {
            size: `${Math.max(1, Math.round(c.maxBytes / 1024))}K`,
            path: dirname(c.file),
          })
        : rfs.createStream(generator, { interval: '1s', intervalBoundary: true, path: dirname(c.file) });
    stream.on('error', (err: Error) => process.stderr.write(`stress: rotating-file-stream error: ${err.message}\n`));
    return {
      write: (level, msg, t) => {
        stream.write(seedLine(level, msg, t, c.thread));
      },
      close: () =>
        new Promise<void>((resolve) => {
          stream.once('finish', () => resolve());
          stream.end();
        }),
    };
  },
};

/** pino with sonic-boom; the seed's critical level as `critical` ('fatal' flushes synchronously). */
async function openPino(c: OpenContext, critical: 'fatal' | 'error'): Promise<StressWriter> {
  const pino = await load('pino');
  const dest = pino.destination({ dest: c.file, sync: false, append: true });
  const log = pino({ level: 'debug' }, dest);
  const methods = ['debug', 'info', 'warn', 'error', critical];
  return { write: (level, msg) => log[methods[level]!](msg), close: () => endStream(dest) };
}

export function openWriter(name: string, file: string, opts: WriterOptions = {}): Promise<StressWriter> {
  const open = OPENERS[name];
  if (!open) throw new Error(`stress: unknown writer '${name}'`);
  return open({
    file,
    when: opts.when ?? 'S',
    fsync: opts.fsync ?? false,
    maxBytes: opts.maxBytes ?? 0,
    thread: opts.threadName ?? `Worker-${threadId}`,
    dictConfig: opts.dictConfig ?? false,
  });
}
