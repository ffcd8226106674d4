import type { RotationEvent } from '../rotation/ports.js';
// How errors cross threads: as plain data through a BroadcastChannel, and as a small number in
// the shared buffer's FAULT slot. The error classes themselves are in ../errors.ts.
/** Errors cross threads as plain data; these turn them back into Errors with their fields. */
/** A 'rotate' or 'remove' event made in the flusher thread, on its way to the file's handlers. */
export type EventMessage = RotationEvent & { seq: number };

export interface ErrorMessage {
  type: 'error';
  name: string;
  message: string;
  code?: string;
  path?: string;
  syscall?: string;
  stack?: string;
  /** Process-wide report number: the handler that claims it reports it (Control.claimReport). */
  seq: number;
  /** How many times this fault happened in a row so far. */
  occurrences: number;
  /** The error's other own fields with plain values (e.g. ScheduleConflictError's schedules). */
  fields: Record<string, unknown>;
}

const PLAIN = new Set(['string', 'number', 'boolean']);
function plainFields(err: Error): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(err)) {
    if (PLAIN.has(typeof v) || (Array.isArray(v) && v.every((x) => PLAIN.has(typeof x)))) out[k] = v;
  }
  return out;
}

export function errorToMessage(err: Error, seq: number, occurrences: number): ErrorMessage {
  const e = err as Error & { code?: string; path?: string; syscall?: string };
  return {
    type: 'error',
    name: e.name,
    message: e.message,
    code: e.code,
    path: e.path,
    syscall: e.syscall,
    stack: e.stack,
    seq,
    occurrences,
    fields: plainFields(err),
  };
}

/** The reported error, with `occurrences` (and the count in its message when over 1). */
export function messageToError(m: ErrorMessage): Error & { occurrences: number } {
  const message = m.occurrences > 1 ? `${m.message} (${m.occurrences} times so far)` : m.message;
  const err = Object.assign(new Error(message), m.fields) as unknown as Error & {
    code?: string;
    path?: string;
    syscall?: string;
    occurrences: number;
  };
  err.occurrences = m.occurrences;
  err.name = m.name;
  if (m.code !== undefined) err.code = m.code;
  if (m.path !== undefined) err.path = m.path;
  if (m.syscall !== undefined) err.syscall = m.syscall;
  if (m.stack !== undefined) err.stack = m.stack;
  return err;
}

/**
 * Error codes as small numbers, so the thread that hits a fault can tell every other thread its
 * cause through one Int32 slot of the shared buffer (FAULT). 0 means no fault.
 */
const FAULT_CODES = [
  '',
  'ERR_CONCURRENT_LOG_IO',
  'ENOENT',
  'ENOTDIR',
  'EISDIR',
  'EACCES',
  'EPERM',
  'ENOSPC',
  'EDQUOT',
  'EROFS',
  'EMFILE',
  'ENFILE',
  'EIO',
  'EBADF',
  'EFBIG',
  'ERR_CONCURRENT_LOG_UNSAFE_FILE',
  'ELOOP',
];

export function faultNumber(err: unknown): number {
  const i = FAULT_CODES.indexOf((err as NodeJS.ErrnoException)?.code ?? '');
  return i > 0 ? i : 1;
}

export function faultCode(n: number): string {
  return FAULT_CODES[n] ?? FAULT_CODES[1]!;
}
