/** A log record, shaped like Python's `logging.LogRecord` so `%(name)s`-style formats port unchanged. */
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
  [extra: string]: unknown;
}
