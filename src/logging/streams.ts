/** Python's `logging.StreamHandler`, `logging.FileHandler` and `logging.NullHandler`. */
import { closeSync, openSync, writeSync, fsyncSync } from 'node:fs';
import { resolve } from 'node:path';
import { ENCODING_NAMES, encodingByName } from '../core/encoding.js';
import { Handler } from './handler.js';
import { ValueError } from './levels.js';
import type { LogRecord } from './record.js';

/** Anything with `write(string)`: a Node Writable, `process.stderr`, or a test double. */
export interface WritableLike {
  write(chunk: string): unknown;
  writableNeedDrain?: boolean;
  once?(event: 'drain', listener: () => void): unknown;
}

/** Python's `StreamHandler(stream=None)`: writes `format(record) + terminator` to a stream (stderr by default). */
export class StreamHandler extends Handler {
  stream: WritableLike;
  terminator = '\n';

  constructor(stream?: WritableLike | null) {
    super();
    this.stream = stream ?? process.stderr;
  }

  emitRecord(record: LogRecord): void {
    this.stream.write(this.format(record) + this.terminator);
  }

  /** Python's `setStream(stream)`: returns the old stream, or null if it is the same. */
  setStream(stream: WritableLike): WritableLike | null {
    if (stream === this.stream) return null;
    const old = this.stream;
    this.stream = stream;
    return old;
  }

  /** Resolves once the stream has drained what it buffered. */
  override flush(): Promise<void> {
    const s = this.stream;
    if (s.writableNeedDrain && typeof s.once === 'function') {
      return new Promise((done) => s.once!('drain', () => done()));
    }
    return Promise.resolve();
  }

  override toString(): string {
    const name =
      this.stream === process.stderr
        ? '<stderr>'
        : this.stream === process.stdout
          ? '<stdout>'
          : String((this.stream as { path?: unknown }).path ?? '');
    return `<${this.constructor.name} ${name} (${this.level})>`;
  }
}

/** A Python or Node encoding name as a Node `BufferEncoding`. */
export function nodeEncoding(encoding: string | null | undefined): BufferEncoding {
  if (encoding == null) return 'utf8';
  const e = encodingByName(encoding);
  if (!e) throw new ValueError(`unknown encoding: ${encoding} (supported: ${ENCODING_NAMES})`);
  return e;
}

export interface FileHandlerOptions {
  mode?: string;
  encoding?: string | null;
  delay?: boolean;
  errors?: string | null;
}

/**
 * Python's `FileHandler(filename, mode='a', encoding=None, delay=False)`: appends each record
 * with one synchronous `write(2)` on an `O_APPEND` descriptor, so records from several
 * processes interleave whole. No rotation: use `ConcurrentTimedRotatingFileHandler` for that.
 */
export class FileHandler extends StreamHandler {
  readonly baseFilename: string;
  readonly mode: string;
  readonly encoding: BufferEncoding;
  readonly delay: boolean;
  private fd: number | null = null;

  constructor(
    filename: string,
    modeOrOptions: string | FileHandlerOptions = 'a',
    encoding?: string | null,
    delay = false,
  ) {
    const o: FileHandlerOptions =
      typeof modeOrOptions === 'object' && modeOrOptions !== null
        ? modeOrOptions
        : { mode: modeOrOptions, encoding, delay };
    // The stream is this handler itself: writes go straight to the descriptor.
    super({ write: (s: string) => this.writeString(s) });
    if (typeof filename !== 'string' || filename === '')
      throw new TypeError('FileHandler: filename must be a non-empty string');
    this.baseFilename = resolve(filename);
    this.mode = o.mode ?? 'a';
    if (!/^[aw]b?\+?$/.test(this.mode)) throw new ValueError(`invalid mode: '${this.mode}'`);
    this.encoding = nodeEncoding(o.encoding);
    this.delay = o.delay ?? false;
    if (!this.delay) this.open();
  }

  private open(): number {
    if (this.fd === null) this.fd = openSync(this.baseFilename, this.mode.startsWith('w') ? 'w' : 'a');
    return this.fd;
  }

  private writeString(s: string): void {
    const fd = this.fd ?? this.open();
    const buf = Buffer.from(s, this.encoding);
    let off = 0;
    while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
  }

  /** Writes are synchronous; this only asks the OS to persist them. */
  flushSync(): void {
    if (this.fd !== null) {
      try {
        fsyncSync(this.fd);
      } catch {
        // not every file system supports fsync
      }
    }
  }

  override flush(): Promise<void> {
    return Promise.resolve();
  }

  closeSync(): void {
    if (this.fd !== null) {
      const fd = this.fd;
      this.fd = null;
      closeSync(fd);
    }
  }

  override close(): Promise<void> {
    this.closeSync();
    return super.close();
  }

  override toString(): string {
    return `<${this.constructor.name} ${this.baseFilename} (${this.level})>`;
  }
}

/** Python's `NullHandler`: does nothing (libraries add it so their records need no configuration). */
export class NullHandler extends Handler {
  override handle(_record: LogRecord): boolean {
    return true;
  }
  emitRecord(_record: LogRecord): void {}
}
