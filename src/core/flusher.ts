// The flusher thread: one per file per process. It sleeps on the ring's WAKE slot and drains the
// ring to disk under the file lock, so records reach the disk even while every writing thread is
// busy in a long synchronous loop.
import { workerData, BroadcastChannel } from 'node:worker_threads';
import { viewsOf } from './layout.js';
import { SharedRing } from './ring.js';
import { Control } from './control.js';
import { Drainer } from './drain.js';
import { FileAppender } from './rotation.js';
import { appenderOptions, type FlusherConfig } from './options.js';
import { channelName } from './shared.js';
import { errorToMessage } from './errors.js';

/** Sleep between heartbeats when there is nothing to write. */
const IDLE_WAIT_MS = 1000;
/** Retry delays while the file system refuses writes. */
const RETRY_MIN_MS = 50;
const RETRY_MAX_MS = 1000;

const { sab, config, token, drainToken } = workerData as { sab: SharedArrayBuffer; config: FlusherConfig; token: number; drainToken: number };
const views = viewsOf(sab);
const control = new Control(views);
const ring = new SharedRing(views);
const channel = new BroadcastChannel(channelName(config.filename));
channel.unref();

/**
 * Every handler in the process hears the report; the one that claims its sequence number reports
 * it, so a fault is reported once per process, not once per thread. A fault that persists is
 * reported again at 1, 2, 4, 8... occurrences, with its count.
 */
function report(err: Error, occurrences = 1): void {
  channel.postMessage(errorToMessage(err, control.nextReport(), occurrences));
}

const appender = new FileAppender(appenderOptions(config), (err) => report(err));
const drainer = new Drainer(control, ring, appender, drainToken);

try {
  appender.openEagerly(config.openedAt);
} catch (err) {
  report(err as Error);
}

let retryMs = RETRY_MIN_MS;
let fault = null as { code: string; count: number } | null;
while (control.isFlusher(token)) {
  control.beatFlusher();
  const seen = ring.wakeSeq();
  const pending = ring.pending();
  if (pending === 0) {
    if (control.attached() === 0) break;
    ring.waitForWork(seen, IDLE_WAIT_MS);
    continue;
  }
  // Let a batch build up, unless it already has.
  if (pending < config.batchBytes && control.fault() === 0) ring.waitForWork(seen, config.flushInterval);
  try {
    if (drainer.drainOnce() === 'busy') {
      ring.waitForWork(ring.wakeSeq(), 1);
      continue;
    }
    retryMs = RETRY_MIN_MS;
    fault = null;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    if (fault?.code !== code) fault = { code, count: 0 };
    fault.count++;
    if ((fault.count & (fault.count - 1)) === 0) report(err as Error, fault.count);
    ring.waitForWork(ring.wakeSeq(), retryMs);
    retryMs = Math.min(RETRY_MAX_MS, retryMs * 2);
  }
}
control.releaseFlusher(token);
drainer.close();
channel.close();
