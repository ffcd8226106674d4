import { isMainThread } from 'node:worker_threads';
import { openFiles } from '../file.js';

export interface CloseOnSignalsOptions {
  /** Signals to catch (default SIGTERM and SIGINT: `docker stop`, Kubernetes, Ctrl-C). */
  signals?: NodeJS.Signals[];
}

/**
 * Opt-in: on each of `signals`, write every pending record of the log files open in this thread
 * (their buffers hold the records of every thread of the process that writes them), then let the
 * signal end the process as it would have: Node's default action for SIGTERM ends the process at
 * once and loses what the flusher has not written yet. Returns a function that removes the
 * listeners. Default signal behaviour is never changed for users who did not call this.
 */
export function closeOnSignals(options: CloseOnSignalsOptions = {}): () => void {
  if (!isMainThread)
    throw new Error('concurrent-log: closeOnSignals() must be called in the main thread (signals are delivered there)');
  const signals = options.signals ?? ['SIGTERM', 'SIGINT'];
  const listeners = new Map<NodeJS.Signals, () => void>();
  const remove = (): void => {
    for (const [sig, fn] of listeners) process.off(sig, fn);
    listeners.clear();
  };
  for (const sig of signals) {
    const fn = (): void => {
      for (const f of [...openFiles()]) f.closeSync();
      remove();
      // Raised again with no listener left: the process ends as the signal would have ended it.
      // With listeners of the user's own, they heard this signal and decide.
      if (process.listenerCount(sig) === 0) process.kill(process.pid, sig);
    };
    listeners.set(sig, fn);
    process.on(sig, fn);
  }
  return remove;
}
