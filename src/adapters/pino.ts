/// <reference types="node" preserve="true" />
/**
 * A pino transport writing through `ConcurrentTimedRotatingFileHandler`:
 *
 *   pino(pino.transport({ target: 'concurrent-log/pino', options: { filename: 'app.log', when: 'midnight' } }))
 *
 * pino runs it in a worker thread and streams its ndjson lines to it; each line goes to the file
 * of its own `time`, whole, however many threads and processes share the file.
 */
import { Writable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import type { LogFile } from '../core/file.js';
import { openLogFile } from '../core/open.js';
import type { HandlerOptions } from '../core/options.js';
import { ConfigError, describe } from '../errors.js';
import { timeFrom } from './time.js';

export interface PinoTransportOptions extends HandlerOptions {
  /** The log file (CPython's `filename`). */
  filename: string;
  /**
   * The top-level record field holding its time (pino's default `time`): epoch seconds or ms, or an
   * ISO string. `null`: no field is read; each record is timed when the transport receives it.
   */
  timeKey?: string | null;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;

/** The index of the quote closing the JSON string opened at `open`, or -1. */
function stringEnd(line: string, open: number): number {
  for (let i = open + 1; i < line.length; i++) {
    const c = line.charCodeAt(i);
    if (c === BACKSLASH) i++;
    else if (c === QUOTE) return i;
  }
  return -1;
}

/**
 * The time of one ndjson line: its first top-level `key` member, without parsing the whole line.
 * pino writes its timestamp there, ahead of the bindings and the logged object; a `time` nested in
 * a logged object is that object's business, and with pino's `timestamp: false` there is no
 * top-level one, so the record is timed on arrival.
 */
export function lineTime(line: string, key: string | null = 'time'): number | undefined {
  if (key === null) return undefined;
  const tag = JSON.stringify(key);
  let depth = 0;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === '"') {
      const end = stringEnd(line, i);
      if (end < 0) return undefined;
      if (depth === 1 && end + 1 - i === tag.length && line.startsWith(tag, i)) {
        let j = end + 1;
        while (line[j] === ' ') j++;
        if (line[j] === ':') return memberTime(line, j + 1);
      }
      i = end;
    } else if (c === '{' || c === '[') depth++;
    else if (c === '}' || c === ']') depth--;
  }
  return undefined;
}

/** The time in the JSON value starting at `i`: a string or a number; anything else is none. */
function memberTime(line: string, i: number): number | undefined {
  while (line[i] === ' ') i++;
  if (line[i] === '"') {
    const end = stringEnd(line, i);
    return end < 0 ? undefined : timeFrom(line.slice(i + 1, end));
  }
  let j = i;
  while (j < line.length && /[0-9.eE+-]/.test(line[j])) j++;
  return j > i ? timeFrom(Number(line.slice(i, j))) : undefined;
}

/** A Writable of ndjson text; each complete line becomes one record. Flushable (thread-stream calls `flush()`). */
export class ConcurrentLogPinoStream extends Writable {
  readonly handler: LogFile;
  private readonly timeKey: string | null;
  private readonly decoder = new StringDecoder('utf8');
  private pending = '';

  constructor(options: PinoTransportOptions) {
    super({ decodeStrings: false });
    if (options === null || typeof options !== 'object')
      throw new TypeError('concurrent-log/pino: options must be an object with a filename');
    const { filename, timeKey = 'time', ...rest } = options;
    if (timeKey !== null && (typeof timeKey !== 'string' || timeKey === '')) {
      throw new ConfigError(
        'timeKey',
        timeKey,
        `concurrent-log/pino: timeKey must be a field name or null, got ${describe(timeKey)}`,
      );
    }
    this.timeKey = timeKey;
    // pino adds its own keys to the options ($context, pinoWillSendConfig): not the handler's.
    const handlerOptions: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(rest))
      if (!k.startsWith('$') && k !== 'pinoWillSendConfig') handlerOptions[k] = v;
    this.handler = openLogFile(filename, handlerOptions as HandlerOptions);
  }

  override _write(chunk: string | Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    const text = this.pending + (typeof chunk === 'string' ? chunk : this.decoder.write(chunk));
    let start = 0;
    for (let nl = text.indexOf('\n', start); nl >= 0; nl = text.indexOf('\n', start)) {
      const line = text.slice(start, nl + 1);
      start = nl + 1;
      if (line.length > 1) this.handler.write(line, lineTime(line, this.timeKey));
    }
    this.pending = text.slice(start);
    callback();
  }

  override _final(callback: (error?: Error | null) => void): void {
    const rest = this.pending + this.decoder.end();
    this.pending = '';
    if (rest.trim() !== '') this.handler.write(rest + '\n', lineTime(rest, this.timeKey));
    this.handler.close().then(() => callback(), callback);
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.handler.close().then(
      () => callback(error),
      () => callback(error),
    );
  }

  /** Resolves once every line written so far is in the file. */
  flush(): Promise<void> {
    return this.handler.flush();
  }

  flushSync(): void {
    this.handler.flushSync();
  }
}

/** pino's transport entry point: `options` are `ConcurrentTimedRotatingFileHandler`'s plus `filename`. */
export default async function concurrentLogTransport(options: PinoTransportOptions): Promise<ConcurrentLogPinoStream> {
  return new ConcurrentLogPinoStream(options);
}
