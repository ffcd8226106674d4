/**
 * The one place that knows the layout of the shared buffers: each file's, and the process hub's.
 * Every other module reads and writes them through these names; no offsets appear anywhere else.
 *
 * A file's buffer:  [ control: CONTROL_SLOTS x Int32 ][ times: TIME_SLOTS x Float64 ][ ring: ringSize bytes ]
 * The process hub:  [ HUB_SLOTS x Int32 ][ HUB_TIME_SLOTS x Float64 ][ HUB_FILE_SLOTS x Int32 ]
 *
 * The ring holds records in the frame format of frame.ts, written byte-wise and wrapping at the
 * end of the ring.
 */

// ---- Int32 control slots -------------------------------------------------------------------------
/** Layout version; a buffer made by another version of the package is not attached to. */
export const VERSION = 0;
/** Producers' mutex: 0 free, 1 held, 2 held with waiters (Drepper's futex mutex). */
export const MUTEX = 1;
/** Incremented on every mutex acquisition; lets a waiter see that a holder has stalled. */
export const MUTEX_SEQ = 2;
/** Total bytes ever drained (uint32, wrapping). Stored by the drainer only. The ring offset is
 * HEAD & (ringSize - 1), which is why ring sizes are powers of two. */
export const HEAD = 3;
/** Total bytes ever pushed (uint32, wrapping). Stored under MUTEX only, after the record's bytes
 * are in place: one store publishes a whole record, so a producer that dies mid-copy publishes
 * nothing. Bytes pending = (TAIL - HEAD) >>> 0. */
export const TAIL = 4;
/** How many times in a row FAULT has occurred, counted by whichever thread drains, so that a
 * replacement flusher goes on with the series instead of reporting the fault as new. */
export const FAULT_COUNT = 5;
/** Bumped (and notified) when the drainer frees space, for producers waiting on a full ring. */
export const SPACE = 6;
/** Token of the process flusher serving this file (HUB_FLUSHER's value when it adopted it), 0 when
 * none. Served means: this equals the hub's live flusher. */
export const SERVED_BY = 7;
/** Token of the thread draining the ring right now (its native threadToken, see fs/filelock.ts), 0 when
 * none. One drainer at a time; a holder whose thread has ended is taken over at once. */
export const DRAIN = 8;
/** Non-zero while the last attempt to write failed (disk full, permission...), so producers facing
 * a full ring drop and count instead of waiting forever: the index of the error's code in
 * FAULT_CODES (process/messages.ts), so a drop can be reported with its cause from any thread. */
export const FAULT = 9;
/** Records dropped because the ring stayed full during a fault. */
export const DROPPED = 10;
/** Number of handler instances attached in this process and not closed. */
export const ATTACHED = 11;
/** Records accepted into the ring since creation (wraps at 2^31; for statistics). */
export const RECORDS = 12;
/** Sequence number of the last flusher fault report claimed by a handler (see Control.claimReport). */
export const REPORTED = 13;
/** Sequence number of the last fault report issued by a flusher of this buffer (any flusher, so a
 * replacement flusher's reports are new ones). */
export const REPORT_SEQ = 14;
export const CONTROL_SLOTS = 15;

// ---- Float64 time slots --------------------------------------------------------------------------
/** Date.now() when the current drainer took DRAIN: a holder that lives but has not let go for
 * DRAIN_STALE_MS (control.ts) is taken over too. */
export const DRAIN_BEAT = 0;
export const TIME_SLOTS = 1;

// ---- Byte regions --------------------------------------------------------------------------------
export const CONTROL_BYTES = CONTROL_SLOTS * 4;
/** Float64Array needs an offset that is a multiple of 8. */
export const TIMES_OFFSET = Math.ceil(CONTROL_BYTES / 8) * 8;
export const RING_OFFSET = TIMES_OFFSET + TIME_SLOTS * 8;

export const LAYOUT_VERSION = 6;

export interface SharedViews {
  sab: SharedArrayBuffer;
  control: Int32Array;
  times: Float64Array;
  ring: Uint8Array;
  ringSize: number;
}

export function allocate(ringSize: number): SharedViews {
  const sab = new SharedArrayBuffer(RING_OFFSET + ringSize);
  const views = viewsOf(sab);
  Atomics.store(views.control, VERSION, LAYOUT_VERSION);
  return views;
}

export function viewsOf(sab: SharedArrayBuffer): SharedViews {
  const ringSize = sab.byteLength - RING_OFFSET;
  return {
    sab,
    control: new Int32Array(sab, 0, CONTROL_SLOTS),
    times: new Float64Array(sab, TIMES_OFFSET, TIME_SLOTS),
    ring: new Uint8Array(sab, RING_OFFSET, ringSize),
    ringSize,
  };
}

/** Whether `sab` was laid out by this version of the package (a buffer from another is not used). */
export function isCurrentLayout(sab: SharedArrayBuffer): boolean {
  return (
    sab.byteLength > RING_OFFSET && Atomics.load(new Int32Array(sab, 0, CONTROL_SLOTS), VERSION) === LAYOUT_VERSION
  );
}

// ---- The process hub: one per process, whatever the number of files -------------------------------
/** Layout version, as VERSION. */
export const HUB_VERSION = 0;
/** Token (negative) of the process's one flusher thread, 0 when none (elected by CAS). Odd when the
 * main thread started it: a flusher started by a worker dies with that worker (Node ends a worker's
 * workers with it), so the main thread replaces such a flusher with its own as soon as it can. */
export const HUB_FLUSHER = 1;
/** Bumped (and notified) when any file's producers want the flusher to wake before its interval. */
export const HUB_WAKE = 2;
/** Source of flusher tokens, counting down from -1 (see hub.ts claimFlusher). */
export const HUB_NEXT_TOKEN = 3;
/** The thread token (native threadToken) of the flusher that listens (HUB_LISTENING): stored before
 * HUB_LISTENING, so that a flusher whose thread has ended is known dead at once, even when the thread
 * that started it ended with it and so never heard its 'exit'. */
export const HUB_FLUSHER_THREAD = 4;
/** Token of the flusher whose announcement channel is open. A BroadcastChannel delivers only to the
 * channels that exist when a message is posted, so a thread announces a file only once this holds the
 * current flusher's token (hub.ts awaitListening). */
export const HUB_LISTENING = 5;
/** This hub's identity (random, non-zero): what the native hub table (native/flock.c hubEnter) keeps,
 * so that a thread that has no hub knows which one to ask for. */
export const HUB_ID = 6;
/** The registry lock: held (by the holder's thread token) while a thread makes a file's buffer and
 * hands it to the flusher, so that two threads opening the same file never both make one. A holder
 * whose thread has ended is taken over at once. */
export const HUB_REGISTRY = 7;
/** 1 once the main thread answers questions for the files it keeps (process/registry.ts answerFromMain): while
 * no flusher runs, a thread opening a file asks it before making a buffer. The main thread lives as
 * long as the process, so this is never taken back. */
export const HUB_MAIN_ANSWERS = 8;
/** Bumped (and notified) after each answer to a question (process/registry.ts answerQuestions): a
 * thread waiting for an answer sleeps on it, and wakes as the answer is posted, not at its next look. */
export const HUB_ANSWERS = 9;
export const HUB_SLOTS = 10;
/** Date.now() of the flusher's last sign of life. */
export const HUB_FLUSHER_BEAT = 0;
/** Date.now() until which no flusher is started, because the last one could not start: writers
 * write their own records meanwhile (core/handler/feed.ts). */
export const HUB_NO_FLUSHER_UNTIL = 1;
export const HUB_TIME_SLOTS = 2;
const HUB_TIMES_OFFSET = Math.ceil((HUB_SLOTS * 4) / 8) * 8;
/**
 * The names of the files a buffer was ever made for in this process, as non-zero 32-bit hashes in an
 * open-addressed table (linear probing, never emptied), written under HUB_REGISTRY. A thread opening
 * a file whose hash is absent knows no thread has a buffer for it, and makes one without asking the
 * flusher (which may still be booting). A hash present (or a full table) only means "ask".
 */
export const HUB_FILE_SLOTS = 1024;
const HUB_FILES_OFFSET = HUB_TIMES_OFFSET + HUB_TIME_SLOTS * 8;
const HUB_BYTES = HUB_FILES_OFFSET + HUB_FILE_SLOTS * 4;

export interface HubViews {
  sab: SharedArrayBuffer;
  control: Int32Array;
  times: Float64Array;
  files: Int32Array;
}

export function allocateHub(): HubViews {
  const views = hubViewsOf(new SharedArrayBuffer(HUB_BYTES));
  Atomics.store(views.control, HUB_VERSION, LAYOUT_VERSION);
  Atomics.store(views.control, HUB_NEXT_TOKEN, -1);
  // Any non-zero 31-bit number: two hubs of one process are told apart by it (native/flock.c).
  Atomics.store(views.control, HUB_ID, 1 + Math.floor(Math.random() * 0x7ffffffe));
  return views;
}

export function hubViewsOf(sab: SharedArrayBuffer): HubViews {
  return {
    sab,
    control: new Int32Array(sab, 0, HUB_SLOTS),
    times: new Float64Array(sab, HUB_TIMES_OFFSET, HUB_TIME_SLOTS),
    files: new Int32Array(sab, HUB_FILES_OFFSET, HUB_FILE_SLOTS),
  };
}

/** Whether `sab` is a hub laid out by this version of the package. */
export function isCurrentHub(sab: SharedArrayBuffer): boolean {
  return (
    sab.byteLength === HUB_BYTES && Atomics.load(new Int32Array(sab, 0, HUB_SLOTS), HUB_VERSION) === LAYOUT_VERSION
  );
}
