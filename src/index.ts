// The package's one entry point: everything public is exported from here (the pino, winston and
// log4js adapters are the subpaths concurrent-log/pino, /winston and /log4js).
export {
  ConcurrentTimedRotatingFileHandler,
  LogFileError,
  HandlerClosedError,
  RecordsDroppedError,
  type HandlerOptions,
  type HandlerStats,
  type Namer,
  type Rotator,
} from './core/handler.js';
export {
  Schedule,
  ConfigError,
  filesToDelete,
  defaultRotationName,
  strftime,
  type AtTime,
  type ScheduleOptions,
  type BrokenDownTime,
} from './time/schedule.js';
export * from './logging/index.js';
export { Handler } from './logging/handler.js';
export type { LogRecord } from './logging/record.js';
