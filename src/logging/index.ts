/**
 * A Python-`logging`-style layer: `getLogger`, `dictConfig`, `Formatter`, levels, so a Python
 * program's logging setup ports line for line onto `ConcurrentTimedRotatingFileHandler`.
 */
import { ConcurrentRotatingFileHandler, ConcurrentTimedRotatingFileHandler } from './file-handler.js';
import { FileHandler, NullHandler, StreamHandler } from './streams.js';
import { dictConfig } from './config.js';

export {
  CRITICAL,
  FATAL,
  ERROR,
  WARNING,
  WARN,
  INFO,
  DEBUG,
  NOTSET,
  addLevelName,
  getLevelName,
  getLevelNamesMapping,
  ValueError,
} from './levels.js';
export { Formatter, type FormatStyle, type FormatterOptions, type TimeConverter } from './formatter.js';
export { Filter, type FilterLike } from './filter.js';
export { makeLogRecord, setThreadName, type LogRecord, type CallerInfo } from './record.js';
export {
  Logger,
  RootLogger,
  Manager,
  PlaceHolder,
  getLogger,
  disable,
  lastResort,
  setLastResort,
  root,
} from './logger.js';
export { StreamHandler, FileHandler, NullHandler, type WritableLike, type FileHandlerOptions } from './streams.js';
export { dictConfig, basicConfig, shutdown, registerConfigName, type BasicConfigOptions } from './config.js';
export { getHandlerByName, getHandlerNames, type RecordFormatter } from './handler.js';

/**
 * Python's `logging.handlers` module, as far as this package provides it:
 * `handlers.ConcurrentTimedRotatingFileHandler` (also under Python's `TimedRotatingFileHandler` name)
 * and `handlers.ConcurrentRotatingFileHandler` (also as `RotatingFileHandler`).
 */
export const handlers = Object.freeze({
  ConcurrentTimedRotatingFileHandler,
  TimedRotatingFileHandler: ConcurrentTimedRotatingFileHandler,
  ConcurrentRotatingFileHandler,
  RotatingFileHandler: ConcurrentRotatingFileHandler,
  StreamHandler,
  FileHandler,
  NullHandler,
});

/** Python's `logging.config` module: `config.dictConfig(d)`, so `logging.config.dictConfig(...)` ports unchanged. */
export const config = Object.freeze({ dictConfig });
