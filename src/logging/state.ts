/**
 * The logging layer's process-wide (per-thread) state, kept on globalThis under one symbol, so that
 * the ESM and CommonJS copies of the package loaded in one thread share it: one root logger, one
 * `getLogger('a')` object, one level-name table, one handler registry (as the core shares its
 * buffers). Each piece is made by the first copy that asks for it.
 */
const KEY = Symbol.for('concurrent-log.logging-state.v1');

export function sharedState<T>(name: string, make: () => T): T {
  const g = globalThis as unknown as Record<symbol, Record<string, unknown> | undefined>;
  const bag = (g[KEY] ??= {});
  if (!(name in bag)) bag[name] = make();
  return bag[name] as T;
}

/** The piece named `name` if some copy made it already (for constructors that run while it is made). */
export function peekState<T>(name: string): T | undefined {
  const g = globalThis as unknown as Record<symbol, Record<string, unknown> | undefined>;
  return g[KEY]?.[name] as T | undefined;
}
