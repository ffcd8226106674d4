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

export { LEVELS } from '../verify.js';
/** The seed's levelname for each of verify's LEVELS (debug, info, 警告, 报错, 严重). */
export const LEVEL_NAMES = ['DEBUG', 'INFO', 'WARNING', 'ERROR', 'CRITICAL'] as const;

export interface WriterInfo {
  name: string;
  description: string;
  /** Rotated names differ from CPython's: verify with `all` (every file of the stem; no misplaced check). */
  verifyAll: boolean;
  /** Runs outside Node (the CPython reference). */
  external?: boolean;
}

export const WRITERS: readonly WriterInfo[] = [
  { name: 'raw', description: 'fs.writeSync of pre-formatted lines on an O_APPEND fd, no rotation (the floor)', verifyAll: false },
  { name: 'ours', description: 'concurrent-log ConcurrentTimedRotatingFileHandler', verifyAll: false },
  { name: 'pino', description: 'pino + sonic-boom (sync:false) to one file, no rotation; critical as fatal (flushes synchronously)', verifyAll: false },
  { name: 'pino-error', description: 'pino + sonic-boom (sync:false) to one file, no rotation; critical as error', verifyAll: false },
  { name: 'pino-roll', description: 'pino + pino-roll (frequency 1000 ms; names file.N)', verifyAll: true },
  { name: 'winston', description: 'winston + winston-daily-rotate-file (datePattern per second, named like CPython)', verifyAll: false },
  { name: 'log4js', description: 'log4js dateFile appender (pattern per second, named like CPython)', verifyAll: false },
  { name: 'rotating-file-stream', description: 'rotating-file-stream (interval 1s, generator naming like CPython)', verifyAll: false },
  { name: 'python', description: 'CPython logging.handlers.TimedRotatingFileHandler, multiprocessing + threads (bench/python_stress.py)', verifyAll: false, external: true },
];

export function writerInfo(name: string): WriterInfo | undefined {
  return WRITERS.find((w) => w.name === name);
}

export interface WriterOptions {
  /** The handler's when (default 'S'); interval is 1, backupCount 0, delay true, utf-8. */
  when?: string;
  /** `ours` only: durable mode (`fsync: 'batch'`). */
  fsync?: boolean;
  /** The thread name put in text lines. */
  threadName?: string;
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

/** The options every `ours` handler of the stress run is created with. */
export function handlerOptions(when: string, fsync = false): HandlerOptions {
  return { when: when as When, interval: 1, backupCount: 0, delay: true, encoding: 'utf-8', fsync: fsync ? 'batch' : false };
}

export async function openWriter(name: string, file: string, opts: WriterOptions = {}): Promise<StressWriter> {
  const when = opts.when ?? 'S';
  const thread = opts.threadName ?? `Worker-${threadId}`;
  switch (name) {
    case 'ours': {
      // Loaded only here: the handler's module graph costs ~0.1 s per thread to load, which the
      // other writers should not pay (with 100 threads per process it adds up).
      const { LogFile } = await import('../../core/file.js');
      const h = new LogFile(file, handlerOptions(when, opts.fsync));
      h.on('error', (err) => process.stderr.write(`stress: handler error: ${err.stack ?? err}\n`));
      return { write: (level, msg, t) => h.write(seedLine(level, msg, t, thread), t), close: () => h.close() };
    }
    case 'raw': {
      const fd = openSync(file, 'a');
      return {
        write: (level, msg, t) => {
          writeSync(fd, seedLine(level, msg, t, thread));
        },
        close: async () => closeSync(fd),
      };
    }
    case 'pino':
    case 'pino-error': {
      const pino = await load('pino');
      const dest = pino.destination({ dest: file, sync: false, append: true });
      const log = pino({ level: 'debug' }, dest);
      const methods = ['debug', 'info', 'warn', 'error', name === 'pino' ? 'fatal' : 'error'];
      return { write: (level, msg) => log[methods[level]!](msg), close: () => endStream(dest) };
    }
    case 'pino-roll': {
      const pino = await load('pino');
      const roll = await load('pino-roll');
      const dest = await roll({ file, frequency: 1000, mkdir: true });
      const log = pino({ level: 'debug' }, dest);
      const methods = ['debug', 'info', 'warn', 'error', 'fatal'];
      return { write: (level, msg) => log[methods[level]!](msg), close: () => endStream(dest) };
    }
    case 'winston': {
      const winston = await load('winston');
      const DailyRotateFile = await load('winston-daily-rotate-file');
      const transport = new DailyRotateFile({
        filename: `${basename(file)}.%DATE%`,
        dirname: dirname(file),
        datePattern: 'YYYY-MM-DD_HH-mm-ss',
        maxFiles: null,
        auditFile: `${dirname(file)}/.winston-audit-${process.pid}-${threadId}.json`,
      });
      const logger = winston.createLogger({
        levels: { crit: 2, error: 3, warning: 4, info: 6, debug: 7 },
        level: 'debug',
        format: winston.format.printf((info: Any) => seedLine(info.lv, info.message, info.t, thread).slice(0, -1)),
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
    }
    case 'log4js': {
      const log4js = await load('log4js');
      log4js.addLayout('seed', () => (ev: Any) => seedLine(ev.data[1], ev.data[0], ev.startTime.getTime(), thread).slice(0, -1));
      log4js.configure({
        appenders: {
          file: { type: 'dateFile', filename: file, pattern: 'yyyy-MM-dd_hh-mm-ss', keepFileExt: false, alwaysIncludePattern: false, numBackups: 1e6, layout: { type: 'seed' } },
        },
        categories: { default: { appenders: ['file'], level: 'debug' } },
      });
      const logger = log4js.getLogger();
      const methods = ['debug', 'info', 'warn', 'error', 'fatal'];
      return {
        write: (level, msg) => logger[methods[level]!](msg, level),
        close: () => new Promise<void>((resolve) => log4js.shutdown(() => resolve())),
      };
    }
    case 'rotating-file-stream': {
      const rfs = await load('rotating-file-stream');
      const base = basename(file);
      // CPython's per-second suffix of the period start: 'YYYY-MM-DD HH:MM:SS' with '_' and '-'.
      const generator = (time: Date | null): string =>
        time ? `${base}.${asctime(new Date(time).getTime()).slice(0, 19).replace(' ', '_').replace(/:/g, '-')}` : base;
      const stream = rfs.createStream(generator, { interval: '1s', intervalBoundary: true, path: dirname(file) });
      stream.on('error', (err: Error) => process.stderr.write(`stress: rotating-file-stream error: ${err.message}\n`));
      return {
        write: (level, msg, t) => {
          stream.write(seedLine(level, msg, t, thread));
        },
        close: () =>
          new Promise<void>((resolve) => {
            stream.once('finish', () => resolve());
            stream.end();
          }),
      };
    }
    default:
      throw new Error(`stress: unknown writer '${name}'`);
  }
}
