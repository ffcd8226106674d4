// The flusher thread: one per process, whatever the number of files. It sleeps on the hub's wake-up
// word and drains every file's ring to disk under that file's lock, so records reach the disk even
// while every writing thread is busy in a long synchronous loop. Files are independent: each has its
// own drainer, fault state and retry backoff, so a file the disk refuses does not hold up the others.
import { workerData, parentPort, BroadcastChannel, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { viewsOf, hubViewsOf } from '../memory/layout.js';
import { SharedRing } from '../memory/ring.js';
import { Control } from '../memory/control.js';
import { Hub } from '../memory/hub.js';
import { Drainer } from './drain.js';
import { FileAppender } from '../rotation/appender.js';
import { appenderOptions, type FlusherConfig } from '../options.js';
import { HUB_KEY, answer, answerQuestions, channelName, joinHub, type HubMessage } from './registry.js';
import { errorToMessage, faultNumber, type EventMessage } from './messages.js';

/** Sleep between heartbeats when there is nothing to write. */
const IDLE_WAIT_MS = 1000;
/** Retry delays while the file system refuses a file's writes. */
const RETRY_MIN_MS = 50;
const RETRY_MAX_MS = 1000;
/** Retry delays while another process holds a file's lock: looked at again between event-loop turns. */
const LOCKED_MIN_MS = 5;
const LOCKED_MAX_MS = 100;
/** How long a replaced flusher waits for its successor to listen before leaving its files to their threads. */
const HANDOVER_WAIT_MS = 2000;
const HANDOVER_POLL_MS = 10;

interface Served {
  /** The file's name; a buffer being retired (see adopt) is kept under its own key until drained. */
  key: string;
  sab: SharedArrayBuffer;
  config: FlusherConfig;
  control: Control;
  ring: SharedRing;
  drainer: Drainer;
  /** Where this file's fault reports go: every handler of the file in the process listens. */
  channel: BroadcastChannel;
  /** Whether the last attempt failed (the count is the control block's), and when to try again. */
  faulted: boolean;
  /** Whether another process held the file lock at the last attempt (not a fault: waited for). */
  locked: boolean;
  /** Not opened yet (delay: false): opened on the first turn the file lock is free. */
  opening: boolean;
  retryAt: number;
  retryMs: number;
}

const { hub: hubSab, files } = workerData as {
  hub: SharedArrayBuffer;
  token: number;
  files: Array<{ sab: SharedArrayBuffer; config: FlusherConfig }>;
};
/** This flusher's token: the one it was started with, or the one it claimed again as it was ending (run). */
let token = (workerData as { token: number }).token;
const hub = new Hub(hubViewsOf(hubSab));
const served = new Map<string, Served>();
let retiring = 0;

/**
 * Every handler of the file hears the report; the one that claims its sequence number reports it,
 * so a fault is reported once per process, not once per thread. A fault that persists is reported
 * again at 1, 2, 4, 8... occurrences, with its count.
 */
function report(f: Served, err: Error, occurrences = 1): void {
  f.channel.postMessage(errorToMessage(err, f.control.nextReport(), occurrences));
}

function adopt(sab: SharedArrayBuffer, config: FlusherConfig): void {
  const old = served.get(config.filename);
  if (old?.sab === sab) {
    // The same buffer announced again: a handler of the file was given another namer or rotator.
    if (old.config.namer !== config.namer || old.config.rotator !== config.rotator) {
      old.config = config;
      old.drainer.appender.setHooks(appenderOptions(config));
    }
    return;
  }
  // A new buffer for a file served here: its handlers were all closed and one was made again
  // (registry.ts, sharedFileFor). What the old buffer still holds is written first, by its own config.
  if (old) {
    if (old.ring.pending() > 0) drain(old, Date.now());
    if (old.ring.pending() === 0) release(old);
    else {
      // The disk refused it for now: it stays served (and retried) under its own key until empty.
      served.delete(old.key);
      old.key = `${old.key}\0retiring\0${retiring++}`;
      served.set(old.key, old);
    }
  }
  const views = viewsOf(sab);
  const control = new Control(views);
  const ring = new SharedRing(views);
  const channel = new BroadcastChannel(channelName(config.filename));
  channel.unref();
  const f: Served = {
    key: config.filename,
    sab,
    config,
    control,
    ring,
    channel,
    faulted: false,
    locked: false,
    opening: !config.delay,
    retryAt: 0,
    retryMs: RETRY_MIN_MS,
    drainer: null!,
  };
  // Rotations and deletions are announced like reports: the one handler of the file that claims
  // the sequence number emits them, so each happens once as an event, in this process only.
  const appender = new FileAppender(
    appenderOptions(config),
    (err) => report(f, err),
    (e) => f.channel.postMessage({ ...e, seq: f.control.nextReport() } satisfies EventMessage),
  );
  f.drainer = new Drainer(control, ring, appender);
  served.set(f.key, f);
  control.serve(token);
  open(f);
}

/** Opens the file now (delay: false) if its lock is free; else at a later turn (run). */
function open(f: Served): void {
  try {
    if (f.drainer.ifUnlocked(() => f.drainer.appender.openEagerly(f.config.openedAt)) !== 'locked') f.opening = false;
  } catch (err) {
    f.opening = false;
    reportFault(f, err as Error, f.control.noteFault(faultNumber(err)));
  }
}

/** Reports the `count`th failure in a row, at 1, 2, 4, 8... (the count is kept per process, in the control block). */
function reportFault(f: Served, err: Error, count: number): void {
  if (count > 0 && (count & (count - 1)) === 0) report(f, err, count);
}

function release(f: Served): void {
  served.delete(f.key);
  f.control.unserve(token);
  f.drainer.close();
  f.channel.close();
}

/** Drains one file unless it is waiting to retry, keeping its own backoff. */
function drain(f: Served, now: number): void {
  if (now < f.retryAt) return;
  try {
    const result = f.drainer.drainIfUnlocked();
    if (result === 'busy') return;
    if (result === 'locked') {
      // The thread stays free meanwhile: it beats, answers and serves the other files.
      f.retryMs = f.locked ? Math.min(LOCKED_MAX_MS, f.retryMs * 2) : LOCKED_MIN_MS;
      f.locked = true;
      f.retryAt = now + f.retryMs;
      return;
    }
    f.locked = false;
    f.faulted = false;
    f.retryMs = RETRY_MIN_MS;
  } catch (err) {
    f.locked = false;
    f.faulted = true;
    reportFault(f, err as Error, f.drainer.failedAt || f.control.faultCount());
    f.retryAt = now + f.retryMs;
    f.retryMs = Math.min(RETRY_MAX_MS, f.retryMs * 2);
  }
}

// Files come by the process's announcement channel, or straight from the thread that started this
// flusher (its messages wait in the port until read, so that thread never waits for the boot).
const heard = (m: HubMessage): void => {
  if (m.type === 'file') adopt(m.sab, m.config);
};
const announcements = new BroadcastChannel(HUB_KEY);
announcements.onmessage = (e: unknown) => heard((e as { data: HubMessage }).data);
parentPort!.on('message', heard);
parentPort!.unref();
for (const f of files) adopt(f.sab, f.config);

/**
 * Adopts the files announced and not read yet. Before answering for a file: a thread that made one
 * announced it before giving the registry lock back, and a thread asking after it must be answered
 * with that buffer (registry.ts, sharedFileFor), whichever of the two messages this loop would read first.
 */
function catchUp(): void {
  // Node reads a BroadcastChannel as it does a MessagePort (documented since 15.4); its types do not say so.
  for (const port of [parentPort!, announcements as unknown as MessagePort])
    for (let m = receiveMessageOnPort(port); m !== undefined; m = receiveMessageOnPort(port))
      heard(m.message as HubMessage);
}
// The process's registrar: a thread that has no hub, or no buffer for a file, asks here (registry.ts
// sharedFileFor). This thread's event loop is free whenever it is not writing, which no writer's is.
joinHub(hub);
const closeRegistry = answerQuestions(
  (m) => {
    // Answering is a sign of life: under a flood of questions (a hundred workers opening at once on two
    // cores) the turns of run() may come late, and a flusher that answers must not be taken for dead.
    if (hub.isFlusher(token)) hub.beat();
    if (m.type === 'ask' && m.filename !== null) catchUp();
    return answer(hub, m, (filename) => {
      const f = served.get(filename);
      return f === undefined ? null : { sab: f.sab, config: f.config };
    });
  },
  false,
  hub,
);
hub.listening(token);
announcements.postMessage({ type: 'hello', token } satisfies HubMessage);

/**
 * Replaced (by the main thread, see hub.ts claimFlusher): tells the new flusher about every file
 * served here, since their own threads may be too busy to answer its hello, and stays until it has
 * taken them all (a message from a thread that ends at once may never be delivered).
 */
async function handOver(): Promise<void> {
  const deadline = Date.now() + HANDOVER_WAIT_MS;
  for (;;) {
    const next = hub.flusherToken();
    const left = [...served.values()].filter((f) => f.control.servedBy() !== next);
    if (next === 0 || left.length === 0 || Date.now() > deadline) return;
    if (hub.awaitListening(next, 0)) {
      for (const f of left)
        announcements.postMessage({ type: 'file', sab: f.sab, config: f.config, hub: hubSab } satisfies HubMessage);
      hub.wake();
    }
    await new Promise((resolve) => setTimeout(resolve, HANDOVER_POLL_MS));
  }
}

async function run(): Promise<void> {
  while (await serve()) {
    // Its last file was let go, so it gave its token up; a file announced before that was found in
    // the queues (catchUp below): this thread serves it, as the flusher again if no other one was
    // started meanwhile (the thread that announced it may never turn its event loop again).
    const again = hub.claimFlusher((token & 1) !== 0);
    if (again === 0) break;
    token = again;
    for (const f of served.values()) f.control.serve(token);
    hub.listening(token);
    announcements.postMessage({ type: 'hello', token } satisfies HubMessage);
  }
  await handOver();
  for (const f of [...served.values()]) release(f);
  announcements.close();
  closeRegistry();
  parentPort!.off('message', heard);
}

/**
 * Serves the files while this thread is the flusher; then gives the token up and reads what was
 * announced before it did: whether that brought files to serve. A thread announcing a file checks
 * the token after posting and tries again if it changed (registry.ts ensureFlusher), so every
 * announcement is either read here or made again.
 */
async function serve(): Promise<boolean> {
  while (hub.isFlusher(token)) {
    hub.beat();
    const seen = hub.wakeSeq();
    let pending = false;
    let batchReady = false;
    let faulted = false;
    let interval = IDLE_WAIT_MS;
    for (const f of served.values()) {
      if (f.opening) open(f);
      const bytes = f.ring.pending();
      if (bytes === 0) {
        if (f.control.attached() === 0) release(f);
        continue;
      }
      pending = true;
      if (bytes >= f.config.batchBytes) batchReady = true;
      if (f.faulted || f.locked) faulted = true;
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
      if (f.faulted || f.locked) nextRetry = Math.min(nextRetry, f.retryAt);
    }
    // Only faulted files left pending: sleep until the earliest retry (or new work).
    if (nextRetry !== Infinity && [...served.values()].every((f) => f.ring.pending() === 0 || f.faulted || f.locked)) {
      await hub.waitForWork(drainedAt, Math.max(1, nextRetry - Date.now()));
    }
  }
  const emptied = hub.isFlusher(token);
  hub.releaseFlusher(token);
  catchUp();
  return emptied && served.size > 0;
}

void run();
