import { BroadcastChannel, Worker, getEnvironmentData, isMainThread, setEnvironmentData } from 'node:worker_threads';
import { allocate, allocateHub, hubViewsOf, viewsOf, isCurrentHub, isCurrentLayout, type SharedViews } from './layout.js';
import { SharedRing } from './ring.js';
import { Control } from './control.js';
import { Hub } from './hub.js';
import type { FlusherConfig } from './options.js';
import { flusherEntry } from './package.js';

/** Process-wide name of a file's buffer. Both copies of the package (ESM and CommonJS) use it. */
const KEY_PREFIX = 'concurrent-log:v1:';
/** Process-wide name of the hub, and of the channel on which files are announced to the flusher. */
export const HUB_KEY = 'concurrent-log:v1:hub';
/** Registries on globalThis, so both copies of the package in one thread find the same entries. */
const REGISTRY = Symbol.for('concurrent-log.registry.v1');
const HUB = Symbol.for('concurrent-log.hub.v1');

export interface SharedFile {
  key: string;
  views: SharedViews;
  ring: SharedRing;
  control: Control;
  hub: Hub;
  config: FlusherConfig;
  /** Whether this thread made the buffer (rather than inheriting it from its parent thread). */
  created: boolean;
}

interface EnvEntry {
  sab: SharedArrayBuffer;
  config: FlusherConfig;
}

/** What announces a file to the flusher, and what a new flusher says to have every file announced. */
export type HubMessage = { type: 'file'; sab: SharedArrayBuffer; config: FlusherConfig } | { type: 'hello'; token: number };

interface ThreadHub {
  hub: Hub;
  /** This thread's end of the announcement channel: it answers a new flusher's hello. */
  channel: BroadcastChannel;
  /** The flusher this thread started, if it still runs: files are posted to it directly, queued
   * until it reads them, so this thread never waits for it to boot. */
  started: { token: number; worker: Worker } | null;
}

function registry(): Map<string, SharedFile> {
  const g = globalThis as unknown as Record<symbol, Map<string, SharedFile> | undefined>;
  return (g[REGISTRY] ??= new Map());
}

/**
 * This process's hub: the one this thread has, the one the thread that started it published, or a
 * new one, published for threads started from now on (the same rule as for files' buffers).
 */
function threadHub(): ThreadHub {
  const g = globalThis as unknown as Record<symbol, ThreadHub | undefined>;
  let th = g[HUB];
  if (th) return th;
  const inherited = getEnvironmentData(HUB_KEY) as SharedArrayBuffer | undefined;
  let hub: Hub;
  if (inherited instanceof SharedArrayBuffer && isCurrentHub(inherited)) hub = new Hub(hubViewsOf(inherited));
  else {
    hub = new Hub(allocateHub());
    setEnvironmentData(HUB_KEY, hub.sab);
  }
  const channel = new BroadcastChannel(HUB_KEY);
  channel.unref();
  // A new flusher knows only the file that started it: every thread announces its other files.
  channel.onmessage = (e: unknown) => {
    if ((e as { data: HubMessage }).data.type !== 'hello') return;
    for (const file of registry().values()) if (file.control.attached() > 0 && !isServed(file)) announce(file);
  };
  th = { hub, channel, started: null };
  g[HUB] = th;
  return th;
}

export function channelName(filename: string): string {
  return KEY_PREFIX + filename;
}

/**
 * This process's buffer for `config.filename`: the one this thread already has, the one the thread
 * that started this worker published, or a new one, published for workers started from now on.
 * A buffer no handler is attached to any more is never reused: the handler being made may be a
 * restart with another configuration (a new maxBytes, schedule or retention), and even with the
 * same one its construction time is the eager open's "now". The flusher drains and lets go of the
 * old buffer when the new one reaches it (flusher.ts, adopt).
 */
export function sharedFileFor(config: FlusherConfig, ringSize: number): SharedFile {
  const key = KEY_PREFIX + config.filename;
  const reg = registry();
  const known = reg.get(key);
  if (known && known.control.attached() > 0) return known;
  const inherited = known ? undefined : (getEnvironmentData(key) as EnvEntry | undefined);
  let views: SharedViews;
  let created = false;
  let fileConfig = config;
  if (inherited && inherited.sab instanceof SharedArrayBuffer && isCurrentLayout(inherited.sab) && new Control(viewsOf(inherited.sab)).attached() > 0) {
    views = viewsOf(inherited.sab);
    fileConfig = inherited.config;
  } else {
    views = allocate(ringSize);
    created = true;
    setEnvironmentData(key, { sab: views.sab, config } satisfies EnvEntry);
  }
  const file: SharedFile = { key, views, ring: new SharedRing(views), control: new Control(views), hub: threadHub().hub, config: fileConfig, created };
  reg.set(key, file);
  return file;
}

/** A private buffer for `shared: false`: the same machinery, drained by the writing thread itself. */
export function privateFile(config: FlusherConfig, ringSize: number): SharedFile {
  const views = allocate(ringSize);
  return { key: KEY_PREFIX + config.filename, views, ring: new SharedRing(views), control: new Control(views), hub: threadHub().hub, config, created: true };
}

/** Whether the process's live flusher has this file in its care. */
export function isServed(file: SharedFile): boolean {
  const by = file.control.servedBy();
  return by !== 0 && by === file.hub.flusherToken() && file.hub.flusherAlive();
}

/** The longest a thread waits for a booting flusher before announcing anyway (the hello covers it). */
const LISTEN_WAIT_MS = 2000;

function announce(file: SharedFile): void {
  const th = threadHub();
  const message: HubMessage = { type: 'file', sab: file.views.sab, config: file.config };
  const token = file.hub.flusherToken();
  if (th.started !== null && th.started.token === token) th.started.worker.postMessage(message);
  else {
    file.hub.awaitListening(token, LISTEN_WAIT_MS);
    th.channel.postMessage(message);
  }
  file.hub.wake();
}

/**
 * Makes sure the process's one flusher thread serves this file: tells the live flusher about it, or
 * starts the flusher if there is none (the caller that wins the compare-and-swap on HUB_FLUSHER).
 * The main thread also replaces a flusher a worker started, which would die with that worker.
 * The flusher is unref'd, so it never keeps the process alive; exit handlers drain instead.
 */
export function ensureFlusher(file: SharedFile, onError: (err: Error) => void): void {
  const { hub } = file;
  if (isServed(file) && (!isMainThread || hub.flusherLasts())) return;
  const token = hub.claimFlusher(isMainThread);
  if (token === 0) {
    announce(file);
    return;
  }
  let worker: Worker;
  try {
    worker = new Worker(flusherEntry(), {
      workerData: { hub: hub.sab, token, files: [{ sab: file.views.sab, config: file.config }] },
      name: 'concurrent-log flusher',
      // The default, stated because the lock depends on it: the thread's descriptors (and so its
      // flocks) are closed when it exits, however it exits.
      trackUnmanagedFds: true,
    });
  } catch (err) {
    hub.releaseFlusher(token);
    onError(err as Error);
    return;
  }
  worker.unref();
  const th = threadHub();
  th.started = { token, worker };
  worker.on('error', onError);
  // Died mid-drain: its drain locks are free to take at once (Drainer.acquire). Its file locks are
  // already gone: Node closes a worker's file descriptors when it exits (trackUnmanagedFds), and
  // the kernel drops a flock with its last descriptor.
  worker.on('exit', () => {
    hub.markExited(token);
    if (th.started?.worker === worker) th.started = null;
  });
}
