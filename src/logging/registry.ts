import { sharedState } from './state.js';

/**
 * Process-wide (per-thread) bookkeeping: every handler configured or added to a logger (for
 * `shutdown()`), and a
 * generation counter bumped on any change that can alter which formatters a logger reaches,
 * so loggers can cache "does any formatter need the caller's file/line?" cheaply.
 */

interface Closable {
  flush(): Promise<void>;
  close(): Promise<void>;
  flushSync?(): void;
}

/** Handlers in creation order (Python's `logging._handlerList`). */
const state = sharedState('registry', () => ({ allHandlers: new Set<Closable>(), generation: 1, pendingCloses: new Set<Promise<unknown>>() }));
export const allHandlers = state.allHandlers;

export function configGeneration(): number {
  return state.generation;
}

export function bumpConfigGeneration(): void {
  state.generation++;
}

export function registerHandler(h: Closable): void {
  allHandlers.add(h);
}

export function unregisterHandler(h: Closable): void {
  allHandlers.delete(h);
}

/** Closes that dictConfig started in the background; `shutdown()` waits for them. */
export const pendingCloses = state.pendingCloses;

export function closeInBackground(h: Closable): void {
  allHandlers.delete(h);
  const p: Promise<unknown> = Promise.resolve()
    .then(() => h.flush())
    .then(() => h.close())
    .catch((err: unknown) => process.emitWarning(err as Error))
    .finally(() => pendingCloses.delete(p));
  pendingCloses.add(p);
}
