// Where a handler's errors and events go: `onError` if given, else 'error' listeners, else
// process.emitWarning, so that nothing is thrown at the writer and nothing is lost. Reports come
// from this thread (the writing thread's own appender) and from the process's flusher thread
// (over the file's BroadcastChannel, claimed by one handler of the process, so told once).
import type { EventEmitter } from 'node:events';
import type { ScheduleConflictError } from '../../errors.js';
import type { Control } from '../memory/control.js';
import type { ResolvedOptions } from '../options.js';
import { messageToError, type ErrorMessage, type EventMessage } from '../process/messages.js';
import type { RemoveEvent, RotateEvent, RotationEvent } from '../rotation/ports.js';

/** The events a log file emits. */
export interface LogFileEvents {
  error: [err: Error];
  /** The base file was rotated to `dest` by this process (once per rotation, across all processes). */
  rotate: [event: RotateEvent];
  /** A rotated file was deleted by this process: for `backupCount`, `maxAge` or `maxTotalSize`. */
  remove: [event: RemoveEvent];
}

export class Reporter {
  private readonly emitter: EventEmitter<LogFileEvents>;
  private readonly options: ResolvedOptions;
  /** Schedule conflicts told already (running + configured schedule keys). */
  private readonly conflictsReported = new Set<string>();

  /** `emitter`: the handler, whose listeners hear the events. */
  constructor(emitter: EventEmitter<LogFileEvents>, options: ResolvedOptions) {
    this.emitter = emitter;
    this.options = options;
  }

  report(err: Error): void {
    // Each appender of the file in this process (the flusher's, a writing thread's own) finds a
    // schedule conflict for itself: the handler tells it once.
    const conflict = err as Partial<ScheduleConflictError>;
    if (conflict.code === 'ERR_CONCURRENT_LOG_SCHEDULE') {
      const key = `${conflict.running}\0${conflict.configured}`;
      if (this.conflictsReported.has(key)) return;
      this.conflictsReported.add(key);
    }
    if (this.options.onError) {
      try {
        this.options.onError(err);
      } catch {
        // An error handler that throws must not take the host down.
      }
      return;
    }
    if (this.emitter.listenerCount('error') > 0) this.emitter.emit('error', err);
    else process.emitWarning(err);
  }

  /** Emits a rotation or deletion; a listener that throws is reported, never thrown into the flusher's path. */
  announce(e: RotationEvent): void {
    try {
      if (e.type === 'rotate') this.emitter.emit('rotate', { source: e.source, dest: e.dest });
      else this.emitter.emit('remove', { path: e.path, reason: e.reason });
    } catch (err) {
      this.report(err as Error);
    }
  }

  /** A flusher's report: made by the one handler in the process that claims it. */
  heard(m: ErrorMessage | EventMessage, control: Control): void {
    if (!control.claimReport(m.seq)) return;
    if (m.type === 'error') this.report(messageToError(m));
    else this.announce(m);
  }
}
