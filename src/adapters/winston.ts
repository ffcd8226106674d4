/// <reference types="node" preserve="true" />
/**
 * A winston transport writing through `ConcurrentTimedRotatingFileHandler`:
 *
 *   import { ConcurrentLogTransport } from 'concurrent-log/winston';
 *   winston.createLogger({ format: winston.format.combine(winston.format.timestamp(), winston.format.json()),
 *                          transports: [new ConcurrentLogTransport({ filename: 'app.log', when: 'midnight' })] });
 *
 * Each record is winston's formatted message plus '\n', in the file of `info.timestamp` when
 * that is a time (else now).
 */
import TransportStream from 'winston-transport';
import type { LogFile } from '../core/file.js';
import { openLogFile } from '../core/open.js';
import type { HandlerOptions } from '../core/options.js';
import { timeFrom } from './time.js';

const MESSAGE = Symbol.for('message');

export interface ConcurrentLogTransportOptions extends HandlerOptions, TransportStream.TransportStreamOptions {
  /** The log file (CPython's `filename`). */
  filename: string;
  /** Line terminator (default '\n'). */
  eol?: string;
}

export class ConcurrentLogTransport extends TransportStream {
  readonly handler: LogFile;
  readonly name = 'concurrent-log';
  private readonly eol: string;

  constructor(options: ConcurrentLogTransportOptions) {
    if (options === null || typeof options !== 'object')
      throw new TypeError('concurrent-log/winston: options must be an object with a filename');
    const {
      filename,
      eol = '\n',
      format,
      level,
      silent,
      handleExceptions,
      handleRejections,
      log: _log,
      logv: _logv,
      close: _close,
      ...rest
    } = options;
    super({ format, level, silent, handleExceptions, handleRejections });
    this.eol = eol;
    this.handler = openLogFile(filename, rest);
  }

  /** winston-transport calls it with a callback; abstract-winston-transport and direct callers may not. */
  override log(info: Record<string | symbol, unknown>, callback?: () => void): void {
    const formatted = info[MESSAGE];
    const text = typeof formatted === 'string' ? formatted : JSON.stringify(info);
    this.handler.write(text + this.eol, timeFrom(info.timestamp));
    setImmediate(() => this.emit('logged', info));
    callback?.();
  }

  /** Resolves once every record logged so far is in the file. */
  flush(): Promise<void> {
    return this.handler.flush();
  }

  /** winston calls this when the transport is removed: flushes and closes the file, then emits 'closed'. */
  override close(): void {
    this.handler.close().then(
      () => this.emit('closed'),
      (err: Error) => this.emit('error', err),
    );
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.handler.close().then(() => callback(), callback);
  }
}

export default ConcurrentLogTransport;
