/// <reference types="node" preserve="true" />
// The public types name Buffer, EventEmitter and NodeJS: TypeScript 6+ loads no @types by default,
// so every entry point asks for Node's types itself (kept in the .d.ts by preserve="true").
// The package's one entry point: everything public is exported from here (the pino, winston and
// log4js adapters are the subpaths concurrent-log/pino, /winston and /log4js).
export {
  ConcurrentTimedRotatingFileHandler,
  ConcurrentRotatingFileHandler,
  LogFileHandler,
} from './logging/file-handler.js';
export { LogFile, type HandlerStats, type LogFileEvents } from './core/file.js';
export type { RotateEvent, RemoveEvent, RemoveReason } from './core/rotation/ports.js';
export { closeOnSignals, type CloseOnSignalsOptions } from './core/process/signals.js';
export {
  lockFilePath,
  type HandlerOptions,
  type SizeHandlerOptions,
  type Namer,
  type Rotator,
} from './core/options.js';
export {
  ConfigError,
  LogFileError,
  HandlerClosedError,
  RecordsDroppedError,
  ScheduleConflictError,
  NativeAddonError,
  PermissionModelError,
  NetworkFsError,
  UnsafeFileError,
  StateError,
  RecordTimeError,
} from './errors.js';
export {
  Schedule,
  filesToDelete,
  defaultRotationName,
  type RotatedNameVariants,
  strftime,
  type AtTime,
  type When,
  type WhenUnit,
  type ScheduleOptions,
  type BrokenDownTime,
} from './time/schedule.js';
export * from './logging/index.js';
export { Handler } from './logging/handler.js';
export type { LogRecord } from './logging/record.js';
