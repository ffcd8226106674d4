import { Worker, getEnvironmentData, setEnvironmentData } from 'node:worker_threads';
import { allocate, viewsOf, isCurrentLayout, type SharedViews } from './layout.js';
import { SharedRing } from './ring.js';
import { Control } from './control.js';
import type { FlusherConfig } from './options.js';

/** Process-wide name of a file's buffer. Both copies of the package (ESM and CommonJS) use it. */
const KEY_PREFIX = 'concurrent-log:v1:';
/** A registry on globalThis, so both copies of the package in one thread find the same entry. */
const REGISTRY = Symbol.for('concurrent-log.registry.v1');

export interface SharedFile {
  key: string;
  views: SharedViews;
  ring: SharedRing;
  control: Control;
  config: FlusherConfig;
  /** Whether this thread made the buffer (rather than inheriting it from its parent thread). */
  created: boolean;
}

interface EnvEntry {
  sab: SharedArrayBuffer;
  config: FlusherConfig;
}

function registry(): Map<string, SharedFile> {
  const g = globalThis as unknown as Record<symbol, Map<string, SharedFile> | undefined>;
  return (g[REGISTRY] ??= new Map());
}

export function channelName(filename: string): string {
  return KEY_PREFIX + filename;
}

/**
 * This process's buffer for `config.filename`: the one this thread already has, the one the thread
 * that started this worker published, or a new one, published for workers started from now on.
 */
export function sharedFileFor(config: FlusherConfig, ringSize: number): SharedFile {
  const key = KEY_PREFIX + config.filename;
  const reg = registry();
  const known = reg.get(key);
  if (known) return known;
  const inherited = getEnvironmentData(key) as EnvEntry | undefined;
  let views: SharedViews;
  let created = false;
  let fileConfig = config;
  if (inherited && inherited.sab instanceof SharedArrayBuffer && isCurrentLayout(inherited.sab)) {
    views = viewsOf(inherited.sab);
    fileConfig = inherited.config;
  } else {
    views = allocate(ringSize);
    created = true;
    setEnvironmentData(key, { sab: views.sab, config } satisfies EnvEntry);
  }
  const file: SharedFile = { key, views, ring: new SharedRing(views), control: new Control(views), config: fileConfig, created };
  reg.set(key, file);
  return file;
}

/** A private buffer for `shared: false`: the same machinery, drained by the writing thread itself. */
export function privateFile(config: FlusherConfig, ringSize: number): SharedFile {
  const views = allocate(ringSize);
  return { key: KEY_PREFIX + config.filename, views, ring: new SharedRing(views), control: new Control(views), config, created: true };
}

/**
 * Makes sure one flusher thread serves this buffer: the caller that wins the compare-and-swap on
 * FLUSHER starts it. It is unref'd, so it never keeps the process alive; exit handlers drain instead.
 */
export function ensureFlusher(file: SharedFile, onError: (err: Error) => void): void {
  const { views, control } = file;
  const token = control.claimFlusher();
  if (token === 0) return;
  const drainToken = control.newToken();
  let worker: Worker;
  try {
    // @ts-ignore -- import.meta is rewritten for the CommonJS build (scripts/build.mjs)
    const here: string = import.meta.url;
    worker = new Worker(new URL('./flusher.js', here), {
      workerData: { sab: views.sab, config: file.config, token, drainToken },
      name: 'concurrent-log flusher',
      // The default, stated because the lock depends on it: the thread's descriptors (and so its
      // flock) are closed when it exits, however it exits.
      trackUnmanagedFds: true,
    });
  } catch (err) {
    control.releaseFlusher(token);
    onError(err as Error);
    return;
  }
  worker.unref();
  worker.on('error', onError);
  worker.on('exit', () => {
    control.releaseFlusher(token);
    // Died mid-drain: free its drain lock now rather than when it looks stale. Its file lock is
    // already gone: Node closes a worker's file descriptors when it exits (trackUnmanagedFds),
    // and the kernel drops a flock with its last descriptor.
    control.releaseDrain(drainToken);
  });
}
