/** A log record, shaped like Python's `logging.LogRecord` so `%(name)s`-style formats port unchanged. */
import { isMainThread, threadId } from 'node:worker_threads';
import * as workerThreads from 'node:worker_threads';
import { basename, extname } from 'node:path';
import { sharedState } from './state.js';
import { levelName } from './levels.js';
import { percentFormat, pyStr, isMapping } from './percent.js';

export interface LogRecord {
  name: string;
  levelno: number;
  levelname: string;
  /** The message template; `getMessage()` applies `args` to it. */
  msg: unknown;
  args: unknown[];
  /** Seconds since the epoch, with fraction (Python's `record.created`). */
  created: number;
  msecs: number;
  relativeCreated: number;
  process: number;
  thread: number;
  threadName: string;
  processName: string;
  pathname: string;
  filename: string;
  module: string;
  lineno: number;
  funcName: string;
  excInfo?: unknown;
  excText?: string | null;
  stackInfo?: string | null;
  /** Set by `Formatter.format()`. */
  message?: string;
  asctime?: string;
  /** Python's `record.getMessage()`: `msg % args`. Present on records made by loggers. */
  getMessage?(): string;
  [extra: string]: unknown;
}

/** Milliseconds at module load: `%(relativeCreated)d` counts from here, as Python counts from `import logging`. */
export const startTime = sharedState('startTime', () => Date.now());

let threadNameOverride: string | undefined;
/** Python's `threading.current_thread().name = name`: sets `%(threadName)s` for this thread. */
export function setThreadName(name: string): void {
  threadNameOverride = name;
}

const NODE_DEFAULT_WORKER_NAME = 'WorkerThread';

function defaultThreadName(): string {
  if (isMainThread) return 'MainThread';
  // Node 24 names every unnamed worker 'WorkerThread' (earlier versions leave it ''): that name tells
  // no two threads apart, so it counts as none and Python's `Thread-<n>` pattern is used instead.
  const named = (workerThreads as { threadName?: unknown }).threadName;
  return typeof named === 'string' && named && named !== NODE_DEFAULT_WORKER_NAME ? named : `Thread-${threadId}`;
}
const DEFAULT_THREAD_NAME = defaultThreadName();

let processNameCache: string | undefined;
/** `MainProcess`, or `Worker-<id>` in a cluster worker (Python: `multiprocessing.current_process().name`). */
function processName(): string {
  if (processNameCache !== undefined) return processNameCache;
  const fromEnv = process.env.CONCURRENT_LOG_PROCESS_NAME;
  const clusterId = process.env.NODE_UNIQUE_ID;
  processNameCache = fromEnv || (clusterId ? `Worker-${clusterId}` : 'MainProcess');
  return processNameCache;
}

/** Where a log call came from. */
export interface CallerInfo {
  pathname: string;
  lineno: number;
  funcName: string;
  /** `basename(pathname)`, when already derived (callers are cached per call site, so this is done once). */
  filename?: string;
  /** `filename` without its extension, likewise. */
  module?: string;
}

export const UNKNOWN_CALLER: CallerInfo = {
  pathname: '(unknown file)',
  lineno: 0,
  funcName: '(unknown function)',
  filename: '(unknown file)',
  module: '(unknown file)',
};

/** A caller with its file name and module derived once, as Python's `LogRecord` derives them. */
export function callerInfo(pathname: string, lineno: number, funcName: string): CallerInfo {
  const filename = basename(pathname);
  return {
    pathname,
    lineno,
    funcName,
    filename,
    module: filename.slice(0, filename.length - extname(filename).length),
  };
}

/** Python's `LogRecord` class: the record loggers create. Its fields are LogRecord's (merged). */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type, @typescript-eslint/no-unsafe-declaration-merging -- the class's fields are LogRecord's, by merging
export interface PyLogRecord extends LogRecord {}
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
export class PyLogRecord {
  constructor(
    name: string,
    level: number,
    caller: CallerInfo,
    msg: unknown,
    args: unknown[],
    excInfo: unknown,
    stackInfo: string | null = null,
    timeMs = Date.now(),
  ) {
    this.name = name;
    this.levelno = level;
    this.levelname = levelName(level);
    this.msg = msg;
    this.args = args;
    this.created = timeMs / 1000;
    this.msecs = timeMs % 1000;
    this.relativeCreated = timeMs - startTime;
    this.process = process.pid;
    this.thread = threadId;
    this.threadName = threadNameOverride ?? DEFAULT_THREAD_NAME;
    this.processName = processName();
    this.pathname = caller.pathname;
    if (caller.filename !== undefined && caller.module !== undefined) {
      this.filename = caller.filename;
      this.module = caller.module;
    } else {
      const derived = callerInfo(caller.pathname, 0, '');
      this.filename = derived.filename!;
      this.module = derived.module!;
    }
    this.lineno = caller.lineno;
    this.funcName = caller.funcName;
    this.excInfo = excInfo;
    this.excText = null;
    this.stackInfo = stackInfo;
  }

  getMessage(): string {
    return getMessage(this);
  }

  toString(): string {
    return `<LogRecord: ${this.name}, ${this.levelno}, ${this.pathname}, ${this.lineno}, "${pyStr(this.msg)}">`;
  }
}

/** Python's `LogRecord.getMessage()` for any record: `str(msg) % args` when there are args. */
export function getMessage(record: LogRecord): string {
  const msg = pyStr(record.msg);
  const args = record.args;
  if (!args || args.length === 0) return msg;
  return percentFormat(msg, args);
}

/**
 * Python's `logging.makeLogRecord(dict)`: a record with default fields, overridden by `attrs`.
 * A single mapping in `args` is used for `%(key)s`, as Python does.
 */
export function makeLogRecord(attrs: Partial<LogRecord> & Record<string, unknown>): LogRecord {
  const r = new PyLogRecord('', 0, UNKNOWN_CALLER, '', [], null);
  Object.assign(r, attrs);
  if (attrs.args !== undefined && !Array.isArray(attrs.args))
    r.args = isMapping(attrs.args) ? [attrs.args] : [attrs.args];
  if (attrs.levelno !== undefined && attrs.levelname === undefined) r.levelname = levelName(attrs.levelno);
  return r;
}
