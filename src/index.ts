// The package's one entry point: everything public is re-exported from here.
export * from './schedule.js';
export * from './handler.js';
export * from './verify.js';
export * from './logging/index.js';
export { Handler } from './logging/handler.js';
export type { LogRecord } from './logging/record.js';
