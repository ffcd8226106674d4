/** Errors cross threads as plain data; these turn them back into Errors with their fields. */
export interface ErrorMessage {
  type: 'error';
  name: string;
  message: string;
  code?: string;
  path?: string;
  syscall?: string;
  stack?: string;
}

export function errorToMessage(err: Error): ErrorMessage {
  const e = err as Error & { code?: string; path?: string; syscall?: string };
  return { type: 'error', name: e.name, message: e.message, code: e.code, path: e.path, syscall: e.syscall, stack: e.stack };
}

export function messageToError(m: ErrorMessage): Error {
  const err = new Error(m.message) as Error & { code?: string; path?: string; syscall?: string };
  err.name = m.name;
  if (m.code !== undefined) err.code = m.code;
  if (m.path !== undefined) err.path = m.path;
  if (m.syscall !== undefined) err.syscall = m.syscall;
  if (m.stack !== undefined) err.stack = m.stack;
  return err;
}

/** Thrown (reported) when records are written to a closed handler. */
export class HandlerClosedError extends Error {
  readonly code = 'ERR_CONCURRENT_LOG_CLOSED';
  constructor(filename: string) {
    super(`concurrent-log: write to a closed handler for ${filename}`);
    this.name = 'HandlerClosedError';
  }
}

/**
 * Error codes as small numbers, so the thread that hits a fault can tell every other thread its
 * cause through one Int32 slot of the shared buffer (FAULT). 0 means no fault.
 */
const FAULT_CODES = ['', 'ERR_CONCURRENT_LOG_IO', 'ENOENT', 'ENOTDIR', 'EISDIR', 'EACCES', 'EPERM', 'ENOSPC', 'EDQUOT', 'EROFS', 'EMFILE', 'ENFILE', 'EIO', 'EBADF', 'EFBIG'];

export function faultNumber(err: unknown): number {
  const i = FAULT_CODES.indexOf((err as NodeJS.ErrnoException)?.code ?? '');
  return i > 0 ? i : 1;
}

export function faultCode(n: number): string {
  return FAULT_CODES[n] ?? FAULT_CODES[1]!;
}

/** Reported when records had to be dropped because the ring stayed full during an I/O fault. */
export class RecordsDroppedError extends Error {
  readonly code = 'ERR_CONCURRENT_LOG_DROPPED';
  readonly dropped: number;
  /** The code of the I/O error that stopped the writes, e.g. 'ENOSPC'. */
  readonly faultCode: string;
  constructor(filename: string, dropped: number, faultCode: string) {
    super(`concurrent-log: ${dropped} record(s) dropped for ${filename}: the buffer is full and the file cannot be written (${faultCode})`);
    this.name = 'RecordsDroppedError';
    this.dropped = dropped;
    this.faultCode = faultCode;
  }
}
