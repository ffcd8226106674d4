// The flusher thread: one per process, whatever the number of files. It sleeps on the hub's wake-up
// word and drains every file's ring to disk under that file's lock, so records reach the disk even
// while every writing thread is busy in a long synchronous loop. Files are independent: each has its
// own drainer, fault state and retry backoff, so a file the disk refuses does not hold up the others.
import { workerData, BroadcastChannel } from 'node:worker_threads';
import { viewsOf, hubViewsOf } from './layout.js';
import { SharedRing } from './ring.js';
import { Control } from './control.js';
import { Hub } from './hub.js';
import { Drainer } from './drain.js';
import { FileAppender } from './rotation.js';
import { appenderOptions, type FlusherConfig } from './options.js';
import { HUB_KEY, channelName, type HubMessage } from './shared.js';
import { errorToMessage, type EventMessage } from './errors.js';

/** Sleep between heartbeats when there is nothing to write. */
const IDLE_WAIT_MS = 1000;
/** Retry delays while the file system refuses a file's writes. */
const RETRY_MIN_MS = 50;
const RETRY_MAX_MS = 1000;

interface Served {
  config: FlusherConfig;
  control: Control;
  ring: SharedRing;
  drainer: Drainer;
  /** Where this file's fault reports go: every handler of the file in the process listens. */
  channel: BroadcastChannel;
  /** The current fault, counted, and when to try again. */
  fault: { code: string; count: number } | null;
  retryAt: number;
  retryMs: number;
}

const { hub: hubSab, token, files } = workerData as { hub: SharedArrayBuffer; token: number; files: Array<{ sab: SharedArrayBuffer; config: FlusherConfig }> };
const hub = new Hub(hubViewsOf(hubSab));
const served = new Map<string, Served>();

/**
 * Every handler of the file hears the report; the one that claims its sequence number reports it,
 * so a fault is reported once per process, not once per thread. A fault that persists is reported
 * again at 1, 2, 4, 8... occurrences, with its count.
 */
function report(f: Served, err: Error, occurrences = 1): void {
  f.channel.postMessage(errorToMessage(err, f.control.nextReport(), occurrences));
}

function adopt(sab: SharedArrayBuffer, config: FlusherConfig): void {
  if (served.has(config.filename)) return;
  const views = viewsOf(sab);
  const control = new Control(views);
  const ring = new SharedRing(views);
  const channel = new BroadcastChannel(channelName(config.filename));
  channel.unref();
  const f: Served = { config, control, ring, channel, fault: null, retryAt: 0, retryMs: RETRY_MIN_MS, drainer: null! };
  // Rotations and deletions are announced like reports: the one handler of the file that claims
  // the sequence number emits them, so each happens once as an event, in this process only.
  const appender = new FileAppender(appenderOptions(config), (err) => report(f, err), (e) => f.channel.postMessage({ ...e, seq: f.control.nextReport() } satisfies EventMessage));
  f.drainer = new Drainer(control, ring, hub, appender, token);
  served.set(config.filename, f);
  control.serve(token);
  try {
    appender.openEagerly(config.openedAt);
  } catch (err) {
    report(f, err as Error);
  }
}

function release(f: Served): void {
  served.delete(f.config.filename);
  f.control.unserve(token);
  f.drainer.close();
  f.channel.close();
}

/** Drains one file unless it is waiting to retry, keeping its own fault state. */
function drain(f: Served, now: number): void {
  if (now < f.retryAt) return;
  try {
    if (f.drainer.drainOnce() === 'busy') return;
    f.fault = null;
    f.retryMs = RETRY_MIN_MS;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    if (f.fault?.code !== code) f.fault = { code, count: 0 };
    f.fault.count++;
    if ((f.fault.count & (f.fault.count - 1)) === 0) report(f, err as Error, f.fault.count);
    f.retryAt = now + f.retryMs;
    f.retryMs = Math.min(RETRY_MAX_MS, f.retryMs * 2);
  }
}

const announcements = new BroadcastChannel(HUB_KEY);
announcements.onmessage = (e: unknown) => {
  const m = (e as { data: HubMessage }).data;
  if (m.type === 'file') adopt(m.sab, m.config);
};
for (const f of files) adopt(f.sab, f.config);
announcements.postMessage({ type: 'hello', token } satisfies HubMessage);

async function run(): Promise<void> {
  while (hub.isFlusher(token)) {
    hub.beat();
    const seen = hub.wakeSeq();
    let pending = false;
    let batchReady = false;
    let faulted = false;
    let interval = IDLE_WAIT_MS;
    for (const f of served.values()) {
      const bytes = f.ring.pending();
      if (bytes === 0) {
        if (f.control.attached() === 0) release(f);
        continue;
      }
      pending = true;
      if (bytes >= f.config.batchBytes) batchReady = true;
      if (f.fault) faulted = true;
      interval = Math.min(interval, f.config.flushInterval);
    }
    if (served.size === 0) break;
    if (!pending) {
      await hub.waitForWork(seen, IDLE_WAIT_MS);
      continue;
    }
    // Let batches build up, unless one already has.
    if (!batchReady && !faulted) await hub.waitForWork(seen, interval);
    // Read before draining: a producer's wake-up during the drains must cut the backoff sleep short.
    const drainedAt = hub.wakeSeq();
    const now = Date.now();
    let nextRetry = Infinity;
    for (const f of served.values()) {
      if (f.ring.pending() > 0) drain(f, now);
      if (f.fault) nextRetry = Math.min(nextRetry, f.retryAt);
    }
    // Only faulted files left pending: sleep until the earliest retry (or new work).
    if (nextRetry !== Infinity && [...served.values()].every((f) => f.ring.pending() === 0 || f.fault)) {
      await hub.waitForWork(drainedAt, Math.max(1, nextRetry - Date.now()));
    }
  }
  hub.releaseFlusher(token);
  for (const f of [...served.values()]) release(f);
  announcements.close();
}

void run();
