/// <reference types="node" preserve="true" />
/**
 * A log4js appender writing through `ConcurrentTimedRotatingFileHandler`:
 *
 *   log4js.configure({ appenders: { file: { type: 'concurrent-log/log4js', filename: 'app.log', when: 'midnight' } },
 *                      categories: { default: { appenders: ['file'], level: 'info' } } });
 *
 * The record's time is the event's `startTime`. `log4js.shutdown(cb)` flushes and closes the file.
 */
import { EOL } from 'node:os';
import type { LogFile } from '../core/file.js';
import { openLogFile } from '../core/open.js';
import type { HandlerOptions } from '../core/options.js';

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

export interface Log4jsAppenderConfig extends HandlerOptions {
  type?: string;
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

/** log4js's appender-module entry point. */
export function configure(config: Log4jsAppenderConfig, layouts?: Log4jsLayouts): Log4jsAppender {
  const { type: _type, filename, layout: layoutConfig, eol = EOL, timezoneOffset, ...options } = config;
  let layout: Layout = layouts?.basicLayout ?? ((e: Log4jsEvent) => JSON.stringify(e));
  if (layoutConfig && layouts) layout = layouts.layout(layoutConfig.type, layoutConfig);
  const handler = openLogFile(filename, options);
  const appender = ((event: Log4jsEvent) => {
    const t = event.startTime instanceof Date ? event.startTime.getTime() : undefined;
    handler.write(layout(event, timezoneOffset) + eol, Number.isFinite(t) ? t : undefined);
  }) as Log4jsAppender;
  appender.shutdown = (callback) => {
    handler.close().then(() => callback(), (err: Error) => callback(err));
  };
  appender.handler = handler;
  return appender;
}

export default { configure };
