// The flusher thread: one per file per process. It sleeps on the ring's WAKE slot and drains the
// ring to disk under the file lock, so records reach the disk even while every writing thread is
// busy in a long synchronous loop.
import { workerData } from 'node:worker_threads';
import { BroadcastChannel } from 'node:worker_threads';
import { viewsOf, FLUSHER, FLUSHER_BEAT, FAULT, ATTACHED } from './layout.js';
import { SharedRing } from './ring.js';
import { Drainer } from './drain.js';
import { FileAppender } from './rotation.js';
import { Schedule } from '../time/schedule.js';
import { reviveHook, type FlusherConfig, type Namer, type Rotator } from './options.js';
import { channelName } from './shared.js';
import { errorToMessage } from './errors.js';

/** Sleep between heartbeats when there is nothing to write. */
const IDLE_WAIT_MS = 1000;
/** Retry delays while the file system refuses writes. */
const RETRY_MIN_MS = 50;
const RETRY_MAX_MS = 1000;

const { sab, config, token, drainToken } = workerData as { sab: SharedArrayBuffer; config: FlusherConfig; token: number; drainToken: number };
const views = viewsOf(sab);
const c = views.control;
const ring = new SharedRing(views);
const channel = new BroadcastChannel(channelName(config.filename));
channel.unref();

function report(err: Error): void {
  channel.postMessage(errorToMessage(err));
}

const appender = new FileAppender({
  filename: config.filename,
  schedule: Schedule.create({ ...config, timezone: config.timezone ?? undefined }),
  backupCount: config.backupCount,
  delay: config.delay,
  mode: config.mode,
  namer: config.namer ? reviveHook<Namer>(config.namer) : null,
  rotator: config.rotator ? reviveHook<Rotator>(config.rotator) : null,
  compress: config.compress,
});
const drainer = new Drainer(views, ring, appender, drainToken);
const batchBytes = config.batchBytes;

try {
  appender.openEagerly();
} catch (err) {
  report(err as Error);
}

let retryMs = RETRY_MIN_MS;
let reportedCode: string | null = null;
while (Atomics.load(c, FLUSHER) === token) {
  views.times[FLUSHER_BEAT] = Date.now();
  const seen = ring.wakeSeq();
  const pending = ring.pending();
  if (pending === 0) {
    if (Atomics.load(c, ATTACHED) === 0) break;
    ring.waitForWork(seen, IDLE_WAIT_MS);
    continue;
  }
  // Let a batch build up, unless it already has.
  if (pending < batchBytes && Atomics.load(c, FAULT) === 0) ring.waitForWork(seen, config.flushInterval);
  const result = drainer.drainOnce();
  if (result === 'failed') {
    const err = drainer.lastError!;
    const code = (err as NodeJS.ErrnoException).code ?? err.message;
    if (code !== reportedCode) {
      report(err);
      reportedCode = code;
    }
    ring.waitForWork(ring.wakeSeq(), retryMs);
    retryMs = Math.min(RETRY_MAX_MS, retryMs * 2);
  } else if (result === 'drained') {
    retryMs = RETRY_MIN_MS;
    reportedCode = null;
  } else {
    ring.waitForWork(ring.wakeSeq(), 1);
  }
}
Atomics.compareExchange(c, FLUSHER, token, 0);
drainer.close();
channel.close();
