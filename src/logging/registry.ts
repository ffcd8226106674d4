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
  readonly name?: string | null;
}

/** Handlers in creation order (Python's `logging._handlerList`). */
const state = sharedState('registry', () => ({
  allHandlers: new Set<Closable>(),
  generation: 1,
  pendingCloses: new Set<Promise<unknown>>(),
}));
export const allHandlers = state.allHandlers;

/**
 * Handlers by name (Python's `logging._handlers`, a WeakValueDictionary): a handler that nobody
 * references any more is not kept alive by its name.
 */
const named = sharedState('namedHandlers', () => new Map<string, WeakRef<object>>());

/** Python's `Handler.set_name`: the handler leaves its old name and, if it has one, takes the new. */
export function renameHandler(h: object, oldName: string | null, newName: string | null): void {
  if (oldName && named.get(oldName)?.deref() === h) named.delete(oldName);
  if (newName) named.set(newName, new WeakRef(h));
}

/** The handler named `name`, if it is alive and not closed. */
export function handlerByName(name: string): object | null {
  const h = named.get(name)?.deref();
  if (h === undefined) named.delete(name);
  return h ?? null;
}

/** The names of the live handlers. */
export function handlerNames(): Set<string> {
  for (const [name, ref] of named) if (ref.deref() === undefined) named.delete(name);
  return new Set(named.keys());
}

export function configGeneration(): number {
  return state.generation;
}

export function bumpConfigGeneration(): void {
  state.generation++;
}

export function registerHandler(h: Closable): void {
  allHandlers.add(h);
}

/** A closed handler leaves the registry, and its name (Python's `Handler.close`). */
export function unregisterHandler(h: Closable): void {
  allHandlers.delete(h);
  if (h.name) renameHandler(h, h.name, null);
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
